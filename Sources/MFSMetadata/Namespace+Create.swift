import MFSChangelog
import MFSCore

extension Namespace {
    /// Creates a file, directory, fifo, socket or device (`mknod`, `mkdir`, `creat`). Needs write
    /// and search permission on `parent`. The new inode belongs to the caller; its group is the
    /// directory's where the directory has set-gid (and a new directory inherits set-gid), else
    /// the caller's. `mode` is the permission bits after the client's umask.
    public mutating func create(
        _ parent: InodeID, _ name: EntryName, type: NodeType, mode: UInt16, rdev: UInt32 = 0,
        as who: Credentials, now: UnixTime, request: RequestTag? = nil
    ) throws(FSError) -> (Attributes, ChangelogRecord) {
        guard type != .symlink else { throw .invalidArgument }
        let dir = try directoryRecord(parent)
        try Self.check(dir, [.write, .execute], who)
        var mode = mode & 0o7777
        var gid = who.gid
        if dir.mode & Self.setGID != 0 {
            gid = dir.gid
            if type == .directory { mode |= Self.setGID }
        }
        if type != .directory, mode & Self.setGID != 0, !who.isRoot, !who.isMember(of: gid) {
            mode &= ~Self.setGID
        }
        let device = type == .blockDevice || type == .charDevice
        let change = Change.create(
            parent: parent, name: name, type: type, mode: mode, uid: who.uid, gid: gid, rdev: device ? rdev : 0)
        let record = try commit(change, now: now, request: request)
        return (try attributes(of: InodeID(UInt32(record.result!))), record)
    }

    /// Creates a symbolic link owned by the caller.
    public mutating func symlink(
        _ parent: InodeID, _ name: EntryName, target: [UInt8], as who: Credentials, now: UnixTime,
        request: RequestTag? = nil
    ) throws(FSError) -> (Attributes, ChangelogRecord) {
        try Self.check(try directoryRecord(parent), [.write, .execute], who)
        let change = Change.symlink(parent: parent, name: name, target: target, uid: who.uid, gid: who.gid)
        let record = try commit(change, now: now, request: request)
        return (try attributes(of: InodeID(UInt32(record.result!))), record)
    }

    /// Adds a hard link to a non-directory.
    public mutating func link(
        _ inode: InodeID, into parent: InodeID, as name: EntryName, who: Credentials, now: UnixTime,
        request: RequestTag? = nil
    ) throws(FSError) -> (Attributes, ChangelogRecord) {
        try Self.check(try directoryRecord(parent), [.write, .execute], who)
        let record = try commit(.link(inode: inode, parent: parent, name: name), now: now, request: request)
        return (try attributes(of: inode), record)
    }

    static func newRecord(type: NodeType, mode: UInt16, uid: UInt32, gid: UInt32, now: UnixTime, size: UInt64) -> InodeRecord {
        var r = InodeRecord.empty
        r.typeRaw = type.rawValue
        r.mode = mode & 0o7777
        (r.uid, r.gid) = (uid, gid)
        (r.atime, r.mtime, r.ctime) = (now.rawValue, now.rawValue, now.rawValue)
        r.nlink = type == .directory ? 2 : 1
        switch type {
        case .directory: r.payload = .directory(Directory())
        case .file: r.payload = .chunks(ChunkList())
        case .blockDevice, .charDevice, .symlink: r.size = size
        default: break
        }
        return r
    }

    /// Checks and creates the inode described by `template` under `parent`.
    mutating func performCreate(parent: InodeID, name: EntryName, _ template: InodeRecord, now: UnixTime) throws(FSError) -> UInt32 {
        let hash = Directory.key(of: name.bytes)
        let dir = try locate(parent, name.bytes, hash: hash)
        guard dir.nlink > 0 else { throw .noEntry }  // removed while still in use
        guard !dir.position.found else { throw .exists }
        let position = dir.position
        if template.isDirectory, dir.nlink >= NamespaceLimits.maxLinks { throw .tooManyLinks }
        guard peekNextInode(now: now) != nil else { throw .noSpace }
        let id = takeNextInode(now: now)
        var r = template
        r.goal = dir.goal
        r.parent = parent.rawValue
        store(id, r)
        insertEntry(
            DirectoryEntry(hash: hash, inode: id, typeRaw: r.typeRaw, name: DirectoryName(name.bytes)), into: parent.rawValue,
            at: position, now: now)
        return id
    }

    mutating func performLink(inode: InodeID, parent: InodeID, name: EntryName, now: UnixTime) throws(FSError) {
        // The order of link(2): the new name must be free before the source's type is checked.
        let child = try existing(inode)
        let hash = Directory.key(of: name.bytes)
        let dir = try locate(parent, name.bytes, hash: hash)
        guard dir.nlink > 0 else { throw .noEntry }
        guard !dir.position.found else { throw .exists }
        let position = dir.position
        guard !child.isDirectory else { throw .notPermitted }
        guard child.nlink > 0 else { throw .noEntry }
        guard child.nlink < NamespaceLimits.maxLinks else { throw .tooManyLinks }
        insertEntry(
            DirectoryEntry(hash: hash, inode: inode.rawValue, typeRaw: child.typeRaw, name: DirectoryName(name.bytes)),
            into: parent.rawValue, at: position, now: now)
        linkAdded(inode.rawValue, in: parent.rawValue, linksBefore: child.nlink, recorded: child.parent)
        updateInode(inode.rawValue) { r in
            r.nlink += 1
            r.ctime = now.rawValue
        }
    }

    /// Inserts an entry and updates the directory's size, link count and times.
    mutating func insertEntry(_ entry: DirectoryEntry, into parent: UInt32, at position: Directory.Position, now: UnixTime) {
        modifyDirectory(parent) { $0.insert(entry, at: position) }
        checksum &+= Self.entryContribution(parent: parent, hash: entry.hash, child: entry.inode)
        let isDirectory = entry.typeRaw == NodeType.directory.rawValue
        updateInode(parent) { r in
            r.size += 1
            if isDirectory { r.nlink += 1 }
            (r.mtime, r.ctime) = (now.rawValue, now.rawValue)
        }
    }

    /// Removes the entry at `position` and updates the directory as `insertEntry` does.
    mutating func removeEntry(from parent: UInt32, at position: Directory.Position, now: UnixTime) -> DirectoryEntry {
        let entry = modifyDirectory(parent) { $0.remove(at: position) }
        checksum &-= Self.entryContribution(parent: parent, hash: entry.hash, child: entry.inode)
        let isDirectory = entry.typeRaw == NodeType.directory.rawValue
        updateInode(parent) { r in
            r.size -= 1
            if isDirectory { r.nlink -= 1 }
            (r.mtime, r.ctime) = (now.rawValue, now.rawValue)
        }
        return entry
    }
}
