import Foundation
import MFSChunkStore
import MFSCore
import Testing

@Suite struct ChunkFormatTests {
    /// The bytes MooseFS 3.0.117 writes for a new chunk: `MFSC 1.0`, id and version big-endian,
    /// zeros to 4096, then a CRC table of zeros; no block.
    @Test func aNewChunkFileIsTheMooseFSHeaderByteForByte() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let record = try store.create(ChunkID(0x0102_0304_0506_0708), version: ChunkVersion(0x0A0B_0C0D))
        #expect(record.path == dir.path + "/hdd1/00/chunk_0102030405060708_0A0B0C0D.mfs")
        let bytes = dir.bytes("hdd1/00/chunk_0102030405060708_0A0B0C0D.mfs")
        var expected = Array("MFSC 1.0".utf8) + [1, 2, 3, 4, 5, 6, 7, 8] + [0x0A, 0x0B, 0x0C, 0x0D]
        expected += [UInt8](repeating: 0, count: 8192 - expected.count)
        #expect(bytes.count == 8192)
        #expect(bytes == expected)
    }

    /// After writes: the file is 8192 + blocks × 65536 bytes, each present block's table entry is
    /// zlib's CRC-32 of that block, every other entry is the empty-block CRC.
    @Test func writtenBlocksAndTheirCRCTableFollowTheSpec() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(7)
        try store.create(id, version: ChunkVersion(1))
        let data = pattern(2 * ChunkLimits.blockSize + 1000)
        try store.write(id, version: ChunkVersion(1), offset: 0, bytes: data, crc: BlockCRC.checksum(data))
        try store.finish(id)
        let bytes = dir.bytes("hdd1/00/chunk_0000000000000007_00000001.mfs")
        #expect(bytes.count == 8192 + 3 * 65536)
        #expect(Array(bytes[0..<8]) == Array("MFSC 1.0".utf8))
        #expect(bytes.bigEndianUInt64(at: 8) == 7 && bytes.bigEndianUInt32(at: 16) == 1)
        #expect(bytes[20..<4096].allSatisfy { $0 == 0 })
        var lastBlock = Array(data[(2 * 65536)...])
        lastBlock += [UInt8](repeating: 0, count: 65536 - lastBlock.count)
        let blocks = [Array(data[0..<65536]), Array(data[65536..<131072]), lastBlock]
        for (index, block) in blocks.enumerated() {
            #expect(Array(bytes[(8192 + index * 65536)..<(8192 + (index + 1) * 65536)]) == block)
            #expect(bytes.bigEndianUInt32(at: 4096 + 4 * index) == BlockCRC.checksum(block))
        }
        for index in 3..<1024 { #expect(bytes.bigEndianUInt32(at: 4096 + 4 * index) == 0xD797_8EEB) }
    }

    /// `sync` stores the CRC table of what was written so far and keeps the chunk open: later
    /// writes go on, and the next `sync` stores them too. A chunk not open for writing (already
    /// finished, or never written) has nothing to sync.
    @Test func syncStoresTheTableAndKeepsTheChunkOpen() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(9)
        let name = "hdd1/00/chunk_0000000000000009_00000001.mfs"
        try store.create(id, version: ChunkVersion(1))
        let blocks = (0..<3).map { index in (0..<ChunkLimits.blockSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) } }
        for index in 0..<2 {
            let piece = BlockPiece(block: index, offset: 0, size: ChunkLimits.blockSize)
            try store.write(id, version: ChunkVersion(1), piece: piece, bytes: blocks[index], crc: BlockCRC.checksum(blocks[index]))
        }
        try store.sync(id)
        var bytes = dir.bytes(name)
        #expect(bytes.count == 8192 + 2 * 65536)
        #expect(bytes.bigEndianUInt32(at: 4096) == BlockCRC.checksum(blocks[0]))
        #expect(bytes.bigEndianUInt32(at: 4100) == BlockCRC.checksum(blocks[1]))
        #expect(bytes.bigEndianUInt32(at: 4104) == 0xD797_8EEB)  // not written yet: the empty block's CRC
        let piece = BlockPiece(block: 2, offset: 0, size: ChunkLimits.blockSize)
        try store.write(id, version: ChunkVersion(1), piece: piece, bytes: blocks[2], crc: BlockCRC.checksum(blocks[2]))
        try store.sync(id)
        bytes = dir.bytes(name)
        #expect(Array(bytes[(8192 + 2 * 65536)...]) == blocks[2])
        #expect(bytes.bigEndianUInt32(at: 4104) == BlockCRC.checksum(blocks[2]))
        #expect(try store.read(id, version: ChunkVersion(1), offset: 0, size: 3 * 65536).flatMap(\.bytes) == blocks.flatMap { $0 })
        try store.finish(id)
        try store.sync(id)
        #expect(throws: ChunkStoreError.noChunk(ChunkID(10)), "nothing written to a chunk not stored is durable") {
            try store.sync(ChunkID(10))
        }
        #expect(dir.bytes(name) == bytes)
    }

    /// `finish` fsyncs only what no fsync covered yet: after a `sync` (or a command's own
    /// fsync) that covered every write it closes the chunk without another; a write after the
    /// `sync` makes it fsync again; the data and table are on disk either way.
    @Test func finishFsyncsOnlyWhatNoSyncCovered() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(11)
        let block = (0..<ChunkLimits.blockSize).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let whole = BlockPiece(block: 0, offset: 0, size: ChunkLimits.blockSize)
        func write(_ version: UInt32 = 1) throws {
            try store.write(id, version: ChunkVersion(version), piece: whole, bytes: block, crc: BlockCRC.checksum(block))
        }
        try store.create(id, version: ChunkVersion(1))
        let start = store.writeSyncs
        try write()
        try store.sync(id)
        #expect(store.writeSyncs == start + 1)
        try store.finish(id)
        #expect(store.writeSyncs == start + 1, "every write was covered by the sync")
        #expect(try store.read(id, version: ChunkVersion(1), offset: 0, size: 65536).flatMap(\.bytes) == block)
        #expect(dir.bytes("hdd1/00/chunk_000000000000000B_00000001.mfs").bigEndianUInt32(at: 4096) == BlockCRC.checksum(block))

        try write()
        try store.sync(id)
        try write()
        try store.finish(id)
        #expect(store.writeSyncs == start + 3, "a write after the sync: finish fsyncs")

        try write()
        try store.finish(id)
        #expect(store.writeSyncs == start + 4, "no sync at all: finish fsyncs")
        try store.finish(id)
        #expect(store.writeSyncs == start + 4, "not open: nothing to finish")

        try write()
        try store.truncate(id, version: ChunkVersion(1), to: 1000, newVersion: ChunkVersion(2))
        try store.finish(id)
        #expect(store.writeSyncs == start + 4, "the truncate fsynced the write and itself")
        #expect(try store.read(id, version: ChunkVersion(2), offset: 0, size: 1000).flatMap(\.bytes) == Array(block[..<1000]))
        try write(2)
        try store.sync(id)
        try store.setVersion(id, from: ChunkVersion(2), to: ChunkVersion(3))
        try store.finish(id)
        #expect(store.writeSyncs == start + 5, "the version change fsynced itself")
        #expect(try store.read(id, version: ChunkVersion(3), offset: 0, size: 65536).flatMap(\.bytes) == block)
    }

    @Test func theLayoutComesFromTheFileLength() {
        #expect(ChunkFileLayout(fileLength: 8192) == ChunkFileLayout(headerSize: 4096, blocks: 0))
        #expect(ChunkFileLayout(fileLength: 8192 + 3 * 65536) == ChunkFileLayout(headerSize: 4096, blocks: 3))
        #expect(ChunkFileLayout(fileLength: 5120 + 65536) == ChunkFileLayout(headerSize: 1024, blocks: 1))
        // At the limit: all 1024 blocks; one block more, or any partial block, is no chunk file.
        #expect(ChunkFileLayout(fileLength: ChunkLimits.maxFileLength)?.blocks == ChunkLimits.blocksPerChunk)
        #expect(ChunkFileLayout(fileLength: ChunkLimits.maxFileLength + 65536) == nil)
        #expect(ChunkFileLayout(fileLength: 8192 + 100) == nil)
        #expect(ChunkFileLayout(fileLength: 0) == nil)
        #expect(ChunkFileLayout(fileLength: 4096) == nil)
    }

    @Test func theHeaderRoundTrips() {
        let header = ChunkHeader(id: ChunkID(0xFEDC_BA98_7654_3210), version: ChunkVersion(42))
        #expect(header.bytes.count == ChunkLimits.headerSize)
        #expect(ChunkHeader(parsing: header.bytes) == header)
        var newer = header.bytes
        newer[7] = UInt8(ascii: "1")
        #expect(ChunkHeader(parsing: newer) == header)  // MFSC 1.1 is read too
        var foreign = header.bytes
        foreign[0] = UInt8(ascii: "X")
        #expect(ChunkHeader(parsing: foreign) == nil)
        #expect(ChunkHeader(parsing: Array(header.bytes[0..<19])) == nil)
    }

    /// A MooseFS 1.x file (1 KiB header, table at 1024, data at 5120) is read.
    @Test func anOldOneKilobyteHeaderFileIsRead() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let block = pattern(ChunkLimits.blockSize, seed: 9)
        var file = ChunkHeader(id: ChunkID(5), version: ChunkVersion(3)).bytes[0..<1024].map { $0 }
        var table = [UInt8](repeating: 0, count: 4096)
        withUnsafeBytes(of: BlockCRC.checksum(block).bigEndian) { table.replaceSubrange(0..<4, with: $0) }
        file += table + block
        try FileManager.default.createDirectory(atPath: dir.path + "/hdd1/00", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir.path + "/hdd1/00/chunk_0000000000000005_00000003.mfs", contents: Data(file))
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        #expect(store.chunk(ChunkID(5))?.blocks == 1)
        let read = try store.read(ChunkID(5), version: ChunkVersion(3), offset: 100, size: 1000)
        #expect(read.map(\.bytes) == [Array(block[100..<1100])])
    }

    /// A header whose id differs from the file name makes the chunk damaged (one whose version
    /// alone differs is mended: `VersionHeaderMendTests`).
    @Test func aHeaderThatDoesNotMatchTheNameIsDamage() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let header = ChunkHeader(id: ChunkID(7), version: ChunkVersion(1)).bytes + [UInt8](repeating: 0, count: 4096)
        try FileManager.default.createDirectory(atPath: dir.path + "/hdd1/00", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir.path + "/hdd1/00/chunk_0000000000000006_00000001.mfs", contents: Data(header))
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        #expect(store.chunk(ChunkID(6))?.version == ChunkVersion(1))
        #expect {
            _ = try store.read(ChunkID(6), version: ChunkVersion(1), offset: 0, size: 10)
        } throws: { error in
            guard case .damaged(ChunkID(6), nil, _)? = error as? ChunkStoreError else { return false }
            return true
        }
        #expect(store.takeEvents().contains(.damaged(ChunkID(6))))
    }
}
