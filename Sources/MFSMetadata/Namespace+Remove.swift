import MFSChangelog
import MFSCore

extension Namespace {
    /// Removes a non-directory entry. Needs write and search permission on `parent`, and in a
    /// sticky directory ownership of the directory or the file. The inode goes with its last link
    /// unless a session still has it open; then it goes at the last release.
    public mutating func unlink(
        _ parent: InodeID, _ name: EntryName, as who: Credentials, now: UnixTime, request: RequestTag? = nil
    ) throws(FSError) -> (InodeID, ChangelogRecord) {
        try checkRemoval(parent, name, who)
        let record = try commit(.unlink(parent: parent, name: name), now: now, request: request)
        return (InodeID(UInt32(record.result!)), record)
    }

    /// Removes an empty directory, with the permission rules of `unlink`.
    public mutating func rmdir(
        _ parent: InodeID, _ name: EntryName, as who: Credentials, now: UnixTime, request: RequestTag? = nil
    ) throws(FSError) -> (InodeID, ChangelogRecord) {
        try checkRemoval(parent, name, who)
        let record = try commit(.rmdir(parent: parent, name: name), now: now, request: request)
        return (InodeID(UInt32(record.result!)), record)
    }

    func checkRemoval(_ parent: InodeID, _ name: EntryName, _ who: Credentials) throws(FSError) {
        let dir = try directoryRecord(parent)
        try Self.check(dir, [.write, .execute], who)
        guard let entry = dir.directory.lookup(name.bytes, hash: Directory.key(of: name.bytes)) else {
            throw .noEntry
        }
        try Self.checkSticky(directory: dir, child: try existing(InodeID(entry.inode)), who)
    }

    mutating func performRemove(parent: InodeID, name: EntryName, directory: Bool, now: UnixTime) throws(FSError) -> UInt32 {
        let located = try locate(parent, name.bytes, hash: Directory.key(of: name.bytes))
        guard located.position.found else { throw .noEntry }
        let childID = located.child
        let isDirectory = located.childType == NodeType.directory.rawValue
        if directory {
            guard isDirectory else { throw .notDirectory }
            guard isEmptyDirectory(childID) else { throw .notEmpty }
        } else {
            guard !isDirectory else { throw .isDirectory }
        }
        _ = removeEntry(from: parent.rawValue, at: located.position, now: now)
        dropLink(childID, from: parent.rawValue, now: now)
        return childID
    }

    /// Whether `id` is a directory with no entries, read in place.
    func isEmptyDirectory(_ id: UInt32) -> Bool {
        var empty = false
        inodes.withDirectory(Int(id)) { empty = $0.isEmpty }
        return empty
    }

    /// One link of `id`, in `directory`, is gone: the inode goes with its last link unless it
    /// is open. A node with links left records a directory that still holds one
    /// (`linkRemoved`: the lowest-numbered, if the recorded one held its last there).
    mutating func dropLink(_ id: UInt32, from directory: UInt32, now: UnixTime) {
        let (remaining, recorded) = updateInode(id) { r -> (UInt32, UInt32) in
            r.nlink = r.isDirectory ? 0 : r.nlink - 1
            r.ctime = now.rawValue
            if r.nlink == 0 { r.parent = 0 }
            return (r.nlink, r.parent)
        }
        if remaining == 0 {
            if inodes[Int(id)].openCount == 0 { destroy(id, now: now) }
            return
        }
        let next = linkRemoved(id, from: directory, linksLeft: remaining, recorded: recorded)
        if next != recorded { updateInode(id) { $0.parent = next } }
    }

    /// Frees an inode that has no links and no opens, with its chunks.
    mutating func destroy(_ id: UInt32, now: UnixTime) {
        inodes[Int(id)].chunkList.forEach { _, chunk in freeChunk(chunk) }
        // Locks on a file that is gone go with it (a lock normally ends with the release first).
        if !locks.isEmpty { locks.drop(inode: InodeID(id)) }
        freeInode(id, now: now)
    }
}
