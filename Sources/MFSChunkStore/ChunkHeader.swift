import MFSCore

/// The header of a chunk file (notes §4.4), every integer big-endian:
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 8 | ASCII `MFSC 1.0` (`MFSC 1.1` is also read) |
/// | 8 | 8 | chunk id |
/// | 16 | 4 | version |
/// | 20 | to the header's end | zeros |
/// | 4096 (1024 in 1.x files) | 4096 | CRC table, `CRCTable` |
/// | 8192 (5120) | blocks × 65,536 | blocks 0…blocks−1 |
public struct ChunkHeader: Hashable, Sendable {
    public var id: ChunkID
    public var version: ChunkVersion

    public init(id: ChunkID, version: ChunkVersion) {
        self.id = id
        self.version = version
    }

    /// The signature we write.
    public static let signature = Array("MFSC 1.0".utf8)
    /// Signatures read: 1.1 marks files whose CRCs of missing blocks are right.
    static let acceptedSignatures = [signature, Array("MFSC 1.1".utf8)]
    /// Bytes that carry information: signature, id, version.
    public static let usedBytes = 20
    /// Where the version sits, rewritten by a version change.
    public static let versionOffset = 16

    /// The whole header area of a new file, `ChunkLimits.headerSize` bytes.
    public var bytes: [UInt8] {
        var writer = ByteWriter(reservingCapacity: ChunkLimits.headerSize)
        writer.write(bytes: Self.signature)
        writer.write(id.rawValue)
        writer.write(version.rawValue)
        writer.write(bytes: repeatElement(0, count: ChunkLimits.headerSize - writer.bytes.count))
        return writer.bytes
    }

    /// Reads the first `usedBytes` of a file; nil when the signature is not a chunk's.
    public init?(parsing bytes: [UInt8]) {
        var reader = ByteReader(bytes, offset: Self.signature.count)
        guard bytes.count >= Self.usedBytes, Self.acceptedSignatures.contains(Array(bytes[0..<Self.signature.count])),
            let id = try? reader.readInteger(UInt64.self), let version = try? reader.readInteger(UInt32.self)
        else { return nil }
        self.id = ChunkID(id)
        self.version = ChunkVersion(version)
    }
}

/// Where the parts of a chunk file are, from its length alone, as MooseFS derives them: the
/// header size is what is left after whole blocks and the CRC table, and must be 1024 or 4096.
public struct ChunkFileLayout: Hashable, Sendable {
    public var headerSize: Int
    public var blocks: Int

    public init(headerSize: Int = ChunkLimits.headerSize, blocks: Int) {
        self.headerSize = headerSize
        self.blocks = blocks
    }

    public var crcTableOffset: Int { headerSize }
    public var dataOffset: Int { headerSize + ChunkLimits.crcTableSize }
    public var fileLength: Int { dataOffset + blocks * ChunkLimits.blockSize }
    public func offset(ofBlock block: Int) -> Int { dataOffset + block * ChunkLimits.blockSize }

    /// The layout of a file `length` bytes long, or nil when no chunk file is that long.
    public init?(fileLength length: Int) {
        let headerSize = (length - ChunkLimits.crcTableSize) & (ChunkLimits.blockSize - 1)
        guard length >= ChunkLimits.crcTableSize, headerSize == ChunkLimits.headerSize || headerSize == ChunkLimits.oldHeaderSize
        else { return nil }
        let dataLength = length - headerSize - ChunkLimits.crcTableSize
        guard dataLength >= 0, dataLength <= ChunkLimits.chunkSize else { return nil }
        self.init(headerSize: headerSize, blocks: dataLength / ChunkLimits.blockSize)
    }

    /// The whole blocks of a file `length` bytes long that ends inside a block after a 4096-byte
    /// header and the table (nil for any other length): what a write that extends the chunk
    /// leaves when a crash cuts it short (the kernel grows the length page by page). Such a
    /// block was never acknowledged: a write is answered only after its fsync, and every write
    /// that extends a chunk ends at a block's end (`ChunkFile`).
    public init?(tornLength length: Int) {
        let dataLength = length - ChunkLimits.dataOffset
        guard ChunkFileLayout(fileLength: length) == nil, dataLength > 0, dataLength < ChunkLimits.chunkSize,
            dataLength % ChunkLimits.blockSize != 0
        else { return nil }
        self.init(headerSize: ChunkLimits.headerSize, blocks: dataLength / ChunkLimits.blockSize)
    }
}

/// The CRC table: the CRC-32 of each whole block, 1024 big-endian entries. Entries of blocks the
/// chunk does not have are written as `BlockCRC.emptyBlock`; a freshly created file has zeros
/// there (MooseFS writes the table only after the first write), so both are read as "no block".
public struct CRCTable: Hashable, Sendable {
    public private(set) var entries: [UInt32]

    /// A table of a chunk with no blocks.
    public init() { entries = [UInt32](repeating: BlockCRC.emptyBlock, count: ChunkLimits.blocksPerChunk) }

    /// Decodes the table's `ChunkLimits.crcTableSize` bytes.
    public init(decoding bytes: [UInt8]) {
        precondition(bytes.count == ChunkLimits.crcTableSize, "a CRC table is \(ChunkLimits.crcTableSize) bytes, not \(bytes.count)")
        var reader = ByteReader(bytes)
        entries = (0..<ChunkLimits.blocksPerChunk).map { _ in (try? reader.readInteger(UInt32.self)) ?? 0 }
    }

    public subscript(block: Int) -> UInt32 {
        get { entries[block] }
        set { entries[block] = newValue }
    }

    /// The table as stored for a chunk of `blocks` blocks: the entries of missing blocks empty.
    public func encoded(blocks: Int) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: ChunkLimits.crcTableSize)
        for (block, entry) in entries.enumerated() { writer.write(block < blocks ? entry : BlockCRC.emptyBlock) }
        return writer.bytes
    }
}
