import Foundation
import MFSCore
import MFSReplication
import MFSTestSupport

/// Several members of one cluster driven through the real `RoleMachine`, `Ballot`, `Candidacy`
/// and `SyncTracker` by one seeded loop (DESIGN §7.8; STYLE "Time": TigerBeetle's simulator in
/// miniature). The simulation plays every shell: it keeps each member's changelog (a durable
/// prefix and a volatile suffix), streams changes from the active master to the members that
/// follow it, fsyncs and acknowledges, carries votes, catch-ups and heartbeats over a network
/// with delay, loss and partitions, and kills, pauses and restarts members. Invariants are
/// checked after every step; the first violation stops the run and is reported with the seed,
/// the step and the last events.
///
/// Masters run a `RoleMachine`; metaloggers are voters that never promote: a `Ballot` that
/// answers candidates by the same rule. Every member is a voter. A restarted master stands for
/// a new epoch at once, as `MasterDaemon` does; the announcer's hook is a promotion at a master
/// that hears no active master, now and then.
///
/// Not modelled: metadata downloads (every log is kept whole), changes of the voter set
/// (`VOTERS`; only the leader changes, with each `EPOCH`), `SYNC_REPLICAS = 0` and
/// `SYNC_DEGRADE = 1`, epochs shown by chunkservers and clients, VRRP itself, and failed disk
/// writes (`leadFailed`). `lead` takes writes at once, as `Promotion.lead` does, and `led` comes
/// back once `EPOCH` is durable here and on K voters, or after the lead wait.
struct RoleSimulation {
    struct Member {
        let id: MemberID
        let kind: MemberKind
        /// Masters only.
        var machine: RoleMachine?
        /// A metalogger's promise (a master's is its machine's).
        var voterBallot = Ballot()
        /// The promise on disk: what a restart finds.
        var persisted = Ballot()
        var log: SimLog
        var alive = true
        /// Bumped at every kill, so what was sent to the dead process is not delivered.
        var incarnation = 0
        /// The step at which a paused member resumes; what reaches it meanwhile waits.
        var pausedUntil: Int?
        var deferred: [Action] = []
        /// The active master heard last (a heartbeat this member accepted).
        var hearing: ActiveContact?
        /// The highest epoch another member has shown this process (heartbeat, notice, vote
        /// refusal): a forced promotion must begin a higher one.
        var shown = Epoch.zero
        /// The link to the active master this member follows.
        var following: Int?
        var fsyncPending = false
        /// While this member is the active master.
        var active: ActiveState?
        var catchUp: CatchUp?
        /// Between `lead` and `led`: the shell takes writes in its new epoch.
        var leading: Leading?
        /// While `POST /promote --force` is handled: its `lead` begins a forced epoch.
        var forcing = false
        /// A metalogger's last grant (a master's is its machine's).
        var recentGrant: RecentGrant?
        /// Acknowledged changes checked against this member's log since it became active.
        var ackChecked = 0

        var ballot: Ballot { machine?.ballot ?? voterBallot }
        /// The shell's role (`RoleBox`): active from `lead` until fenced or killed.
        var isActive: Bool { active != nil }
        var isRunning: Bool { alive && pausedUntil == nil }
        /// The lowest epoch whose master this member follows: its log's, or its promise's
        /// (`Ballot.followFloor`, the rule of `Promotion.promisedEpoch`).
        var seenEpoch: Epoch { max(log.epoch, ballot.followFloor(me: machine?.me, promoting: machine?.isPromoting ?? false)) }
        /// What its refusal shows the master it refuses (`Promotion.promiseShown`).
        var shownEpoch: Epoch { max(log.epoch, ballot.followFloor(me: machine?.me, promoting: false)) }
    }

    /// What the active master keeps: the acks of its followers (by member index) and the client
    /// changes waiting for them.
    struct ActiveState {
        var tracker: SyncTracker
        var peers: [Int: Int] = [:]
        var waiting: [SimEntry] = []
    }

