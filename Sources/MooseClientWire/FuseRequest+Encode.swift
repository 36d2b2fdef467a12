import MooseWire

extension FuseRequest {
    public var messageType: MooseMessageType {
        switch self {
        case .nop: .nop
        case .statfs: .fuseStatfs
        case .access: .fuseAccess
        case .lookup: .fuseLookup
        case .getattr: .fuseGetattr
        case .setattr: .fuseSetattr
        case .readlink: .fuseReadlink
        case .symlink: .fuseSymlink
        case .mknod: .fuseMknod
        case .mkdir: .fuseMkdir
        case .unlink: .fuseUnlink
        case .rmdir: .fuseRmdir
        case .rename: .fuseRename
        case .link: .fuseLink
        case .readdir: .fuseReaddir
        case .open: .fuseOpen
        case .readChunk: .fuseReadChunk
        case .writeChunk: .fuseWriteChunk
        case .writeChunkEnd: .fuseWriteChunkEnd
        case .check: .fuseCheck
        case .getTrashTime: .fuseGetTrashTime
        case .setTrashTime: .fuseSetTrashTime
        case .getStorageClass: .fuseGetStorageClass
        case .setStorageClass: .fuseSetStorageClass
        case .getDirStats: .fuseGetDirStats
        case .getEattr: .fuseGetEattr
        case .parents: .fuseParents
        case .paths: .fusePaths
        case .listStorageClasses: .storageClassList
        case .truncate: .fuseTruncate
        case .getXattr: .fuseGetXattr
        case .setXattr: .fuseSetXattr
        case .create: .fuseCreate
        case .getFacl: .fuseGetFacl
        case .setFacl: .fuseSetFacl
        case .flock: .fuseFlock
        case .posixLock: .fusePosixLock
        case .sustainedInodes: .fuseSustainedInodes
        case .amtimeInodes: .fuseAmtimeInodes
        case .timeSync: .fuseTimeSync
        case .unsupported(let type, _, _): type
        }
    }

    public func encode(into w: inout MooseWriter) {
        switch self {
        case .nop(let id), .timeSync(let id):
            if let id { w.write(id) }
        case .sustainedInodes(let inodes):
            for inode in inodes { w.write(inode) }
        case .amtimeInodes(let entries):
            for entry in entries {
                w.write(entry.inode)
                w.write(entry.atime)
                w.write(entry.mtime)
            }
        default:
            w.write(messageID!)
            encodeBody(into: &w)
        }
    }

