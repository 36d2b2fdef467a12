import MFSCore

/// The active master a member still hears: its address, its epoch and when it was last heard
/// (monotonic milliseconds): a frame of changes or a heartbeat.
public struct ActiveContact: Equatable, Sendable {
    public var address: String
    public var epoch: Epoch
    public var lastHeard: Int64

    public init(address: String, epoch: Epoch, lastHeard: Int64) {
        self.address = address
        self.epoch = epoch
        self.lastHeard = lastHeard
    }
}

/// A master's role and every decision about it (DESIGN §7): promotion through the quorum rule
/// (its own vote, the other voters' grants, catching up with the newest log, then the new
/// epoch), forced promotion, demotion, fencing on a higher epoch, and its answers to other
/// candidates. Pure, in the shape of `VRRPInstance`: events and the time in, directives out;
/// the shell (`MasterDaemon`) executes the directives in order and reports back.
public struct RoleMachine: Sendable {
    public struct Settings: Sendable {
        /// An active master not heard for this long is taken for dead by this member's vote.
        public var silenceMilliseconds: Int64
        /// How long a promotion waits for enough grants (voters that still hear the old master
        /// are asked again meanwhile) before it is refused.
        public var voteWaitMilliseconds: Int64
        /// How often unanswered or refusing voters are asked again.
        public var voteRetryMilliseconds: Int64
        /// How long a grant to another candidate holds against the rest (`RecentGrant`): the
        /// silence timeout, as if the voter heard that candidate lead at the grant.
        public var grantHoldMilliseconds: Int64 { silenceMilliseconds }

        public init(silenceMilliseconds: Int64 = 300, voteWaitMilliseconds: Int64 = 2_000, voteRetryMilliseconds: Int64 = 50) {
            self.silenceMilliseconds = silenceMilliseconds
            self.voteWaitMilliseconds = voteWaitMilliseconds
            self.voteRetryMilliseconds = voteRetryMilliseconds
        }
    }

    public enum Event: Sendable {
        /// `POST /promote`. `position` is this master's log, `voters` the set in its metadata
        /// (as of `votersVersion`), `epoch` its current epoch.
        case promote(force: Bool, position: LogPosition, voters: VoterSet, votersVersion: MetaVersion)
        /// `POST /demote`.
        case demote
        /// A peer, chunkserver or client showed a higher epoch than this master's.
        case higherEpoch(Epoch, from: String)
        /// Another candidate, whose log ends at `candidateLog`, asks this member for `epoch`;
        /// `position` is this member's log.
        case voteRequest(candidate: MemberID, epoch: Epoch, candidateLog: LogPosition, position: LogPosition)
        /// A voter answered this candidate: granted (with its log and voter set) or refused.
        case voteGranted(voter: MemberID, epoch: Epoch, position: LogPosition, voters: VoterSet, votersVersion: MetaVersion)
        /// Refused; `promised` is the voter's promise (to `promisedTo`) after answering.
        case voteRefused(voter: MemberID, epoch: Epoch, reason: String, promised: Epoch, promisedTo: MemberID)
        /// The newest log among the granters is now this master's (through `position`).
        case caughtUp(LogPosition)
        case catchUpFailed(String)
        /// `EPOCH(epoch)` is written: this master leads.
        case led(Epoch)
        case leadFailed(String)
        /// A fenced master follows the active one again and caught up with it.
        case caughtUpWithActive
        /// This master stored changes from the active master it follows; its log now ends at
        /// `position`. The shell reports it while a promotion is under way: a candidate that
        /// still hears the active master keeps following it until it can grant itself, and its
        /// grant must name the log it has then.
        case logAdvanced(LogPosition)
        /// Timers: vote retries and the promotion deadline.
        case tick
    }

    public enum LogLevel: Sendable, Equatable { case info, notice, warning, critical }

