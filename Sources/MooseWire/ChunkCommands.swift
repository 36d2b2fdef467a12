import MFSCore

/// MATOCS_DUPLICATE (130): `newchunkid:64 newversion:32 oldchunkid:64 oldversion:32`: copy the
/// old chunk (which must have `oldVersion`) to a new chunk (copy-on-write after a snapshot).
/// **The new chunk comes first**, and the reply `ChunkCommandStatus(.duplicate)` carries the
/// new chunk's id.
public struct DuplicateChunk: MooseMessage {
    public var newChunkID: ChunkID
    public var newVersion: UInt32
    public var sourceChunkID: ChunkID
    public var sourceVersion: UInt32

    public init(newChunkID: ChunkID, newVersion: UInt32, sourceChunkID: ChunkID, sourceVersion: UInt32) {
        self.newChunkID = newChunkID
        self.newVersion = newVersion
        self.sourceChunkID = sourceChunkID
        self.sourceVersion = sourceVersion
    }

    public static let messageTypes: [MooseMessageType] = [.matocsDuplicate]
    public var messageType: MooseMessageType { .matocsDuplicate }

    public func encode(into writer: inout MooseWriter) {
        writer.write(newChunkID)
        writer.write(newVersion)
        writer.write(sourceChunkID)
        writer.write(sourceVersion)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> DuplicateChunk {
        try reader.expectLength(24)
        return try fields(from: &reader)
    }

    static func fields(from reader: inout MooseReader) throws(MooseWireError) -> DuplicateChunk {
        DuplicateChunk(
            newChunkID: try reader.chunkID("newchunkid"), newVersion: try reader.version("newversion"),
            sourceChunkID: try reader.chunkID("oldchunkid"), sourceVersion: try reader.version("oldversion"))
    }
}

/// MATOCS_SET_VERSION (140): `chunkid:64 newversion:32 oldversion:32`. **New before old**
/// (the trap): rename the chunk from `oldVersion` (0 = any) to `newVersion`. Reply:
/// `ChunkCommandStatus(.setVersion)`; WRONGVERSION when the chunk is not at `oldVersion`.
public struct SetChunkVersion: MooseMessage {
    public var chunkID: ChunkID
    public var newVersion: UInt32
    public var oldVersion: UInt32

    public init(chunkID: ChunkID, newVersion: UInt32, oldVersion: UInt32) {
        self.chunkID = chunkID
        self.newVersion = newVersion
        self.oldVersion = oldVersion
    }

    public static let messageTypes: [MooseMessageType] = [.matocsSetVersion]
    public var messageType: MooseMessageType { .matocsSetVersion }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(newVersion)
        writer.write(oldVersion)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> SetChunkVersion {
        try reader.expectLength(16)
        return SetChunkVersion(
            chunkID: try reader.chunkID(), newVersion: try reader.version("newversion"), oldVersion: try reader.version("oldversion"))
    }
}

/// MATOCS_TRUNCATE (160): `chunkid:64 length:32 newversion:32 oldversion:32`: set the version as
/// SET_VERSION does, then cut or extend the chunk's data to `length` bytes (≤ 64 MiB). The
/// length comes **before** the versions. Reply: `ChunkCommandStatus(.truncate)`.
public struct TruncateChunk: MooseMessage {
    public var chunkID: ChunkID
    public var length: UInt32
    public var newVersion: UInt32
    public var oldVersion: UInt32

    public init(chunkID: ChunkID, length: UInt32, newVersion: UInt32, oldVersion: UInt32) {
        self.chunkID = chunkID
        self.length = length
        self.newVersion = newVersion
        self.oldVersion = oldVersion
    }

    public static let messageTypes: [MooseMessageType] = [.matocsTruncate]
    public var messageType: MooseMessageType { .matocsTruncate }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(length)
        writer.write(newVersion)
        writer.write(oldVersion)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> TruncateChunk {
        try reader.expectLength(20)
        return TruncateChunk(
            chunkID: try reader.chunkID(), length: try reader.uint32("length"), newVersion: try reader.version("newversion"),
            oldVersion: try reader.version("oldversion"))
    }
}

/// MATOCS_DUPTRUNC (170): `newchunkid:64 newversion:32 oldchunkid:64 oldversion:32 length:32`:
/// DUPLICATE, then truncate the new copy to `length`. New chunk first; the reply
/// `ChunkCommandStatus(.duplicateTruncate)` carries the new chunk's id.
public struct DuplicateTruncateChunk: MooseMessage {
    /// The copy to make; the new chunk is the one truncated.
    public var duplicate: DuplicateChunk
    public var length: UInt32

    public init(duplicate: DuplicateChunk, length: UInt32) {
        self.duplicate = duplicate
        self.length = length
    }

    public init(newChunkID: ChunkID, newVersion: UInt32, sourceChunkID: ChunkID, sourceVersion: UInt32, length: UInt32) {
        let duplicate = DuplicateChunk(
            newChunkID: newChunkID, newVersion: newVersion, sourceChunkID: sourceChunkID, sourceVersion: sourceVersion)
        self.init(duplicate: duplicate, length: length)
    }

    public static let messageTypes: [MooseMessageType] = [.matocsDupTrunc]
    public var messageType: MooseMessageType { .matocsDupTrunc }

    public func encode(into writer: inout MooseWriter) {
        duplicate.encode(into: &writer)
        writer.write(length)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> DuplicateTruncateChunk {
        try reader.expectLength(28)
        return DuplicateTruncateChunk(duplicate: try DuplicateChunk.fields(from: &reader), length: try reader.uint32("length"))
    }
}

/// CSTOMA_CREATE, _DELETE, _DUPLICATE, _SET_VERSION, _TRUNCATE, _DUPTRUNC (111, 121, 131, 141,
/// 161, 171): `chunkid:64 status:8`, the chunkserver's answer to the command of type − 1. For
/// DUPLICATE and DUPTRUNC the id is the **new** chunk's. Replies may come out of order (one
/// worker thread per job): match them by chunk id. NOTDONE means "not started" (queue full).
public struct ChunkCommandStatus: MooseMessage {
    /// Which command a `ChunkCommandStatus` answers; the raw value is the reply's type.
    public enum Command: UInt32, CaseIterable, Sendable {
        case create = 111
        case delete = 121
        case duplicate = 131
        case setVersion = 141
        case truncate = 161
        case duplicateTruncate = 171
    }

    public var command: Command
    public var chunkID: ChunkID
    public var status: MooseStatus

    public init(command: Command, chunkID: ChunkID, status: MooseStatus) {
        self.command = command
        self.chunkID = chunkID
        self.status = status
    }

    public static let messageTypes = Command.allCases.map { MooseMessageType($0.rawValue) }
    public var messageType: MooseMessageType { MooseMessageType(command.rawValue) }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkCommandStatus {
        try reader.expectLength(9)
        guard let command = Command(rawValue: reader.message.rawValue) else {
            throw .unexpectedType(reader.message, expected: "a chunk command status")
        }
        return ChunkCommandStatus(command: command, chunkID: try reader.chunkID(), status: try reader.status())
    }
}
