import MFSCore

/// flock(2) locks of MooseFS clients (CLTOMA_FUSE_FLOCK), pure: a value that takes a command
/// and says who holds what, who waits and who was just granted. The shell answers the
/// requests it names; a waiting request is answered only when `granted` lists it (MooseFS's
/// master answers a waiting lock late, by its msgid, the same way).
///
/// Owners are (session, lock owner) pairs: FUSE's lock owner is per open file description, so
/// one process's two opens are two owners, as flock(2) wants. Locks are per inode, shared or
/// exclusive; a waiting request is granted in arrival order once it is compatible with every
/// holder and with no earlier waiter ahead of it (no starvation of an exclusive request).
struct FlockTable<Waiter: Sendable>: Sendable {
    struct Owner: Hashable, Sendable {
        var session: SessionID
        var owner: UInt64
    }

    enum Kind: Sendable {
        case shared
        case exclusive
    }

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
        /// Queued: answered when `granted` lists it, or when interrupted.
        case waiting
        /// An interrupt: these waits ended without the lock (answer EINTR).
        case interrupted([Waiter])
    }

    private struct Entry: Sendable {
        var holders: [Owner: Kind] = [:]
        var queue: [(owner: Owner, kind: Kind, requestID: UInt32, waiter: Waiter)] = []
    }

    private var inodes: [InodeID: Entry] = [:]
    /// At most this many waiting requests in all (a client cannot queue without bound).
    let maxWaiting: Int
    private(set) var waitingCount = 0

    init(maxWaiting: Int = 65_536) { self.maxWaiting = maxWaiting }

    /// Applies `command` for `owner` on `inode`; `granted` gets the waiters the change let in.
    mutating func apply(
        _ command: Command, inode: InodeID, owner: Owner, requestID: UInt32, waiter: Waiter, granted: inout [Waiter]
    ) -> Outcome {
        var entry = inodes[inode] ?? Entry()
        defer { inodes[inode] = entry.holders.isEmpty && entry.queue.isEmpty ? nil : entry }
        switch command {
        case .unlock, .release:
            entry.holders[owner] = nil
            if command == .release { drop(&entry) { $0.owner == owner } }
            grantWaiting(&entry, &granted)
            return .granted
        case .interrupt:
            var ended: [Waiter] = []
            drop(&entry) {
                $0.owner == owner && $0.requestID == requestID
            } removed: {
                ended.append($0)
            }
            grantWaiting(&entry, &granted)
            return .interrupted(ended)
        case .trySharedLock, .sharedLock, .tryExclusiveLock, .exclusiveLock:
            let kind: Kind = command == .trySharedLock || command == .sharedLock ? .shared : .exclusive
            // A conversion gives up the old lock first, as flock(2) does.
            entry.holders[owner] = nil
            if entry.queue.isEmpty, Self.compatible(kind, entry.holders) {
                entry.holders[owner] = kind
                grantWaiting(&entry, &granted)
                return .granted
            }
            grantWaiting(&entry, &granted)
            guard command == .sharedLock || command == .exclusiveLock, waitingCount < maxWaiting else { return .wouldBlock }
            entry.queue.append((owner, kind, requestID, waiter))
            waitingCount += 1
            return .waiting
        }
    }

    /// Everything `session` held or waited for goes (its connection and session ended); the
    /// waiters this lets in are returned.
    mutating func endSession(_ session: SessionID) -> [Waiter] {
        var granted: [Waiter] = []
        for inode in Array(inodes.keys) {
            var entry = inodes[inode]!
            entry.holders = entry.holders.filter { $0.key.session != session }
            drop(&entry) { $0.owner.session == session }
            grantWaiting(&entry, &granted)
            inodes[inode] = entry.holders.isEmpty && entry.queue.isEmpty ? nil : entry
        }
        return granted
    }

    /// Who holds `inode`, for tests and status.
    func holders(of inode: InodeID) -> [Owner: Kind] { inodes[inode]?.holders ?? [:] }

    private static func compatible(_ kind: Kind, _ holders: [Owner: Kind]) -> Bool {
        switch kind {
        case .shared: holders.values.allSatisfy { $0 == .shared }
        case .exclusive: holders.isEmpty
        }
    }

    private mutating func grantWaiting(_ entry: inout Entry, _ granted: inout [Waiter]) {
        while let first = entry.queue.first, Self.compatible(first.kind, entry.holders) {
            entry.queue.removeFirst()
            waitingCount -= 1
            entry.holders[first.owner] = first.kind
            granted.append(first.waiter)
        }
    }

    private mutating func drop(
        _ entry: inout Entry, where matches: ((owner: Owner, kind: Kind, requestID: UInt32, waiter: Waiter)) -> Bool,
        removed: (Waiter) -> Void = { _ in }
    ) {
        entry.queue.removeAll { item in
            guard matches(item) else { return false }
            removed(item.waiter)
            waitingCount -= 1
            return true
        }
    }
}
