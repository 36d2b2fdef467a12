/// Everything a chunkserver reads on its data port (9422), from a client or from another
/// chunkserver (a write chain's upstream, a replicating chunkserver). Decode each frame from a
/// `MooseFrameDecoder(maxPayloadLength: MooseWireLimits.dataPortFrame)`.
///
/// One request at a time per connection. On an idle connection MooseFS accepts `read`, `write`,
/// the chunk queries, `getVersion`, `getConfig`, `moduleInfo` and `nop`; `writeData` and
/// `writeFinish` belong to a write session (on an idle connection MooseFS closes it silently).
/// That rule is the shell's; this only decodes.
public enum DataPortRequest: Equatable, Sendable {
    case read(ReadRequest)
    case write(WriteRequest)
    case writeData(WriteData)
    case writeFinish(WriteFinish)
    case getChunkBlocks(GetChunkBlocks)
    case getChunkChecksum(GetChunkChecksum)
    case getChunkChecksumTable(GetChunkChecksumTable)
    case getVersion(GetVersion)
    case getConfig(GetConfig)
    case moduleInfo
    /// ANTOAN_UNKNOWN_COMMAND / ANTOAN_BAD_COMMAND_SIZE: accepted and ignored, as MooseFS does.
    case ignored(IgnoredNotice)
    case nop

    public static func decode(_ frame: MooseFrame) throws(MooseWireError) -> DataPortRequest {
        switch frame.type {
        case .cltocsRead: return .read(try .decode(frame))
        case .cltocsWrite: return .write(try .decode(frame))
        case .cltocsWriteData: return .writeData(try .decode(frame))
        case .cltocsWriteFinish: return .writeFinish(try .decode(frame))
        case .antocsGetChunkBlocks: return .getChunkBlocks(try .decode(frame))
        case .antocsGetChunkChecksum: return .getChunkChecksum(try .decode(frame))
        case .antocsGetChunkChecksumTable: return .getChunkChecksumTable(try .decode(frame))
        case .getVersion: return .getVersion(try .decode(frame))
        case .unknownCommand, .badCommandSize: return .ignored(try .decode(frame))
        case .getConfig: return .getConfig(try .decode(frame))
        case .cltoanModuleInfo:
            _ = try ModuleInfoRequest.decode(frame)
            return .moduleInfo
        case .nop:
            _ = try Nop.decode(frame)
            return .nop
        default: throw .unexpectedType(frame.type, expected: "a request on the data port")
        }
    }

    /// The message inside.
    public var message: any MooseMessage {
        switch self {
        case .read(let m): m
        case .write(let m): m
        case .writeData(let m): m
        case .writeFinish(let m): m
        case .getChunkBlocks(let m): m
        case .getChunkChecksum(let m): m
        case .getChunkChecksumTable(let m): m
        case .getVersion(let m): m
        case .getConfig(let m): m
        case .moduleInfo: ModuleInfoRequest()
        case .ignored(let m): m
        case .nop: Nop()
        }
    }

    /// The frame's bytes.
    public func encode() -> [UInt8] { message.encode() }
}

/// Everything a client or a chunkserver reads back from a data port (9422). Decode each frame
/// from a `MooseFrameDecoder` with `MooseWireLimits.dataPortFrame`, or
/// `MooseWireLimits.replicationSourceFrame` for a replicator reading its source.
public enum DataPortReply: Equatable, Sendable {
    case readStatus(ReadStatus)
    case readData(ReadData)
    case writeStatus(WriteStatus)
    case chunkBlocks(ChunkBlocks)
    case chunkChecksum(ChunkChecksum)
    case chunkChecksumTable(ChunkChecksumTable)
    case version(VersionInfo)
    case configValue(ConfigValue)
    case moduleInfo(ModuleInfo)
    case nop

    /// `versionWithMessageID`: whether the `GetVersion` this connection sent carried a message
    /// id (the answer's layout depends on it).
    public static func decode(_ frame: MooseFrame, versionWithMessageID: Bool = false) throws(MooseWireError) -> DataPortReply {
        switch frame.type {
        case .cstoclReadStatus: return .readStatus(try .decode(frame))
        case .cstoclReadData: return .readData(try .decode(frame))
        case .cstoclWriteStatus: return .writeStatus(try .decode(frame))
        case .cstoanChunkBlocks: return .chunkBlocks(try .decode(frame))
        case .cstoanChunkChecksum: return .chunkChecksum(try .decode(frame))
        case .cstoanChunkChecksumTable: return .chunkChecksumTable(try .decode(frame))
        case .version: return .version(try VersionInfo.decode(frame, withMessageID: versionWithMessageID))
        case .configValue: return .configValue(try .decode(frame))
        case .antoclModuleInfo: return .moduleInfo(try .decode(frame))
        case .nop:
            _ = try Nop.decode(frame)
            return .nop
        default: throw .unexpectedType(frame.type, expected: "a reply on the data port")
        }
    }

    /// The message inside.
    public var message: any MooseMessage {
        switch self {
        case .readStatus(let m): m
        case .readData(let m): m
        case .writeStatus(let m): m
        case .chunkBlocks(let m): m
        case .chunkChecksum(let m): m
        case .chunkChecksumTable(let m): m
        case .version(let m): m
        case .configValue(let m): m
        case .moduleInfo(let m): m
        case .nop: Nop()
        }
    }

    /// The frame's bytes.
    public func encode() -> [UInt8] { message.encode() }
}
