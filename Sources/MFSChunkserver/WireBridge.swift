import MFSChunkStore
import MFSCore
import MooseWire

/// The store's typed version and the codec's plain `UInt32` (0 = any version in a request).
typealias StoredVersion = MFSChunkStore.ChunkVersion
typealias WireVersion = UInt32

extension MooseStatus {
    /// The status a store error is answered with.
    init(_ error: ChunkStoreError) { self.init(rawValue: error.mooseFSStatus) }

    /// The status of a store call: OK, or its error's.
    static func of(_ body: () throws(ChunkStoreError) -> Void) -> MooseStatus {
        do {
            try body()
            return .ok
        } catch {
            return MooseStatus(error)
        }
    }
}

extension SpaceTotals {
    /// As `CSTOMA_SPACE` and register BEGIN carry it.
    var report: SpaceReport {
        SpaceReport(
            normal: DiskUsage(usedBytes: usedSpace, totalBytes: totalSpace, chunkCount: chunkCount),
            markedForRemoval: DiskUsage(
                usedBytes: markedForRemovalUsedSpace, totalBytes: markedForRemovalTotalSpace, chunkCount: markedForRemovalChunkCount))
    }
}

extension ChunkRecord {
    /// The entry of the registration chunk list.
    var listed: ListedChunk {
        ListedChunk(chunkID: id, version: version.rawValue, onDiskMarkedForRemoval: markedForRemoval)
    }
}

/// `a.b.c.d` as a number, most significant first; nil for anything else.
func ipv4Number(_ text: String) -> UInt32? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var value: UInt32 = 0
    for part in parts {
        guard let octet = UInt8(part) else { return nil }
        value = value << 8 | UInt32(octet)
    }
    return value
}

/// The dotted form of an IPv4 number.
func ipv4Text(_ value: UInt32) -> String {
    stride(from: 24, through: 0, by: -8).map { String(UInt8(truncatingIfNeeded: value >> UInt32($0))) }.joined(separator: ".")
}

/// A chunk id as logs write it (MooseFS's 16 hex digits).
func chunkName(_ id: ChunkID) -> String {
    let digits = String(id.rawValue, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}
