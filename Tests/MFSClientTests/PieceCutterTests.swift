import MooseWire
import Testing

@testable import MFSClient

/// A write's bytes become pieces that never cross a 64 KiB block, whatever sizes the source
/// yields, and each piece carries the CRC of exactly its bytes.
@Suite struct PieceCutterTests {
    static let block = MooseWireLimits.blockSize

    func cut(start: Int, _ sizes: [Int]) -> [DataPiece] {
        var cutter = PieceCutter(start: start)
        var pieces: [DataPiece] = []
        var value: UInt8 = 0
        for size in sizes {
            let bytes = (0..<size).map { _ -> UInt8 in
                value &+= 1
                return value
            }
            pieces += cutter.cut(bytes)
        }
        return pieces + cutter.flush()
    }

    @Test func wholeBlocksFromOddSizes() {
        let pieces = cut(start: 0, [1, Self.block - 2, 3, Self.block * 2, 7])
        #expect(pieces.map(\.data.count) == [Self.block, Self.block, Self.block, 9])
        #expect(pieces.map(\.block) == [0, 1, 2, 3] && pieces.allSatisfy { $0.offset == 0 })
        #expect(pieces.allSatisfy { $0.crcMatches })
        // The bytes come out in order.
        let all = pieces.flatMap(\.data)
        #expect(all.count == 3 * Self.block + 9 && all.first == 1 && all[Self.block] == UInt8(truncatingIfNeeded: Self.block + 1))
    }

    @Test func aStartInsideABlockFillsItFirst() {
        let pieces = cut(start: Self.block - 10, [25])
        #expect(pieces.map(\.data.count) == [10, 15])
        #expect(pieces[0].block == 0 && pieces[0].offset == UInt16(Self.block - 10))
        #expect(pieces[1].block == 1 && pieces[1].offset == 0)
    }

    @Test func nothingInNothingOut() {
        #expect(cut(start: 0, []).isEmpty && cut(start: 5, [0, 0]).isEmpty)
    }

    @Test func theLastBlockOfAChunk() {
        let pieces = cut(start: MooseWireLimits.chunkSize - 3, [3])
        #expect(pieces.count == 1 && pieces[0].block == UInt16(MooseWireLimits.blocksPerChunk - 1) && pieces[0].data.count == 3)
    }
}
