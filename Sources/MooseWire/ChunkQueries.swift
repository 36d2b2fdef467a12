import MFSCore

/// CSTOAN_CHUNK_BLOCKS (251): `chunkid:64 version:32 blocks:16 status:8` (15 bytes), the answer
/// to `GetChunkBlocks`: how many 64 KiB blocks the chunk's file holds. The ids echo the
/// request's; on an error `blocks` is 0. A replicating chunkserver aborts on a status other
/// than OK and then reads exactly `blocks` blocks.
public struct ChunkBlocks: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32
    public var blocks: UInt16
    public var status: MooseStatus

    public init(chunkID: ChunkID, version: UInt32, blocks: UInt16, status: MooseStatus) {
        self.chunkID = chunkID
        self.version = version
        self.blocks = blocks
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstoanChunkBlocks]
    public var messageType: MooseMessageType { .cstoanChunkBlocks }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        writer.write(blocks)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkBlocks {
        try reader.expectLength(15)
        let id = try reader.chunkID()
        let version = try reader.version()
        let blocks = try reader.uint16("blocks")
        guard Int(blocks) <= MooseWireLimits.blocksPerChunk else {
            throw .countOutOfRange(message: reader.message, field: "blocks", count: Int(blocks), limit: MooseWireLimits.blocksPerChunk)
        }
        return ChunkBlocks(chunkID: id, version: version, blocks: blocks, status: try reader.status())
    }
}

/// CSTOAN_CHUNK_CHECKSUM (301), the answer to `GetChunkChecksum`:
/// ```
/// (16 B)  chunkid:64 version:32 checksum:32     the fold of the chunk's 1,024 block CRCs
/// (13 B)  chunkid:64 version:32 status:8        failed
/// ```
public struct ChunkChecksum: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32
    public var result: Result

    public enum Result: Hashable, Sendable {
        case checksum(UInt32)
        case failed(MooseStatus)
    }

    public init(chunkID: ChunkID, version: UInt32, result: Result) {
        self.chunkID = chunkID
        self.version = version
        self.result = result
    }

    public static let messageTypes: [MooseMessageType] = [.cstoanChunkChecksum]
    public var messageType: MooseMessageType { .cstoanChunkChecksum }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        switch result {
        case .checksum(let checksum): writer.write(checksum)
        case .failed(let status): writer.write(status)
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkChecksum {
        try reader.expectLength(16, 13)
        let id = try reader.chunkID()
        let version = try reader.version()
        let result: Result = reader.length == 16 ? .checksum(try reader.uint32("checksum")) : .failed(try reader.status())
        return ChunkChecksum(chunkID: id, version: version, result: result)
    }
}

/// CSTOAN_CHUNK_CHECKSUM_TAB (303), the answer to `GetChunkChecksumTable`:
/// ```
/// (4,108 B)  chunkid:64 version:32 1,024 × crc:32   the chunk file's CRC table
/// (13 B)     chunkid:64 version:32 status:8         failed
/// ```
/// A 3.0.117 master does not dispatch it (it would close the connection).
public struct ChunkChecksumTable: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32
    public var result: Result

    public enum Result: Hashable, Sendable {
        /// `MooseWireLimits.blocksPerChunk` CRCs.
        case table([UInt32])
        case failed(MooseStatus)
    }

    public init(chunkID: ChunkID, version: UInt32, result: Result) {
        if case .table(let crcs) = result { precondition(crcs.count == MooseWireLimits.blocksPerChunk, "\(crcs.count) CRCs") }
        self.chunkID = chunkID
        self.version = version
        self.result = result
    }

    static let tableLength = 12 + 4 * MooseWireLimits.blocksPerChunk

    public static let messageTypes: [MooseMessageType] = [.cstoanChunkChecksumTable]
    public var messageType: MooseMessageType { .cstoanChunkChecksumTable }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        switch result {
        case .table(let crcs): for crc in crcs { writer.write(crc) }
        case .failed(let status): writer.write(status)
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkChecksumTable {
        try reader.expectLength(tableLength, 13)
        let id = try reader.chunkID()
        let version = try reader.version()
        guard reader.length == tableLength else {
            return ChunkChecksumTable(chunkID: id, version: version, result: .failed(try reader.status()))
        }
        var crcs: [UInt32] = []
        crcs.reserveCapacity(MooseWireLimits.blocksPerChunk)
        for _ in 0..<MooseWireLimits.blocksPerChunk { crcs.append(try reader.uint32("crc")) }
        return ChunkChecksumTable(chunkID: id, version: version, result: .table(crcs))
    }
}
