import CCRC32
import CZlib

/// CRC-32 of chunk data, computed by `mfs_crc32` (PCLMULQDQ folding, else zlib's `crc32_z`)
/// and zlib's `crc32_combine`: the reflected IEEE polynomial 0xEDB88320 with init and xorout
/// 0xFFFFFFFF, started from 0 as MooseFS calls it.
///
/// Two CRCs meet here. A chunk file stores one per whole 64 KiB block; a data-port packet
/// carries the CRC of exactly its own bytes, which may be part of a block. A partial read or
/// write therefore checks the stored block CRC by combining the CRCs of the piece before, the
/// packet's piece and the piece after (`combine`), instead of computing the block twice.
public enum BlockCRC {
    /// The CRC of a 64 KiB block of zeros (MooseFS's `MFSCRCEMPTY`): what a block that was
    /// never written, or a truncated tail, stores.
    public static let emptyBlock: UInt32 = 0xD797_8EEB

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// The CRC of the bytes already covered by `crc` followed by `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return mfs_crc32(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The CRC of two byte runs one after the other, from their CRCs and the second's length.
    public static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        precondition(secondLength >= 0, "a byte run cannot be \(secondLength) bytes long")
        return UInt32(crc32_combine(UInt(first), UInt(second), secondLength))
    }

    /// The CRC of `count` zero bytes (at most one block).
    public static func zeros(_ count: Int) -> UInt32 {
        precondition((0...ChunkLimits.blockSize).contains(count), "\(count) zero bytes is not within one block")
        if count == ChunkLimits.blockSize { return emptyBlock }
        return zeroBlock.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// The whole-block CRC of a block made of three runs: `before` (the bytes ahead of a piece),
    /// the piece itself and `after`, each given by its CRC and length. A run of length 0 is left
    /// out.
    public static func joined(_ runs: [(crc: UInt32, length: Int)]) -> UInt32 {
        var total: UInt32 = 0
        var started = false
        for run in runs where run.length > 0 {
            total = started ? combine(total, run.crc, secondLength: run.length) : run.crc
            started = true
        }
        return total
    }

    private static let zeroBlock = [UInt8](repeating: 0, count: ChunkLimits.blockSize)
}
