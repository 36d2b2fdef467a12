import MooseWire

extension FuseReply {
    public func encode(into w: inout MooseWriter) {
        switch self {
        case .nop, .invalidateChunkCache:
            w.write(UInt32(0))
        case .status(_, let id, let status):
            w.write(id)
            w.write(status.rawValue)
        case .statfs(let id, let s):
            w.write(id)
            for value in [s.totalSpace, s.availableSpace, s.freeSpace, s.trashSpace, s.sustainedSpace] { w.write(value) }
            w.write(s.inodes)
        case .lookup(let id, let inode, let attr, let flags, let chunkZero):
            w.write(id)
            w.write(inode)
            attr.encode(into: &w)
            w.write(flags)
            if let chunkZero {
                w.write(UInt8(2))
                Self.write(chunkZero, into: &w)
            }
        case .attr(_, let id, let attr):
            w.write(id)
            attr.encode(into: &w)
        case .readlink(let id, let path):
            w.write(id)
            w.write(UInt32(path.count))
            w.write(bytes: path)
        case .entry(_, let id, let inode, let attr):
            w.write(id)
            w.write(inode)
            attr.encode(into: &w)
        case .removed(_, let id, let inode):
            w.write(id)
            w.write(inode)
        case .readdir(let id, let edgeID, let entries):
            w.write(id)
            w.write(edgeID)
            for entry in entries {
                w.write(name: entry.name)
                w.write(entry.inode)
                entry.attr.encode(into: &w)
            }
        case .open(let id, let flags, let attr):
            w.write(id)
            w.write(flags)
            attr.encode(into: &w)
        case .chunk(_, let id, let length, let location):
            w.write(id)
            w.write(UInt8(2))
            w.write(length)
            Self.write(location, into: &w)
        case .truncate(let id, let previous, let attr):
            w.write(id)
            w.write(previous)
            attr.encode(into: &w)
        case .xattr(let id, let length, let value):
            w.write(id)
            w.write(length)
            if let value { w.write(bytes: value) }
        case .create(let id, let flags, let inode, let attr):
            w.write(id)
            w.write(flags)
            w.write(inode)
            attr.encode(into: &w)
        case .storageClasses(let id, let files, let directories):
            w.write(id)
            w.write(UInt8(files.count))
            w.write(UInt8(directories.count))
            for entry in files + directories {
                w.write(entry.id)
                if let name = entry.name { w.write(name: name) }
                w.write(entry.count)
            }
        case .trashTimes(let id, let files, let directories):
            w.write(id)
            w.write(UInt32(files.count))
            w.write(UInt32(directories.count))
            for entry in files + directories {
                w.write(entry.trashTime)
                w.write(entry.count)
            }
        case .changedCounts(_, let id, let changed, let notChanged, let notPermitted):
            for value in [id, changed, notChanged, notPermitted] { w.write(value) }
        case .checkCopies(let id, let counts):
            precondition(counts.count == Self.checkCountSlots, "\(counts.count) CHECK counts")
            for value in [id] + counts { w.write(value) }
        case .checkChunk(let id, let chunkID, let version, let copies):
            w.write(id)
            w.write(chunkID)
            w.write(version)
            for copy in copies {
                w.write(copy.ip)
                w.write(copy.port)
                w.write(copy.type)
            }
        case .posixLockInfo(let id, let pid, let type, let start, let end):
            w.write(id)
            w.write(pid)
            w.write(type)
            w.write(start)
            w.write(end)
        case .dirStats(let id, let s):
            for value in [id, s.inodes, s.directories, s.files, 0, 0, s.chunks, 0, 0] { w.write(value) }
            for value in [s.length, s.size, s.realSize] { w.write(value) }
        case .eattrs(let id, let directories, let files):
            w.write(id)
            w.write(UInt8(directories.count))
            w.write(UInt8(files.count))
            for entry in directories + files {
                w.write(entry.eattr)
                w.write(entry.count)
            }
        case .parents(let id, let inodes):
            for value in [id] + inodes { w.write(value) }
        case .paths(let id, let paths):
            w.write(id)
            for path in paths {
                w.write(UInt32(path.count))
                w.write(bytes: path)
            }
        case .storageClassList(let id, let classes, let longForm):
            w.write(id)
            for info in classes {
                w.write(name: info.name)
                guard longForm else { continue }
                w.write(UInt8(0))  // admin only: no
                w.write(StorageClassInfo.standardMode)
                w.write(UInt16(0))  // archive delay
                for _ in 0..<3 { w.write(info.copies) }  // create, keep and archive labels
                for _ in 0..<(3 * Int(info.copies) * StorageClassInfo.masksPerLabel) { w.write(UInt32(0)) }
            }
        case .timeSync(let id, let microseconds):
            w.write(id)
            w.write(microseconds)
        case .chunkHasChanged(let inode, let index, let chunkID, let version, let length, let truncated):
            for value in [0, inode, index] { w.write(value) }
            w.write(chunkID)
            w.write(version)
            w.write(length)
            w.write(truncated)
        case .lengthHasChanged(let inode, let length):
            w.write(UInt32(0))
            w.write(inode)
            w.write(length)
        }
    }

