import MFSChangelog
import MFSCore

/// Who holds a lock: a lock owner of a session. FUSE's lock owner is per open file description
/// (flock) or per process (POSIX), so one process's two opens are two flock owners.
public struct LockOwner: Hashable, Comparable, Sendable {
    public var session: SessionID
    public var owner: UInt64

    public init(session: SessionID, owner: UInt64) {
        self.session = session
        self.owner = owner
    }

    public static func < (a: LockOwner, b: LockOwner) -> Bool { (a.session, a.owner) < (b.session, b.owner) }
}

/// A flock(2) lock held: shared or exclusive.
public enum FlockKind: UInt8, Sendable {
    case shared = 0
    case exclusive = 1
}

/// A POSIX record lock held: bytes `start..<end` of a file, read (shared) or write (exclusive).
public struct PosixLock: Equatable, Sendable {
    public var owner: LockOwner
    public var pid: UInt32
    public var exclusive: Bool
    public var start: UInt64
    public var end: UInt64

    public init(owner: LockOwner, pid: UInt32, exclusive: Bool, start: UInt64, end: UInt64) {
        (self.owner, self.pid, self.exclusive, self.start, self.end) = (owner, pid, exclusive, start, end)
    }

    public func overlaps(_ start: UInt64, _ end: UInt64) -> Bool { self.start < end && start < self.end }

    /// Whether a lock of `owner` on `start..<end` (exclusive or not) may not be held beside this one.
    public func conflicts(owner: LockOwner, exclusive: Bool, start: UInt64, end: UInt64) -> Bool {
        self.owner != owner && overlaps(start, end) && (self.exclusive || exclusive)
    }

    /// `held` after `owner` locks (or with `change == .unlock`, unlocks) `start..<end`: the
    /// owner's locks on the range are cut out (split where they reach past it), then the new
    /// lock is added. The one rule for the active master and every replay.
    public static func placing(
        _ change: LockChange, owner: LockOwner, pid: UInt32, start: UInt64, end: UInt64, on held: [PosixLock]
    ) -> [PosixLock] {
        var result: [PosixLock] = []
        result.reserveCapacity(held.count + 2)
        for lock in held {
            guard lock.owner == owner, lock.overlaps(start, end) else {
                result.append(lock)
                continue
            }
            if lock.start < start {
                result.append(PosixLock(owner: owner, pid: lock.pid, exclusive: lock.exclusive, start: lock.start, end: start))
            }
            if lock.end > end {
                result.append(PosixLock(owner: owner, pid: lock.pid, exclusive: lock.exclusive, start: end, end: lock.end))
            }
        }
        if change != .unlock, start < end {
            result.append(PosixLock(owner: owner, pid: pid, exclusive: change == .write, start: start, end: end))
        }
        return result
    }
}

/// The locks granted to client sessions, as the metadata keeps them (MooseFS 3.0 keeps them
/// too: `FLOCK`/`POSIXLOCK` changelog lines and the `FLCK`/`PLCK` sections of its metadata
/// file), so a follower holds them when it is promoted and a client's lock survives a failover.
/// Requests waiting for a lock are not metadata: the active master queues them.
struct LockRecords: Sendable {
    var flocks: [InodeID: [LockOwner: FlockKind]] = [:]
    var posix: [InodeID: [PosixLock]] = [:]
    private(set) var posixCount = 0

    var isEmpty: Bool { flocks.isEmpty && posix.isEmpty }

    mutating func setPosix(_ locks: [PosixLock], on inode: InodeID) {
        posixCount += locks.count - (posix[inode]?.count ?? 0)
        posix[inode] = locks.isEmpty ? nil : locks
    }

    /// Every lock on `inode` goes (the inode was freed).
    mutating func drop(inode: InodeID) {
        flocks[inode] = nil
        setPosix([], on: inode)
    }

    /// Every lock of `session` (on `inode` only, when given) goes.
    mutating func drop(session: SessionID, inode: InodeID? = nil) {
        let flockInodes = inode.map { [$0] } ?? Array(flocks.keys)
        for id in flockInodes {
            guard let holders = flocks[id] else { continue }
            let kept = holders.filter { $0.key.session != session }
            flocks[id] = kept.isEmpty ? nil : kept
        }
        let posixInodes = inode.map { [$0] } ?? Array(posix.keys)
        for id in posixInodes {
            guard let locks = posix[id] else { continue }
            setPosix(locks.filter { $0.owner.session != session }, on: id)
        }
    }
}
