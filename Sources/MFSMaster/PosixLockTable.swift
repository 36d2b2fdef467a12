import MFSChangelog
import MFSCore
import MFSMetadata

/// POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK, lockf) of MooseFS clients
/// (CLTOMA_FUSE_POSIX_LOCK), pure, like `FlockTable`: the waiting requests and the decisions;
/// the locks held are metadata (`Namespace.posixLocks`, replicated through `POSIXLOCK` lines),
/// passed in. Byte ranges `start..<end` per inode, read locks shared, write locks exclusive,
/// between owners; one owner's own locks never conflict and are replaced where a new lock or an
/// unlock covers them (`PosixLock.placing`, the rule replay uses too). A waiting request is
/// granted when a change lets it in, in arrival order.
struct PosixLockTable<Waiter: Sendable>: Sendable {
    typealias Owner = LockOwner

    enum Kind: UInt8, Sendable {
        case unlock = 0
        case read = 1
        case write = 2

        var change: LockChange {
            switch self {
            case .unlock: .unlock
            case .read: .read
            case .write: .write
            }
        }
    }

    /// What a request asks for.
    struct Request: Equatable, Sendable {
        var owner: Owner
        var pid: UInt32
        var kind: Kind
        var start: UInt64
        var end: UInt64
    }

    enum Outcome: Sendable {
        case granted
        case wouldBlock
        case waiting
        /// F_GETLK: the first lock in the way, nil when none is.
        case conflict(PosixLock?)
        case interrupted([Waiter])
    }

    /// A change to record (`POSIXLOCK(inode,session,owner,R|W|U,start,end,pid)`), and the
    /// waiting request it grants, if any.
    struct Effect: Sendable {
        var inode: InodeID
        var request: Request
        var waiter: Waiter?
    }

    /// The held locks as the decisions so far left them (the namespace's, with this call's
    /// effects applied in order).
    private struct View {
        let held: (InodeID) -> [PosixLock]
        var changed: [InodeID: [PosixLock]] = [:]
        var count: Int

        func locks(_ inode: InodeID) -> [PosixLock] { changed[inode] ?? held(inode) }

        /// Places `request` on `inode`; false when that changes nothing (a lock held already).
        mutating func place(_ request: Request, on inode: InodeID) -> Bool {
            let before = locks(inode)
            let after = PosixLock.placing(
                request.kind.change, owner: request.owner, pid: request.pid, start: request.start, end: request.end, on: before)
            guard after != before else { return false }
            count += after.count - before.count
            changed[inode] = after
            return true
        }

        func conflict(_ request: Request, on inode: InodeID) -> PosixLock? {
            locks(inode).first {
                $0.conflicts(owner: request.owner, exclusive: request.kind == .write, start: request.start, end: request.end)
            }
        }
    }

    private var queue: [(inode: InodeID, request: Request, requestID: UInt32, waiter: Waiter)] = []
    let maxWaiting: Int
    /// Locks kept in all (a client cannot take ranges without bound).
    let maxLocks: Int

    init(maxWaiting: Int = 65_536, maxLocks: Int = 1 << 20) {
        self.maxWaiting = maxWaiting
        self.maxLocks = maxLocks
    }

    var waitingCount: Int { queue.count }

    /// MooseFS's commands: 0 GET, 1 SET (waits), 2 TRY, 3 INTERRUPT (of request `requestID`).
    /// `held` gives the locks held per inode, `heldCount` how many there are in all.
    mutating func apply(
        _ command: UInt8, inode: InodeID, request: Request, requestID: UInt32, waiter: Waiter, held: (InodeID) -> [PosixLock],
        heldCount: Int, effects: inout [Effect]
    ) -> Outcome {
        withoutActuallyEscaping(held) { held in
            var view = View(held: held, count: heldCount)
            return decide(command, inode: inode, request: request, requestID: requestID, waiter: waiter, &view, &effects)
        }
    }

    private mutating func decide(
        _ command: UInt8, inode: InodeID, request: Request, requestID: UInt32, waiter: Waiter, _ view: inout View, _ effects: inout [Effect]
    ) -> Outcome {
        switch command {
        case 0:
            return .conflict(request.kind == .unlock ? nil : view.conflict(request, on: inode))
        case 3:
            var ended: [Waiter] = []
            queue.removeAll { item in
                guard item.request.owner == request.owner, item.requestID == requestID else { return false }
                ended.append(item.waiter)
                return true
            }
            return .interrupted(ended)
        default:
            if request.kind == .unlock {
                if view.place(request, on: inode) { effects.append(Effect(inode: inode, request: request)) }
                grantWaiting(&view, &effects)
                return .granted
            }
            // Held locks decide; waiting ones do not (Linux grants POSIX locks unfairly too, and
            // an owner upgrading its own lock behind a waiter would deadlock otherwise).
            if view.conflict(request, on: inode) == nil {
                guard view.count < maxLocks else { return .wouldBlock }
                // Placed already (a request sent again after a failover) records nothing.
                if view.place(request, on: inode) { effects.append(Effect(inode: inode, request: request)) }
                return .granted
            }
            guard command == 1, queue.count < maxWaiting else { return .wouldBlock }
            queue.append((inode, request, requestID, waiter))
            return .waiting
        }
    }

    /// Grants every waiting request the held locks now allow (a session ended or released a
    /// file, taking its locks with it).
    mutating func wake(held: (InodeID) -> [PosixLock], heldCount: Int, effects: inout [Effect]) {
        withoutActuallyEscaping(held) { held in
            var view = View(held: held, count: heldCount)
            grantWaiting(&view, &effects)
        }
    }

    /// Forgets the waiting requests `matches` picks (their connection ended: the client sends
    /// them again on its next connection); returns how many.
    @discardableResult
    mutating func dropWaiters(where matches: (Owner, Waiter) -> Bool) -> Int {
        let before = queue.count
        queue.removeAll { matches($0.request.owner, $0.waiter) }
        return before - queue.count
    }

    /// Grants every waiting request the held locks now allow, in arrival order.
    private mutating func grantWaiting(_ view: inout View, _ effects: inout [Effect]) {
        var index = 0
        while index < queue.count {
            let item = queue[index]
            if view.count < maxLocks, view.conflict(item.request, on: item.inode) == nil {
                queue.remove(at: index)
                _ = view.place(item.request, on: item.inode)
                effects.append(Effect(inode: item.inode, request: item.request, waiter: item.waiter))
            } else {
                index += 1
            }
        }
    }
}
