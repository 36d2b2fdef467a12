import MFSCore
import MFSReplication

/// The invariants of DESIGN §7.8, checked after every step (and where a step changes what they
/// are about: an acknowledgement, a member becoming active, a change becoming durable):
/// 1. never two members acknowledging client changes in one epoch, and at most one member
///    active in an epoch, ever; unless one of them was promoted by force (which asks no voter,
///    so a candidate elected meanwhile may take the same epoch): then the split is counted and
///    reported, and its epoch's changes are excused from 2 and 4. A forced promotion never
///    begins an epoch that was shown to its master;
/// 2. every acknowledged change is in the log of every member active later in that epoch or a
///    later one, unless an epoch after the change's and up to the member's began with a forced
///    promotion: then it is counted as lost (and reported), not failed;
/// 3. epochs only grow on every member: its durable log's epoch, its promise on disk, and its
///    machine's epoch while it runs;
/// 4. no two different changes are ever durable for one (epoch, version), on one member or on
///    two, and no log's epochs go down along it;
/// 5. a master's shell takes writes (from `lead`) exactly while its machine counts it active or
///    is leading its candidacy: never while the machine, back to follower, grants others.
extension RoleSimulation {
    mutating func checkInvariants() {
        for index in members.indices {
            let member = members[index]
            if member.log.durableEpoch < epochMarks[index].log {
                violation("\(name(index))'s durable log went back to epoch \(member.log.durableEpoch) from \(epochMarks[index].log)")
            }
            epochMarks[index].log = member.log.durableEpoch
            if member.persisted.promised < epochMarks[index].promise {
                violation("\(name(index))'s promise on disk went back to \(member.persisted.promised) from \(epochMarks[index].promise)")
            }
            epochMarks[index].promise = member.persisted.promised
            if member.alive, let machine = member.machine {
                if machine.epoch < epochMarks[index].machine {
                    violation("\(name(index))'s epoch went back to \(machine.epoch) from \(epochMarks[index].machine)")
                }
                epochMarks[index].machine = machine.epoch
                if machine.ballot.promised < member.persisted.promised {
                    violation("\(name(index)) promises \(machine.ballot.promised) but its disk \(member.persisted.promised)")
                }
            }
            if let disorder = member.log.disorders.first(where: { !($0.twoChanges && splitEpochs.contains($0.epoch)) }) {
                violation("\(name(index))'s log: \(disorder.text)")
            }
            if member.alive, let machine = member.machine {
                // The shell takes writes exactly while the machine counts it active or leading.
                let leading = member.leading != nil && machine.isPromoting
                if member.isActive != (machine.role == .active || leading) {
                    violation(
                        "\(name(index))'s shell \(member.isActive ? "takes writes" : "takes none") but its machine is \(machine.role)"
                            + (machine.isPromoting ? ", promoting" : ""))
                }
            }
            // From `promoted` (a forced epoch is known as forced from then on).
            if member.alive, member.machine?.role == .active { checkAcknowledged(index) }
        }
    }

    /// An active master answered a client: its change is acknowledged.
    mutating func acknowledged(_ entry: SimEntry, by master: Int) {
        stats.acknowledged += 1
        if let other = ackers[entry.epoch], other != master, !splitEpochs.contains(entry.epoch) {
            violation("\(name(master)) and \(name(other)) both acknowledged client changes in epoch \(entry.epoch)")
        }
        ackers[entry.epoch] = master
        if entry.epoch != members[master].log.epoch {
            violation("\(name(master)), active in epoch \(members[master].log.epoch), acknowledged \(entry.position)")
        }
        acked.append(Acked(entry: entry, by: master, at: now))
        if let calmFrom, step >= calmFrom, stats.recoverySteps == nil { stats.recoverySteps = step - calmFrom }
        stats.lastAcknowledgedStep = step
    }

    /// `promoted`: this member is active in `epoch` (its `lead` claimed the epoch) and must hold
    /// every change acknowledged so far.
    mutating func becameActive(_ index: Int, epoch: Epoch, forced: Bool) {
        stats.promotions += 1
        if forced { stats.forced += 1 }
        note("\(name(index)) is active in epoch \(epoch)\(forced ? " (forced)" : "") holding \(members[index].log.last)")
        members[index].ackChecked = 0
        checkAcknowledged(index)
    }

    /// A forced promotion wrote `EPOCH(epoch)` (`lead`): the epoch is forced from then on,
    /// whether its master is ever `promoted` or is killed while it writes, and it must be above
    /// every epoch shown to that master when it chose it.
    mutating func forcedLead(_ index: Int, epoch: Epoch) {
        if !forcedEpochs.contains(epoch) { forcedEpochs.append(epoch) }
        if epoch <= members[index].shown {
            violation("\(name(index)) was forced into epoch \(epoch), though epoch \(members[index].shown) was shown to it")
        }
        claim(epoch, by: index)
    }

    /// `index` leads `epoch`: no other master may, unless one of them was forced into it.
    mutating func claim(_ epoch: Epoch, by index: Int) {
        if let other = leaders[epoch], other != index {
            if forcedEpochs.contains(epoch) {
                // --force asks no voter, so nothing stops a candidate elected meanwhile from
                // taking the same epoch: reported, as the changes it may lose are.
                stats.forcedSplits += 1
                splitEpochs.insert(epoch)
                note("\(name(index)) and \(name(other)) are both active in epoch \(epoch), one of them by force")
            } else {
                violation("\(name(index)) and \(name(other)) were both active in epoch \(epoch)")
            }
        }
        leaders[epoch] = index
    }

    /// The changes acknowledged since the last check, in the log of this active master unless
    /// acknowledged in a later epoch than its own (a stale master about to be fenced).
    mutating func checkAcknowledged(_ index: Int) {
        let epoch = members[index].log.epoch
        for number in members[index].ackChecked..<acked.count where !acked[number].lost && acked[number].entry.epoch <= epoch {
            let change = acked[number]
            guard !members[index].log.contains(change.entry) else { continue }
            if forcedEpochs.contains(where: { forced in
                (change.entry.epoch < forced || (change.entry.epoch == forced && splitEpochs.contains(forced))) && forced <= epoch
            }) {
                acked[number].lost = true
                stats.lost += 1
                note("\(change.entry.position) (acknowledged by \(name(change.by))) is lost after a forced promotion")
                continue
            }
            violation(
                "\(change.entry.position), acknowledged by \(name(change.by)) at \(change.at) ms, is not in the log of \(name(index)), "
                    + "active in epoch \(epoch) (its log: \(members[index].log.last))")
        }
        members[index].ackChecked = acked.count
    }

    /// Changes that became durable on a member: one change per (epoch, version), ever.
    mutating func recordDurable(_ index: Int, _ versions: Range<Int>) {
        for offset in versions {
            let entry = members[index].log.entries[offset]
            if let known = durableChanges[entry.position] {
                if known != entry.change, !splitEpochs.contains(entry.epoch) {
                    violation("\(name(index)) made change \(entry.change) durable as \(entry.position), which is change \(known) elsewhere")
                }
            } else {
                durableChanges[entry.position] = entry.change
            }
        }
    }
}
