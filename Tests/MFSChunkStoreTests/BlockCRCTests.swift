import CZlib
import MFSChunkStore
import Testing

@Suite struct BlockCRCTests {
    /// MooseFS's MFSCRCEMPTY: the CRC of 64 KiB of zeros.
    @Test func anEmptyBlockHasTheMooseFSConstant() {
        #expect(BlockCRC.emptyBlock == 0xD797_8EEB)
        #expect(BlockCRC.checksum([UInt8](repeating: 0, count: ChunkLimits.blockSize)) == 0xD797_8EEB)
        #expect(BlockCRC.zeros(ChunkLimits.blockSize) == 0xD797_8EEB)
    }

    @Test func checksumIsZlibsCRC32() {
        for count in [0, 1, 7, 1000, ChunkLimits.blockSize] {
            let bytes = pattern(count, seed: UInt64(count))
            let zlib = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            #expect(BlockCRC.checksum(bytes) == zlib)
        }
        #expect(BlockCRC.checksum(Array("123456789".utf8)) == 0xCBF4_3926)  // the CRC-32 check value
    }

    /// A packet's CRC combined with the CRCs of the bytes around it gives the block's CRC.
    @Test func combiningPiecesGivesTheWholeBlock() {
        let block = pattern(ChunkLimits.blockSize)
        for (offset, size) in [(0, 100), (1000, 5000), (ChunkLimits.blockSize - 10, 10), (0, ChunkLimits.blockSize)] {
            let end = offset + size
            let joined = BlockCRC.joined([
                (BlockCRC.checksum(block[..<offset]), offset), (BlockCRC.checksum(block[offset..<end]), size),
                (BlockCRC.checksum(block[end...]), ChunkLimits.blockSize - end),
            ])
            #expect(joined == BlockCRC.checksum(block))
        }
        let a = pattern(300, seed: 2)
        let b = pattern(500, seed: 3)
        #expect(BlockCRC.combine(BlockCRC.checksum(a), BlockCRC.checksum(b), secondLength: 500) == BlockCRC.checksum(a + b))
    }

    @Test func zerosMatchesTheChecksumOfZeros() {
        for count in [0, 1, 4095, 65535] {
            #expect(BlockCRC.zeros(count) == BlockCRC.checksum([UInt8](repeating: 0, count: count)))
        }
    }
}
