import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStorage
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why the master could not do what was asked.
public enum MasterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation itself failed (EEXIST, EACCES, ...): nothing changed.
    case operation(FSError)
    /// The change could not be stored: the master accepts no more changes (DESIGN §3).
    case storage(ChangelogWriteError)
    /// A dump could not be written; the changelogs still hold everything.
    case dump(String)
    /// This master is a follower or fenced: its namespace changes only by the active master's
    /// stream.
    case notActive

    public var description: String {
        switch self {
        case .operation(let error): "\(error)"
        case .storage(let error): "\(error)"
        case .dump(let reason): "metadata dump failed: \(reason)"
        case .notActive: "this master is not active"
        }
    }
}

/// Why a follower could not take a change from the active master.
public enum ReplicaError: Error, Sendable, CustomStringConvertible {
    /// The change does not replay here as it did on the active master: this copy diverged.
    case replay(ReplayError)
    case storage(ChangelogWriteError)

    public var description: String {
        switch self {
        case .replay(let error): "the stream does not replay here: \(error)"
        case .storage(let error): "\(error)"
        }
    }
}

/// The master's metadata: the namespace, its changelog and its dumps.
///
/// A change runs under the lock (namespace, then changelog queue: versions stay in order) and
/// then waits for the disk outside it, so changes that arrive during an fsync share the next one
/// (group commit) and a slow disk never blocks reads. The lock is held for microseconds, never
/// across I/O, so event-loop threads call in directly (no task per request). A dump copies the
/// namespace (cheap: pages are copy-on-write), rotates the changelog and writes the copy on
/// another thread while changes go on.
public final class MetadataService: Sendable {
    private struct State: Sendable {
        var namespace: Namespace
        var sinceChecksum = 0
        var dumping = false
        /// Set at shutdown, before the last dump: no change is taken after it.
        var stopped = false
        /// Dumps that failed since the last one that worked: the rotated changelogs since then
        /// hold changes no metadata file does, so rotations must not drop them.
        var failedDumpsInARow = 0
        var lastDump: (version: MetaVersion, seconds: Double)?
    }

    private let state: Mutex<State>
    /// Whether changes of this master's own are taken (`perform`); false on a follower or a
    /// fenced master, whose namespace changes only by `applyReplicated` and `install`.
    private let takesChanges = Atomic<Bool>(true)
    public let writer: ChangelogWriter
    /// The peers following this master and the replies waiting for their acknowledgements.
    public let replication: ReplicationHub
    public let directory: DataDirectory
    /// Every this many changes a `CHECKSUM` change records the namespace checksum.
    public let checksumInterval: Int
    /// Previous metadata files kept as `metadata.mfs.back.N` (`BACK_META_KEEP_PREVIOUS`).
    public let keepPreviousMetadata: Int

    public init(
        namespace: Namespace, writer: ChangelogWriter, directory: DataDirectory, checksumInterval: Int = 10_000,
        keepPreviousMetadata: Int = 1, replication: ReplicationHub? = nil
    ) {
        state = Mutex(State(namespace: namespace))
        self.writer = writer
        self.replication =
            replication
            ?? ReplicationHub(
                settings: ReplicationHub.Settings(), after: writer.status.appendedVersion, epoch: namespace.epoch,
                epochStart: namespace.epochStartVersion)
        self.directory = directory
        self.checksumInterval = checksumInterval
        self.keepPreviousMetadata = keepPreviousMetadata
    }

    /// A snapshot of the namespace (copy-on-write: cheap until the next change).
    public var namespace: Namespace { state.withLock { $0.namespace } }
    /// The version of the last change applied (not necessarily stored yet).
    public var version: MetaVersion { state.withLock { $0.namespace.version } }

    /// The last dump's version and how long it took to write.
    public var lastDump: (version: MetaVersion, seconds: Double)? { state.withLock { $0.lastDump } }

