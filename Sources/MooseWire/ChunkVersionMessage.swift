import MFSCore

/// A message whose whole payload is `chunkid:64 version:32` (12 bytes). One layout, several
/// meanings, one type each: `CreateChunk`, `DeleteChunk`, `GetChunkBlocks`, `GetChunkChecksum`,
/// `GetChunkChecksumTable`, `WriteFinish`.
public protocol ChunkVersionMessage: MooseMessage {
    static var type: MooseMessageType { get }
    var chunkID: ChunkID { get }
    var version: ChunkVersion { get }
    init(chunkID: ChunkID, version: ChunkVersion)
}

extension ChunkVersionMessage {
    public static var messageTypes: [MooseMessageType] { [type] }
    public var messageType: MooseMessageType { Self.type }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> Self {
        try reader.expectLength(12)
        return Self(chunkID: try reader.chunkID(), version: try reader.version())
    }
}

/// MATOCS_CREATE (110): `chunkid:64 version:32`. Create an empty chunk file of that version;
/// the reply is `ChunkCommandStatus(.create)`: OK, CHUNKEXIST, NOSPACE, NOTDONE...
public struct CreateChunk: ChunkVersionMessage {
    public static let type = MooseMessageType.matocsCreate
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}

/// MATOCS_DELETE (120): `chunkid:64 version:32`; version 0 (`ChunkVersion.any`) deletes
/// whichever version the chunkserver has (the master sends it for invalid and over-goal copies).
/// The reply is `ChunkCommandStatus(.delete)`; the master counts NOCHUNK as done.
public struct DeleteChunk: ChunkVersionMessage {
    public static let type = MooseMessageType.matocsDelete
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}

/// ANTOCS_GET_CHUNK_BLOCKS (250): `chunkid:64 version:32`, on 9420 from the master or on 9422
/// from a replicating chunkserver (its first request to the source). Reply: `ChunkBlocks`.
public struct GetChunkBlocks: ChunkVersionMessage {
    public static let type = MooseMessageType.antocsGetChunkBlocks
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}

/// ANTOCS_GET_CHUNK_CHECKSUM (300): `chunkid:64 version:32`. Reply: `ChunkChecksum`. No
/// 3.0.117 component sends it in normal use; a chunkserver answers it.
public struct GetChunkChecksum: ChunkVersionMessage {
    public static let type = MooseMessageType.antocsGetChunkChecksum
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}

/// ANTOCS_GET_CHUNK_CHECKSUM_TAB (302): `chunkid:64 version:32`. Reply: `ChunkChecksumTable`.
public struct GetChunkChecksumTable: ChunkVersionMessage {
    public static let type = MooseMessageType.antocsGetChunkChecksumTable
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}

/// CLTOCS_WRITE_FINISH (213): `chunkid:64 version:32`, the end of a write session (writers
/// and chunkservers ≥ 1.7.32). **No reply**: the chunkserver ends the session silently and the
/// connection goes back to idle for reuse; a middle chunkserver forwards it down the chain. A
/// chunk id or version other than the session's gets WRITE_STATUS(WRONGCHUNKID).
public struct WriteFinish: ChunkVersionMessage {
    public static let type = MooseMessageType.cltocsWriteFinish
    public var chunkID: ChunkID
    public var version: ChunkVersion
    public init(chunkID: ChunkID, version: ChunkVersion) {
        self.chunkID = chunkID
        self.version = version
    }
}