    /// The fields after the msgid.
    private func encodeBody(into w: inout MooseWriter) {
        switch self {
        case .statfs:
            break
        case .access(_, let inode, let who, let mask):
            w.write(inode)
            who.encode(into: &w)
            if who.legacy { w.write(UInt8(truncatingIfNeeded: mask)) } else { w.write(mask) }
        case .lookup(_, let parent, let name, let who), .unlink(_, let parent, let name, let who), .rmdir(_, let parent, let name, let who):
            w.write(parent)
            w.write(name: name)
            who.encode(into: &w)
        case .getattr(_, let inode, let opened, let uid, let gid):
            w.write(inode)
            if let opened { w.write(opened) }
            if let uid, let gid {
                w.write(uid)
                w.write(gid)
            }
        case .setattr(_, let inode, let opened, let who, let fields):
            w.write(inode)
            w.write(opened)
            who.encode(into: &w)
            w.write(fields.setMask)
            w.write(fields.mode)
            for value in [fields.uid, fields.gid, fields.atime, fields.mtime] { w.write(value) }
            w.write(fields.winattr)
            w.write(fields.sugidClearMode)
        case .readlink(_, let inode), .getDirStats(_, let inode), .parents(_, let inode), .paths(_, let inode):
            w.write(inode)
        case .listStorageClasses(_, let longForm):
            w.write(longForm)
        case .symlink(_, let parent, let name, let target, let who):
            w.write(parent)
            w.write(name: name)
            w.write(UInt32(target.count))
            w.write(bytes: target)
            who.encode(into: &w)
        case .mknod(_, let parent, let name, let type, let mode, let umask, let who, let rdev):
            w.write(parent)
            w.write(name: name)
            w.write(type)
            w.write(mode)
            w.write(umask)
            who.encode(into: &w)
            w.write(rdev)
        case .mkdir(_, let parent, let name, let mode, let umask, let who, let copySGID):
            w.write(parent)
            w.write(name: name)
            w.write(mode)
            w.write(umask)
            who.encode(into: &w)
            w.write(copySGID)
        case .rename(_, let parent, let name, let newParent, let newName, let who):
            w.write(parent)
            w.write(name: name)
            w.write(newParent)
            w.write(name: newName)
            who.encode(into: &w)
        case .link(_, let inode, let newParent, let newName, let who):
            w.write(inode)
            w.write(newParent)
            w.write(name: newName)
            who.encode(into: &w)
        case .readdir(_, let inode, let who, let flags, let maxEntries, let edgeID):
            w.write(inode)
            who.encode(into: &w)
            w.write(flags)
            w.write(maxEntries)
            w.write(edgeID)
        case .open(_, let inode, let who, let flags):
            w.write(inode)
            who.encode(into: &w)
            w.write(flags)
        case .readChunk(_, let inode, let index, let flags), .writeChunk(_, let inode, let index, let flags):
            w.write(inode)
            w.write(index)
            if let flags { w.write(flags) }
        case .writeChunkEnd(_, let chunkID, let inode, let index, let length, let flags):
            w.write(chunkID)
            w.write(inode)
            if let index { w.write(index) }
            w.write(length)
            if let flags { w.write(flags) }
        case .check(_, let inode, let index):
            w.write(inode)
            if let index { w.write(index) }
        case .getTrashTime(_, let inode, let gmode), .getStorageClass(_, let inode, let gmode), .getEattr(_, let inode, let gmode):
            w.write(inode)
            w.write(gmode)
        case .setTrashTime(_, let inode, let uid, let trashTime, let smode):
            w.write(inode)
            w.write(uid)
            w.write(trashTime)
            w.write(smode)
        case .setStorageClass(_, let inode, let uid, let change):
            w.write(inode)
            w.write(uid)
            switch change {
            case .named(let smode, let name, let newName):
                w.write(UInt8(0xFF))
                w.write(smode)
                w.write(name: name)
                if let newName { w.write(name: newName) }
            case .goal(let goal, let smode):
                w.write(goal)
                w.write(smode)
            }
        case .truncate(_, let inode, let flags, let who, let length):
            w.write(inode)
            w.write(flags)
            who.encode(into: &w)
            w.write(length)
        case .getXattr(_, let inode, let name, let mode, let opened, let who):
            w.write(inode)
            w.write(name: name)
            w.write(mode)
            w.write(opened)
            who.encode(into: &w)
        case .setXattr(_, let inode, let name, let value, let mode, let opened, let who):
            w.write(inode)
            w.write(name: name)
            w.write(UInt32(value.count))
            w.write(bytes: value)
            w.write(mode)
            w.write(opened)
            who.encode(into: &w)
        case .create(_, let parent, let name, let mode, let umask, let who):
            w.write(parent)
            w.write(name: name)
            w.write(mode)
            w.write(umask)
            who.encode(into: &w)
        case .getFacl(_, let inode, let aclType):
            w.write(inode)
            w.write(aclType)
        case .setFacl(_, let inode, let uid, let aclType, let acl):
            w.write(inode)
            w.write(uid)
            w.write(aclType)
            for value in [acl.userPerm, acl.groupPerm, acl.otherPerm, acl.mask, UInt16(acl.users.count), UInt16(acl.groups.count)] {
                w.write(value)
            }
            for entry in acl.users + acl.groups {
                w.write(entry.id)
                w.write(entry.perm)
            }
        case .flock(_, let inode, let requestID, let owner, let command):
            w.write(inode)
            w.write(requestID)
            w.write(owner)
            w.write(command)
        case .posixLock(_, let lock):
            w.write(lock.inode)
            w.write(lock.requestID)
            w.write(lock.owner)
            w.write(lock.pid)
            w.write(lock.command)
            w.write(lock.type)
            w.write(lock.start)
            w.write(lock.end)
        case .unsupported(_, _, let rest):
            w.write(bytes: rest)
        case .nop, .timeSync, .sustainedInodes, .amtimeInodes:
            preconditionFailure("\(self) has no msgid")
        }
    }
}
