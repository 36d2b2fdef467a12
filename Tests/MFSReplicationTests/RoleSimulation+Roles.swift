import MFSCore
import MFSReplication

/// The master's shell, as `RoleMachine.Directive` lists its duties: each directive is carried
/// out in order and at once (a promise is durable before the next directive), and what it leads
/// to (a vote reply, a granter's changes, `EPOCH` written) comes back as an event. A metalogger
/// answers candidates with its `Ballot` by the same rule.
extension RoleSimulation {
    mutating func handle(_ event: RoleMachine.Event, at index: Int) {
        guard members[index].machine != nil else { return }
        let directives = members[index].machine!.handle(event, now: now, hearing: members[index].hearing)
        execute(directives, at: index)
        if !members[index].machine!.isPromoting { members[index].catchUp = nil }
    }

    mutating func execute(_ directives: [RoleMachine.Directive], at index: Int) {
        for directive in directives {
            switch directive {
            case .persistPromise(let ballot): persist(ballot, at: index)
            case .answerVote(let candidate, let epoch, let granted, let reason):
                reply(to: self.index(of: candidate), epoch: epoch, granted: granted, reason: reason, from: index)
            case .requestVotes(let epoch, let voters):
                let log = members[index].log.last
                for voter in voters { send(.voteRequest(epoch: epoch, candidateLog: log), from: index, to: self.index(of: voter)) }
            case .catchUp(let granter, let through): startCatchUp(index, from: self.index(of: granter), through: through)
            case .lead(let epoch): lead(index, epoch: epoch)
            case .fence(let why): fence(index, why)
            case .follow: note("\(name(index)) follows the active master again")
            case .promoted(let epoch, let forced): becameActive(index, epoch: epoch, forced: forced)
            case .promotionRefused(let why, _):
                stats.refusals += 1
                note("\(name(index)): promotion refused: \(why)")
            case .log(let level, let text): if level != .info { note("\(name(index)) \(level): \(text)") }
            }
        }
    }

    /// `persistPromise`: on disk at once. A promise never goes back (DESIGN §7.2).
    mutating func persist(_ ballot: Ballot, at index: Int) {
        if ballot.promised < members[index].persisted.promised {
            violation("\(name(index)) persists a promise of epoch \(ballot.promised) over one of \(members[index].persisted.promised)")
        }
        members[index].persisted = ballot
        note("\(name(index)) promises epoch \(ballot.promised) to \(name(self.index(of: ballot.candidate)))")
    }

    /// The active master this member hears, for a refusal (the rule of `RoleMachine`).
    func activeHeard(at index: Int) -> String? {
        guard let hearing = members[index].hearing, now - hearing.lastHeard < Self.settings.silenceMilliseconds else { return nil }
        return "\(hearing.address) (epoch \(hearing.epoch))"
    }

    // MARK: Votes

    /// A candidate asks this member for `epoch`. A grant names the member's durable log: the
    /// changes it may have acknowledged.
    mutating func asked(by candidate: Int, for epoch: Epoch, candidateLog: LogPosition, at index: Int) {
        let id = members[candidate].id
        guard members[index].machine == nil else {
            handle(.voteRequest(candidate: id, epoch: epoch, candidateLog: candidateLog, position: members[index].log.last), at: index)
            return
        }
        let held = members[index].log.epoch
        let grantHeld = members[index].recentGrant?.hold(
            against: id, epoch: epoch, now: now, holdMilliseconds: Self.settings.grantHoldMilliseconds)
        switch members[index].voterBallot.answer(
            candidate: id, epoch: epoch, heldEpoch: held, activeHeard: activeHeard(at: index), grantHeld: grantHeld)
        {
        case .grant(let persist):
            if persist {
                self.persist(members[index].voterBallot, at: index)
                members[index].recentGrant = RecentGrant(candidate: id, epoch: epoch, at: now)
            }
            reply(to: candidate, epoch: epoch, granted: true, reason: nil, from: index)
        case .refuse(let reason):
            reply(to: candidate, epoch: epoch, granted: false, reason: reason, from: index)
        }
    }