    private static func write(_ location: ChunkLocation, into w: inout MooseWriter) {
        w.write(location.chunkID)
        w.write(location.version)
        for server in location.servers {
            w.write(server.ip)
            w.write(server.port)
            w.write(server.version.rawValue)
            w.write(server.labelMask)
        }
    }

    public static func decode(from r: inout MooseReader) throws(MooseWireError) -> FuseReply {
        switch r.message {
        case .nop, .fuseInvalidateChunkCache:
            try r.expectLength(4)
            guard try r.uint32("msgid") == 0 else { throw r.malformed("msgid", "not 0 in a notice") }
            return r.message == .nop ? .nop : .invalidateChunkCache
        case .fuseChunkHasChanged:
            try r.expectLength(33)
            guard try r.uint32("msgid") == 0 else { throw r.malformed("msgid", "not 0 in a notice") }
            let (inode, index, chunkID) = (try r.uint32("inode"), try r.uint32("index"), try r.uint64("chunkid"))
            let (version, length) = (try r.uint32("version"), try r.uint64("length"))
            return .chunkHasChanged(
                inode: inode, index: index, chunkID: chunkID, version: version, fileLength: length, truncated: try r.uint8("truncflag"))
        case .fuseFlengHasChanged:
            try r.expectLength(16)
            guard try r.uint32("msgid") == 0 else { throw r.malformed("msgid", "not 0 in a notice") }
            return .lengthHasChanged(inode: try r.uint32("inode"), fileLength: try r.uint64("length"))
        case .fuseTimeSyncReply:
            try r.expectLength(12)
            return .timeSync(try r.uint32("msgid"), microseconds: try r.uint64("usec"))
        default:
            let id = try r.uint32("msgid")
            if r.length == 5 { return .status(r.message, id, FuseStatus(rawValue: try r.uint8("status"))) }
            return try decodeData(id, &r)
        }
    }