    /// Makes a change with `body` and returns its result once the changelog holds it as the
    /// save mode requires. A change that could not be queued is never acknowledged, and from
    /// then on no change is accepted.
    public func change<R: Sendable>(_ body: (inout Namespace) throws(FSError) -> (R, ChangelogRecord)) async throws(MasterError) -> R {
        let (result, version) = try perform { (namespace: inout Namespace) throws(FSError) -> (R, ChangelogRecord?) in
            let (result, record) = try body(&namespace)
            return (result, record)
        }
        let outcome: MasterError? = await withCheckedContinuation { continuation in
            whenCommitted(version) { continuation.resume(returning: $0) }
        }
        if let outcome { throw outcome }
        return result
    }

    /// Calls `done` once `version` may be acknowledged: stored as `CHANGELOG_SAVE_MODE`
    /// requires and acknowledged by `SYNC_REPLICAS` peers; with the error that means it never
    /// will be (`.storage`, or `.notActive` once this master stopped being active). `done` must
    /// be quick (hand off to an event loop).
    public func whenCommitted(_ version: MetaVersion, _ done: @escaping @Sendable (MasterError?) -> Void) {
        let replication = self.replication
        writer.whenStored(version) { error in
            if let error { return done(.storage(error)) }
            replication.whenReplicated(version) { replicated in done(replicated ? nil : .notActive) }
        }
    }

    /// Whether a reply must wait at all (mode 0 without synchronous peers answers at once).
    public var repliesWait: Bool { writer.mode != .background || replication.settings.syncReplicas > 0 }

    /// Makes a change with `body` and queues its record, without waiting for the disk. Returns
    /// the result and the version to wait for (`ChangelogWriter.whenStored`) before
    /// acknowledging it. A body that returns no record changed nothing (a retried request
    /// answered from memory): the version is then the last one queued, so the answer still
    /// waits for a first attempt that may not be stored yet.
    public func perform<R: Sendable>(_ body: (inout Namespace) throws(FSError) -> (R, ChangelogRecord?)) throws(MasterError) -> (
        R, MetaVersion
    ) {
        try performMany { (namespace: inout Namespace) throws(FSError) -> (R, [ChangelogRecord]) in
            let (result, record) = try body(&namespace)
            return (result, record.map { [$0] } ?? [])
        }
    }

    /// `perform` for a body that makes several changes (a write's end: `LENGTH` and the `ATTR`
    /// that keeps the mtime; a lock released and the waiting ones it lets in): their records
    /// are queued together, in order, so the writer stores them in one batch (one fsync in
    /// `CHANGELOG_SAVE_MODE` 2); the version returned is the last one. The body must make its
    /// changes only after everything that can throw: a throw must leave the namespace unchanged.
    public func performMany<R: Sendable>(_ body: (inout Namespace) throws(FSError) -> (R, [ChangelogRecord])) throws(MasterError)
        -> (R, MetaVersion)
    {
        try state.withLock { (state: inout State) throws(MasterError) -> (R, MetaVersion) in
            if state.stopped { throw .storage(.closed) }
            guard takesChanges.load(ordering: .relaxed) else { throw .notActive }
            // With the queue held, the writer cannot fail between the change and its line: a
            // change the changelog would refuse is never made (never visible, never dumped).
            return try writer.withQueue(refused: { MasterError.storage($0) }) {
                (queue: ChangelogWriter.Queue) throws(MasterError) -> (R, MetaVersion) in
                let result: R
                let records: [ChangelogRecord]
                do throws(FSError) {
                    (result, records) = try body(&state.namespace)
                } catch {
                    throw .operation(error)
                }
                guard let last = records.last else { return (result, state.namespace.version) }
                for record in records { self.queue(record, in: queue) }
                state.sinceChecksum += records.count
                guard state.sinceChecksum >= checksumInterval else { return (result, last.version) }
                state.sinceChecksum = 0
                let checksum = try! state.namespace.recordChecksum(now: last.time)
                self.queue(checksum, in: queue)
                return (result, checksum.version)
            }
        }
    }

