import MFSCore

/// What a `ChunkVersionMessage` means: its frame type.
public protocol ChunkVersionMeaning: Sendable {
    static var type: MooseMessageType { get }
}

/// A message whose whole payload is `chunkid:64 version:32` (12 bytes). One layout, several
/// meanings, one type each (`Meaning`): `CreateChunk`, `DeleteChunk`, `GetChunkBlocks`,
/// `GetChunkChecksum`, `GetChunkChecksumTable`, `WriteFinish`.
public struct ChunkVersionMessage<Meaning: ChunkVersionMeaning>: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32

    public init(chunkID: ChunkID, version: UInt32) {
        self.chunkID = chunkID
        self.version = version
    }

    public static var messageTypes: [MooseMessageType] { [Meaning.type] }
    public var messageType: MooseMessageType { Meaning.type }

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
public typealias CreateChunk = ChunkVersionMessage<CreateChunkMeaning>
public enum CreateChunkMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .matocsCreate } }

/// MATOCS_DELETE (120): `chunkid:64 version:32`; version 0 deletes
/// whichever version the chunkserver has (the master sends it for invalid and over-goal copies).
/// The reply is `ChunkCommandStatus(.delete)`; the master counts NOCHUNK as done.
public typealias DeleteChunk = ChunkVersionMessage<DeleteChunkMeaning>
public enum DeleteChunkMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .matocsDelete } }

/// ANTOCS_GET_CHUNK_BLOCKS (250): `chunkid:64 version:32`, on 9420 from the master or on 9422
/// from a replicating chunkserver (its first request to the source). Reply: `ChunkBlocks`.
public typealias GetChunkBlocks = ChunkVersionMessage<GetChunkBlocksMeaning>
public enum GetChunkBlocksMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .antocsGetChunkBlocks } }

/// ANTOCS_GET_CHUNK_CHECKSUM (300): `chunkid:64 version:32`. Reply: `ChunkChecksum`. No
/// 3.0.117 component sends it in normal use; a chunkserver answers it.
public typealias GetChunkChecksum = ChunkVersionMessage<GetChunkChecksumMeaning>
public enum GetChunkChecksumMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .antocsGetChunkChecksum } }

/// ANTOCS_GET_CHUNK_CHECKSUM_TAB (302): `chunkid:64 version:32`. Reply: `ChunkChecksumTable`.
public typealias GetChunkChecksumTable = ChunkVersionMessage<GetChunkChecksumTableMeaning>
public enum GetChunkChecksumTableMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .antocsGetChunkChecksumTable } }

/// CLTOCS_WRITE_FINISH (213): `chunkid:64 version:32`, the end of a write session (writers
/// and chunkservers ≥ 1.7.32). **No reply**: the chunkserver ends the session silently and the
/// connection goes back to idle for reuse; a middle chunkserver forwards it down the chain. A
/// chunk id or version other than the session's gets WRITE_STATUS(WRONGCHUNKID).
public typealias WriteFinish = ChunkVersionMessage<WriteFinishMeaning>
public enum WriteFinishMeaning: ChunkVersionMeaning { public static var type: MooseMessageType { .cltocsWriteFinish } }
