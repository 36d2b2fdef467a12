import MFSCore

/// CLTOCS_WRITE (210): open a write session on a chunk and name the rest of the chain.
/// ```
/// (13 + 6n B)  protover:8=1 chunkid:64 version:32 n × (ip:32 port:16)   writers ≥ 1.7.32
/// (12 + 6n B)  chunkid:64 version:32 n × (ip:32 port:16)                no protover
/// ```
/// The parity of the length tells the forms apart. The chain excludes the server receiving it:
/// that server pops the first address, connects there and forwards CLTOCS_WRITE with the rest;
/// the last server answers `WriteStatus(writeID: 0, OK)` ("chain ready"), relayed back up.
public struct WriteRequest: MooseMessage {
    public var protocolVersion: UInt8?
    public var chunkID: ChunkID
    public var version: UInt32
    /// The chunkservers after this one, in order; at most `MooseWireLimits.maxWriteChainLength`.
    public var chain: [ChunkserverAddress]

    public init(protocolVersion: UInt8? = 1, chunkID: ChunkID, version: UInt32, chain: [ChunkserverAddress]) {
        precondition(chain.count <= MooseWireLimits.maxWriteChainLength, "write chain of \(chain.count)")
        self.protocolVersion = protocolVersion
        self.chunkID = chunkID
        self.version = version
        self.chain = chain
    }

    /// What this server sends to the next one: the same request without the first address
    /// (nil when this server is the last).
    public var forwarded: (next: ChunkserverAddress, request: WriteRequest)? {
        guard let next = chain.first else { return nil }
        return (next, WriteRequest(protocolVersion: protocolVersion, chunkID: chunkID, version: version, chain: Array(chain.dropFirst())))
    }

    public static let messageTypes: [MooseMessageType] = [.cltocsWrite]
    public var messageType: MooseMessageType { .cltocsWrite }

    public func encode(into writer: inout MooseWriter) {
        if let protocolVersion { writer.write(protocolVersion) }
        writer.write(chunkID)
        writer.write(version)
        for address in chain { writer.write(address) }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> WriteRequest {
        let header = reader.length % 2 == 1 ? 13 : 12
        let count = try reader.entryCount(header: header, entrySize: 6, limit: MooseWireLimits.maxWriteChainLength, "chain")
        let protocolVersion = header == 13 ? try reader.uint8("protover") : nil
        let id = try reader.chunkID()
        let version = try reader.version()
        var chain: [ChunkserverAddress] = []
        for _ in 0..<count { chain.append(try reader.address("chain")) }
        return WriteRequest(protocolVersion: protocolVersion, chunkID: id, version: version, chain: chain)
    }
}

/// CSTOCL_WRITE_STATUS (211): `chunkid:64 writeid:32 status:8` (13 bytes). writeid 0 answers
/// the `WriteRequest` (chain ready, or why not: CANTCONNECT, NOCHUNK, WRONGVERSION,
/// DISCONNECTED...); any other writeid answers the `WriteData` of that id, with the first
/// error of this server's disk and the rest of the chain.
public struct WriteStatus: MooseMessage {
    public var chunkID: ChunkID
    public var writeID: UInt32
    public var status: MooseStatus

    public init(chunkID: ChunkID, writeID: UInt32, status: MooseStatus) {
        self.chunkID = chunkID
        self.writeID = writeID
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstoclWriteStatus]
    public var messageType: MooseMessageType { .cstoclWriteStatus }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(writeID)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> WriteStatus {
        try reader.expectLength(13)
        return WriteStatus(chunkID: try reader.chunkID(), writeID: try reader.uint32("writeid"), status: try reader.status())
    }
}

/// CLTOCS_WRITE_DATA (212): `chunkid:64 writeid:32 blocknum:16 offset:16 size:32 crc:32
/// data[size]` (24 + size bytes): one piece of one block, with the CRC-32 of exactly these
/// bytes. Writers number pieces 1, 2, 3... and do not wait for the chain-ready status before
/// sending them. A middle chunkserver forwards the frame verbatim.
public struct WriteData: MooseMessage {
    public var chunkID: ChunkID
    public var writeID: UInt32
    public var piece: DataPiece

    public init(chunkID: ChunkID, writeID: UInt32, piece: DataPiece) {
        self.chunkID = chunkID
        self.writeID = writeID
        self.piece = piece
    }

    public static let messageTypes: [MooseMessageType] = [.cltocsWriteData]
    public var messageType: MooseMessageType { .cltocsWriteData }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(writeID)
        piece.encode(into: &writer)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> WriteData {
        let id = try reader.chunkID()
        let writeID = try reader.uint32("writeid")
        return WriteData(chunkID: id, writeID: writeID, piece: try DataPiece.decode(from: &reader, header: 12))
    }
}
