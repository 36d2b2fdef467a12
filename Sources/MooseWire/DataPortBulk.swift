import MFSCore

/// Fixed-offset coding of the two packets that carry a block's bytes, READ_DATA and WRITE_DATA
/// (issue #12): every byte a read or a write moves crosses this code, so it loads and stores
/// its fields at fixed offsets over raw memory instead of going field by field through
/// `MooseReader`/`MooseWriter`, and copies the data at most once. The layouts are those of
/// `ReadData` and `WriteData`; the bytes are the same as theirs (MooseWireTests hold the two
/// paths to the same golden bytes and the same answers to random input).
///
/// ```
/// READ_DATA frame:  type:32=202 length:32 | chunkid:64 blocknum:16 offset:16 size:32 crc:32 | data[size]
///                   0          4          | 8          16          18        20      24     | 28
/// WRITE_DATA frame: type:32=212 length:32 | chunkid:64 writeid:32 blocknum:16 offset:16 size:32 crc:32 | data[size]
///                   0          4          | 8          16         20          22        24      28     | 32
/// ```
public enum DataPortBulk {
    /// Bytes of a READ_DATA frame before its data (frame header and fields).
    public static let readDataHeaderLength = MooseWireLimits.frameHeaderLength + 20
    /// Bytes of a WRITE_DATA frame before its data.
    public static let writeDataHeaderLength = MooseWireLimits.frameHeaderLength + 24