    public enum Directive: Equatable, Sendable {
        /// Write the promise (fsynced) before anything after this directive is done.
        case persistPromise(Ballot)
        /// Answer a candidate (with this member's log and voter set when granting).
        case answerVote(to: MemberID, epoch: Epoch, granted: Bool, reason: String?)
        /// Ask these voters for `epoch` (each answers `voteGranted` or `voteRefused`).
        case requestVotes(epoch: Epoch, from: [MemberID])
        /// Fetch the changes after this master's log from `from`'s log, through `through`.
        case catchUp(from: MemberID, through: LogPosition)
        /// Stop following, take changes, write `EPOCH(epoch)` (and the voter set with this
        /// master as leader), then report `led` or `leadFailed`.
        case lead(Epoch)
        /// Take no change from now on: replies still waiting are answered `notActive`, peers
        /// are dropped.
        case fence(String)
        /// Follow the active master at `MASTER_HOST` (again).
        case follow
        /// The answer to `POST /promote`.
        case promoted(Epoch, forced: Bool)
        /// `retry`: the refusal may pass soon on its own (too few grants within the wait, a
        /// promotion already under way): the announcer asks again without backing off. Otherwise
        /// something must change first (this master is fenced, another epoch began).
        case promotionRefused(String, retry: Bool)
        case log(LogLevel, String)
    }

    public let me: MemberID
    public let settings: Settings
    public private(set) var role: MasterRole
    /// The epoch of this master's log.
    public private(set) var epoch: Epoch
    public private(set) var ballot: Ballot
    /// The highest epoch other members have shown (`higherEpoch`, a refusing voter's promise):
    /// a promotion asks for one above it, so an epoch that exists elsewhere is never begun a
    /// second time, by force either (which asks no voter that would refuse it).
    public private(set) var highestSeen: Epoch = .zero
    public private(set) var candidacy: Candidacy?
    private var forced = false
    /// The votes are counted (won, or skipped by force): the candidacy no longer steps down and
    /// waits for the catch-up and for `EPOCH(n+1)` to be held by `SYNC_REPLICAS` peers, which
    /// takes as long as they take to follow. Ticks and late answers must not count again
    /// meanwhile: a second `lead` or `catchUp`, or the vote deadline passing, would undo a
    /// promotion already under way.
    private var won = false
    /// `lead` was given: the shell writes the new epoch and takes writes (it answers clients
    /// once `SYNC_REPLICAS` voters hold the epoch) before `led` comes back. A candidacy ended
    /// meanwhile (a higher epoch seen, a demote) must stop those writes: the master is fenced,
    /// as an active master is. Going back to its old role would leave the shell taking writes
    /// while this machine, a follower, granted other candidates.
    private var leading = false
    /// The last new promise to another candidate, which holds for the silence timeout.
    public private(set) var recentGrant: RecentGrant?
    private var lastAsked: Int64?
    /// The role to go back to when a promotion fails.
    private var roleBeforeCandidacy: MasterRole = .follower
    /// Fenced by a demote (not by a higher epoch): this master was the one writer of its epoch,
    /// so its log is the newest of that epoch and a prefix of none other's. While no higher
    /// epoch is seen or promised here it may stand again; without this, a demote that leaves
    /// no other master able to take over (both masters fenced after a healed partition) could
    /// only be undone by force.
    private var fencedByDemote = false

    public init(me: MemberID, role: MasterRole, epoch: Epoch, ballot: Ballot, settings: Settings = Settings()) {
        self.me = me
        self.role = role
        self.epoch = epoch
        self.ballot = ballot
        self.settings = settings
    }

    /// Whether a promotion is under way.
    public var isPromoting: Bool { candidacy != nil }

    /// Why a grant to another candidate still holds against `candidate` asking for `epoch`.
    func grantHeld(against candidate: MemberID, epoch: Epoch, now: Int64) -> String? {
        recentGrant?.hold(against: candidate, epoch: epoch, now: now, holdMilliseconds: settings.grantHoldMilliseconds)
    }

    /// The active master heard recently enough to count as alive, described for a refusal.
    func alive(_ hearing: ActiveContact?, now: Int64) -> String? {
        guard let hearing, now - hearing.lastHeard < settings.silenceMilliseconds else { return nil }
        return "\(hearing.address) (epoch \(hearing.epoch), heard \(now - hearing.lastHeard) ms ago)"
    }

