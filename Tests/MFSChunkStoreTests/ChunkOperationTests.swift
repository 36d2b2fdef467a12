import Foundation
import MFSChunkStore
import MFSCore
import Testing

@Suite struct ChunkOperationTests {
    let v1 = ChunkVersion(1)

    /// Writes `data` at `offset` with its CRC.
    func write(_ store: ChunkStore, _ id: ChunkID, _ offset: Int, _ data: [UInt8], version: ChunkVersion = ChunkVersion(1)) throws {
        try store.write(id, version: version, offset: offset, bytes: data, crc: BlockCRC.checksum(data))
    }

    func readAll(_ store: ChunkStore, _ id: ChunkID, _ offset: Int, _ size: Int, version: ChunkVersion = ChunkVersion(1)) throws -> [UInt8]
    {
        let pieces = try store.read(id, version: version, offset: offset, size: size)
        for piece in pieces { #expect(piece.crc == BlockCRC.checksum(piece.bytes)) }
        return pieces.flatMap(\.bytes)
    }

    @Test func writesReadBackAcrossBlocksAndSurviveAReopen() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let data = pattern(200_000, seed: 4)
        do {
            let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
            try store.create(ChunkID(1), version: v1)
            try write(store, ChunkID(1), 30_000, data)
            #expect(try readAll(store, ChunkID(1), 30_000, data.count) == data)  // before finish: from the open file
            try store.finish(ChunkID(1))
        }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        #expect(store.chunk(ChunkID(1))?.blocks == 4)
        #expect(try readAll(store, ChunkID(1), 30_000, data.count) == data)
        #expect(try readAll(store, ChunkID(1), 0, 30_000) == [UInt8](repeating: 0, count: 30_000))
        // Pieces never cross a block: offset 1000, size 70000 gives 64536 then 5464 bytes.
        let pieces = try store.read(ChunkID(1), version: v1, offset: 1000, size: 70_000)
        #expect(pieces.map(\.piece) == [BlockPiece(block: 0, offset: 1000, size: 64_536), BlockPiece(block: 1, offset: 0, size: 5464)])
    }

