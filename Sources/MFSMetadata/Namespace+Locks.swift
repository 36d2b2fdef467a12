import MFSChangelog
import MFSCore

/// Granted locks as metadata (`FLOCK`, `POSIXLOCK`): the active master decides who gets a lock
/// (and queues who waits) and records each grant and release here through the changelog, so
/// followers, metaloggers, `mfsmetarestore` and the metadata file all hold them. A session's
/// locks on an inode end with its last release of that inode (`RELEASE`) and all of them with
/// the session (`SESSIONCLOSE`, closed by the client or expired), in replay too, as MooseFS
/// drops them when a session closes a file.
extension Namespace {
    /// Records that `owner` got a shared (`.read`) or exclusive (`.write`) flock on `inode`,
    /// or gave its lock up (`.unlock`).
    public mutating func flock(_ inode: InodeID, owner: LockOwner, _ change: LockChange, now: UnixTime) throws(FSError)
        -> ChangelogRecord
    {
        try commit(.flock(inode: inode, session: owner.session, owner: owner.owner, change), now: now, request: nil)
    }

    /// Records a POSIX lock (or unlock, `.unlock`) of `owner` on `start..<end` of `inode`.
    public mutating func posixLock(
        _ inode: InodeID, owner: LockOwner, _ change: LockChange, start: UInt64, end: UInt64, pid: UInt32, now: UnixTime
    ) throws(FSError) -> ChangelogRecord {
        try commit(
            .posixLock(inode: inode, session: owner.session, owner: owner.owner, change, start: start, end: end, pid: pid), now: now,
            request: nil)
    }

    /// The flock holders of `inode`.
    public func flockHolders(of inode: InodeID) -> [LockOwner: FlockKind] { locks.flocks[inode] ?? [:] }

    /// The POSIX locks held on `inode`.
    public func posixLocks(of inode: InodeID) -> [PosixLock] { locks.posix[inode] ?? [] }

    /// POSIX locks held in all (ranges), for the master's limit.
    public var posixLockCount: Int { locks.posixCount }

    /// Whether a flock of `kind` for `owner` on `inode` fits beside the other owners' locks.
    public func flockFits(_ kind: FlockKind, owner: LockOwner, on inode: InodeID) -> Bool {
        Self.flockFits(kind, owner: owner, holders: flockHolders(of: inode))
    }

    public static func flockFits(_ kind: FlockKind, owner: LockOwner, holders: [LockOwner: FlockKind]) -> Bool {
        holders.allSatisfy { $0.key == owner || (kind == .shared && $0.value == .shared) }
    }

    /// `FLOCK`: a grant must fit beside the other owners' locks (else the replay diverged); an
    /// unlock must find the owner's lock.
    mutating func performFlock(inode: InodeID, owner: LockOwner, _ change: LockChange) throws(FSError) {
        guard sessions[owner.session] != nil else { throw .badSession }
        _ = try existing(inode)
        var holders = locks.flocks[inode] ?? [:]
        switch change {
        case .unlock:
            guard holders.removeValue(forKey: owner) != nil else { throw .noEntry }
        case .read, .write:
            let kind: FlockKind = change == .read ? .shared : .exclusive
            guard Self.flockFits(kind, owner: owner, holders: holders) else { throw .notPermitted }
            holders[owner] = kind
        }
        locks.flocks[inode] = holders.isEmpty ? nil : holders
    }

    /// `POSIXLOCK`: a lock must not conflict with another owner's (else the replay diverged);
    /// an unlock may find nothing to cut.
    mutating func performPosixLock(
        inode: InodeID, owner: LockOwner, _ change: LockChange, start: UInt64, end: UInt64, pid: UInt32
    ) throws(FSError) {
        guard sessions[owner.session] != nil else { throw .badSession }
        _ = try existing(inode)
        guard start <= end else { throw .invalidArgument }
        let held = locks.posix[inode] ?? []
        if change != .unlock, held.contains(where: { $0.conflicts(owner: owner, exclusive: change == .write, start: start, end: end) }) {
            throw .notPermitted
        }
        locks.setPosix(PosixLock.placing(change, owner: owner, pid: pid, start: start, end: end, on: held), on: inode)
    }

    /// What is wrong with the locks of a loaded metadata file, if anything: a lock of a session
    /// or inode that does not exist, an empty range, or two owners' locks that conflict.
    func lockProblem() -> String? {
        for (inode, holders) in locks.flocks.sorted(by: { $0.key < $1.key }) {
            if record(inode.rawValue) == nil { return "flock on inode \(inode), which does not exist" }
            for (owner, kind) in holders.sorted(by: { $0.key < $1.key }) {
                if sessions[owner.session] == nil { return "flock on inode \(inode) of session \(owner.session), which is not open" }
                if !Self.flockFits(kind, owner: owner, holders: holders) {
                    return "flock on inode \(inode) of session \(owner.session) owner \(owner.owner) conflicts with another holder"
                }
            }
        }
        for (inode, held) in locks.posix.sorted(by: { $0.key < $1.key }) {
            if record(inode.rawValue) == nil { return "POSIX lock on inode \(inode), which does not exist" }
            for (index, lock) in held.enumerated() {
                let what = "POSIX lock on inode \(inode) bytes \(lock.start)..<\(lock.end) of session \(lock.owner.session)"
                if sessions[lock.owner.session] == nil { return "\(what): the session is not open" }
                if lock.start >= lock.end { return "\(what): an empty range" }
                for other in held[(index + 1)...]
                where other.owner == lock.owner
                    ? other.overlaps(lock.start, lock.end)
                    : other.conflicts(owner: lock.owner, exclusive: lock.exclusive, start: lock.start, end: lock.end)
                {
                    return "\(what) overlaps another lock (session \(other.owner.session), bytes \(other.start)..<\(other.end))"
                }
            }
        }
        return nil
    }
}
