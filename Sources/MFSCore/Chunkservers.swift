/// A chunkserver's id (MooseFS's `csid`): assigned by the master at a chunkserver's first
/// registration, kept by the chunkserver in `chunkserverid.mfs` and by the master in its
/// metadata, so a chunkserver keeps its id across restarts, address changes and failovers.
/// 0 means "none yet" (a chunkserver registering for the first time sends 0).
public struct ChunkserverID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = ChunkserverID(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// Where a chunkserver serves data (port 9422 by default): an IPv4 address as MooseFS sends it
/// (a big-endian `u32`, here in host order) and a port.
public struct ChunkserverAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var ip: UInt32
    public var port: UInt16

    public init(ip: UInt32, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// From four octets, for tests and configuration: `ChunkserverAddress(169, 254, 0, 2, port: 9422)`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        self.init(ip: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d), port: port)
    }

    public static func < (a: Self, b: Self) -> Bool { (a.ip, a.port) < (b.ip, b.port) }

    /// `a.b.c.d:port`.
    public var description: String {
        "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF):\(port)"
    }
}