    // swift-format-ignore
    private static func decodeData(_ id: UInt32, _ r: inout MooseReader) throws(MooseWireError) -> FuseReply {
        let type = r.message
        switch type {
        case MooseMessageType.fuseStatfs.reply:
            try r.expectLength(48)
            let (total, avail, free, trash, sustained) = (try r.uint64("total"), try r.uint64("avail"), try r.uint64("free"), try r.uint64("trash"), try r.uint64("sustained"))
            return .statfs(id, Statfs(totalSpace: total, availableSpace: avail, freeSpace: free, trashSpace: trash, sustainedSpace: sustained, inodes: try r.uint32("inodes")))
        case MooseMessageType.fuseLookup.reply:
            let inode = try r.uint32("inode")
            let attr = try FuseAttr.decode(from: &r)
            let flags = try r.uint16("lflags")
            guard r.remaining > 0 else { return .lookup(id, inode: inode, attr, lookupFlags: flags, chunkZero: nil) }
            guard try r.uint8("protoid") == 2 else { throw r.malformed("protoid", "not 2") }
            return .lookup(id, inode: inode, attr, lookupFlags: flags, chunkZero: try location(&r))
        case MooseMessageType.fuseGetattr.reply, MooseMessageType.fuseSetattr.reply:
            try r.expectLength(4 + FuseAttr.size)
            return .attr(type, id, try FuseAttr.decode(from: &r))
        case MooseMessageType.fuseReadlink.reply:
            let count = Int(try r.uint32("pleng"))
            try r.expectLength(8 + count)
            return .readlink(id, path: try r.bytes(count, "path"))
        case MooseMessageType.fuseSymlink.reply, MooseMessageType.fuseMknod.reply, MooseMessageType.fuseMkdir.reply,
            MooseMessageType.fuseRename.reply, MooseMessageType.fuseLink.reply:
            try r.expectLength(8 + FuseAttr.size)
            return .entry(type, id, inode: try r.uint32("inode"), try FuseAttr.decode(from: &r))
        case MooseMessageType.fuseUnlink.reply, MooseMessageType.fuseRmdir.reply:
            try r.expectLength(8)
            return .removed(type, id, inode: try r.uint32("inode"))
        case MooseMessageType.fuseReaddir.reply:
            let edgeID = try r.uint64("nedgeid")
            var entries: [DirectoryEntry] = []
            while r.remaining > 0 {
                let name = try r.name()
                entries.append(DirectoryEntry(name: name, inode: try r.uint32("inode"), attr: try FuseAttr.decode(from: &r)))
            }
            return .readdir(id, edgeID: edgeID, entries)
        case MooseMessageType.fuseOpen.reply:
            try r.expectLength(5 + FuseAttr.size)
            return .open(id, openFlags: try r.uint8("oflags"), try FuseAttr.decode(from: &r))
        case MooseMessageType.fuseReadChunk.reply, MooseMessageType.fuseWriteChunk.reply:
            guard try r.uint8("protoid") == 2 else { throw r.malformed("protoid", "not 2") }
            let length = try r.uint64("length")
            return .chunk(type, id, fileLength: length, try location(&r))
        case MooseMessageType.fuseTruncate.reply:
            try r.expectLength(12 + FuseAttr.size)
            return .truncate(id, previousLength: try r.uint64("prevlength"), try FuseAttr.decode(from: &r))
        case MooseMessageType.fuseGetXattr.reply:
            let length = try r.uint32("vleng")
            if r.length == 8 { return .xattr(id, length: length, value: length == 0 ? [] : nil) }
            try r.expectLength(8 + Int(length))
            return .xattr(id, length: length, value: try r.bytes(Int(length), "value"))
        case MooseMessageType.fuseCreate.reply:
            try r.expectLength(9 + FuseAttr.size)
            let flags = try r.uint8("oflags")
            return .create(id, openFlags: flags, inode: try r.uint32("inode"), try FuseAttr.decode(from: &r))
        case MooseMessageType.fuseGetStorageClass.reply:
            let (files, directories) = (Int(try r.uint8("fcount")), Int(try r.uint8("dcount")))
            var entries: [ClassCount] = []
            for _ in 0..<(files + directories) {
                let classID = try r.uint8("sclassid")
                if classID == 0xFF {
                    let name = try r.name("sclass")
                    entries.append(ClassCount(name: name, count: try r.uint32("count")))
                } else {
                    entries.append(ClassCount(goal: classID, count: try r.uint32("count")))
                }
            }
            return .storageClasses(id, files: Array(entries[..<files]), directories: Array(entries[files...]))
        case MooseMessageType.fuseGetTrashTime.reply:
            let (files, directories) = (Int(try r.uint32("fcount")), Int(try r.uint32("dcount")))
            guard files + directories <= MooseClientLimits.maxTrashTimeEntries else {
                throw .countOutOfRange(message: type, field: "fcount+dcount", count: files + directories, limit: MooseClientLimits.maxTrashTimeEntries)
            }
            try r.expectLength(12 + 8 * (files + directories))
            var entries: [TrashTimeCount] = []
            for _ in 0..<(files + directories) { entries.append(TrashTimeCount(trashTime: try r.uint32("trashtime"), count: try r.uint32("count"))) }
            return .trashTimes(id, files: Array(entries[..<files]), directories: Array(entries[files...]))
        case MooseMessageType.fuseSetTrashTime.reply, MooseMessageType.fuseSetStorageClass.reply:
            try r.expectLength(16)
            let (changed, notChanged) = (try r.uint32("changed"), try r.uint32("notchanged"))
            return .changedCounts(type, id, changed: changed, notChanged: notChanged, notPermitted: try r.uint32("notpermitted"))
        case MooseMessageType.fuseCheck.reply where r.length == 4 + 4 * checkCountSlots:
            var counts: [UInt32] = []
            for _ in 0..<checkCountSlots { counts.append(try r.uint32("count")) }
            return .checkCopies(id, counts: counts)
        case MooseMessageType.fuseCheck.reply:
            let (chunkID, version) = (try r.uint64("chunkid"), try r.uint32("version"))
            let count = try r.entryCount(header: 16, entrySize: 7, limit: MooseClientLimits.maxChunkLocations, "copies")
            var copies: [CopyState] = []
            for _ in 0..<count { copies.append(CopyState(ip: try r.uint32("ip"), port: try r.uint16("port"), type: try r.uint8("type"))) }
            return .checkChunk(id, chunkID: chunkID, version: version, copies)
        case MooseMessageType.fusePosixLock.reply:
            try r.expectLength(25)
            let (pid, lockType) = (try r.uint32("pid"), try r.uint8("type"))
            return .posixLockInfo(id, pid: pid, type: lockType, start: try r.uint64("start"), end: try r.uint64("end"))
        case MooseMessageType.fuseGetDirStats.reply:
            try r.expectLength(60)
            let (inodes, dirs, files) = (try r.uint32("inodes"), try r.uint32("dirs"), try r.uint32("files"))
            for field in ["zero1", "zero2"] { guard try r.uint32(field) == 0 else { throw r.malformed(field, "not 0") } }
            let chunks = try r.uint32("chunks")
            for field in ["zero3", "zero4"] { guard try r.uint32(field) == 0 else { throw r.malformed(field, "not 0") } }
            let (length, size, realSize) = (try r.uint64("length"), try r.uint64("size"), try r.uint64("realsize"))
            return .dirStats(id, DirStats(inodes: inodes, directories: dirs, files: files, chunks: chunks, length: length, size: size, realSize: realSize))
        case MooseMessageType.fuseGetEattr.reply:
            let (directories, files) = (Int(try r.uint8("dcount")), Int(try r.uint8("fcount")))
            try r.expectLength(6 + 5 * (directories + files))
            var entries: [EattrCount] = []
            for _ in 0..<(directories + files) { entries.append(EattrCount(eattr: try r.uint8("eattr"), count: try r.uint32("count"))) }
            return .eattrs(id, directories: Array(entries[..<directories]), files: Array(entries[directories...]))
        case MooseMessageType.fuseParents.reply:
            let count = try r.entryCount(header: 4, entrySize: 4, limit: Int(UInt32.max), "parents")
            var inodes: [UInt32] = []
            for _ in 0..<count { inodes.append(try r.uint32("inode")) }
            return .parents(id, inodes)
        case MooseMessageType.fusePaths.reply:
            var paths: [[UInt8]] = []
            while r.remaining > 0 { paths.append(try r.bytes(Int(try r.uint32("length")), "path")) }
            return .paths(id, paths)
        case MooseMessageType.storageClassList.reply:
            return .storageClassList(id, try storageClasses(&r), longForm: true)
        default:
            throw .unexpectedType(type, expected: "a MooseFS client reply this codec knows")
        }
    }

