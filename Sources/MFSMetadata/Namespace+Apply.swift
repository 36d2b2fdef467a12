import MFSChangelog
import MFSCore

/// Why a changelog record could not be replayed. After a `ReplayError` the namespace is in an
/// undefined state and must be discarded: a replay that diverges is never patched over.
public enum ReplayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The record is not the next version.
    case versionGap(expected: MetaVersion, found: MetaVersion)
    /// The operation failed where it succeeded on the master.
    case operationFailed(version: MetaVersion, error: FSError)
    /// The operation succeeded with another result than the one recorded.
    case resultMismatch(version: MetaVersion, recorded: UInt64?, computed: UInt64?)
    /// A `CHECKSUM` change does not match the namespace: this copy has diverged.
    case checksumMismatch(version: MetaVersion, recorded: UInt64, computed: UInt64)
    /// `SETMETAID` of another cluster, or on a namespace that has a metaid.
    case metaIDMismatch(version: MetaVersion, namespace: MetaID, record: MetaID)
    /// `EPOCH` not above the current epoch.
    case epochNotIncreasing(version: MetaVersion, current: Epoch, record: Epoch)

    public var description: String {
        switch self {
        case .versionGap(let expected, let found):
            "version gap: expected change \(expected), found \(found)"
        case .operationFailed(let version, let error):
            "change \(version) failed on replay with \(error) (it succeeded on the master)"
        case .resultMismatch(let version, let recorded, let computed):
            "change \(version) replayed to result \(computed.map(String.init) ?? "none") but the changelog recorded \(recorded.map(String.init) ?? "none")"
        case .checksumMismatch(let version, let recorded, let computed):
            "checksum mismatch at change \(version): recorded \(recorded), computed \(computed): the metadata has diverged"
        case .metaIDMismatch(let version, let namespace, let record):
            "change \(version) sets metaid \(record.hex) but the metadata belongs to cluster \(namespace.hex)"
        case .epochNotIncreasing(let version, let current, let record):
            "change \(version) starts epoch \(record), not above the current epoch \(current)"
        }
    }
}

extension Namespace {
    /// Replays one record through the code that made it, checking that it gives the recorded
    /// result (the check MooseFS makes when it replays a changelog).
    public mutating func apply(_ record: ChangelogRecord) throws(ReplayError) {
        guard record.version == version.next else {
            throw .versionGap(expected: version.next, found: record.version)
        }
        switch record.change {
        case .checksum(let recorded):
            guard recorded == checksum else {
                throw .checksumMismatch(version: record.version, recorded: recorded, computed: checksum)
            }
        case .setMetaID(let id) where metaID != .unknown:
            throw .metaIDMismatch(version: record.version, namespace: metaID, record: id)
        case .epoch(let e) where e <= epoch:
            throw .epochNotIncreasing(version: record.version, current: epoch, record: e)
        default:
            break
        }
        let result: UInt64?
        do throws(FSError) {
            if let request = record.request, sessions[request.session] == nil { throw FSError.badSession }
            result = try perform(record.change, now: record.time)
        } catch {
            throw .operationFailed(version: record.version, error: error)
        }
        guard result == record.result else {
            throw .resultMismatch(version: record.version, recorded: record.result, computed: result)
        }
        version = record.version
        if let request = record.request { remember(request, result: result) }
        noteRemoval(record.change, request: record.request, result: result, now: record.time)
    }

    /// Applies a change made here (after its permission checks) and returns its record.
    mutating func commit(_ change: Change, now: UnixTime, request: RequestTag?) throws(FSError) -> ChangelogRecord {
        if let request {
            guard sessions[request.session] != nil else { throw .badSession }
        }
        let result = try perform(change, now: now)
        version = version.next
        if let request { remember(request, result: result) }
        noteRemoval(change, request: request, result: result, now: now)
        return ChangelogRecord(version: version, time: now, change: change, result: result, request: request)
    }