    public mutating func handle(_ event: Event, now: Int64, hearing: ActiveContact?) -> [Directive] {
        switch event {
        case .promote(let force, let position, let voters, let votersVersion):
            return promote(force: force, position: position, voters: voters, votersVersion: votersVersion, now: now, hearing: hearing)
        case .demote:
            return demote()
        case .higherEpoch(let seen, let peer):
            return higherEpoch(seen, from: peer)
        case .voteRequest(let candidate, let asked, let candidateLog, let position):
            return voteRequest(
                candidate: candidate, epoch: asked, candidateLog: candidateLog, position: position, now: now, hearing: hearing)
        case .voteGranted(let voter, let asked, let position, let voters, let votersVersion):
            guard candidacy?.epoch == asked, !won else { return [] }
            candidacy!.granted(by: voter, position: position, set: voters, setVersion: votersVersion)
            return evaluate(now: now, hearing: hearing)
        case .voteRefused(let voter, let asked, let reason, let promised, let promisedTo):
            highestSeen = max(highestSeen, promised)
            guard let current = candidacy, current.epoch == asked else { return [] }
            // The voter promised this epoch (or a later one) to a third candidate: ask again for
            // the next epoch (the better of two candidates then wins: see `voteRequest`). Not when
            // it promised it to itself: that rival has won the epoch, or has the better claim to
            // it (it would have stepped down and granted otherwise). Asking for the next epoch
            // then could take voters from a winner: promised to this candidate, they would refuse
            // the winner's changes, and if this candidate lacked a quorum no master could
            // acknowledge anything.
            if !won, promised >= asked, promised < Epoch.maximum, promisedTo != me, promisedTo != voter {
                candidacy = Candidacy(
                    epoch: Epoch(promised.rawValue + 1), me: me, ownPosition: current.ownPosition, voters: current.voters,
                    votersVersion: current.votersVersion, deadline: current.deadline)
                lastAsked = nil
                return [
                    .log(
                        .info,
                        "promotion: voter \(voter) promised epoch \(promised) to \(promisedTo); asking for epoch \(promised.rawValue + 1)")
                ]
                    + evaluate(now: now, hearing: hearing)
            }
            candidacy!.refused(by: voter, reason: reason)
            return evaluate(now: now, hearing: hearing)
        case .caughtUp(let position):
            guard let candidacy else { return [] }
            epoch = max(epoch, position.epoch)
            return lead(candidacy)
        case .catchUpFailed(let reason):
            return abandon("cannot take the newest log: \(reason)")
        case .led(let led):
            guard let candidacy, candidacy.epoch == led else { return [] }
            self.candidacy = nil
            won = false
            leading = false
            role = .active
            fencedByDemote = false
            epoch = led
            let forced = self.forced
            self.forced = false
            return [.log(.notice, "promoted: this master is active in epoch \(led)"), .promoted(led, forced: forced)]
        case .leadFailed(let reason):
            return abandon("cannot write the new epoch: \(reason)")
        case .caughtUpWithActive:
            guard role == .fenced, candidacy == nil else { return [] }
            role = .follower
            fencedByDemote = false
            return [.log(.notice, "following the active master again: role follower")]
        case .logAdvanced(let position):
            guard candidacy != nil, !won else { return [] }
            epoch = max(epoch, position.epoch)
            candidacy!.ownLogAdvanced(to: position)
            return []
        case .tick:
            guard candidacy != nil, !won else { return [] }
            return evaluate(now: now, hearing: hearing)
        }
    }

