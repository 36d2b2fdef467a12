import Foundation
import MFSChangelog
import MFSCore
import MFSReplication
import MFSStatus
import MFSStorage
import Synchronization

/// The master's side of following (DESIGN §6): the changes kept for peers, the peers
/// streaming them, and the replies waiting for peers' acknowledgements (`SYNC_REPLICAS`).
///
/// `recorded` runs under the metadata lock for every change, so it only appends a line and
/// wakes idle peers; sending happens on each peer's event loop (`batch`), and replies are
/// released by `ack` and by the `tick` that counts slow peers out.
public final class ReplicationHub: Sendable {
    public struct Settings: Sendable {
        public var syncReplicas: Int
        public var syncTimeoutMilliseconds: Int64
        public var degrade: Bool
        public var preserveMilliseconds: Int64
        public var maxPreservedBytes: Int

        public init(
            syncReplicas: Int = 0, syncTimeoutMilliseconds: Int64 = 1_000, degrade: Bool = false,
            preserveMilliseconds: Int64 = 1_800_000, maxPreservedBytes: Int = ReplicationLimits.maxPreservedBytes
        ) {
            self.syncReplicas = syncReplicas
            self.syncTimeoutMilliseconds = syncTimeoutMilliseconds
            self.degrade = degrade
            self.preserveMilliseconds = preserveMilliseconds
            self.maxPreservedBytes = maxPreservedBytes
        }
    }

    struct Slot {
        var name: String
        var role: String
        /// The peer's voter id (`.none`: it does not vote, and its acknowledgements do not count).
        var member: MemberID
        /// The last version handed to the peer's connection.
        var sent: MetaVersion
        /// Whether the peer's connection has been woken and not run yet.
        var woken = false
        /// Streaming (false while its metadata download is being sent).
        var streaming: Bool
        let wake: @Sendable () -> Void
        /// Recent lags (ms from append to ack), for p50/p99 in `/status`.
        var lags: [Int64] = []
        var lagIndex = 0
        /// When the peer last acknowledged anything (`now()`; its link answers the idle
        /// master's heartbeats too), or joined.
        var heardAt: Int64
    }

    private struct State {
        var history: ChangeHistory
        var tracker: SyncTracker
        var epochStarts: [Epoch: MetaVersion]
        var slots: [Int: Slot] = [:]
        var nextID = 1
        /// Replies waiting for acknowledgements, in version order.
        var waiters: [(version: MetaVersion, since: Int64, done: @Sendable (Bool) -> Void)] = []
        var waiterHead = 0
        var degradedReason: String?
        /// Why the oldest reply has waited past `SYNC_TIMEOUT` (as of the last tick), or nil.
        var waitingReason: String?
        /// This master's voter id (its own acknowledgement is its changelog's).
        var me = MemberID.none
    }

    public let settings: Settings
    private let state: Mutex<State>
    /// This master is not active (demoted, fenced, a follower): no reply waits for peers.
    /// Stored under `state`'s lock (with the waiters it drops); read without it only when no
    /// reply ever waits (`SYNC_REPLICAS = 0`).
    private let fenced = Atomic<Bool>(false)
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    /// Told when the master starts or stops running with fewer acknowledgements than required.
    private let onDegraded: @Sendable (String?) -> Void
    /// Told when replies start waiting past `SYNC_TIMEOUT` for peers (why), and when they stop.
    private let onWaiting: @Sendable (String?) -> Void

    public init(
        settings: Settings, after version: MetaVersion, epoch: Epoch, epochStart: MetaVersion,
        onDegraded: @escaping @Sendable (String?) -> Void = { _ in }, onWaiting: @escaping @Sendable (String?) -> Void = { _ in }
    ) {
        self.settings = settings
        self.onDegraded = onDegraded
        self.onWaiting = onWaiting
        origin = clock.now
        state = Mutex(
            State(
                history: ChangeHistory(after: version),
                tracker: SyncTracker(
                    required: settings.syncReplicas, timeoutMilliseconds: settings.syncTimeoutMilliseconds, degrade: settings.degrade,
                    appended: version),
                epochStarts: [epoch: epochStart]))
    }

    /// Milliseconds of the monotonic clock since the hub was made.
    public func now() -> Int64 {
        (clock.now - origin).milliseconds
    }

    // MARK: changes