    /// The last byte of the chunk can be written and read; one byte past it cannot.
    @Test func readsAndWritesStopAtTheChunkSize() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(2)
        try store.create(id, version: v1)
        let tail = pattern(100, seed: 5)
        try write(store, id, ChunkLimits.chunkSize - 100, tail)
        try store.finish(id)
        #expect(store.chunk(id)?.blocks == ChunkLimits.blocksPerChunk)
        #expect(try readAll(store, id, ChunkLimits.chunkSize - 100, 100) == tail)
        #expect(try store.read(id, version: v1, offset: ChunkLimits.chunkSize, size: 0).isEmpty)
        #expect(throws: ChunkStoreError.outOfChunk(offset: ChunkLimits.chunkSize - 100, size: 101)) {
            try store.read(id, version: self.v1, offset: ChunkLimits.chunkSize - 100, size: 101)
        }
        #expect(throws: ChunkStoreError.outOfChunk(offset: ChunkLimits.chunkSize, size: 1)) {
            try self.write(store, id, ChunkLimits.chunkSize, [1])
        }
        #expect(throws: ChunkStoreError.blockOutOfChunk(ChunkLimits.blocksPerChunk)) {
            try store.write(
                id, version: self.v1, piece: BlockPiece(block: 1024, offset: 0, size: 1), bytes: [1], crc: BlockCRC.checksum([1]))
        }
        #expect(throws: ChunkStoreError.outOfChunk(offset: 65_535, size: 2)) {
            try store.write(id, version: self.v1, piece: BlockPiece(block: 0, offset: 65_535, size: 2), bytes: [1, 2], crc: 0)
        }
        let bytes = dir.bytes("hdd1/00/chunk_0000000000000002_00000001.mfs")
        #expect(bytes.count == ChunkLimits.maxFileLength)
    }

    /// A write inside a stored block keeps the bytes around it and the stored CRC stays the
    /// block's zlib CRC.
    @Test func partialBlockWritesMergeIntoTheBlock() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(3)
        try store.create(id, version: v1)
        var expected = pattern(ChunkLimits.blockSize, seed: 6)
        try write(store, id, 0, expected)
        let piece = pattern(5000, seed: 7)
        try store.write(
            id, version: v1, piece: BlockPiece(block: 0, offset: 20_000, size: 5000), bytes: piece, crc: BlockCRC.checksum(piece))
        expected.replaceSubrange(20_000..<25_000, with: piece)
        try store.finish(id)
        #expect(try readAll(store, id, 0, ChunkLimits.blockSize) == expected)
        let file = dir.bytes("hdd1/00/chunk_0000000000000003_00000001.mfs")
        #expect(file.bigEndianUInt32(at: 4096) == BlockCRC.checksum(expected))
    }

    /// A packet whose CRC does not match its bytes is refused and the file is untouched.
    @Test func aBadPacketCRCChangesNothing() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(4)
        try store.create(id, version: v1)
        try write(store, id, 0, pattern(100_000))
        try store.finish(id)
        let path = "hdd1/00/chunk_0000000000000004_00000001.mfs"
        let before = BlockCRC.checksum(dir.bytes(path))
        let data = pattern(1000, seed: 8)
        let wrong = BlockCRC.checksum(data) ^ 1
        #expect(throws: ChunkStoreError.packetCRCMismatch(id, sent: wrong, computed: BlockCRC.checksum(data))) {
            try store.write(id, version: self.v1, offset: 500, bytes: data, crc: wrong)
        }
        try store.finish(id)
        #expect(BlockCRC.checksum(dir.bytes(path)) == before)
    }

    /// A byte flipped on disk: the read reports the chunk damaged and returns no byte.
    @Test func aFlippedByteIsReportedAndNeverReturned() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(5)
        try store.create(id, version: v1)
        try write(store, id, 0, pattern(3 * ChunkLimits.blockSize))
        try store.finish(id)
        try dir.flipBits("hdd1/00/chunk_0000000000000005_00000001.mfs", at: 8192 + ChunkLimits.blockSize + 777, mask: 0x40)
        var result: [ReadPiece]? = nil
        #expect {
            result = try store.read(id, version: self.v1, offset: 0, size: 3 * ChunkLimits.blockSize)
        } throws: { error in
            guard case .damaged(id, 1, _)? = error as? ChunkStoreError else { return false }
            return true
        }
        #expect(result == nil)
        // A piece of the damaged block, even one away from the flipped byte, is refused too.
        #expect(throws: ChunkStoreError.self) { try store.read(id, version: self.v1, offset: ChunkLimits.blockSize, size: 10) }
        // So is a write into it (it would need the old bytes).
        #expect(throws: ChunkStoreError.self) { try self.write(store, id, ChunkLimits.blockSize + 5, [1, 2, 3]) }
        #expect(try readAll(store, id, 0, 10) == Array(pattern(3 * ChunkLimits.blockSize)[0..<10]))
        let events = store.takeEvents()
        #expect(events.contains(.damaged(id)))
        #expect(events.contains { if case .errorOccurred = $0 { true } else { false } })
        // Remembered for the next registration (taking the events does not forget it), until
        // the chunk is deleted; created anew, it is not damaged.
        #expect(store.damagedChunks == [id])
        try store.delete(id, version: .any)
        #expect(store.damagedChunks.isEmpty)
        try store.create(id, version: v1)
        #expect(store.damagedChunks.isEmpty)
    }

    @Test func truncateShrinksAndGrows() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(6)
        let data = pattern(3 * ChunkLimits.blockSize, seed: 10)
        try store.create(id, version: v1)
        try write(store, id, 0, data)
        try store.finish(id)
        // Shrink into block 1 at 70,000 bytes and bump to version 2 (MATOCS_TRUNCATE).
        try store.truncate(id, version: v1, to: 70_000, newVersion: ChunkVersion(2))
        let v2 = ChunkVersion(2)
        #expect(store.chunk(id)?.blocks == 2 && store.chunk(id)?.version == v2)
        var expected = Array(data[0..<70_000]) + [UInt8](repeating: 0, count: 2 * ChunkLimits.blockSize - 70_000)
        #expect(try readAll(store, id, 0, 2 * ChunkLimits.blockSize, version: v2) == expected)
        let file = dir.bytes("hdd1/00/chunk_0000000000000006_00000002.mfs")
        #expect(file.count == 8192 + 2 * 65536)
        #expect(file.bigEndianUInt32(at: 4096 + 4) == BlockCRC.checksum(Array(expected[65536...])))
        #expect(file.bigEndianUInt32(at: 4096 + 8) == BlockCRC.emptyBlock)
        // Grow to the full chunk: new blocks read as zeros.
        try store.truncate(id, version: v2, to: ChunkLimits.chunkSize, newVersion: v2)
        #expect(store.chunk(id)?.blocks == ChunkLimits.blocksPerChunk)
        expected += [UInt8](repeating: 0, count: ChunkLimits.blockSize)
        #expect(try readAll(store, id, 0, 3 * ChunkLimits.blockSize, version: v2) == expected)
        // To zero, and past the chunk size.
        try store.truncate(id, version: v2, to: 0, newVersion: v2)
        #expect(store.chunk(id)?.blocks == 0)
        #expect(throws: ChunkStoreError.outOfChunk(offset: ChunkLimits.chunkSize + 1, size: 0)) {
            try store.truncate(id, version: v2, to: ChunkLimits.chunkSize + 1, newVersion: v2)
        }
    }

    @Test func setVersionRenamesAndRewritesTheHeader() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(0x10)
        try store.create(id, version: v1)
        #expect(throws: ChunkStoreError.wrongVersion(id, requested: ChunkVersion(3), stored: v1)) {
            try store.setVersion(id, from: ChunkVersion(3), to: ChunkVersion(4))
        }
        try store.setVersion(id, from: v1, to: ChunkVersion(0x1234))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/hdd1/00/chunk_0000000000000010_00000001.mfs"))
        let file = dir.bytes("hdd1/00/chunk_0000000000000010_00001234.mfs")
        #expect(file.bigEndianUInt32(at: 16) == 0x1234)
        #expect(throws: ChunkStoreError.wrongVersion(id, requested: v1, stored: ChunkVersion(0x1234))) {
            try store.read(id, version: self.v1, offset: 0, size: 1)
        }
        #expect(try store.read(id, version: .any, offset: 0, size: 1).count == 1)  // 0 = any version
        #expect(throws: ChunkStoreError.noChunk(ChunkID(99))) { try store.setVersion(ChunkID(99), from: .any, to: self.v1) }
    }

    @Test func duplicateCopiesUnderTheNewIdAndVersion() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let data = pattern(100_000, seed: 11)
        try store.create(ChunkID(1), version: v1)
        try write(store, ChunkID(1), 0, data)
        try store.finish(ChunkID(1))
        try store.duplicate(ChunkID(1), version: v1, to: ChunkID(2), newVersion: ChunkVersion(5))
        #expect(try readAll(store, ChunkID(2), 0, data.count, version: ChunkVersion(5)) == data)
        #expect(store.chunk(ChunkID(1))?.version == v1)
        #expect(throws: ChunkStoreError.chunkExists(ChunkID(2))) {
            try store.duplicate(ChunkID(1), version: self.v1, to: ChunkID(2), newVersion: self.v1)
        }
        let copy = try store.duplicateTruncate(ChunkID(1), version: v1, to: ChunkID(3), newVersion: ChunkVersion(2), length: 30_000)
        #expect(copy.blocks == 1 && copy.version == ChunkVersion(2))
        #expect(
            try readAll(store, ChunkID(3), 0, 40_000, version: ChunkVersion(2)) == Array(data[0..<30_000])
                + [UInt8](repeating: 0, count: 10_000))
        let header = dir.bytes("hdd1/00/chunk_0000000000000003_00000002.mfs")
        #expect(header.bigEndianUInt64(at: 8) == 3 && header.bigEndianUInt32(at: 16) == 2)
    }

    /// A master asking for a version with bit 31 (the chunk lists' removal flag) is refused
    /// with EINVAL before anything changes: no file, no rename, no cut.
    @Test func versionsPastTheMaximumAreRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let high = ChunkVersion(0x8000_0000)
        #expect(throws: ChunkStoreError.versionOutOfRange(ChunkID(1), high)) { try store.create(ChunkID(1), version: high) }
        #expect(store.chunk(ChunkID(1)) == nil)
        try store.create(ChunkID(2), version: .maximum)
        try write(store, ChunkID(2), 0, pattern(100_000, seed: 13), version: .maximum)
        try store.finish(ChunkID(2))
        #expect(throws: ChunkStoreError.versionOutOfRange(ChunkID(2), high)) {
            try store.setVersion(ChunkID(2), from: .maximum, to: high)
        }
        #expect(throws: ChunkStoreError.versionOutOfRange(ChunkID(2), high)) {
            try store.truncate(ChunkID(2), version: .maximum, to: 10, newVersion: high)
        }
        #expect(throws: ChunkStoreError.versionOutOfRange(ChunkID(3), high)) {
            try store.duplicate(ChunkID(2), version: .maximum, to: ChunkID(3), newVersion: high)
        }
        #expect(store.chunk(ChunkID(2))?.version == .maximum && store.chunk(ChunkID(3)) == nil)
        #expect(try readAll(store, ChunkID(2), 0, 100_000, version: .maximum) == pattern(100_000, seed: 13))
        #expect(ChunkStoreError.versionOutOfRange(ChunkID(2), high).mooseFSStatus == 6)
    }

    @Test func createAndDeleteCheckWhatIsStored() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        try store.create(ChunkID(1), version: v1)
        #expect(throws: ChunkStoreError.chunkExists(ChunkID(1))) { try store.create(ChunkID(1), version: ChunkVersion(2)) }
        #expect(throws: ChunkStoreError.wrongVersion(ChunkID(1), requested: ChunkVersion(2), stored: v1)) {
            try store.delete(ChunkID(1), version: ChunkVersion(2))
        }
        try store.delete(ChunkID(1), version: .any)
        #expect(store.chunk(ChunkID(1)) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/hdd1/00/chunk_0000000000000001_00000001.mfs"))
        #expect(throws: ChunkStoreError.noChunk(ChunkID(1))) { try store.delete(ChunkID(1), version: .any) }
        #expect(ChunkStoreError.noChunk(ChunkID(1)).mooseFSStatus == 13)
    }

    /// Replication writes under version 0 and renames to the final version, like MooseFS.
    @Test func replicationWritesVersionZeroThenRenames() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let source = try ChunkStore(directories: [dir.entry("source")], options: testOptions())
        let target = try ChunkStore(directories: [dir.entry("target")], options: testOptions())
        let id = ChunkID(0x42)
        try source.create(id, version: ChunkVersion(7))
        try write(source, id, 0, pattern(150_000, seed: 12), version: ChunkVersion(7))
        try source.finish(id)
        let ticket = try target.beginReplication(id)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/target/00/chunk_0000000000000042_00000000.mfs"))
        let blocks = try source.blocks(id, version: ChunkVersion(7))
        for block in 0..<blocks {
            let piece = try source.read(
                id, version: ChunkVersion(7), piece: BlockPiece(block: block, offset: 0, size: ChunkLimits.blockSize))
            try target.writeReplica(ticket, piece: piece.piece, bytes: piece.bytes, crc: piece.crc)
        }
        try target.completeReplication(ticket, version: ChunkVersion(7))
        #expect(dir.bytes("target/00/chunk_0000000000000042_00000007.mfs") == dir.bytes("source/00/chunk_0000000000000042_00000007.mfs"))
        let abandoned = try target.beginReplication(ChunkID(0x43))
        target.abandonReplication(abandoned)
        #expect(target.chunk(ChunkID(0x43)) == nil)
    }

    /// A replication the master gave up on (its version-0 file deleted as stale) and a second
    /// one of the same chunk begun: the first can no longer write, finish or delete the
    /// second's file, which completes on its own.
    @Test func aReplicationGivenUpOnCannotTouchTheNextOnesFile() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let target = try ChunkStore(directories: [dir.entry("target")], options: testOptions())
        let id = ChunkID(0x44)
        let block = pattern(ChunkLimits.blockSize, seed: 30)
        let piece = BlockPiece(block: 0, offset: 0, size: ChunkLimits.blockSize)
        let first = try target.beginReplication(id)
        try target.writeReplica(first, piece: piece, bytes: block, crc: BlockCRC.checksum(block))
        try target.delete(id, version: .any)  // the master's delete of a stale version-0 copy
        let second = try target.beginReplication(id)
        let other = pattern(ChunkLimits.blockSize, seed: 31)
        try target.writeReplica(second, piece: piece, bytes: other, crc: BlockCRC.checksum(other))
        #expect(throws: ChunkStoreError.noChunk(id)) {
            try target.writeReplica(first, piece: piece, bytes: block, crc: BlockCRC.checksum(block))
        }
        #expect(throws: ChunkStoreError.noChunk(id)) { try target.completeReplication(first, version: ChunkVersion(3)) }
        target.abandonReplication(first)
        #expect(target.chunk(id)?.version == .any)
        try target.completeReplication(second, version: ChunkVersion(4))
        #expect(target.chunk(id)?.version == ChunkVersion(4))
        #expect(try target.read(id, version: ChunkVersion(4), offset: 0, size: 10).flatMap(\.bytes) == Array(other[0..<10]))
        // Done: a late abandon of the finished replication leaves it alone.
        target.abandonReplication(second)
        #expect(target.chunk(id)?.version == ChunkVersion(4))
    }

    /// Past `maxOpenChunks` write sessions the oldest is flushed and closed; every write lands.
    @Test func openChunksStayWithinTheirLimit() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.maxOpenChunks = 2
        let store = try ChunkStore(directories: [dir.entry()], options: options)
        for id in 1...3 { try store.create(ChunkID(UInt64(id)), version: v1) }
        for round in 0..<2 {
            for id in 1...3 { try write(store, ChunkID(UInt64(id)), round * 1000, pattern(1000, seed: UInt64(id * 10 + round))) }
        }
        #expect(store.finishAll().isEmpty)
        for id in 1...3 {
            let expected = pattern(1000, seed: UInt64(id * 10)) + pattern(1000, seed: UInt64(id * 10 + 1))
            #expect(try readAll(store, ChunkID(UInt64(id)), 0, 2000) == expected)
        }
    }
}
