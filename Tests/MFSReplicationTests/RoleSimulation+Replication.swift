import MFSCore
import MFSReplication

/// Following the active master (DESIGN §6): heartbeats, registration with the fork point
/// (DESIGN §3), the stream of changes, fsync and acknowledgement, and the active master's
/// answer to a client once its change is durable on itself and acknowledged by K voters.
extension RoleSimulation {
    mutating func sendHeartbeats(from active: Int) {
        let epoch = members[active].log.epoch
        let last = members[active].log.last
        for other in members.indices where other != active { send(.heartbeat(epoch: epoch, last: last), from: active, to: other) }
    }

    /// A heartbeat of `master`, active at `epoch`. A member that has seen a higher epoch says so
    /// (the stale master fences itself) and does not count it as heard; otherwise it hears it and
    /// follows it unless it follows a master of that epoch or a later one already.
    mutating func heard(from master: Int, epoch: Epoch, last: LogPosition, at index: Int) {
        guard epoch >= members[index].seenEpoch else {
            if members[index].shownEpoch > epoch { send(.notice(members[index].shownEpoch), from: index, to: master) }
            return
        }
        if let machine = members[index].machine, epoch > machine.epoch { handle(.higherEpoch(epoch, from: name(master)), at: index) }
        guard !members[index].isActive else { return }
        members[index].hearing = ActiveContact(address: name(master), epoch: epoch, lastHeard: now)
        if let id = members[index].following, links[id].alive {
            if links[id].active == master, links[id].epoch == epoch {
                if members[index].machine?.role == .fenced, members[index].log.durable >= last.version.rawValue.asInt,
                    members[index].log.holds(last)
                {
                    handle(.caughtUpWithActive, at: index)
                }
                return
            }
            if links[id].epoch >= epoch { return }
        }
        let id = openLink(from: index, to: master, epoch: epoch)
        note("\(name(index)) registers with \(name(master)) (epoch \(epoch)) holding \(members[index].log.last)")
        send(.register(link: id, runs: members[index].log.runs, count: members[index].log.count), from: index, to: master)
    }

    /// Another member has seen `epoch`.
    mutating func learned(_ epoch: Epoch, from sender: Int, at index: Int) {
        guard let machine = members[index].machine, epoch > machine.epoch else { return }
        handle(.higherEpoch(epoch, from: name(sender)), at: index)
    }

    /// The active master answers a registration with the changes after the fork point.
    mutating func registered(_ id: Int, runs: [EpochRun], count: Int, at master: Int) {
        guard links[id].alive, members[master].isActive, links[id].epoch == members[master].log.epoch else {
            breakLink(id, "\(name(master)) is not the active master of epoch \(links[id].epoch)")
            return
        }
        let follower = links[id].follower
        if let old = members[master].active!.peers[follower], old != id { breakLink(old, "registered again") }
        members[master].active!.peers[follower] = id
        members[master].active!.tracker.joined(follower, name: name(follower), acked: .zero, member: members[follower].id)
        let fork = members[master].log.commonPrefix(with: runs, count: count)
        send(.stream(link: id, fork: fork, entries: members[master].log.entries[fork...]), from: master, to: follower)
    }

    /// Changes from the active master. A member refuses a master whose epoch is below what it
    /// has seen (its promise included: `Ballot.accepts`); on registration it cuts a superseded
    /// tail at the fork point.
    mutating func streamed(_ id: Int, fork: Int?, entries: ArraySlice<SimEntry>, at index: Int) {
        guard links[id].alive, members[index].following == id else { return }
        let master = links[id].active
        let epoch = links[id].epoch
        guard epoch >= members[index].seenEpoch else {
            if members[index].shownEpoch > epoch { send(.notice(members[index].shownEpoch), from: index, to: master) }
            breakLink(id, "\(name(index)) has seen epoch \(members[index].seenEpoch), above \(name(master))'s \(epoch)")
            return
        }
        if let fork, entries.isEmpty, members[index].log.count > fork {
            // A peer ahead of its master stops and says why (DESIGN §6). Only two masters in one
            // epoch (by force) can make it.
            breakLink(id, "\(name(index)) holds \(members[index].log.last), beyond \(name(master))'s log (\(fork))")
            if !splitEpochs.contains(epoch) {
                violation("\(name(index)) holds \(members[index].log.last), beyond the log of the active master \(name(master))")
            }
            return
        }
        let before = members[index].log.last
        guard let merged = members[index].log.merge(entries) else {
            violation("\(name(index)) got versions from \(entries.first!.version) from \(name(master)) after \(members[index].log.count)")
            return
        }
        if printsTrace {
            note("\(name(index)) took \(entries.count) changes from \(name(master)) after \(fork ?? -1): \(members[index].log.last)")
        }
        if merged.cut {
            note("\(name(index)) cut its tail at the fork point \(fork ?? -1): held \(before), now \(members[index].log.last)")
        }
        recordDurable(index, merged.durable)
        links[id].established = true
        requestSync(index)
        // A candidate still following the active master says how far its log now goes.
        if members[index].machine?.isPromoting == true { handle(.logAdvanced(members[index].log.last), at: index) }
    }

