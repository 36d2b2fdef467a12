import MooseWire

/// A request from mfsmount (or libmfsio) on 9421 after its register, as MooseFS 3.0.117 lays it
/// out (notes §3.2). Every request but NOP, SUSTAINED_INODES and AMTIME_INODES starts with
/// `msgid:32`, which the reply echoes; `G` is `FuseCredentials`, `NAME` is `nleng:8 bytes`.
/// Each case's layout after the msgid:
///
/// | type | case | layout after msgid |
/// | --- | --- | --- |
/// | 0 | `nop` | (the msgid 0, or nothing) |
/// | 402 | `statfs` | – |
/// | 404 | `access` | `inode:32 G mask:16` (legacy: `uid gid mask:8`) |
/// | 406 | `lookup` | `parent:32 NAME G` |
/// | 408 | `getattr` | `inode:32 [[opened:8] uid:32 gid:32]` (8, 16 or 17 B) |
/// | 410 | `setattr` | `inode:32 opened:8 G setmask:8 mode:16 uid:32 gid:32 atime:32 mtime:32 winattr:8 sugidclear:8` |
/// | 412 | `readlink` | `inode:32` |
/// | 414 | `symlink` | `parent:32 NAME pleng:32 path[pleng, NUL included] G` |
/// | 416 | `mknod` | `parent:32 NAME type:8 mode:16 umask:16 G rdev:32` |
/// | 418 | `mkdir` | `parent:32 NAME mode:16 umask:16 G copysgid:8` |
/// | 420, 422 | `unlink`, `rmdir` | `parent:32 NAME G` |
/// | 424 | `rename` | `parent:32 NAME newparent:32 NAME G` |
/// | 426 | `link` | `inode:32 newparent:32 NAME G` |
/// | 428 | `readdir` | `inode:32 G flags:8 maxentries:32 nedgeid:64` |
/// | 430 | `open` | `inode:32 G flags:8` |
/// | 432, 434 | `readChunk`, `writeChunk` | `inode:32 index:32 [chunkopflags:8]` |
/// | 436 | `writeChunkEnd` | `chunkid:64 inode:32 [index:32] length:64 [chunkopflags:8]` (20, 21 or 25 B) |
/// | 440 | `check` | `inode:32 [index:32]` |
/// | 442 | `getTrashTime` | `inode:32 gmode:8` |
/// | 444 | `setTrashTime` | `inode:32 uid:32 trashtime:32 smode:8` |
/// | 446 | `getStorageClass` | `inode:32 gmode:8` |
/// | 448 | `setStorageClass` | `inode:32 uid:32 0xFF smode:8 NAME [NAME]` (legacy: `inode uid goal:8 smode:8`) |
/// | 360 | `listStorageClasses` | `fver:8` (0: names only) |
/// | 462 | `getDirStats` | `inode:32` |
/// | 472 | `getEattr` | `inode:32 gmode:8` |
/// | 484, 486 | `parents`, `paths` | `inode:32` |
/// | 464 | `truncate` | `inode:32 flags:8 G length:64` |
/// | 478 | `getXattr` | `inode:32 NAME mode:8 opened:8 G` (an empty name lists) |
/// | 480 | `setXattr` | `inode:32 NAME vleng:32 value mode:8 opened:8 G` |
/// | 482 | `create` | `parent:32 NAME mode:16 umask:16 G` |
/// | 488 | `getFacl` | `inode:32 acltype:8` |
/// | 490 | `setFacl` | `inode:32 uid:32 acltype:8 userperm:16 groupperm:16 otherperm:16 mask:16 nusers:16 ngroups:16 (nusers+ngroups)×(id:32 perm:16)` |
/// | 492 | `flock` | `inode:32 reqid:32 owner:64 cmd:8` |
/// | 494 | `posixLock` | `inode:32 reqid:32 owner:64 pid:32 cmd:8 type:8 start:64 end:64` |
/// | 700 | `sustainedInodes` | no msgid: `N × inode:32` |
/// | 701 | `amtimeInodes` | no msgid: `N × (inode:32 atime:32 mtime:32)` |
/// | 704 | `timeSync` | (the msgid, or nothing) |
///
/// Any other even type from 402 to 498 with a msgid is `unsupported`: a request of MooseFS 3.0
/// this master answers with ENOTSUP rather than closing the connection.
public enum FuseRequest: MooseMessage {
    case nop(messageID: UInt32?)
    case statfs(UInt32)
    case access(UInt32, inode: UInt32, FuseCredentials, mask: UInt16)
    case lookup(UInt32, parent: UInt32, name: [UInt8], FuseCredentials)
    case getattr(UInt32, inode: UInt32, opened: UInt8?, uid: UInt32?, gid: UInt32?)
    case setattr(UInt32, inode: UInt32, opened: UInt8, FuseCredentials, SetattrFields)
    case readlink(UInt32, inode: UInt32)
    case symlink(UInt32, parent: UInt32, name: [UInt8], target: [UInt8], FuseCredentials)
    case mknod(UInt32, parent: UInt32, name: [UInt8], type: UInt8, mode: UInt16, umask: UInt16, FuseCredentials, rdev: UInt32)
    case mkdir(UInt32, parent: UInt32, name: [UInt8], mode: UInt16, umask: UInt16, FuseCredentials, copySGID: UInt8)
    case unlink(UInt32, parent: UInt32, name: [UInt8], FuseCredentials)
    case rmdir(UInt32, parent: UInt32, name: [UInt8], FuseCredentials)
    case rename(UInt32, parent: UInt32, name: [UInt8], newParent: UInt32, newName: [UInt8], FuseCredentials)
    case link(UInt32, inode: UInt32, newParent: UInt32, newName: [UInt8], FuseCredentials)
    case readdir(UInt32, inode: UInt32, FuseCredentials, flags: UInt8, maxEntries: UInt32, edgeID: UInt64)
    case open(UInt32, inode: UInt32, FuseCredentials, flags: UInt8)
    case readChunk(UInt32, inode: UInt32, index: UInt32, chunkOpFlags: UInt8?)
    case writeChunk(UInt32, inode: UInt32, index: UInt32, chunkOpFlags: UInt8?)
    case writeChunkEnd(UInt32, chunkID: UInt64, inode: UInt32, index: UInt32?, length: UInt64, chunkOpFlags: UInt8?)
    case check(UInt32, inode: UInt32, index: UInt32?)
    case getTrashTime(UInt32, inode: UInt32, gmode: UInt8)
    case setTrashTime(UInt32, inode: UInt32, uid: UInt32, trashTime: UInt32, smode: UInt8)
    case getStorageClass(UInt32, inode: UInt32, gmode: UInt8)
    case setStorageClass(UInt32, inode: UInt32, uid: UInt32, StorageClassChange)
    case getDirStats(UInt32, inode: UInt32)
    case getEattr(UInt32, inode: UInt32, gmode: UInt8)
    case parents(UInt32, inode: UInt32)
    case paths(UInt32, inode: UInt32)
    case listStorageClasses(UInt32, longForm: UInt8)
    case truncate(UInt32, inode: UInt32, flags: UInt8, FuseCredentials, length: UInt64)
    case getXattr(UInt32, inode: UInt32, name: [UInt8], mode: UInt8, opened: UInt8, FuseCredentials)
    case setXattr(UInt32, inode: UInt32, name: [UInt8], value: [UInt8], mode: UInt8, opened: UInt8, FuseCredentials)
    case create(UInt32, parent: UInt32, name: [UInt8], mode: UInt16, umask: UInt16, FuseCredentials)
    case getFacl(UInt32, inode: UInt32, aclType: UInt8)
    case setFacl(UInt32, inode: UInt32, uid: UInt32, aclType: UInt8, FuseAcl)
    case flock(UInt32, inode: UInt32, requestID: UInt32, owner: UInt64, command: UInt8)
    case posixLock(UInt32, PosixLock)
    case sustainedInodes([UInt32])
    case amtimeInodes([AmtimeEntry])
    case timeSync(messageID: UInt32?)
    /// A FUSE request this codec does not take apart: its type and msgid, the rest kept as is.
    case unsupported(MooseMessageType, UInt32, rest: [UInt8])