    private mutating func promote(
        force: Bool, position: LogPosition, voters: VoterSet, votersVersion: MetaVersion, now: Int64, hearing: ActiveContact?
    ) -> [Directive] {
        guard role != .active else { return [.promotionRefused("already active", retry: false)] }
        guard candidacy == nil else { return [.promotionRefused("a promotion is already under way", retry: true)] }
        epoch = max(epoch, position.epoch)
        let highest = max(epoch, ballot.promised, highestSeen, hearing?.epoch ?? .zero)
        // Epochs stop at `Epoch.maximum` (the decoders refuse more): only a peer or a file
        // claiming an impossible epoch gets here, and no later epoch can be written.
        guard highest < Epoch.maximum else {
            return [
                .promotionRefused(
                    "epoch \(highest) was seen, and no epoch above \(Epoch.maximum) may be written: a peer or a file claims an "
                        + "impossible epoch", retry: false)
            ]
        }
        let target = Epoch(highest.rawValue + 1)
        roleBeforeCandidacy = role
        if force {
            // Forced: no votes; the caller reports what may be lost.
            candidacy = Candidacy(epoch: target, me: me, ownPosition: position, voters: voters, votersVersion: votersVersion, deadline: now)
            forced = true
            won = true
            leading = true
            ballot = Ballot(promised: target, candidate: me)
            return [
                .log(.warning, "forced promotion to epoch \(target): the quorum rule is skipped; acknowledged changes may be lost"),
                .persistPromise(ballot), .lead(target),
            ]
        }
        if role == .fenced, !mayStandAfterDemote {
            return [
                .promotionRefused(
                    "this master is fenced (demoted, or it learned of a higher epoch): it takes over only once it follows the "
                        + "active master again and has caught up (role follower), or with force (mfscli promote --force)",
                    retry: false)
            ]
        }
        candidacy = Candidacy(
            epoch: target, me: me, ownPosition: position, voters: voters, votersVersion: votersVersion,
            deadline: now + settings.voteWaitMilliseconds)
        lastAsked = nil
        won = false
        var directives: [Directive] = [
            .log(
                .notice,
                "promotion: asking the voters for epoch \(target) (\(voters.grantsNeeded) grants needed of \(voters.followers.count), "
                    + "SYNC_REPLICAS \(voters.syncReplicas))")
        ]
        if voters.syncReplicas == 0 {
            directives.append(.log(.warning, "SYNC_REPLICAS = 0: changes the old master acknowledged may be lost by this promotion"))
        }
        return directives + evaluate(now: now, hearing: hearing)
    }

    /// Casts this member's own vote when it is a voter, asks the others when due, and acts on
    /// the outcome.
    private mutating func evaluate(now: Int64, hearing: ActiveContact?) -> [Directive] {
        // Won: the catch-up or the new epoch is under way, and is asked for once.
        guard var candidacy, !won else { return [] }
        var directives: [Directive] = []
        if candidacy.electorate.contains(me), candidacy.grants[me] == nil {
            switch ballot.answer(
                candidate: me, epoch: candidacy.epoch, heldEpoch: epoch, activeHeard: alive(hearing, now: now),
                grantHeld: grantHeld(against: me, epoch: candidacy.epoch, now: now))
            {
            case .grant(let persist):
                if persist { directives.append(.persistPromise(ballot)) }
                candidacy.granted(by: me, position: candidacy.ownPosition, set: candidacy.voters, setVersion: candidacy.votersVersion)
            case .refuse(let reason):
                candidacy.refused(by: me, reason: reason)
            }
        }
        self.candidacy = candidacy
        switch candidacy.outcome(now: now) {
        case .waiting:
            if lastAsked.map({ now - $0 >= settings.voteRetryMilliseconds }) ?? true, !candidacy.toAsk.isEmpty {
                lastAsked = now
                directives.append(.requestVotes(epoch: candidacy.epoch, from: candidacy.toAsk))
            }
            return directives
        case .won(let from, let position):
            won = true
            guard let from else { return directives + lead(candidacy) }
            return directives + [
                .log(.notice, "promotion: voter \(from.hex) holds a newer log (\(position)); taking it first"),
                .catchUp(from: from, through: position),
            ]
        case .lost(let summary):
            return directives + abandon("not enough voters granted epoch \(candidacy.epoch) within the wait: \(summary)", retry: true)
        }
    }

    /// `lead`, unless this master's log holds the candidacy's epoch already: another master
    /// began it by force (which asks no voter) and the newest log, taken from a granter or
    /// followed meanwhile, goes on from that master's `EPOCH`. Writing `EPOCH(n)` again would
    /// give one epoch two histories; asked again, the promotion stands for a higher epoch.
    /// Found by the role simulation once `led` came after a delay.
    private mutating func lead(_ candidacy: Candidacy) -> [Directive] {
        guard epoch < candidacy.epoch else {
            return abandon("this master's log holds epoch \(epoch) already (begun elsewhere, by force)", retry: true)
        }
        leading = true
        return [.lead(candidacy.epoch)]
    }

    private mutating func abandon(_ reason: String, retry: Bool = false) -> [Directive] {
        guard let candidacy else { return [] }
        let wasLeading = leading
        self.candidacy = nil
        forced = false
        won = false
        leading = false
        let refused: [Directive] = [.log(.warning, "promotion refused: \(reason)"), .promotionRefused(reason, retry: retry)]
        guard wasLeading else {
            role = roleBeforeCandidacy
            return refused
        }
        role = .fenced
        return refused + [
            .log(.critical, "fenced: epoch \(candidacy.epoch) was being written, and \(reason); no write is accepted any more"),
            .fence("promotion to epoch \(candidacy.epoch) ended: \(reason)"), .follow,
        ]
    }

