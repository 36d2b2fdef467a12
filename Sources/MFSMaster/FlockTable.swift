import MFSChangelog
import MFSCore
import MFSMetadata

/// flock(2) locks of MooseFS clients (CLTOMA_FUSE_FLOCK), pure: the requests waiting for a
/// lock, and the decisions. Who holds what is metadata (`Namespace.flockHolders`, replicated
/// through `FLOCK` lines), passed in; a decision returns the outcome for the request and the
/// `effects` to record, in order: each grant or release becomes a `FLOCK` change, and a grant
/// that answers a waiting request names its waiter, answered once that change is stored
/// (MooseFS's master answers a waiting lock late, by its msgid, the same way).
///
/// Owners are (session, lock owner) pairs: FUSE's lock owner is per open file description, so
/// one process's two opens are two owners, as flock(2) wants. Locks are per inode, shared or
/// exclusive; a waiting request is granted in arrival order once it is compatible with every
/// holder and with no earlier waiter ahead of it (no starvation of an exclusive request).
struct FlockTable<Waiter: Sendable>: Sendable {
    typealias Owner = LockOwner
    typealias Kind = FlockKind

    /// MooseFS's FLOCK commands.
    enum Command: UInt8, Sendable {
        case unlock = 0
        case trySharedLock = 1
        case sharedLock = 2
        case tryExclusiveLock = 3
        case exclusiveLock = 4
        case interrupt = 5
        case release = 6
    }

    enum Outcome: Sendable {
        case granted
        /// Would wait, and the request said not to.
        case wouldBlock
        /// Queued: answered when an effect names its waiter, or when interrupted.
        case waiting
        /// An interrupt: these waits ended without the lock (answer EINTR).
        case interrupted([Waiter])
    }

    /// A change to record (`FLOCK(inode,session,owner,R|W|U)`), and the waiting request it
    /// grants, if any.
    struct Effect: Sendable {
        var inode: InodeID
        var owner: Owner
        var change: LockChange
        var waiter: Waiter?
    }

    private struct Queued: Sendable {
        var owner: Owner
        var kind: Kind
        var requestID: UInt32
        var waiter: Waiter
    }

    private var queues: [InodeID: [Queued]] = [:]
    /// At most this many waiting requests in all (a client cannot queue without bound).
    let maxWaiting: Int
    private(set) var waitingCount = 0

    init(maxWaiting: Int = 65_536) { self.maxWaiting = maxWaiting }

    /// Applies `command` for `owner` on `inode`, whose holders are `holders`.
    mutating func apply(
        _ command: Command, inode: InodeID, owner: Owner, requestID: UInt32, waiter: Waiter, holders: [Owner: Kind],
        effects: inout [Effect]
    ) -> Outcome {
        var holders = holders
        var queue = queues[inode] ?? []
        defer { store(queue, for: inode) }
        switch command {
        case .unlock, .release:
            if holders.removeValue(forKey: owner) != nil { effects.append(Effect(inode: inode, owner: owner, change: .unlock)) }
            if command == .release { drop(&queue) { $0.owner == owner } }
            grantWaiting(inode, &queue, &holders, &effects)
            return .granted
        case .interrupt:
            var ended: [Waiter] = []
            drop(&queue) {
                $0.owner == owner && $0.requestID == requestID
            } removed: {
                ended.append($0)
            }
            grantWaiting(inode, &queue, &holders, &effects)
            return .interrupted(ended)
        case .trySharedLock, .sharedLock, .tryExclusiveLock, .exclusiveLock:
            let kind: Kind = command == .trySharedLock || command == .sharedLock ? .shared : .exclusive
            // Held already (a request sent again after a reconnect or a failover): nothing changes.
            if holders[owner] == kind { return .granted }
            if queue.isEmpty, Namespace.flockFits(kind, owner: owner, holders: holders) {
                holders[owner] = kind
                effects.append(Effect(inode: inode, owner: owner, change: kind == .shared ? .read : .write))
                return .granted
            }
            // A conversion that must wait gives up the old lock first, as flock(2) does.
            if holders.removeValue(forKey: owner) != nil { effects.append(Effect(inode: inode, owner: owner, change: .unlock)) }
            grantWaiting(inode, &queue, &holders, &effects)
            guard command == .sharedLock || command == .exclusiveLock, waitingCount < maxWaiting else { return .wouldBlock }
            queue.append(Queued(owner: owner, kind: kind, requestID: requestID, waiter: waiter))
            waitingCount += 1
            return .waiting
        }
    }

    /// Grants what waits on `inode` and fits beside `holders` now (a session ended or released
    /// the file, taking its locks with it).
    mutating func wake(_ inode: InodeID, holders: [Owner: Kind], effects: inout [Effect]) {
        guard var queue = queues[inode] else { return }
        var holders = holders
        grantWaiting(inode, &queue, &holders, &effects)
        store(queue, for: inode)
    }

    /// The inodes with waiting requests.
    var waitingInodes: [InodeID] { queues.keys.sorted() }

    /// Forgets the waiting requests `matches` picks (their connection ended: the client sends
    /// them again on its next connection); returns how many.
    @discardableResult
    mutating func dropWaiters(where matches: (Owner, Waiter) -> Bool) -> Int {
        var dropped = 0
        for inode in Array(queues.keys) {
            var queue = queues[inode]!
            drop(&queue) {
                matches($0.owner, $0.waiter)
            } removed: { _ in
                dropped += 1
            }
            store(queue, for: inode)
        }
        return dropped
    }

    private mutating func store(_ queue: [Queued], for inode: InodeID) { queues[inode] = queue.isEmpty ? nil : queue }

    private mutating func grantWaiting(_ inode: InodeID, _ queue: inout [Queued], _ holders: inout [Owner: Kind], _ effects: inout [Effect])
    {
        while let first = queue.first, Namespace.flockFits(first.kind, owner: first.owner, holders: holders) {
            queue.removeFirst()
            waitingCount -= 1
            holders[first.owner] = first.kind
            effects.append(Effect(inode: inode, owner: first.owner, change: first.kind == .shared ? .read : .write, waiter: first.waiter))
        }
    }

    private mutating func drop(_ queue: inout [Queued], where matches: (Queued) -> Bool, removed: (Waiter) -> Void = { _ in }) {
        queue.removeAll { item in
            guard matches(item) else { return false }
            removed(item.waiter)
            waitingCount -= 1
            return true
        }
    }
}
