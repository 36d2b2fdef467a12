/// The `type` of a MooseFS frame on 9420, 9421 or 9422, with MooseFS's own numbers
/// (`MFSCommunication.h` of 3.0.117, PROTO_BASE 0). A struct rather than an enum so that a type
/// this version does not know still decodes as a frame and is then refused by number.
///
/// Names keep MooseFS's direction prefixes for readers who know its header: `cstoma` chunkserver
/// to master, `matocs` master to chunkserver, `cltocs` client (or forwarding chunkserver) to
/// chunkserver, `cstocl` the replies, `antoan` any to any, `antocs`/`cstoan` any to chunkserver
/// and back.
///
/// swift-mfs's own extension (`SwiftMFSExtension`) uses `0x6D66_7301...`: ASCII "mfs" and a
/// number, far above every MooseFS code (0...706, and 65,536 + the same in "light" builds) and
/// above our own 9419/9421 codes (1000...).
public struct MooseMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    // MARK: any to any
    public static let nop = MooseMessageType(0)
    public static let unknownCommand = MooseMessageType(1)
    public static let badCommandSize = MooseMessageType(2)
    public static let getVersion = MooseMessageType(10)
    public static let version = MooseMessageType(11)
    public static let getConfig = MooseMessageType(80)
    public static let configValue = MooseMessageType(81)

    // MARK: 9420
    public static let cstomaRegister = MooseMessageType(100)
    public static let cstomaSpace = MooseMessageType(101)
    public static let cstomaChunkDamaged = MooseMessageType(102)
    public static let cstomaCurrentLoad = MooseMessageType(103)
    public static let matocsMasterAck = MooseMessageType(104)
    public static let cstomaChunkLost = MooseMessageType(105)
    public static let cstomaErrorOccurred = MooseMessageType(106)
    public static let cstomaChunkNew = MooseMessageType(107)
    public static let cstomaLabels = MooseMessageType(109)
    public static let matocsCreate = MooseMessageType(110)
    public static let cstomaCreate = MooseMessageType(111)
    public static let matocsDelete = MooseMessageType(120)
    public static let cstomaDelete = MooseMessageType(121)
    public static let matocsDuplicate = MooseMessageType(130)
    public static let cstomaDuplicate = MooseMessageType(131)
    public static let matocsSetVersion = MooseMessageType(140)
    public static let cstomaSetVersion = MooseMessageType(141)
    public static let matocsReplicate = MooseMessageType(150)
    public static let cstomaReplicate = MooseMessageType(151)
    public static let matocsChunkOp = MooseMessageType(152)
    public static let cstomaChunkOp = MooseMessageType(153)
    public static let matocsTruncate = MooseMessageType(160)
    public static let cstomaTruncate = MooseMessageType(161)
    public static let matocsDupTrunc = MooseMessageType(170)
    public static let cstomaDupTrunc = MooseMessageType(171)

    // MARK: 9422 (and chunk queries on 9420)
    public static let cltocsRead = MooseMessageType(200)
    public static let cstoclReadStatus = MooseMessageType(201)
    public static let cstoclReadData = MooseMessageType(202)
    public static let cltocsWrite = MooseMessageType(210)
    public static let cstoclWriteStatus = MooseMessageType(211)
    public static let cltocsWriteData = MooseMessageType(212)
    public static let cltocsWriteFinish = MooseMessageType(213)
    public static let antocsGetChunkBlocks = MooseMessageType(250)
    public static let cstoanChunkBlocks = MooseMessageType(251)
    public static let antocsGetChunkChecksum = MooseMessageType(300)
    public static let cstoanChunkChecksum = MooseMessageType(301)
    public static let antocsGetChunkChecksumTable = MooseMessageType(302)
    public static let cstoanChunkChecksumTable = MooseMessageType(303)
    public static let cltoanModuleInfo = MooseMessageType(530)
    public static let antoclModuleInfo = MooseMessageType(531)

    // MARK: swift-mfs only (never sent to a MooseFS component; see SwiftMFSExtension)
    public static let swiftMasterEpoch = MooseMessageType(0x6D66_7301)
    public static let swiftEpochQuery = MooseMessageType(0x6D66_7302)

    static let names: [UInt32: String] = [
        0: "ANTOAN_NOP", 1: "ANTOAN_UNKNOWN_COMMAND", 2: "ANTOAN_BAD_COMMAND_SIZE", 10: "ANTOAN_GET_VERSION",
        11: "ANTOAN_VERSION", 80: "ANTOAN_GET_CONFIG", 81: "ANTOAN_CONFIG_VALUE", 100: "CSTOMA_REGISTER",
        101: "CSTOMA_SPACE", 102: "CSTOMA_CHUNK_DAMAGED", 103: "CSTOMA_CURRENT_LOAD", 104: "MATOCS_MASTER_ACK",
        105: "CSTOMA_CHUNK_LOST", 106: "CSTOMA_ERROR_OCCURRED", 107: "CSTOMA_CHUNK_NEW", 109: "CSTOMA_LABELS",
        110: "MATOCS_CREATE", 111: "CSTOMA_CREATE", 120: "MATOCS_DELETE", 121: "CSTOMA_DELETE",
        130: "MATOCS_DUPLICATE", 131: "CSTOMA_DUPLICATE", 140: "MATOCS_SET_VERSION", 141: "CSTOMA_SET_VERSION",
        150: "MATOCS_REPLICATE", 151: "CSTOMA_REPLICATE", 152: "MATOCS_CHUNKOP", 153: "CSTOMA_CHUNKOP",
        160: "MATOCS_TRUNCATE", 161: "CSTOMA_TRUNCATE", 170: "MATOCS_DUPTRUNC", 171: "CSTOMA_DUPTRUNC",
        200: "CLTOCS_READ", 201: "CSTOCL_READ_STATUS", 202: "CSTOCL_READ_DATA", 210: "CLTOCS_WRITE",
        211: "CSTOCL_WRITE_STATUS", 212: "CLTOCS_WRITE_DATA", 213: "CLTOCS_WRITE_FINISH",
        250: "ANTOCS_GET_CHUNK_BLOCKS", 251: "CSTOAN_CHUNK_BLOCKS", 300: "ANTOCS_GET_CHUNK_CHECKSUM",
        301: "CSTOAN_CHUNK_CHECKSUM", 302: "ANTOCS_GET_CHUNK_CHECKSUM_TAB", 303: "CSTOAN_CHUNK_CHECKSUM_TAB",
        530: "CLTOAN_MODULE_INFO", 531: "ANTOCL_MODULE_INFO", 0x6D66_7301: "SWIFTMFS_MASTER_EPOCH",
        0x6D66_7302: "SWIFTMFS_EPOCH_QUERY",
    ]
    // The 9421 client dialect (MooseClientWire's messages).
    .merging(
        [
            400: "CLTOMA_FUSE_REGISTER", 401: "MATOCL_FUSE_REGISTER", 402: "CLTOMA_FUSE_STATFS", 403: "MATOCL_FUSE_STATFS",
            404: "CLTOMA_FUSE_ACCESS", 405: "MATOCL_FUSE_ACCESS", 406: "CLTOMA_FUSE_LOOKUP", 407: "MATOCL_FUSE_LOOKUP",
            408: "CLTOMA_FUSE_GETATTR", 409: "MATOCL_FUSE_GETATTR", 410: "CLTOMA_FUSE_SETATTR", 411: "MATOCL_FUSE_SETATTR",
            412: "CLTOMA_FUSE_READLINK", 413: "MATOCL_FUSE_READLINK", 414: "CLTOMA_FUSE_SYMLINK", 415: "MATOCL_FUSE_SYMLINK",
            416: "CLTOMA_FUSE_MKNOD", 417: "MATOCL_FUSE_MKNOD", 418: "CLTOMA_FUSE_MKDIR", 419: "MATOCL_FUSE_MKDIR",
            420: "CLTOMA_FUSE_UNLINK", 421: "MATOCL_FUSE_UNLINK", 422: "CLTOMA_FUSE_RMDIR", 423: "MATOCL_FUSE_RMDIR",
            424: "CLTOMA_FUSE_RENAME", 425: "MATOCL_FUSE_RENAME", 426: "CLTOMA_FUSE_LINK", 427: "MATOCL_FUSE_LINK",
            428: "CLTOMA_FUSE_READDIR", 429: "MATOCL_FUSE_READDIR", 430: "CLTOMA_FUSE_OPEN", 431: "MATOCL_FUSE_OPEN",
            432: "CLTOMA_FUSE_READ_CHUNK", 433: "MATOCL_FUSE_READ_CHUNK", 434: "CLTOMA_FUSE_WRITE_CHUNK", 435: "MATOCL_FUSE_WRITE_CHUNK",
            436: "CLTOMA_FUSE_WRITE_CHUNK_END", 437: "MATOCL_FUSE_WRITE_CHUNK_END", 440: "CLTOMA_FUSE_CHECK", 441: "MATOCL_FUSE_CHECK",
            442: "CLTOMA_FUSE_GETTRASHTIME", 443: "MATOCL_FUSE_GETTRASHTIME", 444: "CLTOMA_FUSE_SETTRASHTIME",
            445: "MATOCL_FUSE_SETTRASHTIME", 446: "CLTOMA_FUSE_GETSCLASS", 447: "MATOCL_FUSE_GETSCLASS", 448: "CLTOMA_FUSE_SETSCLASS",
            449: "MATOCL_FUSE_SETSCLASS", 462: "CLTOMA_FUSE_GETDIRSTATS", 463: "MATOCL_FUSE_GETDIRSTATS", 464: "CLTOMA_FUSE_TRUNCATE",
            465: "MATOCL_FUSE_TRUNCATE", 478: "CLTOMA_FUSE_GETXATTR", 479: "MATOCL_FUSE_GETXATTR", 480: "CLTOMA_FUSE_SETXATTR",
            481: "MATOCL_FUSE_SETXATTR", 482: "CLTOMA_FUSE_CREATE", 483: "MATOCL_FUSE_CREATE", 488: "CLTOMA_FUSE_GETFACL",
            489: "MATOCL_FUSE_GETFACL", 490: "CLTOMA_FUSE_SETFACL", 491: "MATOCL_FUSE_SETFACL", 492: "CLTOMA_FUSE_FLOCK",
            493: "MATOCL_FUSE_FLOCK", 494: "CLTOMA_FUSE_POSIX_LOCK", 495: "MATOCL_FUSE_POSIX_LOCK", 700: "CLTOMA_FUSE_SUSTAINED_INODES",
            701: "CLTOMA_FUSE_AMTIME_INODES", 702: "MATOCL_FUSE_CHUNK_HAS_CHANGED", 703: "MATOCL_FUSE_FLENG_HAS_CHANGED",
            704: "CLTOMA_FUSE_TIME_SYNC", 705: "MATOCL_FUSE_TIME_SYNC", 706: "MATOCL_FUSE_INVALIDATE_CHUNK_CACHE",
        ], uniquingKeysWith: { first, _ in first })

    /// MooseFS's name and the number, e.g. `CSTOMA_REGISTER (100)`.
    public var description: String { "\(Self.names[rawValue] ?? "type") (\(rawValue))" }
}
