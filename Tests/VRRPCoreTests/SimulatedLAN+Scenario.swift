import VRRPCore

/// The faults a scenario injects: chaos (loss, corruption, partitions, health flaps, graceful
/// restarts), calm periods that must settle, killing and reviving the master.
extension SimulatedLAN {
    mutating func startAll() {
        for index in nodes.indices {
            let at = now + .milliseconds(Int.random(in: 0...50, using: &random))
            queue.schedule(.event(node: index, incarnation: nodes[index].incarnation, .start), at: at)
        }
    }

    /// Lossy, partitioned, flapping LAN until `end`; everything healed and healthy at `end`.
    mutating func chaos(until end: VRRPInstant) {
        lossProbability = 0.2
        corruptionProbability = 0.02
        while true {
            let next = now + .milliseconds(Int.random(in: 50...400, using: &random))
            guard next < end else { break }
            run(until: next)
            perturb(before: end)
        }
        run(until: end)
        lossProbability = 0
        corruptionProbability = 0
        group = Array(repeating: 0, count: nodes.count)
        for index in unhealthy { handle(index, .priorityChanged(nodes[index].instance.configuration.priority)) }
        unhealthy = []
        checkInvariants()
    }

    mutating func perturb(before end: VRRPInstant) {
        let alive = nodes.indices.filter { nodes[$0].alive }
        guard let node = alive.randomElement(using: &random) else { return }
        switch Int.random(in: 0..<4, using: &random) {
        case 0, 1:
            // Split the LAN in two at random, or heal it.
            if group.allSatisfy({ $0 == 0 }) {
                group = nodes.indices.map { _ in Int.random(in: 0...1, using: &random) }
            } else {
                group = Array(repeating: 0, count: nodes.count)
            }
        case 2:
            // TRACK_MASTER: the local master turns unhealthy (priority 0) or healthy again.
            if unhealthy.remove(node) != nil {
                handle(node, .priorityChanged(nodes[node].instance.configuration.priority))
            } else {
                unhealthy.insert(node)
                handle(node, .priorityChanged(0))
            }
        default:
            // Graceful restart: shutdown now, start again before the chaos ends.
            let restartAt = now + .milliseconds(Int.random(in: 20...300, using: &random))
            guard restartAt < end else { return }
            handle(node, .shutdown)
            queue.schedule(.event(node: node, incarnation: nodes[node].incarnation, .start), at: restartAt)
        }
        checkInvariants()
    }

    /// A connected, lossless LAN for `length`; after `settleTime` exactly one master must hold
    /// the VIP until the end.
    mutating func calm(for length: Duration) {
        settledFrom = now + settleTime
        run(until: now + length)
        settledFrom = nil
    }

    /// Kills the master (its host stops sending and receiving) and expects exactly one new
    /// master, holding the VIP, within Master_Down_Interval plus the delays; then a calm period
    /// that settles counting from the kill. Returns the killed node.
    mutating func killMasterExpectingTakeover(calm length: Duration) -> Int? {
        guard let master = aliveMasters.first else {
            violation("no master to kill")
            return nil
        }
        nodes[master].alive = false
        let killedAt = now
        // The last advertisement reached every backup at most at the kill; the best backup's
        // Master_Down_Timer runs out within Master_Down_Interval; a backup that fired at about
        // the same time yields one delay after the winner's advertisement; the hook finishes.
        let deadline = killedAt + maxMasterDownInterval + Self.maxDelay * 2 + Self.maxHookDelay + .milliseconds(1)
        run(until: deadline)
        expectSingleMaster("\(deadline - killedAt) after killing node \(master)")
        settledFrom = killedAt + settleTime
        run(until: killedAt + length)
        settledFrom = nil
        return master
    }

    /// Shuts the master down gracefully and expects another master, holding the VIP, within the
    /// longest Skew_Time plus the delays (§6.4.2: a priority-0 advertisement cuts the wait to
    /// Skew_Time), then starts the old master again and lets the LAN settle.
    mutating func shutDownMasterExpectingQuickHandover(calm length: Duration) {
        guard let master = aliveMasters.first else {
            violation("no master to shut down")
            return
        }
        let stoppedAt = now
        handle(master, .shutdown)
        let maxSkew = nodes.map(\.instance.skewTime).max()!
        let deadline = stoppedAt + maxSkew + Self.maxDelay * 2 + Self.maxHookDelay + .milliseconds(1)
        run(until: deadline)
        expectSingleMaster("\(deadline - stoppedAt) after shutting node \(master) down")
        handle(master, .start)
        calm(for: length)
    }

    /// The killed host comes back: a new process, with the VIP a crash left on its interface.
    mutating func revive(_ node: Int) {
        let configuration = nodes[node].instance.configuration
        nodes[node] = Node(
            instance: VRRPInstance(configuration: configuration), incarnation: nodes[node].incarnation + 1,
            alive: true, holdsVIP: true)
        handle(node, .start)
        checkInvariants()
    }

    /// The whole story for one seed.
    mutating func runScenario() {
        startAll()
        chaos(until: now + .seconds(2))
        calm(for: settleTime + .seconds(1))
        let killed = killMasterExpectingTakeover(calm: settleTime + .seconds(1))
        if let killed { revive(killed) }
        calm(for: settleTime + .seconds(1))
        shutDownMasterExpectingQuickHandover(calm: settleTime + .seconds(1))
        chaos(until: now + .seconds(2))
        calm(for: settleTime + .seconds(1))
    }
}
