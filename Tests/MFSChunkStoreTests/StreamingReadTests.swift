import Foundation
import MFSChunkStore
import MFSCore
import Testing

/// `ChunkStore.read(_:version:pieces:into:)`, the data port's streaming read: the bytes and
/// CRCs of the piece-by-piece read, written into the caller's memory, under the same checks.
@Suite struct StreamingReadTests {
    let v1 = ChunkVersion(1)

    /// Reads `pieces` with the streaming read into fresh memory.
    func streamed(_ store: ChunkStore, _ id: ChunkID, _ pieces: [BlockPiece], version: ChunkVersion = ChunkVersion(1)) throws -> (
        bytes: [[UInt8]], crcs: [UInt32]
    ) {
        let spaces = pieces.map { UnsafeMutableRawBufferPointer.allocate(byteCount: $0.size, alignment: 8) }
        defer { for space in spaces { space.deallocate() } }
        for space in spaces { space.initializeMemory(as: UInt8.self, repeating: 0xEE) }
        let crcs = try store.read(id, version: version, pieces: pieces, into: spaces)
        return (spaces.map { Array($0) }, crcs)
    }

    func stored(_ dir: TestDirectory, _ id: ChunkID, blocks: Int) throws -> ChunkStore {
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        try store.create(id, version: v1)
        let data = pattern(blocks * ChunkLimits.blockSize, seed: 9)
        try store.write(id, version: v1, offset: 0, bytes: data, crc: BlockCRC.checksum(data))
        try store.finish(id)
        return store
    }

