import Foundation
import MFSCore
import Testing

@testable import MFSChunkStore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes taken and then dropped before an fsync covered them (a failed fsync, a chunk closed
/// without one) must never be acknowledged: every later sync or finish of the chunk fails until
/// the master gives it its next version. Before, a sync of a chunk no longer open answered
/// "durable", so a write session's pending acknowledgement covered writes that were gone.
@Suite struct LostWritesTests {
    static func block(_ seed: Int) -> [UInt8] { (0..<ChunkLimits.blockSize).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ seed) } }

    static func write(_ store: ChunkStore, _ id: ChunkID, block: Int, version: UInt32 = 1) throws {
        let bytes = Self.block(block)
        let piece = BlockPiece(block: block, offset: 0, size: ChunkLimits.blockSize)
        try store.write(id, version: ChunkVersion(version), piece: piece, bytes: bytes, crc: BlockCRC.checksum(bytes))
    }

    @Test func aChunkClosedWithoutItsFsyncFailsEverySyncUntilItsNextVersion() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry("hdd1")], options: testOptions())
        let id = ChunkID(5)
        try store.create(id, version: ChunkVersion(1))
        try Self.write(store, id, block: 0)
        // What a failed fsync at eviction or a failed directory does to an open chunk.
        try store.withStorage { $0.closeUnsynced(id) }
        #expect(throws: ChunkStoreError.writesLost(id)) { try store.sync(id) }
        #expect(throws: ChunkStoreError.writesLost(id)) { try store.finish(id) }
        // A later write reopens the chunk; the lost one is still not covered by its sync.
        try Self.write(store, id, block: 1)
        #expect(throws: ChunkStoreError.writesLost(id)) { try store.sync(id) }
        // The master's set-version before the next write: a new start.
        try store.setVersion(id, from: ChunkVersion(1), to: ChunkVersion(2))
        try Self.write(store, id, block: 0, version: 2)
        try store.sync(id)
        try store.finish(id)
        // A chunk whose writes were all covered closes with nothing lost.
        let other = ChunkID(6)
        try store.create(other, version: ChunkVersion(1))
        try Self.write(store, other, block: 0)
        try store.sync(other)
        try store.withStorage { $0.closeUnsynced(other) }
        try store.sync(other)
        try store.finish(other)
    }

    /// The real path: the directory under a chunk with unsynced writes fails and is taken out
    /// of use; the write's pending sync fails instead of answering "durable".
    @Test func aFailedDirectoryFailsThePendingSyncOfItsChunk() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry("hdd1"), dir.entry("hdd2")], options: testOptions())
        var onFirst: [ChunkID] = []
        var onSecond: [ChunkID] = []
        for n in 1...8 {
            let record = try store.create(ChunkID(UInt64(n)), version: ChunkVersion(1))
            if record.directory == dir.path + "/hdd1/" { onFirst.append(record.id) } else { onSecond.append(record.id) }
        }
        guard onFirst.count >= 2, let witness = onSecond.first else {
            Issue.record("the chunks were not spread over both directories: \(onFirst) \(onSecond)")
            return
        }
        let victim = onFirst[0]
        try Self.write(store, victim, block: 0)
        try FileManager.default.removeItem(atPath: dir.path + "/hdd1")
        for _ in 0...DirectoryHealth.defaultToleranceCount {
            _ = try? store.read(onFirst[1], version: .any, offset: 0, size: 1)
        }
        #expect(store.directoryStatuses[0].failure != nil, "the directory was not taken out of use")
        #expect(throws: ChunkStoreError.self) { try store.sync(victim) }
        #expect(throws: ChunkStoreError.self) { try store.finish(victim) }
        try Self.write(store, witness, block: 0)
        try store.sync(witness)
    }
}
