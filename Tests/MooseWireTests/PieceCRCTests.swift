import CCRC32
import MFSCore
import Testing

@testable import MooseWire

/// The folded CRC-32 (`mfs_crc32`, PCLMULQDQ) gives zlib's `crc32_z` answer for every length,
/// alignment and starting CRC; the data path's CRCs depend on it.
@Suite struct PieceCRCTests {
    /// Known answers: zlib's CRC-32 of "123456789" (the standard check value) and of a 64 KiB
    /// block of zeros (MooseFS's MFSCRCEMPTY).
    @Test func knownAnswers() {
        #expect(PieceCRC.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PieceCRC.checksum([UInt8](repeating: 0, count: 65_536)) == 0xD797_8EEB)
        #expect(PieceCRC.checksum([]) == 0)
    }

    /// Every length from 0 to 600 (each side of the 64-byte fold and the 16-byte tail), at
    /// every alignment from 0 to 15, from random starting CRCs, then whole and odd-sized blocks.
    @Test func theFoldedCRCIsZlibsForEveryLengthAlignmentAndStart() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<(70_000)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBufferPointer { all in
            for length in Array(0...600) + [4_095, 4_096, 65_535, 65_536, 65_537, 69_000] {
                for alignment in 0..<16 where alignment + length <= all.count {
                    let start = UInt32.random(in: 0...UInt32.max, using: &rng)
                    let base = all.baseAddress! + alignment
                    let folded = mfs_crc32(start, base, length)
                    let zlib = mfs_crc32_zlib(start, base, length)
                    #expect(folded == zlib, "\(length) bytes at alignment \(alignment) from \(start)")
                }
            }
        }
    }

    /// A CRC continued over two runs equals the CRC of both at once, where the split falls
    /// inside the folded part and inside the tail.
    @Test func continuingAcrossASplitEqualsTheWhole() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        bytes.withUnsafeBufferPointer { all in
            let whole = mfs_crc32(0, all.baseAddress!, all.count)
            for split in [1, 15, 16, 63, 64, 65, 1_000, 9_990] {
                let first = mfs_crc32(0, all.baseAddress!, split)
                #expect(mfs_crc32(first, all.baseAddress! + split, all.count - split) == whole, "split at \(split)")
            }
        }
    }

    /// This machine takes the folded path (else the tests above only compared zlib with itself).
    @Test func theFoldedPathIsTakenOnThisMachine() throws {
        #if arch(x86_64)
            let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            if flags.contains(" pclmulqdq") && flags.contains(" sse4_1") { #expect(mfs_crc32_folds() == 1) }
        #endif
    }
}
