import MFSCore

/// POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK, lockf) of MooseFS clients
/// (CLTOMA_FUSE_POSIX_LOCK), pure, like `FlockTable`: byte ranges `start..<end` per inode,
/// read locks shared, write locks exclusive, between owners; one owner's own locks never
/// conflict and are replaced where a new lock or an unlock covers them (split as POSIX says).
/// A waiting request is granted when a change lets it in, in arrival order.
struct PosixLockTable<Waiter: Sendable>: Sendable {
    typealias Owner = FlockTable<Waiter>.Owner

    enum Kind: UInt8, Sendable {
        case unlock = 0
        case read = 1
        case write = 2
    }

    struct Lock: Equatable, Sendable {
        var owner: Owner
        var pid: UInt32
        var kind: Kind
        var start: UInt64
        var end: UInt64

        func overlaps(_ start: UInt64, _ end: UInt64) -> Bool { self.start < end && start < self.end }
        func conflicts(with other: Lock) -> Bool {
            owner != other.owner && overlaps(other.start, other.end) && (kind == .write || other.kind == .write)
        }
    }

    enum Outcome: Sendable {
        case granted
        case wouldBlock
        case waiting
        /// F_GETLK: the first lock in the way, nil when none is.
        case conflict(Lock?)
        case interrupted([Waiter])
    }

    private var locks: [InodeID: [Lock]] = [:]
    private var queue: [(inode: InodeID, lock: Lock, requestID: UInt32, waiter: Waiter)] = []
    let maxWaiting: Int
    /// Locks kept in all (a client cannot take ranges without bound).
    let maxLocks: Int
    private var lockCount = 0

    init(maxWaiting: Int = 65_536, maxLocks: Int = 1 << 20) {
        self.maxWaiting = maxWaiting
        self.maxLocks = maxLocks
    }

    var waitingCount: Int { queue.count }

    /// MooseFS's commands: 0 GET, 1 SET (waits), 2 TRY, 3 INTERRUPT (of request `requestID`).
    mutating func apply(_ command: UInt8, inode: InodeID, lock: Lock, requestID: UInt32, waiter: Waiter, granted: inout [Waiter]) -> Outcome
    {
        switch command {
        case 0:
            return .conflict((locks[inode] ?? []).first { $0.conflicts(with: lock) })
        case 3:
            var ended: [Waiter] = []
            queue.removeAll { item in
                guard item.lock.owner == lock.owner, item.requestID == requestID else { return false }
                ended.append(item.waiter)
                return true
            }
            return .interrupted(ended)
        default:
            if lock.kind == .unlock {
                place(lock, on: inode)
                grantWaiting(&granted)
                return .granted
            }
            // Held locks decide; waiting ones do not (Linux grants POSIX locks unfairly too, and
            // an owner upgrading its own lock behind a waiter would deadlock otherwise).
            if !(locks[inode] ?? []).contains(where: { $0.conflicts(with: lock) }) {
                guard lockCount < maxLocks else { return .wouldBlock }
                place(lock, on: inode)
                return .granted
            }
            guard command == 1, queue.count < maxWaiting else { return .wouldBlock }
            queue.append((inode, lock, requestID, waiter))
            return .waiting
        }
    }

    /// Everything `session` held or waited for goes; the waiters this lets in are returned.
    mutating func endSession(_ session: SessionID) -> [Waiter] {
        for inode in Array(locks.keys) {
            let kept = locks[inode]!.filter { $0.owner.session != session }
            lockCount -= locks[inode]!.count - kept.count
            locks[inode] = kept.isEmpty ? nil : kept
        }
        queue.removeAll { $0.lock.owner.session == session }
        var granted: [Waiter] = []
        grantWaiting(&granted)
        return granted
    }

    func locks(of inode: InodeID) -> [Lock] { locks[inode] ?? [] }

    /// The owner's locks on the range are cut out, then `lock` is added (unless it unlocks).
    private mutating func place(_ lock: Lock, on inode: InodeID) {
        var result: [Lock] = []
        for held in locks[inode] ?? [] {
            guard held.owner == lock.owner, held.overlaps(lock.start, lock.end) else {
                result.append(held)
                continue
            }
            if held.start < lock.start {
                result.append(Lock(owner: held.owner, pid: held.pid, kind: held.kind, start: held.start, end: lock.start))
            }
            if held.end > lock.end {
                result.append(Lock(owner: held.owner, pid: held.pid, kind: held.kind, start: lock.end, end: held.end))
            }
        }
        if lock.kind != .unlock { result.append(lock) }
        lockCount += result.count - (locks[inode]?.count ?? 0)
        locks[inode] = result.isEmpty ? nil : result
    }

    /// Grants every waiting request the held locks now allow, in arrival order.
    private mutating func grantWaiting(_ granted: inout [Waiter]) {
        var index = 0
        while index < queue.count {
            let item = queue[index]
            if lockCount < maxLocks, !(locks[item.inode] ?? []).contains(where: { $0.conflicts(with: item.lock) }) {
                queue.remove(at: index)
                place(item.lock, on: item.inode)
                granted.append(item.waiter)
            } else {
                index += 1
            }
        }
    }
}