    /// Keeps a change's line (`ChangelogCodec.format`, as the changelog got it) for the peers
    /// and wakes the idle ones. Called in version order, under the metadata lock.
    public func recorded(_ record: ChangelogRecord, line: [UInt8]) {
        let time = now()
        var wake: [@Sendable () -> Void] = []
        state.withLock { state in
            state.history.append(record.version, line: line, now: time)
            state.tracker.appended(record.version)
            if case .epoch(let epoch) = record.change { state.epochStarts[epoch] = record.version }
            if case .voters(let set) = record.change {
                state.tracker.votersRecorded(Set(set.members.keys).subtracting([state.me]), at: record.version)
            }
            for (id, slot) in state.slots where slot.streaming && !slot.woken {
                state.slots[id]!.woken = true
                wake.append(slot.wake)
            }
        }
        for w in wake { w() }
    }

    /// Keeps `lines` (consecutive versions ending at the last version appended, as the
    /// changelog files hold them) for peers that are behind: a master that restarts streams to
    /// them from its files instead of making each download the metadata. Before any peer joins.
    public func preload(_ lines: [(MetaVersion, [UInt8])]) {
        guard let first = lines.first?.0 else { return }
        let time = now()
        state.withLock { state in
            guard lines.last?.0 == state.history.lastVersion, state.history.count == 0 else { return }
            state.history = ChangeHistory(after: MetaVersion(first.rawValue - 1))
            for (version, line) in lines {
                state.history.append(version, line: line, now: time)
                if let started = ForkTail.startedEpoch(line.dropLast()) { state.epochStarts[started] = version }
            }
        }
    }

    /// From now on only the acknowledgements of `voters` (the voter set's members but this
    /// master, `me`) count, and each `VOTERS` change recorded later takes effect once the voters
    /// before it have replicated it (DESIGN §7.2).
    public func countVoters(_ voters: Set<MemberID>, me: MemberID) {
        state.withLock { state in
            state.me = me
            state.tracker.countOnly(voters.subtracting([me]))
        }
    }

    /// Starts over after `version` (a follower that installed a downloaded metadata file).
    public func reset(after version: MetaVersion, epoch: Epoch, epochStart: MetaVersion) {
        state.withLock { state in
            state.history.reset(after: version)
            state.tracker.appended(version)
            state.epochStarts[epoch] = epochStart
        }
    }

    /// What a registering peer gets, decided against the namespace's `version` (the caller
    /// holds the metadata lock, so no change slips in between).
    func plan(metaID: MetaID, epoch: Epoch, version: MetaVersion, peer: (MetaID, Epoch, MetaVersion, Epoch)) -> PeerPlan {
        state.withLock { state in
            MasterHistory(
                metaID: metaID, epoch: epoch, version: version, epochStarts: state.epochStarts, firstKept: state.history.firstVersion
            ).plan(metaID: peer.0, highestEpoch: peer.1, lastVersion: peer.2, tailEpoch: peer.3)
        }
    }

    // MARK: peers