    /// SCLASS_LIST's long form to the end (the short form, names alone, is not decoded: a
    /// reader cannot tell the two apart).
    private static func storageClasses(_ r: inout MooseReader) throws(MooseWireError) -> [StorageClassInfo] {
        var classes: [StorageClassInfo] = []
        while r.remaining > 0 {
            let name = try r.name("sclass")
            _ = (try r.uint8("admin"), try r.uint8("mode"), try r.uint16("archdelay"))
            let counts = [try r.uint8("ccount"), try r.uint8("kcount"), try r.uint8("acount")]
            _ = try r.bytes(counts.reduce(0) { $0 + Int($1) } * StorageClassInfo.masksPerLabel * 4, "labelmasks")
            classes.append(StorageClassInfo(name: name, copies: counts[1]))
        }
        return classes
    }

    /// `chunkid:64 version:32 N × (ip:32 port:16 csversion:32 labelmask:32)` to the end.
    private static func location(_ r: inout MooseReader) throws(MooseWireError) -> ChunkLocation {
        let (chunkID, version) = (try r.uint64("chunkid"), try r.uint32("version"))
        let count = try r.entryCount(header: r.length - r.remaining, entrySize: 14, limit: MooseClientLimits.maxChunkLocations, "locations")
        var servers: [ChunkLocation.Server] = []
        for _ in 0..<count {
            let (ip, port) = (try r.uint32("ip"), try r.uint16("port"))
            let version = MooseVersion(rawValue: try r.uint32("csversion"))
            servers.append(ChunkLocation.Server(ip: ip, port: port, version: version, labelMask: try r.uint32("labelmask")))
        }
        return ChunkLocation(chunkID: chunkID, version: version, servers: servers)
    }
}