    mutating func reply(to candidate: Int, epoch: Epoch, granted: Bool, reason: String?, from index: Int) {
        let log = members[index].log
        let leader = log.leader
        send(
            .voteReply(
                epoch: epoch, granted: granted, position: log.durablePosition, leader: leader.id, votersVersion: leader.version,
                promise: members[index].ballot, reason: reason),
            from: index, to: candidate)
    }

    /// A vote reply, passed on as `Promotion.answered` does.
    mutating func answered(
        by voter: Int, epoch: Epoch, granted: Bool, position: LogPosition, voters: (leader: MemberID, version: MetaVersion),
        promise: Ballot,
        reason: String?, at candidate: Int
    ) {
        let id = members[voter].id
        guard granted else {
            let refused = RoleMachine.Event.voteRefused(
                voter: id, epoch: epoch, reason: reason ?? "refused", promised: promise.promised, promisedTo: promise.candidate)
            handle(refused, at: candidate)
            return
        }
        var set = self.voters(in: members[candidate].log).set
        set.leader = voters.leader
        handle(.voteGranted(voter: id, epoch: epoch, position: position, voters: set, votersVersion: voters.version), at: candidate)
    }

    // MARK: Taking the newest log, leading

    /// `catchUp`: the changes after this log's fork from the granter's, through `through`.
    mutating func startCatchUp(_ index: Int, from granter: Int, through: LogPosition) {
        if members[index].log.holds(through) {
            handle(.caughtUp(members[index].log.last), at: index)
            return
        }
        let id = nextCatchUp
        nextCatchUp += 1
        members[index].catchUp = CatchUp(id: id, from: granter, through: through, deadline: now + Self.catchUpMilliseconds)
        let log = members[index].log
        send(.catchUpRequest(id: id, runs: log.runs, count: log.count, through: through), from: index, to: granter)
    }

    mutating func catchUpAsked(id: Int, runs: [EpochRun], count: Int, through: LogPosition, by candidate: Int, at granter: Int) {
        let log = members[granter].log
        guard log.holds(through) else {
            send(.catchUpReply(id: id, entries: nil), from: granter, to: candidate)
            return
        }
        let fork = min(log.commonPrefix(with: runs, count: count), through.version.rawValue.asInt)
        send(.catchUpReply(id: id, entries: log.entries[fork..<through.version.rawValue.asInt]), from: granter, to: candidate)
    }

    mutating func caughtUp(id: Int, entries: ArraySlice<SimEntry>?, from granter: Int, at index: Int) {
        guard let catchUp = members[index].catchUp, catchUp.id == id else { return }
        members[index].catchUp = nil
        guard let entries else {
            handle(.catchUpFailed("\(name(granter)) no longer holds \(catchUp.through)"), at: index)
            return
        }
        let before = members[index].log.last
        guard let merged = members[index].log.merge(entries) else {
            handle(.catchUpFailed("a gap before \(entries.first!.version)"), at: index)
            return
        }
        if merged.cut { note("\(name(index)) cut its divergent tail (held \(before)) for \(name(granter))'s log") }
        recordDurable(index, merged.durable)
        requestSync(index)
        note("\(name(index)) took \(name(granter))'s log through \(catchUp.through)")
        handle(.caughtUp(members[index].log.last), at: index)
    }

