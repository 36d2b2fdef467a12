import MooseWire

extension FuseRequest {
    public static func decode(from r: inout MooseReader) throws(MooseWireError) -> FuseRequest {
        switch r.message {
        case .nop:
            try r.expectLength(0, 4)
            return .nop(messageID: r.length == 4 ? try r.uint32("msgid") : nil)
        case .fuseTimeSync:
            try r.expectLength(0, 4)
            return .timeSync(messageID: r.length == 4 ? try r.uint32("msgid") : nil)
        case .fuseSustainedInodes:
            let count = try r.entryCount(header: 0, entrySize: 4, limit: MooseClientLimits.maxSustainedInodes, "inodes")
            var inodes: [UInt32] = []
            inodes.reserveCapacity(count)
            for _ in 0..<count { inodes.append(try r.uint32("inode")) }
            return .sustainedInodes(inodes)
        case .fuseAmtimeInodes:
            let count = try r.entryCount(header: 0, entrySize: 12, limit: MooseClientLimits.maxAmtimeEntries, "entries")
            var entries: [AmtimeEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                entries.append(AmtimeEntry(inode: try r.uint32("inode"), atime: try r.uint32("atime"), mtime: try r.uint32("mtime")))
            }
            return .amtimeInodes(entries)
        case .storageClassList:
            try r.expectLength(5)
            return .listStorageClasses(try r.uint32("msgid"), longForm: try r.uint8("fver"))
        default:
            guard r.message.isFuseRequestWithMessageID else {
                throw .unexpectedType(r.message, expected: "a MooseFS client request")
            }
            let id = try r.uint32("msgid")
            return try decodeBody(id, &r)
        }
    }