    /// Writes a READ_DATA frame's header and fields for `size` data bytes into the first
    /// `readDataHeaderLength` bytes of `space`; the caller puts the data right after them.
    public static func writeReadDataHeader(
        into space: UnsafeMutableRawBufferPointer, chunkID: ChunkID, block: UInt16, offset: UInt16, size: Int, crc: UInt32
    ) {
        precondition(space.count >= readDataHeaderLength, "\(space.count) bytes for a READ_DATA header")
        precondition(Int(block) < MooseWireLimits.blocksPerChunk, "block \(block)")
        precondition(size >= 0 && Int(offset) + size <= MooseWireLimits.blockSize, "piece \(offset)+\(size) crosses its block")
        space.storeBytes(of: MooseMessageType.cstoclReadData.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        space.storeBytes(of: UInt32(20 + size).bigEndian, toByteOffset: 4, as: UInt32.self)
        space.storeBytes(of: chunkID.rawValue.bigEndian, toByteOffset: 8, as: UInt64.self)
        space.storeBytes(of: block.bigEndian, toByteOffset: 16, as: UInt16.self)
        space.storeBytes(of: offset.bigEndian, toByteOffset: 18, as: UInt16.self)
        space.storeBytes(of: UInt32(size).bigEndian, toByteOffset: 20, as: UInt32.self)
        space.storeBytes(of: crc.bigEndian, toByteOffset: 24, as: UInt32.self)
    }

    /// The WRITE_DATA frame of `message`: the same bytes as `message.encode()`, written in one
    /// allocation of the frame's exact size.
    public static func encode(_ message: WriteData) -> [UInt8] {
        let piece = message.piece
        let total = writeDataHeaderLength + piece.data.count
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            let space = UnsafeMutableRawBufferPointer(buffer)
            space.storeBytes(of: MooseMessageType.cltocsWriteData.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
            space.storeBytes(of: UInt32(total - MooseWireLimits.frameHeaderLength).bigEndian, toByteOffset: 4, as: UInt32.self)
            space.storeBytes(of: message.chunkID.rawValue.bigEndian, toByteOffset: 8, as: UInt64.self)
            space.storeBytes(of: message.writeID.bigEndian, toByteOffset: 16, as: UInt32.self)
            space.storeBytes(of: piece.block.bigEndian, toByteOffset: 20, as: UInt16.self)
            space.storeBytes(of: piece.offset.bigEndian, toByteOffset: 22, as: UInt16.self)
            space.storeBytes(of: UInt32(piece.data.count).bigEndian, toByteOffset: 24, as: UInt32.self)
            space.storeBytes(of: piece.crc.bigEndian, toByteOffset: 28, as: UInt32.self)
            piece.data.withUnsafeBytes { data in
                if let base = data.baseAddress {
                    (space.baseAddress! + writeDataHeaderLength).copyMemory(from: base, byteCount: data.count)
                }
            }
            count = total
        }
    }

    /// The frame of `type` whose payload is `payload`, decoded as a data-port reply. A
    /// well-formed READ_DATA is decoded in place (its data copied once, into the piece);
    /// anything else, a bad READ_DATA included, goes through `DataPortReply.decode`, so the
    /// answer or the error is exactly that of the field-by-field path.
    public static func decodeReply(type: MooseMessageType, payload: UnsafeRawBufferPointer) throws(MooseWireError) -> DataPortReply {
        if type == .cstoclReadData, let data = readData(payload) { return .readData(data) }
        return try DataPortReply.decode(MooseFrame(type: type, payload: Array(payload)))
    }

    /// A READ_DATA payload that passes every check of `ReadData.decode`, else nil.
    static func readData(_ payload: UnsafeRawBufferPointer) -> ReadData? {
        guard let piece = piece(payload, at: 8) else { return nil }
        return ReadData(chunkID: chunkID(payload), piece: piece)
    }

    /// A READ_DATA payload that passes every check of `ReadData.decode`, lent in place: its
    /// data is the payload's own bytes, not a copy (a client reading a file hands them on as
    /// they are). nil for any other payload.
    public static func readDataView(_ payload: UnsafeRawBufferPointer) -> ReadDataView? {
        guard let fields = pieceFields(payload, at: 8) else { return nil }
        return ReadDataView(chunkID: chunkID(payload), block: fields.block, offset: fields.offset, crc: fields.crc, data: fields.data)
    }

    /// A WRITE_DATA payload that passes every check of `WriteData.decode`, loaded at fixed
    /// offsets with its data copied once, into the piece; nil for any other payload (decode that
    /// one with `WriteData.decode` for its error). The chunkserver decodes WRITE_DATA this way
    /// straight from its frame decoder's buffer (issue #12).
    public static func writeData(_ payload: UnsafeRawBufferPointer) -> WriteData? {
        guard let piece = piece(payload, at: 12) else { return nil }
        let writeID = UInt32(bigEndian: payload.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        return WriteData(chunkID: chunkID(payload), writeID: writeID, piece: piece)
    }

    private static func chunkID(_ payload: UnsafeRawBufferPointer) -> ChunkID {
        ChunkID(UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
    }

    /// The piece (`blocknum:16 offset:16 size:32 crc:32 data`) that starts `header` bytes into
    /// `payload` and ends with it, when it passes `DataPiece.decode`'s checks; else nil.
    private static func piece(_ payload: UnsafeRawBufferPointer, at header: Int) -> DataPiece? {
        guard let fields = pieceFields(payload, at: header) else { return nil }
        return DataPiece(block: fields.block, offset: fields.offset, data: Array(fields.data), crc: fields.crc)
    }

    /// The fields of the piece that starts `header` bytes into `payload`, its data lent in
    /// place, when they pass `DataPiece.decode`'s checks; else nil.
    private static func pieceFields(_ payload: UnsafeRawBufferPointer, at header: Int) -> (
        block: UInt16, offset: UInt16, crc: UInt32, data: UnsafeRawBufferPointer
    )? {
        guard payload.count >= header + 12 else { return nil }
        let block = UInt16(bigEndian: payload.loadUnaligned(fromByteOffset: header, as: UInt16.self))
        let offset = UInt16(bigEndian: payload.loadUnaligned(fromByteOffset: header + 2, as: UInt16.self))
        let size = Int(UInt32(bigEndian: payload.loadUnaligned(fromByteOffset: header + 4, as: UInt32.self)))
        guard Int(block) < MooseWireLimits.blocksPerChunk, Int(offset) + size <= MooseWireLimits.blockSize,
            payload.count == header + 12 + size
        else { return nil }
        let crc = UInt32(bigEndian: payload.loadUnaligned(fromByteOffset: header + 8, as: UInt32.self))
        return (block, offset, crc, UnsafeRawBufferPointer(rebasing: payload[(header + 12)...]))
    }

    /// A frame's header at the start of `bytes` (at least 8 bytes): its type and payload length.
    public static func frameHeader(_ bytes: UnsafeRawBufferPointer) -> (type: MooseMessageType, length: Int) {
        precondition(bytes.count >= MooseWireLimits.frameHeaderLength, "\(bytes.count) bytes for a frame header")
        let type = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let length = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        return (MooseMessageType(type), Int(length))
    }
}

/// A READ_DATA lent in place (`DataPortBulk.readDataView`): valid only while the buffer it was
/// decoded from is, so only during the call it is handed to.
public struct ReadDataView {
    public let chunkID: ChunkID
    public let block: UInt16
    public let offset: UInt16
    /// As received; `crcMatches` checks it.
    public let crc: UInt32
    public let data: UnsafeRawBufferPointer

    /// The piece's byte offset in the chunk.
    public var chunkOffset: Int { Int(block) * MooseWireLimits.blockSize + Int(offset) }
    public var crcMatches: Bool { PieceCRC.checksum(data) == crc }
}
