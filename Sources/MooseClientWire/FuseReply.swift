import MooseWire

/// What our master sends a MooseFS client after its register (notes §3, §4). Each reply starts
/// with the request's msgid; a reply's type is its request's plus one. A payload of exactly 5
/// bytes is a status, whatever the type: the client tells status from data by length alone.
///
/// | case | types | payload |
/// | --- | --- | --- |
/// | `nop` | 0 | `msgid:32 = 0` |
/// | `status` | any reply | `msgid status:8` |
/// | `statfs` | 403 | `msgid total:64 avail:64 free:64 trash:64 sustained:64 inodes:32` |
/// | `lookup` | 407 | `msgid inode:32 A lflags:16 [protoid:8=2 chunkid:64 version:32 N × LOC]` |
/// | `attr` | 409, 411 | `msgid A` |
/// | `readlink` | 413 | `msgid pleng:32 path[pleng, NUL included]` |
/// | `entry` | 415, 417, 419, 425, 427 | `msgid inode:32 A` |
/// | `removed` | 421, 423 | `msgid inode:32` |
/// | `readdir` | 429 | `msgid nedgeid:64 N × (NAME inode:32 A)` |
/// | `open` | 431 | `msgid oflags:8 A` |
/// | `chunk` | 433, 435 | `msgid protoid:8=2 length:64 chunkid:64 version:32 N × LOC` |
/// | `truncate` | 465 | `msgid prevlength:64 A` |
/// | `xattr` | 479 | `msgid vleng:32 [value]` (the value only when asked for, mode 0) |
/// | `create` | 483 | `msgid oflags:8 inode:32 A` |
/// | `storageClasses` | 447 | `msgid fcount:8 dcount:8` then files, then dirs: `id:8 count:32` (or `0xFF NAME count:32`) |
/// | `trashTimes` | 443 | `msgid fcount:32 dcount:32` then files, then dirs: `trashtime:32 count:32` |
/// | `changedCounts` | 445, 449 | `msgid changed:32 notchanged:32 notpermitted:32` |
/// | `checkCopies` | 441 | `msgid 12 × count:32` (chunks by number of valid copies: 0…10+, then empty) |
/// | `checkChunk` | 441 | `msgid chunkid:64 version:32 N × (ip:32 port:16 type:8)` (CHECK with an index) |
/// | `posixLockInfo` | 495 | `msgid pid:32 type:8 start:64 end:64` (F_GETLK: the lock in the way, or type 0) |
/// | `eattrs` | 473 | `msgid dcount:8 fcount:8` then dirs, then files: `eattr:8 count:32` |
/// | `parents` | 485 | `msgid N × inode:32` |
/// | `paths` | 487 | `msgid N × (length:32 path[length])` (from the session's root, no leading `/`) |
/// | `storageClassList` | 361 | `msgid N × NAME`, or with the long form each NAME then `admin:8 mode:8 archdelay:16 ccount:8 kcount:8 acount:8` and (ccount+kcount+acount) × 4 × `labelmask:32` |
/// | `dirStats` | 463 | `msgid inodes:32 dirs:32 files:32 0:32 0:32 chunks:32 0:32 0:32 length:64 size:64 realsize:64` |
/// | `timeSync` | 705 | `msgid usec:64` |
/// | `chunkHasChanged` | 702 | `0:32 inode:32 index:32 chunkid:64 version:32 length:64 truncflag:8` |
/// | `lengthHasChanged` | 703 | `0:32 inode:32 length:64` |
/// | `invalidateChunkCache` | 706 | `0:32` |
///
/// `A` is `FuseAttr` (36 B); `LOC` is `ip:32 port:16 csversion:32 labelmask:32`.
public enum FuseReply: MooseMessage {
    case nop
    case status(MooseMessageType, UInt32, FuseStatus)
    case statfs(UInt32, Statfs)
    case lookup(UInt32, inode: UInt32, FuseAttr, lookupFlags: UInt16, chunkZero: ChunkLocation?)
    case attr(MooseMessageType, UInt32, FuseAttr)
    case readlink(UInt32, path: [UInt8])
    case entry(MooseMessageType, UInt32, inode: UInt32, FuseAttr)
    case removed(MooseMessageType, UInt32, inode: UInt32)
    case readdir(UInt32, edgeID: UInt64, [DirectoryEntry])
    case open(UInt32, openFlags: UInt8, FuseAttr)
    case chunk(MooseMessageType, UInt32, fileLength: UInt64, ChunkLocation)
    case truncate(UInt32, previousLength: UInt64, FuseAttr)
    case xattr(UInt32, length: UInt32, value: [UInt8]?)
    case create(UInt32, openFlags: UInt8, inode: UInt32, FuseAttr)
    case storageClasses(UInt32, files: [ClassCount], directories: [ClassCount])
    case trashTimes(UInt32, files: [TrashTimeCount], directories: [TrashTimeCount])
    case changedCounts(MooseMessageType, UInt32, changed: UInt32, notChanged: UInt32, notPermitted: UInt32)
    case checkCopies(UInt32, counts: [UInt32])
    case checkChunk(UInt32, chunkID: UInt64, version: UInt32, [CopyState])
    case posixLockInfo(UInt32, pid: UInt32, type: UInt8, start: UInt64, end: UInt64)
    case dirStats(UInt32, DirStats)
    case eattrs(UInt32, directories: [EattrCount], files: [EattrCount])
    case parents(UInt32, [UInt32])
    case paths(UInt32, [[UInt8]])
    case storageClassList(UInt32, [StorageClassInfo], longForm: Bool)
    case timeSync(UInt32, microseconds: UInt64)
    case chunkHasChanged(inode: UInt32, index: UInt32, chunkID: UInt64, version: UInt32, fileLength: UInt64, truncated: UInt8)
    case lengthHasChanged(inode: UInt32, fileLength: UInt64)
    case invalidateChunkCache

