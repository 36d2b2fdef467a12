import MFSCore

/// CLTOCS_READ (200): read `size` bytes at `offset` of a chunk.
/// ```
/// (21 B)  protover:8=1 chunkid:64 version:32 offset:32 size:32    readers ≥ 1.7.32 (mfsmount)
/// (20 B)  chunkid:64 version:32 offset:32 size:32                 no protover: the replicator
/// ```
/// The chunkserver answers with one `ReadData` per 64 KiB block touched, in order, then a
/// `ReadStatus` (or a `ReadStatus` error in place of the rest). With protover 1 it also sends
/// NOPs while the disk is slow and reads NOPs from the reader between blocks. size 0 → OK at
/// once; size > 64 MiB → WRONGSIZE; offset or offset + size past 64 MiB → WRONGOFFSET (those are
/// answers, not decoding errors). version 0 reads any version.
public struct ReadRequest: MooseMessage {
    /// 1 for readers ≥ 1.7.32; nil for the 20-byte form.
    public var protocolVersion: UInt8?
    public var chunkID: ChunkID
    public var version: UInt32
    public var offset: UInt32
    public var size: UInt32

    public init(protocolVersion: UInt8? = 1, chunkID: ChunkID, version: UInt32, offset: UInt32, size: UInt32) {
        self.protocolVersion = protocolVersion
        self.chunkID = chunkID
        self.version = version
        self.offset = offset
        self.size = size
    }

    public static let messageTypes: [MooseMessageType] = [.cltocsRead]
    public var messageType: MooseMessageType { .cltocsRead }

    public func encode(into writer: inout MooseWriter) {
        if let protocolVersion { writer.write(protocolVersion) }
        writer.write(chunkID)
        writer.write(version)
        writer.write(offset)
        writer.write(size)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ReadRequest {
        try reader.expectLength(20, 21)
        let protocolVersion = reader.length == 21 ? try reader.uint8("protover") : nil
        return ReadRequest(
            protocolVersion: protocolVersion, chunkID: try reader.chunkID(), version: try reader.version(),
            offset: try reader.uint32("offset"), size: try reader.uint32("size"))
    }
}

/// CSTOCL_READ_STATUS (201): `chunkid:64 status:8`, the end of a read (OK) or its failure
/// (NOCHUNK, WRONGVERSION, IO, CRC, WRONGSIZE, WRONGOFFSET, NOTDONE...).
public struct ReadStatus: MooseMessage {
    public var chunkID: ChunkID
    public var status: MooseStatus

    public init(chunkID: ChunkID, status: MooseStatus) {
        self.chunkID = chunkID
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstoclReadStatus]
    public var messageType: MooseMessageType { .cstoclReadStatus }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ReadStatus {
        try reader.expectLength(9)
        return ReadStatus(chunkID: try reader.chunkID(), status: try reader.status())
    }
}

/// A piece of one 64 KiB block: which block, where in it, the bytes, and the CRC-32 (zlib's)
/// of exactly those bytes, as READ_DATA and WRITE_DATA carry it. A piece never crosses a block
/// boundary: `offset + data.count ≤ 65,536`.
public struct DataPiece: Hashable, Sendable {
    /// The block's number in the chunk (`offset >> 16` of the chunk position), below 1,024.
    public var block: UInt16
    /// The piece's offset within the block.
    public var offset: UInt16
    public var data: [UInt8]
    /// As received; `crcMatches` checks it. Built from data, it is the data's CRC.
    public var crc: UInt32

    /// A piece with the CRC of its data.
    public init(block: UInt16, offset: UInt16, data: [UInt8]) {
        self.init(block: block, offset: offset, data: data, crc: PieceCRC.checksum(data))
    }

    /// A piece with a given CRC (as received, or wrong on purpose in a test).
    public init(block: UInt16, offset: UInt16, data: [UInt8], crc: UInt32) {
        precondition(Int(block) < MooseWireLimits.blocksPerChunk, "block \(block)")
        precondition(Int(offset) + data.count <= MooseWireLimits.blockSize, "piece \(offset)+\(data.count) crosses its block")
        self.block = block
        self.offset = offset
        self.data = data
        self.crc = crc
    }

    /// Whether `crc` is the CRC-32 of `data`. A reader drops data that fails it; a chunkserver
    /// answers a write that fails it with CRC (29).
    public var crcMatches: Bool { PieceCRC.checksum(data) == crc }

    /// The piece's byte offset in the chunk.
    public var chunkOffset: Int { Int(block) * MooseWireLimits.blockSize + Int(offset) }

    /// `blocknum:16 offset:16 size:32 crc:32 data`
    func encode(into writer: inout MooseWriter) {
        writer.write(block)
        writer.write(offset)
        writer.write(UInt32(data.count))
        writer.write(crc)
        writer.write(bytes: data)
    }

    /// `header` is the length of the fields before the block number.
    static func decode(from reader: inout MooseReader, header: Int) throws(MooseWireError) -> DataPiece {
        let block = try reader.uint16("blocknum")
        let offset = try reader.uint16("offset")
        let size = try reader.uint32("size")
        let crc = try reader.uint32("crc")
        guard Int(block) < MooseWireLimits.blocksPerChunk else {
            throw reader.malformed("blocknum", "block \(block); a chunk has \(MooseWireLimits.blocksPerChunk)")
        }
        guard Int(offset) + Int(size) <= MooseWireLimits.blockSize else {
            throw reader.malformed("size", "\(size) bytes at \(offset) cross the end of the block")
        }
        guard reader.length == header + 12 + Int(size) else {
            throw .wrongLength(message: reader.message, length: reader.length, expected: "\(header + 12) + size (\(size))")
        }
        return DataPiece(block: block, offset: offset, data: try reader.bytes(Int(size), "data"), crc: crc)
    }
}

/// CSTOCL_READ_DATA (202): `chunkid:64 blocknum:16 offset:16 size:32 crc:32 data[size]`, one
/// piece of the answer to a `ReadRequest`. The CRC is of exactly these `size` bytes (not of the
/// whole block). Blocks past the chunk's end read as zeros. Decoding does not check the CRC
/// (`piece.crcMatches` does): a bad CRC is the reader's error to handle, not a broken frame.
public struct ReadData: MooseMessage {
    public var chunkID: ChunkID
    public var piece: DataPiece

    public init(chunkID: ChunkID, piece: DataPiece) {
        self.chunkID = chunkID
        self.piece = piece
    }

    public static let messageTypes: [MooseMessageType] = [.cstoclReadData]
    public var messageType: MooseMessageType { .cstoclReadData }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        piece.encode(into: &writer)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ReadData {
        let id = try reader.chunkID()
        return ReadData(chunkID: id, piece: try DataPiece.decode(from: &reader, header: 8))
    }
}
