import MFSCore
import MFSReplication

/// What happens each step: client writes to whoever is active; the announcer's promote hook at
/// masters that hear no active master; promotions at random masters (two at once now and then)
/// even while the active is heard; kills and restarts; pauses; partitions and heals; with
/// `overrides`, now and then a forced promotion or a demote. The last sixth of a run is calm:
/// everything heals, no new fault, and the announcer's hook keeps firing where no active master
/// is heard, so a member must become active and answer clients again.
extension RoleSimulation {
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

    var masters: [Int] { members.indices.filter { members[$0].machine != nil } }

    mutating func chaosStep() {
        resumeDue()
        writes()
        announce()
        if chance(0.01), let master = masters.randomElement(using: &random) { promote(master, force: false) }
        if chance(0.002) {
            // Two candidates at once.
            for master in masters.shuffled(using: &random).prefix(2) { promote(master, force: false) }
        }
        if chance(0.002), let victim = members.indices.filter({ members[$0].alive }).randomElement(using: &random) { kill(victim) }
        for index in members.indices where !members[index].alive && chance(0.01) { restart(index) }
        if chance(0.002), let sleeper = members.indices.filter({ members[$0].isRunning }).randomElement(using: &random) {
            pause(sleeper, steps: Int.random(in: 5...60, using: &random))
        }
        if partitions {
            let split = group.contains { $0 != group[0] }
            if !split && chance(0.002) { self.split() } else if split && chance(0.01) { heal() }
        }
        guard overrides else { return }
        if chance(0.0003), let master = masters.randomElement(using: &random) { promote(master, force: true) }
        if chance(0.0005), let active = masters.filter({ members[$0].isActive }).randomElement(using: &random) { demote(active) }
    }

    mutating func beginCalm() {
        note("calm: the network heals, every member runs again, no new fault")
        heal()
        lossProbability = 0
        for index in members.indices {
            if !members[index].alive { restart(index) }
            if members[index].pausedUntil != nil { resume(index) }
        }
        stats.fencedAtCalm = masters.allSatisfy { members[$0].machine!.role == .fenced }
    }

    mutating func calmStep() {
        writes()
        announce()
    }

    mutating func resumeDue() {
        for index in members.indices {
            if let until = members[index].pausedUntil, until <= step { resume(index) }
        }
    }

    /// Clients write to every member that believes it is active (a stale one included).
    mutating func writes() {
        for index in members.indices where members[index].isRunning && members[index].isActive && chance(0.5) {
            for _ in 0..<Int.random(in: 1...3, using: &random) { write(at: index) }
        }
    }

    /// The announcer's promote hook: a master that hears no active master is told to promote
    /// (not at once: its announcer waits for Master_Down_Interval).
    mutating func announce() {
        for index in masters where members[index].isRunning && !members[index].isActive && !members[index].machine!.isPromoting {
            guard activeHeard(at: index) == nil, chance(0.05) else { continue }
            promote(index, force: false)
        }
    }
}