    public struct Statfs: Hashable, Sendable {
        public var totalSpace: UInt64
        public var availableSpace: UInt64
        public var freeSpace: UInt64
        public var trashSpace: UInt64
        public var sustainedSpace: UInt64
        public var inodes: UInt32
        public init(
            totalSpace: UInt64, availableSpace: UInt64, freeSpace: UInt64, trashSpace: UInt64, sustainedSpace: UInt64, inodes: UInt32
        ) {
            (self.totalSpace, self.availableSpace, self.freeSpace) = (totalSpace, availableSpace, freeSpace)
            (self.trashSpace, self.sustainedSpace, self.inodes) = (trashSpace, sustainedSpace, inodes)
        }
    }

    /// A chunk's id, version and copies (`protoid` 2): for READ_CHUNK, WRITE_CHUNK and the
    /// lookup's chunk-0 hint.
    public struct ChunkLocation: Hashable, Sendable {
        public var chunkID: UInt64
        public var version: UInt32
        public var servers: [Server]
        public init(chunkID: UInt64, version: UInt32, servers: [Server]) {
            precondition(servers.count <= MooseClientLimits.maxChunkLocations, "\(servers.count) chunk locations")
            (self.chunkID, self.version, self.servers) = (chunkID, version, servers)
        }

        public struct Server: Hashable, Sendable {
            public var ip: UInt32
            public var port: UInt16
            public var version: MooseVersion
            public var labelMask: UInt32
            public init(ip: UInt32, port: UInt16, version: MooseVersion, labelMask: UInt32 = 0) {
                (self.ip, self.port, self.version, self.labelMask) = (ip, port, version, labelMask)
            }
        }
    }

    /// One READDIR entry (with its attributes: mfsmount always asks for them).
    public struct DirectoryEntry: Hashable, Sendable {
        public var name: [UInt8]
        public var inode: UInt32
        public var attr: FuseAttr
        public init(name: [UInt8], inode: UInt32, attr: FuseAttr) { (self.name, self.inode, self.attr) = (name, inode, attr) }
    }

    /// A storage class and how many nodes have it: a goal 1…9 by number, or a named class.
    public struct ClassCount: Hashable, Sendable {
        public var id: UInt8
        /// The class's name when `id` is 0xFF.
        public var name: [UInt8]?
        public var count: UInt32
        public init(goal: UInt8, count: UInt32) { (self.id, self.name, self.count) = (goal, nil, count) }
        public init(name: [UInt8], count: UInt32) { (self.id, self.name, self.count) = (0xFF, name, count) }
    }

    /// One copy in CHECK's answer for an index: where, and its state (`type`).
    public struct CopyState: Hashable, Sendable {
        public var ip: UInt32
        public var port: UInt16
        public var type: UInt8
        public init(ip: UInt32, port: UInt16, type: UInt8) { (self.ip, self.port, self.type) = (ip, port, type) }
    }