    /// `lead`: stop following, write `EPOCH(epoch)` naming this master as the leader of the
    /// voters, and report `led`.
    mutating func lead(_ index: Int, epoch: Epoch) {
        let log = members[index].log
        if log.epoch >= epoch { violation("\(name(index)) writes EPOCH(\(epoch)) after \(log.last)") }
        if let id = members[index].following { breakLink(id, "\(name(index)) leads") }
        let entry = SimEntry(epoch: epoch, version: MetaVersion(UInt64(log.count + 1)), change: nextChange, leader: members[index].id)
        nextChange += 1
        members[index].log.append(entry)
        members[index].active = ActiveState(tracker: tracker(for: index, appended: entry.version))
        members[index].leading = Leading(epoch: epoch, version: entry.version, deadline: now + Self.leadWaitMilliseconds)
        // Two masters in one epoch begin when the second writes `EPOCH`, not when it is
        // promoted: their changes of that epoch differ from then on.
        if members[index].forcing { forcedLead(index, epoch: epoch) } else { claim(epoch, by: index) }
        requestSync(index)
    }

    /// `led`, once `EPOCH` is durable here and on K voters (`whenCommitted`), or at the lead
    /// wait's end: the machine then counts this master as active.
    mutating func reportLed(_ index: Int) {
        guard let leading = members[index].leading, let state = members[index].active else { return }
        let committed = members[index].log.durable >= Int(leading.version.rawValue) && state.tracker.replicated >= leading.version
        guard committed || now >= leading.deadline else { return }
        members[index].leading = nil
        if !committed { note("\(name(index)): EPOCH(\(leading.epoch)) is not on K voters yet; led anyway") }
        handle(.led(leading.epoch), at: index)
    }

    // MARK: The operator and the announcer

    /// `POST /promote`, with or without force.
    mutating func promote(_ index: Int, force: Bool) {
        guard members[index].isRunning, members[index].machine != nil else { return }
        let voters = voters(in: members[index].log)
        note("\(name(index)): POST /promote\(force ? " --force" : "") holding \(members[index].log.last)")
        members[index].forcing = force
        handle(.promote(force: force, position: members[index].log.last, voters: voters.set, votersVersion: voters.version), at: index)
        members[index].forcing = false
    }

    mutating func demote(_ index: Int) {
        stats.demotes += 1
        note("\(name(index)): POST /demote")
        handle(.demote, at: index)
    }

    /// The process dies: what it had not fsynced is gone when it starts again.
    mutating func kill(_ index: Int) {
        stats.kills += 1
        note("\(name(index)) killed holding \(members[index].log.last), durable \(members[index].log.durablePosition)")
        breakLinks(of: index, "\(name(index)) killed")
        members[index].alive = false
        members[index].incarnation += 1
        members[index].pausedUntil = nil
        members[index].deferred = []
        members[index].fsyncPending = false
        members[index].active = nil
        members[index].leading = nil
        members[index].recentGrant = nil
        members[index].catchUp = nil
        members[index].hearing = nil
        members[index].shown = .zero
    }

    /// A restart: the durable log and the promise on disk; every master starts as a follower
    /// (DESIGN §7.2: every route to active goes through the votes, restarts included).
    mutating func restart(_ index: Int) {
        members[index].alive = true
        members[index].log.crash()
        let ballot = members[index].persisted
        if members[index].kind == .master {
            members[index].machine = RoleMachine(
                me: members[index].id, role: .follower, epoch: members[index].log.epoch, ballot: ballot, settings: Self.settings)
            epochMarks[index].machine = members[index].log.epoch
        } else {
            members[index].voterBallot = ballot
        }
        note("\(name(index)) restarts holding \(members[index].log.last), promise \(ballot.promised)")
        // A master that restarts with other voters stands for a new epoch at once
        // (`MasterDaemon.standAfterRestart`); the announcer's hook retries it.
        if members[index].kind == .master { promote(index, force: false) }
    }

    mutating func pause(_ index: Int, steps: Int) {
        stats.pauses += 1
        members[index].pausedUntil = step + steps
        note("\(name(index)) paused for \(steps) steps")
    }

    /// A paused member runs again with its old beliefs and handles what arrived meanwhile.
    mutating func resume(_ index: Int) {
        members[index].pausedUntil = nil
        note("\(name(index)) resumes")
        let deferred = members[index].deferred
        members[index].deferred = []
        for action in deferred { perform(action) }
    }
}