    // swift-format-ignore
    private static func decodeBody(_ id: UInt32, _ r: inout MooseReader) throws(MooseWireError) -> FuseRequest {
        switch r.message {
        case .fuseStatfs:
            try r.expectLength(4)
            return .statfs(id)
        case .fuseAccess:
            let inode = try r.uint32("inode")
            // Odd: the legacy `uid gid mask:8`; even: G and `mask:16`.
            if r.length % 2 == 1 {
                try r.expectLength(17)
                let who = try FuseCredentials.decode(from: &r, size: 8)
                return .access(id, inode: inode, who, mask: UInt16(try r.uint8("mask")))
            }
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 2, legacyAllowed: false)
            return .access(id, inode: inode, who, mask: try r.uint16("mask"))
        case .fuseLookup, .fuseUnlink, .fuseRmdir:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let who = try FuseCredentials.decode(from: &r, size: r.remaining)
            switch r.message {
            case .fuseLookup: return .lookup(id, parent: parent, name: name, who)
            case .fuseUnlink: return .unlink(id, parent: parent, name: name, who)
            default: return .rmdir(id, parent: parent, name: name, who)
            }
        case .fuseGetattr:
            try r.expectLength(8, 16, 17)
            let inode = try r.uint32("inode")
            let opened = r.length == 17 ? try r.uint8("opened") : nil
            let uid = r.length >= 16 ? try r.uint32("uid") : nil
            let gid = r.length >= 16 ? try r.uint32("gid") : nil
            return .getattr(id, inode: inode, opened: opened, uid: uid, gid: gid)
        case .fuseSetattr:
            let inode = try r.uint32("inode")
            let opened = try r.uint8("opened")
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 21, legacyAllowed: false)
            let mask = try r.uint8("setmask")
            let mode = try r.uint16("mode")
            let (uid, gid, atime, mtime) = (try r.uint32("uid"), try r.uint32("gid"), try r.uint32("atime"), try r.uint32("mtime"))
            let fields = SetattrFields(
                setMask: mask, mode: mode, uid: uid, gid: gid, atime: atime, mtime: mtime, winattr: try r.uint8("winattr"),
                sugidClearMode: try r.uint8("sugidclearmode"))
            return .setattr(id, inode: inode, opened: opened, who, fields)
        case .fuseReadlink, .fuseGetDirStats, .fuseParents, .fusePaths:
            try r.expectLength(8)
            let inode = try r.uint32("inode")
            switch r.message {
            case .fuseReadlink: return .readlink(id, inode: inode)
            case .fuseParents: return .parents(id, inode: inode)
            case .fusePaths: return .paths(id, inode: inode)
            default: return .getDirStats(id, inode: inode)
            }
        case .fuseSymlink:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let count = Int(try r.uint32("pleng"))
            guard count <= MooseClientLimits.maxSymlinkTargetLength + 1 else {
                throw .countOutOfRange(message: r.message, field: "pleng", count: count, limit: MooseClientLimits.maxSymlinkTargetLength + 1)
            }
            let target = try r.bytes(count, "path")
            return .symlink(id, parent: parent, name: name, target: target, try FuseCredentials.decode(from: &r, size: r.remaining))
        case .fuseMknod:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let (type, mode, umask) = (try r.uint8("type"), try r.uint16("mode"), try r.uint16("umask"))
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 4)
            return .mknod(id, parent: parent, name: name, type: type, mode: mode, umask: umask, who, rdev: try r.uint32("rdev"))
        case .fuseMkdir:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let (mode, umask) = (try r.uint16("mode"), try r.uint16("umask"))
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 1)
            return .mkdir(id, parent: parent, name: name, mode: mode, umask: umask, who, copySGID: try r.uint8("copysgid"))
        case .fuseRename:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let newParent = try r.uint32("newparent")
            let newName = try r.name("newname")
            let who = try FuseCredentials.decode(from: &r, size: r.remaining)
            return .rename(id, parent: parent, name: name, newParent: newParent, newName: newName, who)
        case .fuseLink:
            let inode = try r.uint32("inode")
            let newParent = try r.uint32("newparent")
            let newName = try r.name("newname")
            return .link(id, inode: inode, newParent: newParent, newName: newName, try FuseCredentials.decode(from: &r, size: r.remaining))
        case .fuseReaddir:
            let inode = try r.uint32("inode")
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 13)
            let (flags, maxEntries) = (try r.uint8("flags"), try r.uint32("maxentries"))
            return .readdir(id, inode: inode, who, flags: flags, maxEntries: maxEntries, edgeID: try r.uint64("nedgeid"))
        case .fuseOpen:
            let inode = try r.uint32("inode")
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 1)
            return .open(id, inode: inode, who, flags: try r.uint8("flags"))
        case .fuseReadChunk, .fuseWriteChunk:
            try r.expectLength(12, 13)
            let (inode, index) = (try r.uint32("inode"), try r.uint32("index"))
            let flags = r.length == 13 ? try r.uint8("chunkopflags") : nil
            if r.message == .fuseReadChunk { return .readChunk(id, inode: inode, index: index, chunkOpFlags: flags) }
            return .writeChunk(id, inode: inode, index: index, chunkOpFlags: flags)
        case .fuseWriteChunkEnd:
            try r.expectLength(24, 25, 29)
            let (chunkID, inode) = (try r.uint64("chunkid"), try r.uint32("inode"))
            let index = r.length == 29 ? try r.uint32("index") : nil
            let length = try r.uint64("length")
            let flags = r.length >= 25 ? try r.uint8("chunkopflags") : nil
            return .writeChunkEnd(id, chunkID: chunkID, inode: inode, index: index, length: length, chunkOpFlags: flags)
        case .fuseCheck:
            try r.expectLength(8, 12)
            let inode = try r.uint32("inode")
            return .check(id, inode: inode, index: r.length == 12 ? try r.uint32("index") : nil)
        case .fuseGetTrashTime, .fuseGetStorageClass, .fuseGetEattr:
            try r.expectLength(9)
            let (inode, gmode) = (try r.uint32("inode"), try r.uint8("gmode"))
            if r.message == .fuseGetTrashTime { return .getTrashTime(id, inode: inode, gmode: gmode) }
            if r.message == .fuseGetEattr { return .getEattr(id, inode: inode, gmode: gmode) }
            return .getStorageClass(id, inode: inode, gmode: gmode)
        case .fuseSetTrashTime:
            try r.expectLength(17)
            let (inode, uid, trashTime) = (try r.uint32("inode"), try r.uint32("uid"), try r.uint32("trashtime"))
            return .setTrashTime(id, inode: inode, uid: uid, trashTime: trashTime, smode: try r.uint8("smode"))
        case .fuseSetStorageClass:
            return try setStorageClass(id, &r)
        case .fuseTruncate:
            let inode = try r.uint32("inode")
            let flags = try r.uint8("flags")
            let who = try FuseCredentials.decode(from: &r, size: r.remaining - 8)
            return .truncate(id, inode: inode, flags: flags, who, length: try r.uint64("length"))
        case .fuseGetXattr:
            let inode = try r.uint32("inode")
            let name = try r.name()
            let (mode, opened) = (try r.uint8("mode"), try r.uint8("opened"))
            return .getXattr(id, inode: inode, name: name, mode: mode, opened: opened, try FuseCredentials.decode(from: &r, size: r.remaining))
        case .fuseSetXattr:
            let inode = try r.uint32("inode")
            let name = try r.name()
            let count = Int(try r.uint32("vleng"))
            guard count <= MooseClientLimits.maxXattrValueLength else {
                throw .countOutOfRange(message: r.message, field: "vleng", count: count, limit: MooseClientLimits.maxXattrValueLength)
            }
            let value = try r.bytes(count, "value")
            let (mode, opened) = (try r.uint8("mode"), try r.uint8("opened"))
            let who = try FuseCredentials.decode(from: &r, size: r.remaining)
            return .setXattr(id, inode: inode, name: name, value: value, mode: mode, opened: opened, who)
        case .fuseCreate:
            let parent = try r.uint32("parent")
            let name = try r.name()
            let (mode, umask) = (try r.uint16("mode"), try r.uint16("umask"))
            return .create(id, parent: parent, name: name, mode: mode, umask: umask, try FuseCredentials.decode(from: &r, size: r.remaining))
        case .fuseGetFacl:
            try r.expectLength(9)
            return .getFacl(id, inode: try r.uint32("inode"), aclType: try r.uint8("acltype"))
        case .fuseSetFacl:
            return try setFacl(id, &r)
        case .fuseFlock:
            try r.expectLength(21)
            let (inode, requestID, owner) = (try r.uint32("inode"), try r.uint32("reqid"), try r.uint64("owner"))
            return .flock(id, inode: inode, requestID: requestID, owner: owner, command: try r.uint8("cmd"))
        case .fusePosixLock:
            try r.expectLength(42)
            let (inode, requestID, owner, pid) = (try r.uint32("inode"), try r.uint32("reqid"), try r.uint64("owner"), try r.uint32("pid"))
            let (command, type, start) = (try r.uint8("cmd"), try r.uint8("type"), try r.uint64("start"))
            return .posixLock(
                id, PosixLock(inode: inode, requestID: requestID, owner: owner, pid: pid, command: command, type: type, start: start, end: try r.uint64("end")))
        default:
            return .unsupported(r.message, id, rest: try r.bytes(r.remaining, "payload"))
        }
    }

    private static func setStorageClass(_ id: UInt32, _ r: inout MooseReader) throws(MooseWireError) -> FuseRequest {
        let (inode, uid) = (try r.uint32("inode"), try r.uint32("uid"))
        if r.length == 14 {
            let goal = try r.uint8("goal")
            return .setStorageClass(id, inode: inode, uid: uid, .goal(goal, smode: try r.uint8("smode")))
        }
        guard try r.uint8("marker") == 0xFF else { throw r.malformed("marker", "neither 0xFF (a class name) nor a 14-byte goal form") }
        let smode = try r.uint8("smode")
        let name = try r.name("sclass")
        // EXCHANGE (3, or 7 recursive) names the old class and the new one.
        let newName = smode & 0x03 == 3 ? try r.name("newsclass") : nil
        return .setStorageClass(id, inode: inode, uid: uid, .named(smode: smode, name: name, newName: newName))
    }

    private static func setFacl(_ id: UInt32, _ r: inout MooseReader) throws(MooseWireError) -> FuseRequest {
        let (inode, uid, aclType) = (try r.uint32("inode"), try r.uint32("uid"), try r.uint8("acltype"))
        let (userPerm, groupPerm, otherPerm, mask) = (
            try r.uint16("userperm"), try r.uint16("groupperm"), try r.uint16("otherperm"), try r.uint16("mask")
        )
        let (users, groups) = (Int(try r.uint16("nusers")), Int(try r.uint16("ngroups")))
        guard users + groups <= MooseClientLimits.maxAclEntries else {
            throw .countOutOfRange(
                message: r.message, field: "nusers+ngroups", count: users + groups, limit: MooseClientLimits.maxAclEntries)
        }
        try r.expectLength(25 + 6 * (users + groups))
        var entries: [AclEntry] = []
        for _ in 0..<(users + groups) { entries.append(AclEntry(id: try r.uint32("id"), perm: try r.uint16("perm"))) }
        let acl = FuseAcl(
            userPerm: userPerm, groupPerm: groupPerm, otherPerm: otherPerm, mask: mask, users: Array(entries[..<users]),
            groups: Array(entries[users...]))
        return .setFacl(id, inode: inode, uid: uid, aclType: aclType, acl)
    }
}