    /// SETATTR's fields after the credentials. `setMask`: 0x01 winattr, 0x02 mode, 0x04 uid,
    /// 0x08 gid, 0x10 mtime now, 0x20 mtime, 0x40 atime, 0x80 atime now.
    public struct SetattrFields: Hashable, Sendable {
        public var setMask: UInt8
        public var mode: UInt16
        public var uid: UInt32
        public var gid: UInt32
        public var atime: UInt32
        public var mtime: UInt32
        public var winattr: UInt8
        public var sugidClearMode: UInt8

        public init(
            setMask: UInt8, mode: UInt16 = 0, uid: UInt32 = 0, gid: UInt32 = 0, atime: UInt32 = 0, mtime: UInt32 = 0,
            winattr: UInt8 = 0, sugidClearMode: UInt8 = 0
        ) {
            (self.setMask, self.mode, self.uid, self.gid) = (setMask, mode, uid, gid)
            (self.atime, self.mtime, self.winattr, self.sugidClearMode) = (atime, mtime, winattr, sugidClearMode)
        }

        public static let winattrBit: UInt8 = 0x01
        public static let modeBit: UInt8 = 0x02
        public static let uidBit: UInt8 = 0x04
        public static let gidBit: UInt8 = 0x08
        public static let mtimeNowBit: UInt8 = 0x10
        public static let mtimeBit: UInt8 = 0x20
        public static let atimeBit: UInt8 = 0x40
        public static let atimeNowBit: UInt8 = 0x80
    }