    struct Leading {
        var epoch: Epoch
        var version: MetaVersion
        var deadline: Int64
    }

    struct CatchUp {
        var id: Int
        var from: Int
        var through: LogPosition
        var deadline: Int64
    }

    /// A follower's connection to an active master: ordered, and broken by any loss.
    struct Link {
        var active: Int
        var follower: Int
        var epoch: Epoch
        var alive = true
        /// The follower applied the answer to its registration (its log is on the master's
        /// branch from then on): only then does it acknowledge, as `PeerLink` acks the batches
        /// of its own connection.
        var established = false
    }

    enum Message {
        /// The active master is alive, at `epoch`, its log ending at `last`.
        case heartbeat(epoch: Epoch, last: LogPosition)
        /// "Your epoch is stale: this one exists here." The receiver takes it as `higherEpoch`.
        case notice(Epoch)
        case register(link: Int, runs: [EpochRun], count: Int)
        /// Changes on a link; `fork` (only in the first, the answer to `register`) is the version
        /// the follower keeps up to.
        case stream(link: Int, fork: Int?, entries: ArraySlice<SimEntry>)
        case ack(link: Int, version: MetaVersion)
        /// A candidate, its log ending at `candidateLog`, asks for `epoch`.
        case voteRequest(epoch: Epoch, candidateLog: LogPosition)
        /// A voter's answer (as `VoteAnswer` on the wire): its durable log, its voter set, and its
        /// promise after answering.
        case voteReply(
            epoch: Epoch, granted: Bool, position: LogPosition, leader: MemberID, votersVersion: MetaVersion, promise: Ballot,
            reason: String?)
        case catchUpRequest(id: Int, runs: [EpochRun], count: Int, through: LogPosition)
        /// The changes after `fork` through the asked position; nil: this log no longer holds it.
        case catchUpReply(id: Int, entries: ArraySlice<SimEntry>?)
    }

    enum Action {
        case deliver(to: Int, incarnation: Int, from: Int, Message)
        case synced(member: Int, incarnation: Int, generation: Int, through: Int)
    }

    struct Acked {
        var entry: SimEntry
        var by: Int
        var at: Int64
        var lost = false
    }

    struct Stats {
        var written = 0
        var acknowledged = 0
        var promotions = 0
        var refusals = 0
        var forced = 0
        var demotes = 0
        var kills = 0
        var pauses = 0
        var partitions = 0
        /// Acknowledged changes missing on a later active master after a forced promotion.
        var lost = 0
        /// Epochs led by two members, one of them promoted by force.
        var forcedSplits = 0
        /// Steps from the start of the calm phase to the first acknowledged change.
        var recoverySteps: Int?
        /// Every master was fenced when the faults stopped (demoted, or fenced with no active
        /// master left to follow): none takes over without force, so recovery is not expected.
        var fencedAtCalm = false
        var lastAcknowledgedStep = 0
    }

    static let stepMilliseconds: Int64 = 5
    static let heartbeatMilliseconds: Int64 = 20
    static let settings = RoleMachine.Settings(silenceMilliseconds: 100, voteWaitMilliseconds: 400, voteRetryMilliseconds: 40)
    /// How long a candidate waits for a granter's changes before it gives up.
    static let catchUpMilliseconds: Int64 = 150
    /// How long `lead` waits for its epoch on K voters before it reports `led` anyway (the
    /// real shell waits `PROMOTE_TIMEOUT`, at most 600 ms).
    static let leadWaitMilliseconds: Int64 = min(settings.voteWaitMilliseconds, 600)