    /// Whole blocks, parts of blocks and blocks past the chunk's end (zeros) read as
    /// `read(_:version:piece:)` reads them.
    @Test func piecesReadAsThePieceByPieceRead() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(7)
        let store = try stored(dir, id, blocks: 3)
        let block = ChunkLimits.blockSize
        let pieces = [
            BlockPiece(block: 0, offset: 0, size: block), BlockPiece(block: 1, offset: 10, size: 1_000),
            BlockPiece(block: 2, offset: 0, size: block), BlockPiece(block: 2, offset: block - 1, size: 1),
            BlockPiece(block: 3, offset: 0, size: block), BlockPiece(block: 1_023, offset: 5, size: 7),
        ]
        let (bytes, crcs) = try streamed(store, id, pieces)
        for (index, piece) in pieces.enumerated() {
            let one = try store.read(id, version: v1, piece: piece)
            #expect(bytes[index] == one.bytes, "\(piece)")
            #expect(crcs[index] == one.crc && crcs[index] == BlockCRC.checksum(bytes[index]), "\(piece)")
        }
    }

    /// Runs of consecutive whole blocks (read with one `preadv` each) give what the
    /// piece-by-piece read gives: a long run, a run broken by a jump back, a run that reaches
    /// past the chunk's stored blocks (zeros from there), a run cut by a part of a block.
    @Test func runsOfWholeBlocksReadAsThePieceByPieceRead() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(11)
        let store = try stored(dir, id, blocks: 7)
        let block = ChunkLimits.blockSize
        let whole = { (b: Int) in BlockPiece(block: b, offset: 0, size: block) }
        let pieces = [
            whole(0), whole(1), whole(2), whole(3), whole(1), whole(2), BlockPiece(block: 3, offset: 0, size: 100), whole(4), whole(5),
            whole(6), whole(7), whole(8), whole(6),
        ]
        let (bytes, crcs) = try streamed(store, id, pieces)
        let data = pattern(7 * block, seed: 9)
        for (index, piece) in pieces.enumerated() {
            let one = try store.read(id, version: v1, piece: piece)
            #expect(bytes[index] == one.bytes, "\(index): \(piece)")
            #expect(crcs[index] == one.crc && crcs[index] == BlockCRC.checksum(bytes[index]), "\(index): \(piece)")
            if piece.block < 7, piece.isWholeBlock {
                #expect(bytes[index] == Array(data[piece.block * block..<(piece.block + 1) * block]), "\(index): \(piece)")
            }
        }
    }

    /// A flipped byte in a stored block: the streaming read throws `damaged` for that block, also
    /// inside a run of whole blocks read at once.
    @Test func aFlippedByteFailsTheStreamingRead() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(8)
        let store = try stored(dir, id, blocks: 2)
        try dir.flipBits("hdd1/00/chunk_0000000000000008_00000001.mfs", at: 8192 + ChunkLimits.blockSize + 4_000, mask: 0x01)
        let pieces = [
            BlockPiece(block: 0, offset: 0, size: ChunkLimits.blockSize), BlockPiece(block: 1, offset: 0, size: ChunkLimits.blockSize),
        ]
        #expect {
            _ = try streamed(store, id, pieces)
        } throws: { error in
            guard case .damaged(id, 1, _)? = error as? ChunkStoreError else { return false }
            return true
        }
        // The good block alone still reads, and the damage was reported (by the read under the
        // lock that a mismatch outside it falls back to).
        #expect(
            try streamed(store, id, [pieces[0]]).bytes[0] == Array(pattern(2 * ChunkLimits.blockSize, seed: 9)[0..<ChunkLimits.blockSize]))
        #expect(store.takeEvents().contains(.damaged(id)))
    }

    /// A chunk open for writing (written, not finished: its CRC table in memory is ahead of its
    /// file's) reads its newest bytes, under the lock.
    @Test func aChunkOpenForWritingReadsItsNewestBytes() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(12)
        let store = try stored(dir, id, blocks: 3)
        let block = ChunkLimits.blockSize
        let fresh = pattern(block, seed: 77)
        try store.write(id, version: v1, offset: block, bytes: fresh, crc: BlockCRC.checksum(fresh))
        let (bytes, crcs) = try streamed(store, id, (0..<3).map { BlockPiece(block: $0, offset: 0, size: block) })
        let old = pattern(3 * block, seed: 9)
        #expect(bytes == [Array(old[0..<block]), fresh, Array(old[2 * block..<3 * block])])
        #expect(crcs == bytes.map { BlockCRC.checksum($0) })
        #expect(!store.takeEvents().contains(.damaged(id)))
    }

    /// Streaming reads (outside the store's lock where nothing writes the chunk) beside a
    /// writer that keeps rewriting a block and finishing: every read gives the block as one
    /// write or the other left it, never a mix, and no damage is ever reported.
    @Test func readsBesideAWriterSeeWholeWritesAndNoDamage() async throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let id = ChunkID(13)
        let store = try stored(dir, id, blocks: 2)
        let block = ChunkLimits.blockSize
        let versions = [pattern(block, seed: 21), pattern(block, seed: 22)]
        let rounds = 200
        let pieces = [BlockPiece(block: 0, offset: 0, size: block), BlockPiece(block: 1, offset: 0, size: block)]
        let second = Array(pattern(2 * block, seed: 9)[block..<2 * block])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<rounds {
                    let bytes = versions[round % 2]
                    try store.write(id, version: ChunkVersion(1), offset: 0, bytes: bytes, crc: BlockCRC.checksum(bytes))
                    try store.finish(id)
                }
            }
            group.addTask {
                for _ in 0..<rounds {
                    let (bytes, crcs) = try self.streamed(store, id, pieces)
                    #expect(bytes[0] == versions[0] || bytes[0] == versions[1] || bytes[0] == Array(pattern(2 * block, seed: 9)[0..<block]))
                    #expect(bytes[1] == second && crcs == bytes.map { BlockCRC.checksum($0) })
                }
            }
            try await group.waitForAll()
        }
        #expect(!store.takeEvents().contains(.damaged(id)))
    }

    /// A wrong version or an unknown chunk is refused before any byte is read.
    @Test func aWrongVersionOrChunkIsRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try stored(dir, ChunkID(9), blocks: 1)
        let piece = [BlockPiece(block: 0, offset: 0, size: 10)]
        #expect(throws: ChunkStoreError.self) { _ = try self.streamed(store, ChunkID(9), piece, version: ChunkVersion(2)) }
        #expect(throws: ChunkStoreError.noChunk(ChunkID(10))) { _ = try self.streamed(store, ChunkID(10), piece) }
    }
}