    /// SETSCLASS's change: a named class (`0xFF smode NAME`, two names for EXCHANGE, smode 3
    /// or 7) or the legacy goal form (`goal:8 smode:8`).
    public enum StorageClassChange: Hashable, Sendable {
        case named(smode: UInt8, name: [UInt8], newName: [UInt8]?)
        case goal(UInt8, smode: UInt8)
    }

    /// SETFACL's permissions and named entries.
    public struct FuseAcl: Hashable, Sendable {
        public var userPerm: UInt16
        public var groupPerm: UInt16
        public var otherPerm: UInt16
        public var mask: UInt16
        public var users: [AclEntry]
        public var groups: [AclEntry]

        public init(userPerm: UInt16, groupPerm: UInt16, otherPerm: UInt16, mask: UInt16, users: [AclEntry], groups: [AclEntry]) {
            (self.userPerm, self.groupPerm, self.otherPerm, self.mask, self.users, self.groups) =
                (userPerm, groupPerm, otherPerm, mask, users, groups)
        }
    }

    public struct AclEntry: Hashable, Sendable {
        public var id: UInt32
        public var perm: UInt16
        public init(id: UInt32, perm: UInt16) { (self.id, self.perm) = (id, perm) }
    }

    /// POSIX_LOCK's fields. `command`: 0 get, 1 set (waits), 2 try, 3 interrupt; `type`:
    /// 0 unlock, 1 read, 2 write; `end` exclusive.
    public struct PosixLock: Hashable, Sendable {
        public var inode: UInt32
        public var requestID: UInt32
        public var owner: UInt64
        public var pid: UInt32
        public var command: UInt8
        public var type: UInt8
        public var start: UInt64
        public var end: UInt64

        public init(inode: UInt32, requestID: UInt32, owner: UInt64, pid: UInt32, command: UInt8, type: UInt8, start: UInt64, end: UInt64) {
            (self.inode, self.requestID, self.owner, self.pid) = (inode, requestID, owner, pid)
            (self.command, self.type, self.start, self.end) = (command, type, start, end)
        }
    }

    /// One AMTIME_INODES entry: 0 = no change.
    public struct AmtimeEntry: Hashable, Sendable {
        public var inode: UInt32
        public var atime: UInt32
        public var mtime: UInt32
        public init(inode: UInt32, atime: UInt32, mtime: UInt32) { (self.inode, self.atime, self.mtime) = (inode, atime, mtime) }
    }

    /// The msgid the reply must carry; nil for the requests that get no reply.
    public var messageID: UInt32? {
        switch self {
        case .nop, .sustainedInodes, .amtimeInodes: nil
        case .timeSync(let id): id ?? 0
        case .statfs(let id), .access(let id, _, _, _), .lookup(let id, _, _, _), .getattr(let id, _, _, _, _),
            .setattr(let id, _, _, _, _), .readlink(let id, _), .symlink(let id, _, _, _, _), .mknod(let id, _, _, _, _, _, _, _),
            .mkdir(let id, _, _, _, _, _, _), .unlink(let id, _, _, _), .rmdir(let id, _, _, _), .rename(let id, _, _, _, _, _),
            .link(let id, _, _, _, _), .readdir(let id, _, _, _, _, _), .open(let id, _, _, _), .readChunk(let id, _, _, _),
            .writeChunk(let id, _, _, _), .writeChunkEnd(let id, _, _, _, _, _), .check(let id, _, _), .getTrashTime(let id, _, _),
            .setTrashTime(let id, _, _, _, _), .getStorageClass(let id, _, _), .setStorageClass(let id, _, _, _),
            .getDirStats(let id, _), .getEattr(let id, _, _), .parents(let id, _), .paths(let id, _),
            .listStorageClasses(let id, _), .truncate(let id, _, _, _, _), .getXattr(let id, _, _, _, _, _),
            .setXattr(let id, _, _, _, _, _, _), .create(let id, _, _, _, _, _), .getFacl(let id, _, _), .setFacl(let id, _, _, _, _),
            .flock(let id, _, _, _, _), .posixLock(let id, _), .unsupported(_, let id, _):
            id
        }
    }

    public static let messageTypes: [MooseMessageType] =
        [.nop, .fuseSustainedInodes, .fuseAmtimeInodes, .fuseTimeSync, .storageClassList]
        + (402...498).filter { $0 % 2 == 0 }.map { MooseMessageType($0) }

    /// `messageTypes` without the search: every request's decode asks.
    public static func decodes(_ type: MooseMessageType) -> Bool {
        switch type {
        case .nop, .fuseSustainedInodes, .fuseAmtimeInodes, .fuseTimeSync, .storageClassList: true
        default: type.isFuseRequestWithMessageID
        }
    }
}