    let seed: UInt64
    let steps: Int
    /// SYNC_REPLICAS of every master: the K of the rule.
    let syncReplicas: Int
    /// Whether this seed splits the network (the others only lose and delay messages).
    let partitions: Bool
    /// Whether this seed forces promotions and demotes now and then.
    let overrides: Bool
    var random: SeededRandom
    var members: [Member]
    var now: Int64 = 0
    var step = 0
    var queue: [Int64: [Action]] = [:]
    var links: [Link] = []
    /// The side of a partition each member is on.
    var group: [Int]
    /// One sender's messages to one receiver arrive in order.
    var lastDelivery: [[Int64]]
    /// The chance that a message is lost while faults run (none once calm).
    let loss: Double
    var lossProbability: Double
    var maxDelay: Int64
    var calmFrom: Int?
    var nextChange: UInt64 = 1
    var nextCatchUp = 1
    var acked: [Acked] = []
    /// The member that acknowledged client changes in each epoch, and the one that led it.
    var ackers: [Epoch: Int] = [:]
    var leaders: [Epoch: Int] = [:]
    /// Every durable (epoch, version) ever seen, and its change.
    var durableChanges: [LogPosition: UInt64] = [:]
    /// Per member: the highest durable log epoch, persisted promise and (per incarnation)
    /// machine epoch seen, for "epochs only grow".
    var epochMarks: [(log: Epoch, promise: Epoch, machine: Epoch)]
    /// Epochs begun by a forced promotion.
    var forcedEpochs: [Epoch] = []
    var splitEpochs: Set<Epoch> = []
    var stats = Stats()
    var violations: [String] = []
    var recent: [String] = []
    let printsTrace = ProcessInfo.processInfo.environment["MFS_SIM_TRACE"] != nil

    init(seed: UInt64, steps: Int) {
        self.seed = seed
        self.steps = steps
        var random = SeededRandom(seed: seed)
        let masters = Int.random(in: 2...3, using: &random)
        let count = masters + Int.random(in: 1...2, using: &random)
        syncReplicas = Int.random(in: 1...(count - 1), using: &random)
        partitions = Int.random(in: 0..<3, using: &random) != 0
        overrides = Int.random(in: 0..<3, using: &random) == 0
        loss = [0, 0.005, 0.02].randomElement(using: &random)!
        lossProbability = loss
        maxDelay = [4, 10, 30].randomElement(using: &random)!
        let first = SimEntry(epoch: Epoch(1), version: MetaVersion(1), change: 0, leader: MemberID(1))
        members = (0..<count).map { index in
            let id = MemberID(UInt64(index + 1))
            guard index < masters else { return Member(id: id, kind: .metalogger, log: SimLog(first: first)) }
            let machine = RoleMachine(
                me: id, role: index == 0 ? .active : .follower, epoch: Epoch(1), ballot: Ballot(), settings: Self.settings)
            return Member(id: id, kind: .master, machine: machine, log: SimLog(first: first))
        }
        group = Array(repeating: 0, count: count)
        lastDelivery = Array(repeating: Array(repeating: 0, count: count), count: count)
        epochMarks = Array(repeating: (Epoch(1), .zero, Epoch(1)), count: count)
        durableChanges[first.position] = first.change
        self.random = random
        members[0].active = ActiveState(tracker: tracker(for: 0, appended: first.version))
        for index in 1..<count { members[index].hearing = ActiveContact(address: "m0", epoch: Epoch(1), lastHeard: 0) }
        leaders[Epoch(1)] = 0
    }

    /// The active master's count of acknowledgements: K, from voters other than itself.
    func tracker(for active: Int, appended: MetaVersion) -> SyncTracker {
        var tracker = SyncTracker(required: syncReplicas, timeoutMilliseconds: 0, degrade: false, appended: appended)
        tracker.countOnly(Set(members.indices.filter { $0 != active }.map { members[$0].id }))
        return tracker
    }