    /// Does one change: every check that depends on the namespace's state, then the change. It
    /// never reads a clock and never checks permissions (those were checked when the change was
    /// first made), so live operation and replay run exactly this code.
    mutating func perform(_ change: Change, now: UnixTime) throws(FSError) -> UInt64? {
        switch change {
        case .setMetaID(let id):
            guard metaID == .unknown, id != .unknown else { throw .invalidArgument }
            metaID = id
            updateInode(InodeID.root.rawValue) { r in (r.atime, r.mtime, r.ctime) = (now.rawValue, now.rawValue, now.rawValue) }
            return nil
        case .epoch(let e):
            guard e > epoch else { throw .invalidArgument }
            epoch = e
            epochStartVersion = version.next
            return nil
        case .idle, .checksum:
            return nil
        case .create(let parent, let name, let type, let mode, let uid, let gid, let rdev):
            let template = Self.newRecord(type: type, mode: mode, uid: uid, gid: gid, now: now, size: UInt64(rdev))
            return UInt64(try performCreate(parent: parent, name: name, template, now: now))
        case .symlink(let parent, let name, let target, let uid, let gid):
            guard !target.isEmpty, !target.contains(0) else { throw .invalidArgument }
            guard target.count <= NamespaceLimits.maxSymlinkTargetLength else { throw .nameTooLong }
            var template = Self.newRecord(type: .symlink, mode: 0o777, uid: uid, gid: gid, now: now, size: UInt64(target.count))
            template.payload = .target(target)
            return UInt64(try performCreate(parent: parent, name: name, template, now: now))
        case .link(let inode, let parent, let name):
            try performLink(inode: inode, parent: parent, name: name, now: now)
            return nil
        case .unlink(let parent, let name):
            return UInt64(try performRemove(parent: parent, name: name, directory: false, now: now))
        case .rmdir(let parent, let name):
            return UInt64(try performRemove(parent: parent, name: name, directory: true, now: now))
        case .rename(let parent, let name, let newParent, let newName):
            return UInt64(try performRename(parent: parent, name: name, newParent: newParent, newName: newName, now: now))
        case .setAttributes(let inode, let mode, let uid, let gid, let atime, let mtime):
            _ = try existing(inode)
            updateInode(inode.rawValue) { r in
                (r.mode, r.uid, r.gid) = (mode & 0o7777, uid, gid)
                (r.atime, r.mtime, r.ctime) = (atime.rawValue, mtime.rawValue, now.rawValue)
            }
            return nil
        case .setLength(let inode, let length):
            try performSetLength(inode: inode, length: length, now: now)
            return nil
        case .setGoal(let inode, let goal, let recursive):
            return UInt64(try performSetGoal(inode: inode, goal: goal, recursive: recursive, now: now))
        case .addChunk(let inode, let index):
            return try performAddChunk(inode: inode, index: index).rawValue
        case .bumpChunkVersion(let chunk):
            return UInt64(try performBumpVersion(chunk.rawValue))
        case .openSession(let info):
            return UInt64(try performOpenSession(info: info).rawValue)
        case .closeSession(let id):
            try performCloseSession(id, now: now)
            return nil
        case .sessionLost(let id):
            try modifySession(id) { $0.lostAt = now.rawValue }
            return nil
        case .sessionBack(let id):
            try modifySession(id) { $0.lostAt = nil }
            return nil
        case .acquire(let inode, let session):
            try performAcquire(inode: inode, session: session)
            return nil
        case .release(let inode, let session):
            try performRelease(inode: inode, session: session, now: now)
            return nil
        case .voters(let set):
            try performSetVoters(set)
            return nil
        case .chunkserver(let id, let address):
            try performSetChunkserver(id, address)
            return nil
        case .chunkserverRemoved(let id):
            try performRemoveChunkserver(id)
            return nil
        case .flock(let inode, let session, let owner, let change):
            try performFlock(inode: inode, owner: LockOwner(session: session, owner: owner), change)
            return nil
        case .posixLock(let inode, let session, let owner, let change, let start, let end, let pid):
            try performPosixLock(inode: inode, owner: LockOwner(session: session, owner: owner), change, start: start, end: end, pid: pid)
            return nil
        }
    }

    // MARK: Changes the master itself makes.

    /// `SETMETAID`: the first change of a new cluster.
    public mutating func setMetaID(_ id: MetaID, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.setMetaID(id), now: now, request: nil)
    }

    /// `EPOCH(epoch + 1)`: written by a master that becomes active.
    public mutating func beginEpoch(now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.epoch(Epoch(epoch.rawValue + 1)), now: now, request: nil)
    }

    /// `IDLE()`: shows followers the master lives during a quiet period.
    public mutating func idle(now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.idle, now: now, request: nil)
    }

    /// `CHECKSUM(value)`: records the checksum so copies can verify they have not diverged.
    public mutating func recordChecksum(now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.checksum(checksum), now: now, request: nil)
    }
}
