import MFSCore

/// A chunk's version, as in MooseFS: bumped by the master before any change that could let
/// replicas diverge. 0 in a request means "whatever version is stored"; a chunk being
/// replicated is stored under version 0 until it is complete.
public struct ChunkVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    /// "Any version" in a request; the version of a chunk while it is being replicated.
    public static let any = ChunkVersion(0)
    /// Bit 31 of a version in the chunk lists sent to the master: the chunk lives in a
    /// directory marked for removal (`*` in mfshdd.cfg). Never part of a stored version.
    public static let markedForRemovalBit: UInt32 = 0x8000_0000
    /// The highest version a chunk can be stored at: bit 31 is the wire's flag above.
    public static let maximum = ChunkVersion(markedForRemovalBit - 1)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }

    /// Whether a request naming `self` may act on a chunk stored at `stored`.
    public func accepts(_ stored: ChunkVersion) -> Bool { self == .any || self == stored }
}

extension ChunkVersion {
    /// Refuses a version chunk `id` cannot be stored at (above `maximum`), before anything
    /// is done with it.
    public func checkStorable(for id: ChunkID) throws(ChunkStoreError) {
        guard self <= .maximum else { throw .versionOutOfRange(id, self) }
    }
}
