import MFSCore

/// Synchronous replication (DESIGN §6): which versions enough peers have acknowledged for a
/// client's request to be answered. Pure: the caller passes the time (monotonic milliseconds)
/// and keeps the waiting replies; this says up to which version they may go.
///
/// With `required = K` peers, a version is replicated once K counted peers acked it. With
/// `degrade`, a peer that has not acked a waiting version within `timeoutMilliseconds` stops
/// being counted until it catches up, and while fewer than K peers are counted the master
/// waits for those that are (none: it goes on asynchronously), saying so in `degradedReason`.
/// Without `degrade` (the default, DESIGN §6) it waits for K, however long, and
/// `waitingForPeers` says so once a change has waited longer than the timeout.
public struct SyncTracker: Sendable {
    public struct Peer: Sendable {
        public var name: String
        /// The peer's voter id (`.none`: it does not vote).
        public var member: MemberID = .none
        public var acked: MetaVersion
        /// Not counted (too slow) until it acks `catchUpTo`.
        public var lagging: Bool = false
        var catchUpTo: MetaVersion = .zero
    }

    public let required: Int
    public let timeoutMilliseconds: Int64
    public let degrade: Bool
    public private(set) var peers: [Int: Peer] = [:]
    /// The members whose acknowledgements count (DESIGN §7.2: an acknowledged change must be
    /// on K voters, or the quorum rule cannot find it); nil: every peer's. A new voter set
    /// counts once its `VOTERS` change is replicated under the set before it.
    public private(set) var voters: Set<MemberID>?
    private var pendingVoters: [(version: MetaVersion, members: Set<MemberID>)] = []
    /// The last version appended by the master.
    public private(set) var appended: MetaVersion

    public init(required: Int, timeoutMilliseconds: Int64, degrade: Bool, appended: MetaVersion) {
        self.required = required
        self.timeoutMilliseconds = timeoutMilliseconds
        self.degrade = degrade
        self.appended = appended
    }

    public mutating func appended(_ version: MetaVersion) { appended = max(appended, version) }

    /// A peer that streams from `acked + 1`; `member` is its voter id.
    public mutating func joined(_ id: Int, name: String, acked: MetaVersion, member: MemberID = .none) {
        peers[id] = Peer(name: name, member: member, acked: acked)
    }

    public mutating func left(_ id: Int) { peers[id] = nil }

    /// Peer `id` holds everything up to `version`; false when that is nothing new (a repeated
    /// acknowledgement, such as a heartbeat's answer) or the peer is not counted yet.
    @discardableResult
    public mutating func acked(_ id: Int, _ version: MetaVersion) -> Bool {
        guard var peer = peers[id], version > peer.acked else { return false }
        peer.acked = version
        if peer.lagging, version >= peer.catchUpTo { peer.lagging = false }
        peers[id] = peer
        advanceVoters()
        return true
    }

    /// From now on only the acknowledgements of `members` count.
    public mutating func countOnly(_ members: Set<MemberID>) {
        voters = members
        pendingVoters = []
    }

    /// A `VOTERS` change at `version` makes `members` the voters (besides this master): they
    /// count once that change is replicated by the voters before it, or at once when those are
    /// fewer than `required` (they could never replicate it, and so never acknowledged a thing).
    public mutating func votersRecorded(_ members: Set<MemberID>, at version: MetaVersion) {
        guard voters != nil else { return }
        pendingVoters.append((version, members))
        advanceVoters()
    }

    private mutating func advanceVoters() {
        while let next = pendingVoters.first, let current = voters {
            guard current.count < required || replicated >= next.version else { return }
            voters = next.members
            pendingVoters.removeFirst()
        }
    }

    /// Marks peers that have not acked `oldestWaiting` (waiting since `waitingSince`) within the
    /// timeout as lagging. Returns their names, for the log.
    public mutating func expire(oldestWaiting: MetaVersion, waitingSince: Int64, now: Int64) -> [String] {
        guard degrade, now - waitingSince >= timeoutMilliseconds else { return [] }
        var expired: [String] = []
        for (id, peer) in peers where !peer.lagging && peer.acked < oldestWaiting {
            peers[id]!.lagging = true
            peers[id]!.catchUpTo = appended
            expired.append(peer.name)
        }
        return expired.sorted()
    }

    private var counted: [MetaVersion] {
        peers.values.filter(isCounted).map(\.acked)
    }

    private func isCounted(_ peer: Peer) -> Bool { !peer.lagging && isVoter(peer) }

    private func isVoter(_ peer: Peer) -> Bool { voters?.contains(peer.member) ?? true }

    /// Whether peer `id` is a voter whose acknowledgements count for `SYNC_REPLICAS` (every
    /// peer before voters count), in step or not: `SYNC_DEGRADE` counts a slow one out of the
    /// acknowledgements, but the master still hears it.
    public func isVoter(_ id: Int) -> Bool { peers[id].map(isVoter) ?? false }

    /// How many acks a version needs now.
    public var needed: Int { degrade ? min(required, counted.count) : required }

    /// Why the master runs with fewer acks than `required`, or nil.
    public var degradedReason: String? {
        guard required > 0, needed < required else { return nil }
        let lagging = peers.values.filter(\.lagging).map(\.name).sorted()
        var reason = "SYNC_REPLICAS = \(required) but \(counted.count) peer\(counted.count == 1 ? " is" : "s are") in step"
        if !lagging.isEmpty { reason += " (too slow: \(lagging.joined(separator: ", ")))" }
        return reason
    }

    /// Why the oldest waiting change (`oldestWaiting`, waiting since `waitingSince`) is still
    /// not acknowledged by enough peers after the timeout: how long, `SYNC_REPLICAS` and the
    /// peers in step. Nil while it has waited less, or once it is replicated. Without `degrade`
    /// this is how a master with too few peers (a lone one: none) says it acknowledges nothing.
    public func waitingForPeers(oldestWaiting: MetaVersion, waitingSince: Int64, now: Int64) -> String? {
        guard required > 0, replicated < oldestWaiting, now - waitingSince >= timeoutMilliseconds else { return nil }
        let inStep = peers.values.filter { !$0.lagging }.map(\.name).sorted()
        let listed = inStep.isEmpty ? "none" : "\(inStep.count) (\(inStep.joined(separator: ", ")))"
        return "a change has waited \(now - waitingSince) ms (SYNC_TIMEOUT \(timeoutMilliseconds) ms) for "
            + "SYNC_REPLICAS = \(required) peer acknowledgement\(required == 1 ? "" : "s"); peers in step: \(listed)"
    }

    /// Every version up to this one is replicated as required.
    public var replicated: MetaVersion {
        let need = needed
        guard need > 0 else { return MetaVersion(UInt64.max) }
        let acks = counted.sorted(by: >)
        guard acks.count >= need else { return .zero }
        return acks[need - 1]
    }
}
