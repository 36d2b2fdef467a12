import MFSChangelog
import MFSCore
import MFSMetadata
import MooseClientWire

/// The waiting lock requests of MooseFS clients, both tables under one lock.
struct LockQueues: Sendable {
    var flocks = FlockTable<MooseClientState.FlockWaiter>()
    var posix = PosixLockTable<MooseClientState.FlockWaiter>()
}

/// Locks as metadata: each decision of the pure tables runs under the metadata lock with the
/// namespace's holders as input, and every grant and release it makes is a `FLOCK`/`POSIXLOCK`
/// change queued with it, so the changelog, the followers, the metaloggers and the dumps hold
/// every granted lock, and a promoted follower knows them without a rebuild (the holders are
/// never kept anywhere else). Answers wait for their change to be stored like any change.
extension MooseClientState {
    typealias Flocks = FlockTable<FlockWaiter>
    typealias PosixLocks = PosixLockTable<FlockWaiter>

    /// A decision's outcome and the version its answer waits for. (The waiting requests it
    /// granted are answered here, each once its own change is stored; those whose change could
    /// not be made any more get EIO.)
    struct LockResult<Outcome: Sendable>: Sendable {
        var outcome: Outcome
        var version: MetaVersion
        /// Set when the request's own change could not be recorded (its file or session went).
        var failure: FSError?
    }

    private struct Recorded {
        var records: [ChangelogRecord] = []
        var granted: [(FlockWaiter, MetaVersion)] = []
        var failed: [FlockWaiter] = []
        var failure: FSError?
    }

    /// FLOCK for `owner` on `inode`.
    func flock(
        _ command: Flocks.Command, inode: InodeID, owner: LockOwner, requestID: UInt32, waiter: FlockWaiter, service: MetadataService,
        now: UnixTime
    ) throws(MasterError) -> LockResult<Flocks.Outcome> {
        let ((outcome, recorded), version) = try service.performMany {
            (ns: inout Namespace) throws(FSError) -> ((Flocks.Outcome, Recorded), [ChangelogRecord]) in
            try Self.check(inode, owner, in: ns)
            var effects: [Flocks.Effect] = []
            let outcome = lockQueues.withLock {
                $0.flocks.apply(
                    command, inode: inode, owner: owner, requestID: requestID, waiter: waiter, holders: ns.flockHolders(of: inode),
                    effects: &effects)
            }
            var recorded = Recorded()
            Self.record(effects, [], in: &ns, now: now, &recorded)
            return ((outcome, recorded), recorded.records)
        }
        Self.answer(recorded)
        return LockResult(outcome: outcome, version: version, failure: recorded.failure)
    }

    /// POSIX_LOCK command `command` (0 GET, 1 SET, 2 TRY, 3 INTERRUPT) on `inode`.
    func posixLock(
        _ command: UInt8, inode: InodeID, request: PosixLocks.Request, requestID: UInt32, waiter: FlockWaiter, service: MetadataService,
        now: UnixTime
    ) throws(MasterError) -> LockResult<PosixLocks.Outcome> {
        let ((outcome, recorded), version) = try service.performMany {
            (ns: inout Namespace) throws(FSError) -> ((PosixLocks.Outcome, Recorded), [ChangelogRecord]) in
            try Self.check(inode, request.owner, in: ns)
            var effects: [PosixLocks.Effect] = []
            let outcome = lockQueues.withLock {
                $0.posix.apply(
                    command, inode: inode, request: request, requestID: requestID, waiter: waiter, held: { ns.posixLocks(of: $0) },
                    heldCount: ns.posixLockCount, effects: &effects)
            }
            var recorded = Recorded()
            Self.record([], effects, in: &ns, now: now, &recorded)
            return ((outcome, recorded), recorded.records)
        }
        Self.answer(recorded)
        return LockResult(outcome: outcome, version: version, failure: recorded.failure)
    }

    /// Grants what waits and fits now: after a session ended or released files (its locks went
    /// with them, in the namespace).
    func wakeWaiters(service: MetadataService, now: UnixTime) {
        guard lockQueues.withLock({ $0.flocks.waitingCount + $0.posix.waitingCount }) > 0 else { return }
        let done = try? service.performMany { (ns: inout Namespace) throws(FSError) -> (Recorded, [ChangelogRecord]) in
            var flocks: [Flocks.Effect] = []
            var posix: [PosixLocks.Effect] = []
            lockQueues.withLock { queues in
                for inode in queues.flocks.waitingInodes {
                    queues.flocks.wake(inode, holders: ns.flockHolders(of: inode), effects: &flocks)
                }
                queues.posix.wake(held: { ns.posixLocks(of: $0) }, heldCount: ns.posixLockCount, effects: &posix)
            }
            var recorded = Recorded()
            Self.record(flocks, posix, in: &ns, now: now, &recorded)
            return (recorded, recorded.records)
        }
        if let done { Self.answer(done.0) }
    }

    /// Forgets the waiting requests of a connection that ended: mfsmount sends a request again
    /// on its next connection (to this master or, after a failover, the new one).
    func dropWaiters(of connection: ObjectIdentifier) {
        lockQueues.withLock { queues in
            queues.flocks.dropWaiters { $1.connection == connection }
            queues.posix.dropWaiters { $1.connection == connection }
        }
    }

    /// A request naming a file or session that does not exist is refused before any decision.
    private static func check(_ inode: InodeID, _ owner: LockOwner, in ns: Namespace) throws(FSError) {
        guard ns.session(owner.session) != nil else { throw .badSession }
        _ = try ns.attributes(of: inode)
    }

    /// Commits the effects in order. A waiting request whose change cannot be made any more
    /// (its file or session is gone) is answered EIO; the request's own change (checked
    /// before) failing is reported in `failure`, never thrown: what was committed must be
    /// queued.
    private static func record(
        _ flocks: [Flocks.Effect], _ posix: [PosixLocks.Effect], in ns: inout Namespace, now: UnixTime, _ recorded: inout Recorded
    ) {
        func done(_ record: () throws(FSError) -> ChangelogRecord, _ waiter: FlockWaiter?) {
            do throws(FSError) {
                let made = try record()
                recorded.records.append(made)
                if let waiter { recorded.granted.append((waiter, made.version)) }
            } catch {
                if let waiter { recorded.failed.append(waiter) } else { recorded.failure = recorded.failure ?? error }
            }
        }
        for effect in flocks {
            done({ () throws(FSError) in try ns.flock(effect.inode, owner: effect.owner, effect.change, now: now) }, effect.waiter)
        }
        for effect in posix {
            let r = effect.request
            done(
                { () throws(FSError) in
                    try ns.posixLock(effect.inode, owner: r.owner, r.kind.change, start: r.start, end: r.end, pid: r.pid, now: now)
                }, effect.waiter)
        }
    }

    private static func answer(_ recorded: Recorded) {
        for (waiter, version) in recorded.granted { waiter.answer(.ok, version) }
        for waiter in recorded.failed { waiter.answer(.io, nil) }
    }
}
