/// The part of one block a read or write touches: what one data-port packet carries
/// (`CSTOCL_READ_DATA`, `CLTOCS_WRITE_DATA`: blocknum, offset in the block, size).
public struct BlockPiece: Hashable, Sendable, CustomStringConvertible {
    public var block: Int
    public var offset: Int
    public var size: Int

    public init(block: Int, offset: Int, size: Int) {
        self.block = block
        self.offset = offset
        self.size = size
    }

    /// Where the piece starts in the chunk.
    public var chunkOffset: Int { block * ChunkLimits.blockSize + offset }
    public var isWholeBlock: Bool { offset == 0 && size == ChunkLimits.blockSize }
    /// Bytes of the block after the piece.
    public var bytesAfter: Int { ChunkLimits.blockSize - offset - size }
    public var description: String { "block \(block) [\(offset), +\(size)]" }

    /// Splits `size` bytes at chunk offset `offset` into pieces of one block each, in order; a
    /// range that does not fit in a chunk is refused. Size 0 gives no piece.
    public static func pieces(offset: Int, size: Int) throws(ChunkStoreError) -> [BlockPiece] {
        guard offset >= 0, size >= 0, offset <= ChunkLimits.chunkSize, size <= ChunkLimits.chunkSize - offset else {
            throw .outOfChunk(offset: offset, size: size)
        }
        var pieces: [BlockPiece] = []
        var position = offset
        while position < offset + size {
            let inBlock = position % ChunkLimits.blockSize
            let length = min(ChunkLimits.blockSize - inBlock, offset + size - position)
            pieces.append(BlockPiece(block: position / ChunkLimits.blockSize, offset: inBlock, size: length))
            position += length
        }
        return pieces
    }

    /// A piece given as a data-port packet gives it, checked against the block limits.
    public static func checked(block: Int, offset: Int, size: Int) throws(ChunkStoreError) -> BlockPiece {
        guard (0..<ChunkLimits.blocksPerChunk).contains(block) else { throw .blockOutOfChunk(block) }
        guard offset >= 0, size >= 0, offset < ChunkLimits.blockSize, size <= ChunkLimits.blockSize - offset else {
            throw .outOfChunk(offset: block * ChunkLimits.blockSize + offset, size: size)
        }
        return BlockPiece(block: block, offset: offset, size: size)
    }
}

/// Bytes read from one block piece, with the CRC of exactly these bytes (what a
/// `CSTOCL_READ_DATA` packet carries). Only ever made from a block whose stored CRC matched.
public struct ReadPiece: Hashable, Sendable {
    public var piece: BlockPiece
    public var bytes: [UInt8]
    public var crc: UInt32
}