    /// The voters, as a member knows them: every member, led by the master that wrote the last
    /// `EPOCH` of `log`.
    func voters(in log: SimLog) -> (set: VoterSet, version: MetaVersion) {
        let leader = log.leader
        let set = VoterSet(
            syncReplicas: syncReplicas, leader: leader.id, members: Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.kind) }))
        return (set, leader.version)
    }

    func name(_ index: Int) -> String { "\(members[index].kind.letter)\(index)" }
    func index(of id: MemberID) -> Int { Int(id.rawValue) - 1 }

    var configuration: String {
        let masters = members.filter { $0.kind == .master }.count
        return "\(masters) masters, \(members.count - masters) metaloggers, SYNC_REPLICAS \(syncReplicas), loss \(loss), "
            + "delay ≤ \(maxDelay) ms, partitions \(partitions), forced/demote \(overrides)"
    }

    // MARK: The loop

    mutating func run() {
        calmFrom = steps - steps / 6
        note("start: \(configuration)")
        while step < steps, violations.isEmpty {
            step += 1
            if step == calmFrom { beginCalm() }
            if step >= calmFrom! { calmStep() } else { chaosStep() }
            advance(to: now + Self.stepMilliseconds)
            for index in members.indices where members[index].isRunning { periodic(index) }
            checkInvariants()
        }
    }

    /// Performs everything due until `end`, one millisecond at a time (every delay is at least
    /// one, so nothing is scheduled for the millisecond being performed).
    mutating func advance(to end: Int64) {
        while now < end {
            now += 1
            guard let due = queue.removeValue(forKey: now) else { continue }
            for action in due { perform(action) }
        }
    }

    mutating func schedule(_ action: Action, after delay: Int64) {
        precondition(delay >= 1)
        queue[now + delay, default: []].append(action)
    }

    mutating func perform(_ action: Action) {
        switch action {
        case .deliver(let to, let incarnation, _, _), .synced(let to, let incarnation, _, _):
            guard members[to].alive, members[to].incarnation == incarnation else {
                // The process it was meant for is gone: its connections are reset.
                if case .deliver(_, _, _, let message) = action, let link = Self.link(of: message) {
                    breakLink(link, "\(name(to)) is gone")
                }
                return
            }
            guard members[to].pausedUntil == nil else {
                members[to].deferred.append(action)
                return
            }
        }
        switch action {
        case .deliver(let to, _, let from, let message): receive(message, at: to, from: from)
        case .synced(let index, _, let generation, let through): synced(index, generation: generation, through: through)
        }
    }

    /// Timers of a running member: heartbeats of the active master, the machine's tick, the
    /// catch-up deadline.
    mutating func periodic(_ index: Int) {
        if members[index].isActive, now % Self.heartbeatMilliseconds < Self.stepMilliseconds { sendHeartbeats(from: index) }
        guard members[index].machine != nil else { return }
        reportLed(index)
        if let catchUp = members[index].catchUp, now >= catchUp.deadline {
            members[index].catchUp = nil
            handle(.catchUpFailed("\(name(catchUp.from)) did not send its changes in time"), at: index)
        }
        handle(.tick, at: index)
    }

    // MARK: Tracing

    mutating func note(_ text: String) {
        let line = "step \(step) (\(now) ms): \(text)"
        if printsTrace { print("seed \(seed) \(line)") }
        recent.append(line)
        if recent.count > 60 { recent.removeFirst(recent.count - 60) }
    }

    mutating func violation(_ text: String) {
        guard violations.isEmpty else { return }
        violations.append(
            "seed \(seed) step \(step): \(text)\n(\(configuration); rerun with MFS_SIM_SEED=\(seed) MFS_SIM_TRACE=1)\nlast events:\n"
                + recent.joined(separator: "\n"))
    }

    var summary: String {
        "seed \(seed): \(configuration): \(stats.written) changes written, \(stats.acknowledged) acknowledged, "
            + "\(stats.promotions) promotions, \(stats.refusals) refused, \(stats.forced) forced, \(stats.demotes) demotes, "
            + "\(stats.kills) kills, \(stats.pauses) pauses, \(stats.partitions) partitions, "
            + "\(members.map(\.log.discarded).reduce(0, +)) superseded changes moved aside, \(stats.lost) acknowledged changes lost "
            + "after a forced promotion, \(stats.forcedSplits) epochs split by force, recovered in \(stats.recoverySteps.map { "\($0) steps" } ?? "-")"
            + (stats.fencedAtCalm ? " (every master fenced when the faults stopped)" : "")
    }
}
