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
        // Lost again; a new write session of the chunk (at the same version: a chunk with one
        // copy is not bumped) starts afresh, its own writes covered by its own syncs.
        try Self.write(store, id, block: 1, version: 2)
        try store.withStorage { $0.closeUnsynced(id) }
        #expect(throws: ChunkStoreError.writesLost(id)) { try store.sync(id) }
        store.beginWrite(id)
        try Self.write(store, id, block: 1, version: 2)
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

/// A version change renames the chunk file and then rewrites its header: a crash between the two
/// leaves the new name with the old version inside. The chunk is the same at either version, so
/// the header is brought to the name when the file is next opened, instead of the whole copy
/// reading as damaged.
@Suite struct VersionHeaderMendTests {
    @Test func aHeaderBehindItsNameIsMendedWhenOpened() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(0x77)
        let block = LostWritesTests.block(0)
        do {
            let store = try ChunkStore(directories: [dir.entry("hdd1")], options: testOptions())
            try store.create(id, version: ChunkVersion(1))
            try LostWritesTests.write(store, id, block: 0)
            try store.finish(id)
            try store.setVersion(id, from: ChunkVersion(1), to: ChunkVersion(2))
        }
        let fileName = "chunk_0000000000000077_00000002.mfs"
        guard let found = FileManager.default.subpaths(atPath: dir.path + "/hdd1")?.first(where: { $0.hasSuffix(fileName) }) else {
            Issue.record("no \(fileName)")
            return
        }
        let name = "hdd1/" + found
        // The crash: the header still says version 1.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: dir.path + "/" + name))
        try handle.seek(toOffset: UInt64(ChunkHeader.versionOffset))
        try handle.write(contentsOf: [0, 0, 0, 1])
        try handle.close()
        #expect(dir.bytes(name).bigEndianUInt32(at: ChunkHeader.versionOffset) == 1)

        do {
            let store = try ChunkStore(directories: [dir.entry("hdd1")], options: testOptions())
            let read = try store.read(id, version: ChunkVersion(2), offset: 0, size: ChunkLimits.blockSize)
            let same = read.flatMap(\.bytes) == block
            #expect(same, "the block read back differs")
            #expect(dir.bytes(name).bigEndianUInt32(at: ChunkHeader.versionOffset) == 2)
        }
        // Another id in the header is still damage.
        let handle2 = try FileHandle(forUpdating: URL(fileURLWithPath: dir.path + "/" + name))
        try handle2.seek(toOffset: UInt64(ChunkHeader.versionOffset - 8))
        try handle2.write(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0x78])
        try handle2.close()
        let reopened = try ChunkStore(directories: [dir.entry("hdd1")], options: testOptions())
        #expect(throws: ChunkStoreError.self) { try reopened.read(id, version: ChunkVersion(2), offset: 0, size: 1) }
    }
}