    /// Counts in CHECK's answer without an index.
    public static let checkCountSlots = 12

    public struct TrashTimeCount: Hashable, Sendable {
        public var trashTime: UInt32
        public var count: UInt32
        public init(trashTime: UInt32, count: UInt32) { (self.trashTime, self.count) = (trashTime, count) }
    }

    /// An extra-attribute set (MooseFS's `noowner`, `nodatacache`, ...) and how many nodes have it.
    public struct EattrCount: Hashable, Sendable {
        public var eattr: UInt8
        public var count: UInt32
        public init(eattr: UInt8, count: UInt32) { (self.eattr, self.count) = (eattr, count) }
    }

    /// A storage class in SCLASS_LIST's answer: its name and how many copies it keeps. Its
    /// labels are all "any server", its mode MooseFS's default (`STD`), as MooseFS's own
    /// classes "1" to "9" are.
    public struct StorageClassInfo: Hashable, Sendable {
        public var name: [UInt8]
        public var copies: UInt8
        public init(name: [UInt8], copies: UInt8) { (self.name, self.copies) = (name, copies) }
        /// MooseFS's `SCLASS_MODE_STD`.
        static let standardMode: UInt8 = 1
        /// Label masks per label expression (MooseFS's `MASKORGROUP`).
        static let masksPerLabel = 4
    }

    /// GETDIRSTATS on a mount connection (the 60-byte form).
    public struct DirStats: Hashable, Sendable {
        public var inodes: UInt32
        public var directories: UInt32
        public var files: UInt32
        public var chunks: UInt32
        public var length: UInt64
        public var size: UInt64
        public var realSize: UInt64
        public init(inodes: UInt32, directories: UInt32, files: UInt32, chunks: UInt32, length: UInt64, size: UInt64, realSize: UInt64) {
            (self.inodes, self.directories, self.files, self.chunks) = (inodes, directories, files, chunks)
            (self.length, self.size, self.realSize) = (length, size, realSize)
        }
    }

    /// `lflags` bits beyond the eight access combinations (0x00FF).
    public static let lookupChunkZeroData: UInt16 = 0x0100
    public static let lookupReadOnlyFilesystem: UInt16 = 0x0200

    /// Built once: every reply's decode checks its type against it.
    public static let messageTypes: [MooseMessageType] =
        [.nop, .fuseChunkHasChanged, .fuseFlengHasChanged, .fuseTimeSyncReply, .fuseInvalidateChunkCache]
        + [MooseMessageType.storageClassList.reply] + (403...499).filter { $0 % 2 == 1 }.map { MooseMessageType($0) }

    public var messageType: MooseMessageType {
        switch self {
        case .nop: .nop
        case .status(let type, _, _), .attr(let type, _, _), .entry(let type, _, _, _), .removed(let type, _, _),
            .chunk(let type, _, _, _), .changedCounts(let type, _, _, _, _):
            type
        case .statfs: MooseMessageType.fuseStatfs.reply
        case .lookup: MooseMessageType.fuseLookup.reply
        case .readlink: MooseMessageType.fuseReadlink.reply
        case .readdir: MooseMessageType.fuseReaddir.reply
        case .open: MooseMessageType.fuseOpen.reply
        case .truncate: MooseMessageType.fuseTruncate.reply
        case .xattr: MooseMessageType.fuseGetXattr.reply
        case .create: MooseMessageType.fuseCreate.reply
        case .storageClasses: MooseMessageType.fuseGetStorageClass.reply
        case .trashTimes: MooseMessageType.fuseGetTrashTime.reply
        case .checkCopies, .checkChunk: MooseMessageType.fuseCheck.reply
        case .posixLockInfo: MooseMessageType.fusePosixLock.reply
        case .dirStats: MooseMessageType.fuseGetDirStats.reply
        case .eattrs: MooseMessageType.fuseGetEattr.reply
        case .parents: MooseMessageType.fuseParents.reply
        case .paths: MooseMessageType.fusePaths.reply
        case .storageClassList: MooseMessageType.storageClassList.reply
        case .timeSync: .fuseTimeSyncReply
        case .chunkHasChanged: .fuseChunkHasChanged
        case .lengthHasChanged: .fuseFlengHasChanged
        case .invalidateChunkCache: .fuseInvalidateChunkCache
        }
    }
}