    /// Adds a peer that holds everything up to `holds` (it is sent what follows); `streaming`
    /// false while its download is sent (then `startStreaming`). Returns its id. It counts for
    /// `SYNC_REPLICAS` only with what it acknowledges.
    func join(
        name: String, role: String, member: MemberID = .none, holds: MetaVersion, streaming: Bool,
        wake: @escaping @Sendable () -> Void
    ) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.slots[id] = Slot(
                name: name, role: role, member: member, sent: holds, streaming: streaming, wake: wake, heardAt: now())
            // Counted from its first acknowledgement (its link sends one at once for what it
            // holds), not from what it claims at registration.
            if streaming { state.tracker.joined(id, name: name, acked: .zero, member: member) }
            return id
        }
    }

    func startStreaming(_ id: Int) {
        let wake: (@Sendable () -> Void)? = state.withLock { state in
            guard var slot = state.slots[id] else { return nil }
            slot.streaming = true
            slot.woken = true
            state.slots[id] = slot
            // The download is sent, not stored: the peer counts once it acknowledges it.
            state.tracker.joined(id, name: slot.name, acked: .zero, member: slot.member)
            return slot.wake
        }
        wake?()
    }

    func leave(_ id: Int) {
        let released = state.withLock { state -> [@Sendable (Bool) -> Void] in
            state.slots[id] = nil
            state.tracker.left(id)
            return Self.release(&state)
        }
        for done in released { done(true) }
        reportDegraded()
    }

    /// The next batch for peer `id` (at most `maxBytes` of text), marking it sent; nil when the
    /// peer has everything (it is then woken by the next change).
    func batch(for id: Int, maxBytes: Int) -> (first: MetaVersion, count: Int, text: [UInt8])? {
        state.withLock { state in
            guard var slot = state.slots[id] else { return nil }
            slot.woken = false
            defer { state.slots[id] = slot }
            guard let batch = state.history.batch(after: slot.sent, maxBytes: maxBytes) else { return nil }
            slot.sent = MetaVersion(batch.first.rawValue + UInt64(batch.count) - 1)
            return batch
        }
    }

    /// Whether what peer `id` still needs is kept (one that fell further behind must reconnect
    /// and download).
    func isStreamable(_ id: Int) -> Bool {
        state.withLock { state in
            guard let slot = state.slots[id] else { return false }
            return !slot.streaming || state.history.canStream(after: slot.sent)
        }
    }

    /// The last version appended.
    public var lastVersion: MetaVersion { state.withLock { $0.history.lastVersion } }

    /// Peer `id` has everything up to `version` on disk. False when it acks what it was never
    /// sent (a protocol violation: the caller closes it).
    func ack(_ id: Int, _ version: MetaVersion) -> Bool {
        let time = now()
        let outcome = state.withLock { state -> (Bool, [@Sendable (Bool) -> Void]) in
            guard var slot = state.slots[id], version <= slot.sent else { return (false, []) }
            slot.heardAt = time
            // A heartbeat's answer repeats what was acknowledged: no new lag to sample.
            if state.tracker.acked(id, version), let appended = state.history.appendedAt(version) {
                let lag = time - appended
                if slot.lags.count < ReplicationLimits.lagSamples {
                    slot.lags.append(lag)
                } else {
                    slot.lags[slot.lagIndex] = lag
                    slot.lagIndex = (slot.lagIndex + 1) % ReplicationLimits.lagSamples
                }
            }
            state.slots[id] = slot
            return (true, Self.release(&state))
        }
        for done in outcome.1 { done(true) }
        return outcome.0
    }

    // MARK: replies

    /// Calls `done(true)` once `version` is acknowledged by as many peers as `SYNC_REPLICAS`
    /// asks (at once when it is, or with no replication), or `done(false)` once this master is
    /// not active (`fence`): then the change is never acknowledged. `done` must be quick.
    public func whenReplicated(_ version: MetaVersion, _ done: @escaping @Sendable (Bool) -> Void) {
        guard settings.syncReplicas > 0 else { return done(!fenced.load(ordering: .acquiring)) }
        let ready: Bool? = state.withLock { state in
            if fenced.load(ordering: .relaxed) { return false }
            if state.tracker.replicated >= version { return true }
            state.waiters.append((version, now(), done))
            return nil
        }
        if let ready { done(ready) }
    }

    /// `fenced`: this master stops being active (demoted, fenced, following): every reply
    /// waiting for peers is answered at once with `false` (never acknowledged), and so is every
    /// later one until it is active again. Waiting for peers that no longer stream to it could
    /// last forever (`SYNC_DEGRADE = 0`).
    public func fence(_ fenced: Bool) {
        for done in fenceLeavingWaiters(fenced) { done(false) }
    }

    /// `fence`, returning the waiters it dropped instead of answering them, for a caller that
    /// holds a lock a waiter's answer may take (`MetadataService.takeChanges`): it answers them
    /// once the lock is released.
    func fenceLeavingWaiters(_ fenced: Bool) -> [@Sendable (Bool) -> Void] {
        state.withLock { state -> [@Sendable (Bool) -> Void] in
            self.fenced.store(fenced, ordering: .releasing)
            guard fenced else { return [] }
            let waiting = state.waiters[state.waiterHead...].map(\.done)
            state.waiters.removeAll()
            state.waiterHead = 0
            return waiting
        }
    }

    /// Waiters whose version is replicated now, removed from the queue.
    private static func release(_ state: inout State) -> [@Sendable (Bool) -> Void] {
        let replicated = state.tracker.replicated
        var ready: [@Sendable (Bool) -> Void] = []
        while state.waiterHead < state.waiters.count, state.waiters[state.waiterHead].version <= replicated {
            ready.append(state.waiters[state.waiterHead].done)
            state.waiterHead += 1
        }
        if state.waiterHead > 1_024, state.waiterHead * 2 > state.waiters.count {
            state.waiters.removeFirst(state.waiterHead)
            state.waiterHead = 0
        }
        return ready
    }

    /// Run every few milliseconds: counts out peers that did not ack within `SYNC_TIMEOUT`,
    /// releases what that allows, notes whether a reply still waits past it (`onWaiting`), and
    /// drops kept changes past `CHANGELOG_PRESERVE_SECONDS` (but not those a connected peer has
    /// yet to be sent).
    public func tick() -> [String] {
        let time = now()
        let (expired, released, waiting) = state.withLock { state -> ([String], [@Sendable (Bool) -> Void], String??) in
            var expired: [String] = []
            if state.waiterHead < state.waiters.count {
                let oldest = state.waiters[state.waiterHead]
                expired = state.tracker.expire(oldestWaiting: oldest.version, waitingSince: oldest.since, now: time)
            }
            let unsent = state.slots.values.map(\.sent).min()
            var age = settings.preserveMilliseconds
            if let unsent, let since = state.history.appendedAt(unsent.next) { age = max(age, time - since + 1) }
            state.history.prune(now: time, maxAgeMilliseconds: age, maxBytes: settings.maxPreservedBytes)
            let released = Self.release(&state)
            let oldest = state.waiterHead < state.waiters.count ? state.waiters[state.waiterHead] : nil
            let reason = oldest.flatMap {
                state.tracker.waitingForPeers(oldestWaiting: $0.version, waitingSince: $0.since, now: time)
            }
            // Told once when replies start waiting and once when they stop, not at every tick.
            let changed = (reason == nil) != (state.waitingReason == nil)
            state.waitingReason = reason
            return (expired, released, changed ? .some(reason) : nil)
        }
        for done in released { done(true) }
        reportDegraded()
        if let waiting { onWaiting(waiting) }
        return expired
    }

    private func reportDegraded() {
        let change: String?? = state.withLock { state in
            let reason = state.tracker.degradedReason
            guard reason != state.degradedReason else { return nil }
            state.degradedReason = reason
            return .some(reason)
        }
        if let change { onDegraded(change) }
    }

    // MARK: status

    /// Why fewer acknowledgements than `SYNC_REPLICAS` are awaited now, or nil.
    public var degradedReason: String? { state.withLock { $0.tracker.degradedReason } }

    /// Why a reply has waited past `SYNC_TIMEOUT` for peers (as of the last `tick`), or nil.
    public var waitingForPeers: String? { state.withLock { $0.waitingReason } }

    /// Voters (the peers whose acknowledgements count for `SYNC_REPLICAS`, slow or not) heard
    /// within `milliseconds`: fewer than `SYNC_REPLICAS` means this master is cut off from
    /// what it needs to acknowledge a change (DESIGN §7.6, `MasterStatus.Replication.isolated`).
    public func votersHeard(within milliseconds: Int64) -> Int {
        let time = now()
        return state.withLock { state in
            state.slots.filter { id, slot in
                time - slot.heardAt <= milliseconds && state.tracker.isVoter(id)
            }.count
        }
    }

    public var peers: [MasterStatus.Peer] {
        state.withLock { state in
            let last = state.history.lastVersion
            return state.slots.sorted { $0.key < $1.key }.map { id, slot in
                let acked = state.tracker.peers[id]?.acked ?? .zero
                var peer = MasterStatus.Peer(
                    role: slot.role, address: slot.name, ackedVersion: acked.rawValue, lag: last.rawValue - min(last, acked).rawValue)
                let sorted = slot.lags.sorted()
                if !sorted.isEmpty {
                    peer.lagP50Milliseconds = sorted[sorted.count / 2]
                    peer.lagP99Milliseconds = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
                }
                peer.inStep = state.tracker.peers[id].map { !$0.lagging } ?? false
                return peer
            }
        }
    }
}

/// Named limits of replication on the master.
public enum ReplicationLimits {
    /// Bytes of changelog lines kept for peers at most, whatever `CHANGELOG_PRESERVE_SECONDS`
    /// says (256 MiB: about 4 M changes); a peer further behind downloads the metadata.
    public static let maxPreservedBytes = 256 << 20
    /// Text in one change batch sent to a peer.
    public static let batchBytes = 256 * 1024
    /// Acknowledgement lags kept per peer for the p50/p99 in `/status`.
    public static let lagSamples = 4_096
    /// How often slow peers are counted out and kept changes pruned.
    public static let tickMilliseconds = 20
}
