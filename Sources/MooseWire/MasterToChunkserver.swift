/// Everything our chunkserver reads from a master on 9420 (MooseFS's or ours). Decode each
/// frame from a `MooseFrameDecoder(maxPayloadLength: MooseWireLimits.masterToChunkserverFrame)`;
/// any other type is `MooseWireError.unexpectedType` and, as in MooseFS, ends the link.
///
/// Command replies go back as `ChunkserverToMaster` messages on the same connection, in
/// whatever order the jobs finish.
public enum MasterToChunkserver: Equatable, Sendable {
    case ack(MasterAck)
    case create(CreateChunk)
    case delete(DeleteChunk)
    case duplicate(DuplicateChunk)
    case setVersion(SetChunkVersion)
    case replicate(ReplicateChunk)
    case operation(ChunkOperation)
    case truncate(TruncateChunk)
    case duplicateTruncate(DuplicateTruncateChunk)
    case getChunkBlocks(GetChunkBlocks)
    case getChunkChecksum(GetChunkChecksum)
    case getChunkChecksumTable(GetChunkChecksumTable)
    /// ANTOAN_UNKNOWN_COMMAND / ANTOAN_BAD_COMMAND_SIZE: accepted and ignored, as MooseFS does.
    case ignored(IgnoredNotice)
    case nop
    /// The answer to a `GetVersion` without message id.
    case version(VersionInfo)
    /// The answer to a `GetConfig` (our probe: `SwiftMFSExtension.confirmsSwiftMFS`).
    case configValue(ConfigValue)
    /// Only from our master, after the probe was answered.
    case masterEpoch(MasterEpoch)

    public static func decode(_ frame: MooseFrame) throws(MooseWireError) -> MasterToChunkserver {
        switch frame.type {
        case .matocsMasterAck: return .ack(try .decode(frame))
        case .matocsCreate: return .create(try .decode(frame))
        case .matocsDelete: return .delete(try .decode(frame))
        case .matocsDuplicate: return .duplicate(try .decode(frame))
        case .matocsSetVersion: return .setVersion(try .decode(frame))
        case .matocsReplicate: return .replicate(try .decode(frame))
        case .matocsChunkOp: return .operation(try .decode(frame))
        case .matocsTruncate: return .truncate(try .decode(frame))
        case .matocsDupTrunc: return .duplicateTruncate(try .decode(frame))
        case .antocsGetChunkBlocks: return .getChunkBlocks(try .decode(frame))
        case .antocsGetChunkChecksum: return .getChunkChecksum(try .decode(frame))
        case .antocsGetChunkChecksumTable: return .getChunkChecksumTable(try .decode(frame))
        case .nop:
            _ = try Nop.decode(frame)
            return .nop
        case .version: return .version(try .decode(frame))
        case .unknownCommand, .badCommandSize: return .ignored(try .decode(frame))
        case .configValue: return .configValue(try .decode(frame))
        case .swiftMasterEpoch: return .masterEpoch(try .decode(frame))
        default: throw .unexpectedType(frame.type, expected: "a master's message on 9420")
        }
    }

    /// The message inside.
    public var message: any MooseMessage {
        switch self {
        case .ack(let m): m
        case .create(let m): m
        case .delete(let m): m
        case .duplicate(let m): m
        case .setVersion(let m): m
        case .replicate(let m): m
        case .operation(let m): m
        case .truncate(let m): m
        case .duplicateTruncate(let m): m
        case .getChunkBlocks(let m): m
        case .getChunkChecksum(let m): m
        case .getChunkChecksumTable(let m): m
        case .ignored(let m): m
        case .nop: Nop()
        case .version(let m): m
        case .configValue(let m): m
        case .masterEpoch(let m): m
        }
    }

    /// The frame's bytes.
    public func encode() -> [UInt8] { message.encode() }
}
