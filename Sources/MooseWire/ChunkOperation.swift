import MFSCore

/// MATOCS_CHUNKOP (152): one message for every chunk command,
/// `chunkid:64 version:32 newversion:32 copychunkid:64 copyversion:32 length:32` (32 bytes).
/// A 3.0.117 chunkserver understands it; a 3.0.117 master never sends it and **kills the link
/// on the reply** (CSTOMA_CHUNKOP), so our master must not send it to a MooseFS chunkserver.
/// Decoded so that our chunkserver can serve a master that does. The fields select the
/// operation (`kind`, notes §2.7).
public struct ChunkOperation: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32
    public var newVersion: UInt32
    public var copyChunkID: ChunkID
    public var copyVersion: UInt32
    public var length: UInt32

    public init(
        chunkID: ChunkID, version: UInt32, newVersion: UInt32, copyChunkID: ChunkID, copyVersion: UInt32,
        length: UInt32
    ) {
        self.chunkID = chunkID
        self.version = version
        self.newVersion = newVersion
        self.copyChunkID = copyChunkID
        self.copyVersion = copyVersion
        self.length = length
    }

    /// `length` meaning "no truncation".
    public static let keepLength: UInt32 = 0xFFFF_FFFF

    /// What the chunkserver does with these fields.
    public enum Kind: Equatable, Sendable {
        case setVersion, duplicate, truncate, duplicateTruncate, delete, create, test
        /// A combination no operation uses (the chunkserver answers EINVAL).
        case invalid
    }

    public var kind: Kind {
        let hasCopy = copyChunkID != .none
        if newVersion != 0 {
            if length == Self.keepLength { return hasCopy ? .duplicate : .setVersion }
            if Int(length) <= MooseWireLimits.chunkSize { return hasCopy ? .duplicateTruncate : .truncate }
            return .invalid
        }
        switch length {
        case 0: return .delete
        case 1: return .create
        case 2: return .test
        default: return .invalid
        }
    }

    static let encodedSize = 32

    public static let messageTypes: [MooseMessageType] = [.matocsChunkOp]
    public var messageType: MooseMessageType { .matocsChunkOp }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        writer.write(newVersion)
        writer.write(copyChunkID)
        writer.write(copyVersion)
        writer.write(length)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkOperation {
        try reader.expectLength(encodedSize)
        return try fields(from: &reader)
    }

    static func fields(from reader: inout MooseReader) throws(MooseWireError) -> ChunkOperation {
        ChunkOperation(
            chunkID: try reader.chunkID(), version: try reader.version(), newVersion: try reader.version("newversion"),
            copyChunkID: try reader.chunkID("copychunkid"), copyVersion: try reader.version("copyversion"),
            length: try reader.uint32("length"))
    }
}

/// CSTOMA_CHUNKOP (153): the 32 bytes of the `ChunkOperation` it answers, then `status:8`.
/// Never send it to a 3.0.117 master (it closes the connection).
public struct ChunkOperationStatus: MooseMessage {
    public var operation: ChunkOperation
    public var status: MooseStatus

    public init(operation: ChunkOperation, status: MooseStatus) {
        self.operation = operation
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaChunkOp]
    public var messageType: MooseMessageType { .cstomaChunkOp }

    public func encode(into writer: inout MooseWriter) {
        operation.encode(into: &writer)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkOperationStatus {
        try reader.expectLength(ChunkOperation.encodedSize + 1)
        return ChunkOperationStatus(operation: try ChunkOperation.fields(from: &reader), status: try reader.status())
    }
}
