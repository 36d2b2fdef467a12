import MFSCore

// Chunk versions are plain `UInt32` in MooseWire, as in `MFSChunkRegistry`: the typed
// `ChunkVersion` lives in `MFSChunkStore` (an I/O target this codec must not depend on), and a
// second type of the same name would make every file importing both ambiguous. Once
// `ChunkVersion` moves to MFSCore, the messages take it. A version 0 in a request means
// "whichever version is stored".

/// One entry of a chunk list (register CHUNKS, CSTOMA_CHUNK_NEW): `chunkid:64 version:32`,
/// where bit 31 of the version field is not part of the version but says that the copy lives
/// on a disk marked for removal (`*` in mfshdd.cfg): the master counts such a copy as one to
/// replicate away (its TDVALID state), not as a normal copy.
public struct ListedChunk: Hashable, Sendable, CustomStringConvertible {
    public var chunkID: ChunkID
    /// The version: below 2³¹.
    public var version: UInt32
    /// The copy is on a disk marked for removal (bit 31 of the version field).
    public var onDiskMarkedForRemoval: Bool

    public init(chunkID: ChunkID, version: UInt32, onDiskMarkedForRemoval: Bool = false) {
        precondition(version & Self.markedForRemovalBit == 0, "chunk version \(version) uses bit 31")
        self.chunkID = chunkID
        self.version = version
        self.onDiskMarkedForRemoval = onDiskMarkedForRemoval
    }

    static let markedForRemovalBit: UInt32 = 1 << 31
    static let encodedSize = 12

    func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version | (onDiskMarkedForRemoval ? Self.markedForRemovalBit : 0))
    }

    static func decode(from reader: inout MooseReader, _ field: @autoclosure () -> String) throws(MooseWireError) -> ListedChunk {
        let id = try reader.chunkID("\(field()).chunkid")
        let raw = try reader.uint32("\(field()).version")
        return ListedChunk(
            chunkID: id, version: raw & ~markedForRemovalBit, onDiskMarkedForRemoval: raw & markedForRemovalBit != 0)
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