    /// A follower's part: replays changes streamed from the active master (each checked
    /// against its recorded result and `CHECKSUM`) and queues them in this master's changelog.
    /// The caller fsyncs (`writer.sync`) before acknowledging them.
    public func applyReplicated(_ records: [ChangelogRecord]) throws(ReplicaError) {
        try state.withLock { (state: inout State) throws(ReplicaError) in
            if state.stopped { throw .storage(.closed) }
            // As in `perform`: a change the changelog refuses is not replayed.
            try writer.withQueue(refused: { ReplicaError.storage($0) }) { (queue: ChangelogWriter.Queue) throws(ReplicaError) in
                for record in records {
                    do throws(ReplayError) { try state.namespace.apply(record) } catch { throw .replay(error) }
                    self.queue(record, in: queue)
                }
            }
        }
    }

    /// Runs `body` (on a thread that may block) while no dump runs and none starts: what it does
    /// to `metadata.mfs` and the changelog files (a download installed, superseded changes moved
    /// aside) must not cross a dump's own write of `metadata.mfs.tmp` and rotation. Without
    /// this, a follower's periodic dump could rename an older snapshot over the one just
    /// installed, whose changelog had started after the newer version.
    public func withoutDumps<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        while !state.withLock({ (state: inout State) -> Bool in
            guard !state.dumping else { return false }
            state.dumping = true
            return true
        }) {
            usleep(20_000)
        }
        defer { state.withLock { $0.dumping = false } }
        return try body()
    }

    /// A follower's part: replaces the namespace with one downloaded from the active master,
    /// writes it as `metadata.mfs` and starts a new changelog after its version (no dump runs
    /// meanwhile: `withoutDumps`).
    public func install(_ namespace: Namespace) throws(ReplicaError) {
        try withoutDumps { () throws(ReplicaError) in try installWithoutDumps(namespace) }
    }

    /// `install` for a caller already inside `withoutDumps` (which does not nest).
    public func installWithoutDumps(_ namespace: Namespace) throws(ReplicaError) {
        let path = directory.file(DataDirectory.metadataName)
        do throws(StorageError) {
            try FileIO.writeMetadata(namespace, to: path, keepPrevious: keepPreviousMetadata)
        } catch {
            throw .storage(.failed(error.description))
        }
        try state.withLock { (state: inout State) throws(ReplicaError) in
            do throws(ChangelogWriteError) { try writer.rotate(restartAfter: namespace.version) } catch { throw .storage(error) }
            state.namespace = namespace
            state.lastDump = (namespace.version, 0)
            replication.reset(after: namespace.version, epoch: namespace.epoch, epochStart: namespace.epochStartVersion)
        }
    }

    /// A promotion's first changes (DESIGN §7.2): under one lock, this master starts taking
    /// changes and queues `EPOCH(epoch)` and the voter set with itself as leader, so no client
    /// change can take a version of the old epoch. Returns the version to wait for: nothing is
    /// acknowledged before `SYNC_REPLICAS` voters hold it. The old master's sessions stay as they
    /// are: their clients resume them here, and those that do not come back are marked lost by
    /// the housekeeping (`UnclaimedSessions`), so the failover itself writes nothing for them.
    public func beginLeading(epoch: Epoch, me: MemberID, syncReplicas: Int, now: UnixTime) throws(MasterError) -> MetaVersion {
        try state.withLock { (state: inout State) throws(MasterError) -> MetaVersion in
            if state.stopped { throw .storage(.closed) }
            return try writer.withQueue(refused: { MasterError.storage($0) }) {
                (queue: ChangelogWriter.Queue) throws(MasterError) -> MetaVersion in
                var voters = state.namespace.voters
                voters.leader = me
                voters.members[me] = .master
                voters.syncReplicas = syncReplicas
                let records: [ChangelogRecord]
                do throws(FSError) {
                    records = [try state.namespace.beginEpoch(epoch, now: now), try state.namespace.setVoters(voters, now: now)]
                } catch {
                    throw .operation(error)
                }
                for record in records { self.queue(record, in: queue) }
                takesChanges.store(true, ordering: .relaxed)
                replication.fence(false)
                return records[1].version
            }
        }
    }

    /// Runs `body` with the namespace under the lock, with no change in between (a peer's
    /// registration: its plan and its place in the stream must agree).
    public func withNamespace<R>(_ body: (Namespace) -> R) -> R { state.withLock { body($0.namespace) } }

    /// Whether `perform` takes changes (active) or refuses them (follower, fenced). Under the
    /// lock, so no change of this master's own is in flight when a demote returns. Not taking
    /// them also answers every reply waiting for peers: never acknowledged (`.notActive`).
    /// The replies answered run after the lock is released: one may take it (a chunk create's
    /// reads the namespace), or a lock whose holder waits for this one (the chunk hub's, held
    /// by a create that is making its change): answered under the lock, a demotion with a
    /// create waiting for its peers deadlocked the master.
    public func takeChanges(_ takes: Bool) {
        let dropped = state.withLock { _ in
            takesChanges.store(takes, ordering: .relaxed)
            return replication.fenceLeavingWaiters(!takes)
        }
        for done in dropped { done(false) }
    }

    /// Queues `record` in the changelog and keeps its line for the peers, formatted once. Under
    /// the lock, in version order.
    private func queue(_ record: ChangelogRecord, in queue: ChangelogWriter.Queue) {
        let line = ChangelogCodec.format(record)
        queue.append(line: line, version: record.version)
        replication.recorded(record, line: line)
    }

    /// Refuses every later change (shutdown: the last dump must hold everything).
    public func stopChanges() { state.withLock { $0.stopped = true } }

    /// Reads the namespace (attributes, lookups, listings).
    public func read<R: Sendable>(_ body: (Namespace) throws(FSError) -> R) throws(MasterError) -> R {
        try state.withLock { (state: inout State) throws(MasterError) -> R in
            do throws(FSError) { return try body(state.namespace) } catch { throw .operation(error) }
        }
    }

    /// Dumps the metadata: snapshot, changelog rotation, then `metadata.mfs` written atomically
    /// from the snapshot while changes continue. Returns the dumped version. Waits for a dump
    /// already running. Refused while the changelog is failed (the namespace may hold a change the changelog does not).
    public func dump() async throws(MasterError) -> MetaVersion {
        // Everything so far to disk first, outside the lock: in modes 0 and 1 that may be
        // minutes of changes, and requests would wait for that fsync under the lock.
        do throws(ChangelogWriteError) { try writer.sync() } catch { throw .storage(error) }
        // A dump already running (the one after a restore, a periodic one) is waited for, then
        // this one runs: a `POST /dump` answers with a dump made after it was asked.
        var taken: Namespace?
        while taken == nil {
            taken = try state.withLock { (state: inout State) throws(MasterError) -> Namespace? in
                if writer.hasFailed, let failure = writer.status.error { throw .storage(.failed(failure)) }
                guard !state.dumping else { return nil }
                // Under the lock, so the new changelog starts exactly after the snapshot's version.
                let keepAll = state.failedDumpsInARow >= writer.backLogs
                do throws(ChangelogWriteError) { try writer.rotate(keepAll: keepAll) } catch { throw .storage(error) }
                state.dumping = true
                return state.namespace
            }
            if taken == nil {
                do { try await Task.sleep(for: .milliseconds(20)) } catch { throw .dump("stopped while another dump was running") }
            }
        }
        let snapshot = taken!
        defer { state.withLock { $0.dumping = false } }
        let path = directory.file(DataDirectory.metadataName)
        let keep = keepPreviousMetadata
        let started = ContinuousClock.now
        let outcome: Result<Void, StorageError> = await Task.detached(priority: .utility) {
            do throws(StorageError) {
                try FileIO.writeMetadata(snapshot, to: path, keepPrevious: keep)
                return .success(())
            } catch {
                return .failure(error)
            }
        }.value
        if case .failure(let error) = outcome {
            state.withLock { $0.failedDumpsInARow += 1 }
            throw .dump(error.description)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.withLock {
            $0.lastDump = (snapshot.version, seconds)
            $0.failedDumpsInARow = 0
        }
        return snapshot.version
    }
}
