import MFSCore

/// A chunk's version (u32). MooseFS's requests read 0 as "whichever version you have"
/// (`any`) for delete, set-version, truncate, read and write.
public struct ChunkVersion: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    /// "Any version" in a request.
    public static let any = ChunkVersion(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}

/// The id a master gives a chunkserver (u16, stored in its `chunkserverid.mfs`); 0 = none yet.
public struct ChunkserverID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = ChunkserverID(0)
    public var description: String { String(rawValue) }
}

/// A chunkserver's data-port address as MooseFS writes it: `ip:32 port:16`. An ip of 0 in a
/// register BEGIN means "the address you see me connect from".
public struct ChunkserverAddress: Hashable, Sendable, CustomStringConvertible {
    public var ipv4: UInt32
    public var port: UInt16

    public init(ipv4: UInt32, port: UInt16) {
        self.ipv4 = ipv4
        self.port = port
    }

    /// `a.b.c.d` parts, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        self.init(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d), port: port)
    }

    public var description: String {
        let parts = stride(from: 24, through: 0, by: -8).map { String(UInt8(truncatingIfNeeded: ipv4 >> UInt32($0))) }
        return parts.joined(separator: ".") + ":\(port)"
    }
}

/// One entry of a chunk list (register CHUNKS, CSTOMA_CHUNK_NEW): `chunkid:64 version:32`,
/// where bit 31 of the version field is not part of the version but says that the copy lives
/// on a disk marked for removal (`*` in mfshdd.cfg): the master counts such a copy as one to
/// replicate away (its TDVALID state), not as a normal copy.
public struct ListedChunk: Hashable, Sendable, CustomStringConvertible {
    public var chunkID: ChunkID
    /// The version: below 2³¹.
    public var version: ChunkVersion
    /// The copy is on a disk marked for removal (bit 31 of the version field).
    public var onDiskMarkedForRemoval: Bool

    public init(chunkID: ChunkID, version: ChunkVersion, onDiskMarkedForRemoval: Bool = false) {
        precondition(version.rawValue & Self.markedForRemovalBit == 0, "chunk version \(version) uses bit 31")
        self.chunkID = chunkID
        self.version = version
        self.onDiskMarkedForRemoval = onDiskMarkedForRemoval
    }

    static let markedForRemovalBit: UInt32 = 1 << 31
    static let encodedSize = 12

    func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version.rawValue | (onDiskMarkedForRemoval ? Self.markedForRemovalBit : 0))
    }

    static func decode(from reader: inout MooseReader, _ field: String) throws(MooseWireError) -> ListedChunk {
        let id = try reader.chunkID("\(field).chunkid")
        let raw = try reader.uint32("\(field).version")
        return ListedChunk(
            chunkID: id, version: ChunkVersion(raw & ~markedForRemovalBit), onDiskMarkedForRemoval: raw & markedForRemovalBit != 0)
    }

    static func decodeList(from reader: inout MooseReader, header: Int, limit: Int) throws(MooseWireError) -> [ListedChunk] {
        let count = try reader.entryCount(header: header, entrySize: encodedSize, limit: limit, "chunks")
        var chunks: [ListedChunk] = []
        chunks.reserveCapacity(count)
        for _ in 0..<count { chunks.append(try decode(from: &reader, "chunks")) }
        return chunks
    }

    public var description: String { "\(chunkID)v\(version)\(onDiskMarkedForRemoval ? "*" : "")" }
}

/// Space of one class of disks: `used:64 total:64 chunks:32` (bytes, bytes, count).
public struct DiskUsage: Hashable, Sendable {
    public var usedBytes: UInt64
    public var totalBytes: UInt64
    public var chunkCount: UInt32

    public init(usedBytes: UInt64, totalBytes: UInt64, chunkCount: UInt32) {
        self.usedBytes = usedBytes
        self.totalBytes = totalBytes
        self.chunkCount = chunkCount
    }

    public static let zero = DiskUsage(usedBytes: 0, totalBytes: 0, chunkCount: 0)
}

/// A chunkserver's space, as in CSTOMA_SPACE, register BEGIN and the v5 register END:
/// `used:64 total:64 chunks:32 tdused:64 tdtotal:64 tdchunks:32` (40 bytes), the second three
/// for disks marked for removal.
public struct SpaceReport: Hashable, Sendable {
    public var normal: DiskUsage
    public var markedForRemoval: DiskUsage

    public init(normal: DiskUsage, markedForRemoval: DiskUsage = .zero) {
        self.normal = normal
        self.markedForRemoval = markedForRemoval
    }

    static let encodedSize = 40

    func encode(into writer: inout MooseWriter) {
        for usage in [normal, markedForRemoval] {
            writer.write(usage.usedBytes)
            writer.write(usage.totalBytes)
            writer.write(usage.chunkCount)
        }
    }

    static func decode(from reader: inout MooseReader) throws(MooseWireError) -> SpaceReport {
        let normal = DiskUsage(
            usedBytes: try reader.uint64("usedspace"), totalBytes: try reader.uint64("totalspace"),
            chunkCount: try reader.uint32("chunks"))
        let removal = DiskUsage(
            usedBytes: try reader.uint64("tdusedspace"), totalBytes: try reader.uint64("tdtotalspace"),
            chunkCount: try reader.uint32("tdchunks"))
        return SpaceReport(normal: normal, markedForRemoval: removal)
    }
}

/// A chunkserver's labels: bit i = the letter `A` + i (i < 26). `LABELS = A,C` is `0x5`.
public struct LabelMask: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The mask of letters `A`...`Z` (others are ignored).
    public init(letters: String) {
        rawValue = 0
        for scalar in letters.unicodeScalars where scalar.value >= 65 && scalar.value <= 90 { rawValue |= 1 << (scalar.value - 65) }
    }

    /// The letters, comma-separated, as mfschunkserver.cfg writes them.
    public var description: String {
        (0..<26).filter { rawValue & (1 << $0) != 0 }.map { String(UnicodeScalar(UInt8(65 + $0))) }.joined(separator: ",")
    }
}
