/// Everything our master reads from a chunkserver on 9420 (MooseFS's or ours). Decode each
/// frame from a `MooseFrameDecoder(maxPayloadLength: MooseWireLimits.chunkserverToMasterFrame)`;
/// any other type is `MooseWireError.unexpectedType` and, as in MooseFS, closes the connection.
///
/// Before the chunkserver is registered MooseFS accepts only `register`, `nop`, `getVersion` and
/// `getConfig`; that rule, and the replies, are the master shell's.
public enum ChunkserverToMaster: Equatable, Sendable {
    case register(ChunkserverRegister)
    case space(SpaceMessage)
    case chunkIDs(ChunkIDReport)
    case currentLoad(CurrentLoad)
    case errorOccurred
    case chunkNew(ChunkNewReport)
    case labels(LabelsMessage)
    case commandStatus(ChunkCommandStatus)
    case replicateStatus(ReplicateStatus)
    /// Never sent to a 3.0.117 master (it closes the link); decoded for completeness.
    case operationStatus(ChunkOperationStatus)
    case chunkBlocks(ChunkBlocks)
    case chunkChecksum(ChunkChecksum)
    case chunkChecksumTable(ChunkChecksumTable)
    /// ANTOAN_UNKNOWN_COMMAND / ANTOAN_BAD_COMMAND_SIZE: accepted and ignored, as MooseFS does.
    case ignored(IgnoredNotice)
    case nop
    case getVersion(GetVersion)
    /// Also our chunkserver's "are you ours?" probe (`SwiftMFSExtension.isProbe`).
    case getConfig(GetConfig)
    /// Only from our chunkserver, after the probe.
    case epochQuery(EpochQuery)

    public static func decode(_ frame: MooseFrame) throws(MooseWireError) -> ChunkserverToMaster {
        switch frame.type {
        case .cstomaRegister: return .register(try .decode(frame))
        case .cstomaSpace: return .space(try .decode(frame))
        case .cstomaChunkDamaged, .cstomaChunkLost: return .chunkIDs(try .decode(frame))
        case .cstomaCurrentLoad: return .currentLoad(try .decode(frame))
        case .cstomaErrorOccurred:
            _ = try ErrorOccurred.decode(frame)
            return .errorOccurred
        case .cstomaChunkNew: return .chunkNew(try .decode(frame))
        case .cstomaLabels: return .labels(try .decode(frame))
        case .cstomaCreate, .cstomaDelete, .cstomaDuplicate, .cstomaSetVersion, .cstomaTruncate, .cstomaDupTrunc:
            return .commandStatus(try .decode(frame))
        case .cstomaReplicate: return .replicateStatus(try .decode(frame))
        case .cstomaChunkOp: return .operationStatus(try .decode(frame))
        case .cstoanChunkBlocks: return .chunkBlocks(try .decode(frame))
        case .cstoanChunkChecksum: return .chunkChecksum(try .decode(frame))
        case .cstoanChunkChecksumTable: return .chunkChecksumTable(try .decode(frame))
        case .nop:
            _ = try Nop.decode(frame)
            return .nop
        case .getVersion: return .getVersion(try .decode(frame))
        case .unknownCommand, .badCommandSize: return .ignored(try .decode(frame))
        case .getConfig: return .getConfig(try .decode(frame))
        case .swiftEpochQuery: return .epochQuery(try .decode(frame))
        default: throw .unexpectedType(frame.type, expected: "a chunkserver's message on 9420")
        }
    }

    /// The message inside.
    public var message: any MooseMessage {
        switch self {
        case .register(let m): m
        case .space(let m): m
        case .chunkIDs(let m): m
        case .currentLoad(let m): m
        case .errorOccurred: ErrorOccurred()
        case .chunkNew(let m): m
        case .labels(let m): m
        case .commandStatus(let m): m
        case .replicateStatus(let m): m
        case .operationStatus(let m): m
        case .chunkBlocks(let m): m
        case .chunkChecksum(let m): m
        case .chunkChecksumTable(let m): m
        case .ignored(let m): m
        case .nop: Nop()
        case .getVersion(let m): m
        case .getConfig(let m): m
        case .epochQuery(let m): m
        }
    }

    /// The frame's bytes.
    public func encode() -> [UInt8] { message.encode() }
}
