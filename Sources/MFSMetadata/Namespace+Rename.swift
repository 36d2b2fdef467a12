import MFSChangelog
import MFSCore

extension Namespace {
    /// Renames `name` in `parent` to `newName` in `newParent`, replacing an existing entry as
    /// POSIX `rename(2)` does: a directory may replace only an empty directory, a non-directory
    /// only a non-directory; a directory cannot move into its own subtree (EINVAL); renaming onto
    /// another link of the same inode does nothing. Needs write and search permission on both
    /// directories, the sticky rules on both, and write permission on a directory that moves to
    /// another parent (its `..` changes).
    public mutating func rename(
        _ parent: InodeID, _ name: EntryName, to newParent: InodeID, _ newName: EntryName, as who: Credentials,
        now: UnixTime, request: RequestTag? = nil
    ) throws(FSError) -> (InodeID, ChangelogRecord) {
        // The order of rename(2): both directories first, then the entries.
        let source = try directoryRecord(parent)
        let target = try directoryRecord(newParent)
        try Self.check(source, [.write, .execute], who)
        try Self.check(target, [.write, .execute], who)
        guard let entry = source.directory.lookup(name.bytes, hash: Directory.key(of: name.bytes)) else {
            throw .noEntry
        }
        let child = try existing(InodeID(entry.inode))
        try Self.checkSticky(directory: source, child: child, who)
        if let replaced = target.directory.lookup(newName.bytes, hash: Directory.key(of: newName.bytes)) {
            try Self.checkSticky(directory: target, child: try existing(InodeID(replaced.inode)), who)
        }
        if child.isDirectory, parent != newParent { try Self.check(child, .write, who) }
        let change = Change.rename(parent: parent, name: name, newParent: newParent, newName: newName)
        let record = try commit(change, now: now, request: request)
        return (InodeID(entry.inode), record)
    }

    mutating func performRename(
        parent: InodeID, name: EntryName, newParent: InodeID, newName: EntryName, now: UnixTime
    ) throws(FSError) -> UInt32 {
        let hash = Directory.key(of: name.bytes)
        let newHash = Directory.key(of: newName.bytes)
        let source = try locate(parent, name.bytes, hash: hash)
        let target = try locate(newParent, newName.bytes, hash: newHash)
        guard source.position.found else { throw .noEntry }
        let childID = source.child
        let childIsDirectory = source.childType == NodeType.directory.rawValue
        guard target.nlink > 0 else { throw .noEntry }
        if childIsDirectory, parent != newParent {
            try checkNotInSubtree(of: childID, newParent.rawValue)
        }
        var replacedID: UInt32?
        if target.position.found {
            if target.child == childID { return childID }  // POSIX: same file, no-op
            let oldIsDirectory = target.childType == NodeType.directory.rawValue
            if childIsDirectory {
                guard oldIsDirectory else { throw .notDirectory }
                guard isEmptyDirectory(target.child) else { throw .notEmpty }
            } else {
                guard !oldIsDirectory else { throw .isDirectory }
            }
            replacedID = target.child
        } else if childIsDirectory, parent != newParent, target.nlink >= NamespaceLimits.maxLinks {
            throw .tooManyLinks
        }
        // Every check passed: change. Positions are looked up again after each removal, since
        // the two entries may share a directory.
        var moved = removeEntry(from: parent.rawValue, at: source.position, now: now)
        if let replacedID {
            let at = try! locate(newParent, newName.bytes, hash: newHash).position
            _ = removeEntry(from: newParent.rawValue, at: at, now: now)
            dropLink(replacedID, from: newParent.rawValue, now: now)
        }
        moved.name = DirectoryName(newName.bytes)
        moved.hash = newHash
        let to = try! locate(newParent, newName.bytes, hash: newHash).position
        insertEntry(moved, into: newParent.rawValue, at: to, now: now)
        if !childIsDirectory { linkMoved(childID, from: parent.rawValue, to: newParent.rawValue) }
        updateInode(childID) { r in
            // A node's recorded directory follows the link that moves (another link may stay
            // behind: the new directory holds one all the same).
            if r.isDirectory || r.parent == parent.rawValue { r.parent = newParent.rawValue }
            r.ctime = now.rawValue
        }
        return childID
    }

    /// EINVAL if `directory` is `moving` or below it: a directory cannot move into itself.
    func checkNotInSubtree(of moving: UInt32, _ directory: UInt32) throws(FSError) {
        var current = directory
        while true {
            if current == moving { throw .invalidArgument }
            if current == InodeID.root.rawValue { return }
            let up = inodes[Int(current)].parent
            if up == 0 || up == current { return }
            current = up
        }
    }
}