    /// A demoted master whose epoch is still the highest it knows of: no other master can have
    /// written after its log (a higher epoch would have to be granted by voters it asks).
    var mayStandAfterDemote: Bool { fencedByDemote && highestSeen <= epoch && ballot.promised <= epoch }

    private mutating func demote() -> [Directive] {
        let wasLeading = leading
        var directives: [Directive] = []
        if candidacy != nil { directives += abandon("demoted while promoting") }
        // A candidacy writing its epoch was fenced by `abandon` (the shell took writes already).
        if wasLeading { return directives }
        guard role == .active else { return directives }
        role = .fenced
        fencedByDemote = true
        return directives + [.log(.notice, "demoted: fenced, no write is accepted"), .fence("demoted"), .follow]
    }

    private mutating func higherEpoch(_ seen: Epoch, from peer: String) -> [Directive] {
        highestSeen = max(highestSeen, seen)
        var directives: [Directive] = []
        // Only a higher epoch ends a candidacy: a peer showing this candidacy's own epoch may
        // be showing its promise to this very candidate (a follower's hello does, DESIGN §7.6);
        // an epoch another candidate won would only keep this one from a quorum.
        if let candidacy, seen > candidacy.epoch {
            directives += abandon("epoch \(seen) began elsewhere (seen from \(peer))")
        }
        guard role == .active, seen > epoch else { return directives }
        role = .fenced
        return directives + [
            .log(.critical, "fenced: \(peer) has seen epoch \(seen), above this master's \(epoch); no write is accepted any more"),
            .fence("stale: epoch \(seen) exists"), .follow,
        ]
    }

    private mutating func voteRequest(
        candidate: MemberID, epoch asked: Epoch, candidateLog: LogPosition, position: LogPosition, now: Int64, hearing: ActiveContact?
    ) -> [Directive] {
        if role == .active, candidate != me {
            return [.answerVote(to: candidate, epoch: asked, granted: false, reason: "this member is the active master (epoch \(epoch))")]
        }
        epoch = max(epoch, position.epoch)
        var directives: [Directive] = []
        if let candidacy, candidate != me {
            if won {
                return [
                    .answerVote(
                        to: candidate, epoch: asked, granted: false, reason: "this member won epoch \(candidacy.epoch) and is taking over")
                ]
            }
            // Two candidates: one asking for a higher epoch wins the race, and of two asking for
            // the same epoch the better claim (the newer log, then the lower member id). This one
            // steps down; its own vote for that epoch goes to the other (it never pursues the
            // epoch again, so the vote is not counted twice).
            let better = (candidateLog, me) > (candidacy.ownPosition, candidate)
            if asked > candidacy.epoch || (asked == candidacy.epoch && better) {
                directives += abandon("candidate \(candidate.hex) asks for epoch \(asked) with a log at \(candidateLog)")
                if asked == ballot.promised, ballot.candidate == me, alive(hearing, now: now) == nil,
                    grantHeld(against: candidate, epoch: asked, now: now) == nil
                {
                    ballot = Ballot(promised: asked, candidate: candidate)
                    recentGrant = RecentGrant(candidate: candidate, epoch: asked, at: now)
                    return directives + [.persistPromise(ballot), .answerVote(to: candidate, epoch: asked, granted: true, reason: nil)]
                }
            }
        }
        switch ballot.answer(
            candidate: candidate, epoch: asked, heldEpoch: epoch, activeHeard: alive(hearing, now: now),
            grantHeld: grantHeld(against: candidate, epoch: asked, now: now))
        {
        case .grant(let persist):
            if persist {
                directives.append(.persistPromise(ballot))
                if candidate != me { recentGrant = RecentGrant(candidate: candidate, epoch: asked, at: now) }
            }
            directives.append(.answerVote(to: candidate, epoch: asked, granted: true, reason: nil))
        case .refuse(let reason):
            directives.append(.answerVote(to: candidate, epoch: asked, granted: false, reason: reason))
        }
        return directives
    }
}
