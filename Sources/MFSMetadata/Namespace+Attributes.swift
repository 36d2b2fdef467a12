import MFSChangelog
import MFSCore

/// A new access or modification time.
public enum TimeUpdate: Equatable, Sendable {
    /// The request's time (`UTIME_NOW`): the owner, or anyone with write permission.
    case now
    /// An explicit time: the owner or root only.
    case set(UnixTime)
}

/// What a setattr changes; nil leaves a field as it is.
public struct AttributeChanges: Equatable, Sendable {
    public var mode: UInt16?
    public var uid: UInt32?
    public var gid: UInt32?
    public var atime: TimeUpdate?
    public var mtime: TimeUpdate?

    public init(mode: UInt16? = nil, uid: UInt32? = nil, gid: UInt32? = nil, atime: TimeUpdate? = nil, mtime: TimeUpdate? = nil) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.atime = atime
        self.mtime = mtime
    }
}

extension Namespace {
    /// chmod, chown and utimes with the POSIX rules: only the owner or root changes the mode; only
    /// root changes the owner; the owner may change the group to one they belong to; a chown of a
    /// non-directory clears set-uid (and set-gid where the group may execute); a non-member's
    /// chmod clears set-gid on a file.
    public mutating func setAttributes(
        _ inode: InodeID, _ changes: AttributeChanges, as who: Credentials, now: UnixTime, request: RequestTag? = nil
    ) throws(FSError) -> (Attributes, ChangelogRecord) {
        let r = try existing(inode)
        let owner = who.isRoot || who.uid == r.uid
        var mode = r.mode
        if let newMode = changes.mode {
            guard owner else { throw .notPermitted }
            mode = newMode & 0o7777
            let group = changes.gid ?? r.gid
            if !r.isDirectory, !who.isRoot, !who.isMember(of: group) { mode &= ~Self.setGID }
        }
        let uid = changes.uid ?? r.uid
        let gid = changes.gid ?? r.gid
        if uid != r.uid, !who.isRoot { throw .notPermitted }
        if gid != r.gid, !(who.isRoot || (who.uid == r.uid && (who.ignoresGroups || who.isMember(of: gid)))) { throw .notPermitted }
        if uid != r.uid || gid != r.gid, !r.isDirectory {
            mode &= ~Self.setUID
            if mode & 0o010 != 0 { mode &= ~Self.setGID }
        }
        let atime = try Self.resolve(changes.atime, current: r.atime, r, who, now: now)
        let mtime = try Self.resolve(changes.mtime, current: r.mtime, r, who, now: now)
        let change = Change.setAttributes(inode: inode, mode: mode, uid: uid, gid: gid, atime: atime, mtime: mtime)
        let record = try commit(change, now: now, request: request)
        return (try attributes(of: inode), record)
    }

    private static func resolve(
        _ update: TimeUpdate?, current: UInt32, _ r: InodeRecord, _ who: Credentials, now: UnixTime
    ) throws(FSError) -> UnixTime {
        switch update {
        case nil:
            return UnixTime(current)
        case .now:
            if !(who.isRoot || who.uid == r.uid) { try check(r, .write, who) }
            return now
        case .set(let time):
            guard who.isRoot || who.uid == r.uid else { throw .notPermitted }
            return time
        }
    }

    /// truncate/extend a file: needs write permission unless `checkPermission` is false (an
    /// `ftruncate` on a descriptor opened for writing). Chunks past the new end go; a chunk the
    /// new end cuts gets a new version, so its replicas are truncated before anyone reads them.
    public mutating func setLength(
        _ inode: InodeID, _ length: UInt64, as who: Credentials, checkPermission: Bool = true, now: UnixTime,
        request: RequestTag? = nil
    ) throws(FSError) -> (Attributes, ChangelogRecord) {
        let r = try existing(inode)
        if checkPermission { try Self.check(r, .write, who) }
        let record = try commit(.setLength(inode: inode, length: length), now: now, request: request)
        return (try attributes(of: inode), record)
    }

    mutating func performSetLength(inode: InodeID, length: UInt64, now: UnixTime) throws(FSError) {
        let r = try existing(inode)
        guard r.typeRaw == NodeType.file.rawValue else { throw r.isDirectory ? .isDirectory : .invalidArgument }
        guard length <= NamespaceLimits.maxFileLength else { throw .fileTooLarge }
        if length < r.size {
            let chunkSize = NamespaceLimits.chunkSize
            let keep = Int((length + chunkSize - 1) / chunkSize)
            if r.chunkList.slots > keep {
                var removed: [UInt64] = []
                updateInode(inode.rawValue) { r in
                    guard case .chunks(var list) = r.payload else { return }
                    r.payload = .none
                    removed = list.truncate(keeping: keep)
                    r.payload = .chunks(list)
                }
                for chunk in removed { freeChunk(chunk) }
            }
            // The chunk the new end falls inside (keep ≥ 1 here: the length is above 0).
            let last = length % chunkSize != 0 ? r.chunkList[UInt32(keep - 1)] : 0
            if last != 0 { _ = try performBumpVersion(last) }
        }
        updateInode(inode.rawValue) { r in
            r.size = length
            (r.mtime, r.ctime) = (now.rawValue, now.rawValue)
        }
    }

    /// Sets the goal (replica count 1…9) of an inode, or of a whole subtree. Only the owner or
    /// root. New inodes inherit their directory's goal. Returns how many inodes changed.
    public mutating func setGoal(
        _ inode: InodeID, _ goal: UInt8, recursive: Bool = false, as who: Credentials, now: UnixTime,
        request: RequestTag? = nil
    ) throws(FSError) -> (changed: UInt64, record: ChangelogRecord) {
        let r = try existing(inode)
        guard who.isRoot || who.uid == r.uid else { throw .notPermitted }
        let record = try commit(.setGoal(inode: inode, goal: goal, recursive: recursive), now: now, request: request)
        return (record.result!, record)
    }

    mutating func performSetGoal(inode: InodeID, goal: UInt8, recursive: Bool, now: UnixTime) throws(FSError) -> UInt32 {
        guard (NamespaceLimits.minGoal...NamespaceLimits.maxGoal).contains(goal) else { throw .invalidArgument }
        _ = try existing(inode)
        var changed: UInt32 = 0
        var pending = [inode.rawValue]
        while let id = pending.popLast() {
            let changes = updateInode(id) { r -> Bool in
                guard r.goal != goal else { return false }
                r.goal = goal
                r.ctime = now.rawValue
                return true
            }
            if changes { changed += 1 }
            if recursive { inodes.withDirectory(Int(id)) { $0.forEachChild { pending.append($0) } } }
        }
        return changed
    }
}
