import CCRC32

/// The CRC-32 a data-port piece carries (zlib's, reflected IEEE polynomial), computed by
/// `mfs_crc32` (PCLMULQDQ folding, else zlib): it runs on every byte that crosses port 9422,
/// so never by a Swift loop (issue #12).
public enum PieceCRC {
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        return mfs_crc32(0, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}