    mutating func requestSync(_ index: Int) {
        guard !members[index].fsyncPending else { return }
        members[index].fsyncPending = true
        let member = members[index]
        schedule(
            .synced(member: index, incarnation: member.incarnation, generation: member.log.generation, through: member.log.count),
            after: Int64.random(in: 1...3, using: &random))
    }

    /// An fsync completed: the active master may answer clients; a follower acknowledges what is
    /// now durable, unless it has promised a later epoch since those changes came (a voter
    /// whose promise is out stores nothing of a lower epoch: its grant named its log as it was).
    mutating func synced(_ index: Int, generation: Int, through: Int) {
        members[index].fsyncPending = false
        recordDurable(index, members[index].log.synced(through: through, generation: generation))
        if members[index].log.count > members[index].log.durable { requestSync(index) }
        if members[index].isActive {
            tryAcknowledge(index)
            return
        }
        guard let id = members[index].following, links[id].alive, links[id].established else { return }
        guard links[id].epoch >= members[index].seenEpoch else { return }
        send(.ack(link: id, version: members[index].log.durablePosition.version), from: index, to: links[id].active)
    }

    mutating func acked(_ id: Int, version: MetaVersion, at master: Int) {
        let follower = links[id].follower
        guard links[id].alive, members[master].active?.peers[follower] == id else { return }
        members[master].active!.tracker.acked(follower, version)
        if printsTrace { note("\(name(master)) has \(name(follower))'s ack of \(version)") }
        tryAcknowledge(master)
    }

    /// A client's change to the active master: appended, streamed to the followers, fsynced.
    mutating func write(at master: Int) {
        guard members[master].isActive, members[master].active != nil else { return }
        let entry = SimEntry(
            epoch: members[master].log.epoch, version: MetaVersion(UInt64(members[master].log.count + 1)), change: nextChange)
        nextChange += 1
        stats.written += 1
        members[master].log.append(entry)
        members[master].active!.waiting.append(entry)
        members[master].active!.tracker.appended(entry.version)
        for (follower, id) in members[master].active!.peers.sorted(by: { $0.key < $1.key }) {
            send(.stream(link: id, fork: nil, entries: [entry][...]), from: master, to: follower)
        }
        requestSync(master)
    }

    /// Answers the clients whose changes are durable here and acknowledged by K voters.
    mutating func tryAcknowledge(_ master: Int) {
        reportLed(master)
        guard let state = members[master].active else { return }
        let through = min(UInt64(members[master].log.durable), state.tracker.replicated.rawValue)
        let answered = state.waiting.prefix { $0.version.rawValue <= through }
        guard !answered.isEmpty else { return }
        members[master].active!.waiting.removeFirst(answered.count)
        for entry in answered { acknowledged(entry, by: master) }
    }

    // MARK: The shell's duties on fence and restart

    /// `fence`: no change is taken from now on; waiting clients are answered `notActive`,
    /// followers are dropped.
    mutating func fence(_ index: Int, _ why: String) {
        if let waiting = members[index].active?.waiting.count, waiting > 0 { note("\(name(index)) answers \(waiting) clients notActive") }
        members[index].active = nil
        members[index].leading = nil
        breakLinks(of: index, "\(name(index)) fenced: \(why)")
    }
}
