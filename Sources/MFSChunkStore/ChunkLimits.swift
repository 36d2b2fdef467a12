/// The sizes of MooseFS 3.0's chunk files (docs/research/moosefs-3.0-chunkserver-protocol.md
/// §4.4), so chunk files are interchangeable with a MooseFS chunkserver's.
public enum ChunkLimits {
    /// Bytes in one block: the unit of the CRC table and of data-port packets (`MFSBLOCKSIZE`).
    public static let blockSize = 0x1_0000
    /// Blocks in one chunk (`MFSBLOCKSINCHUNK`).
    public static let blocksPerChunk = 1024
    /// Bytes in one chunk, 64 MiB (`MFSCHUNKSIZE`).
    public static let chunkSize = blockSize * blocksPerChunk
    /// Bytes of the CRC table: one big-endian UInt32 per block.
    public static let crcTableSize = 4 * blocksPerChunk
    /// Bytes of the header area written by MooseFS ≥ 1.6 (signature, id, version, zeros).
    public static let headerSize = 4096
    /// Bytes of the header area of MooseFS 1.x files, still read (`OLDHDRSIZE`).
    public static let oldHeaderSize = 1024
    /// Where block 0 starts in a file we write: header then CRC table (`MFSHDRSIZE`, 8 KiB).
    public static let dataOffset = headerSize + crcTableSize
    /// The longest chunk file: 8 KiB of header and table and every block.
    public static let maxFileLength = dataOffset + chunkSize
}

/// Bounds of what a chunk store keeps in memory.
public enum ChunkStoreLimits {
    /// I/O errors queued for the master (`ChunkStoreEvent.errorOccurred`) between two
    /// `takeEvents`: while no master takes them, more are only counted, then reported as one.
    public static let maxQueuedErrors = 1_000
}
