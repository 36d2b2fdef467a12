import VRRPCore

/// Several `VRRPInstance`s on a simulated LAN, driven by one discrete-event loop (TigerBeetle's
/// simulator in miniature). The LAN plays every shell: it encodes advertisements into IPv4
/// datagrams and delivers them after a random delay (never reordering one sender's frames to one
/// receiver, as a LAN does not), or loses or corrupts them; fires timers
/// (cancelled ones too: the core must ignore them); answers promote hooks after a random delay;
/// and tracks who holds the virtual address from the add/remove directives. Invariants are
/// checked after every step and violations collected with the time, for a message with the seed.
struct SimulatedLAN {
    struct Node {
        var instance: VRRPInstance
        /// Bumped when the host is killed and revived, so a dead process's timers and hooks vanish.
        var incarnation = 0
        var alive = true
        var holdsVIP = false
        var masterSince: VRRPInstant? = nil
    }

    enum Action {
        case event(node: Int, incarnation: Int, VRRPEvent)
        case deliver(to: Int, incarnation: Int, from: Int, fromIncarnation: Int, datagram: [UInt8])
    }

    static let maxDelay: Duration = .milliseconds(20)
    static let maxHookDelay: Duration = .milliseconds(50)
    static let preemptDelays: [Duration] = [.zero, .milliseconds(300)]
    static let virtualAddresses = [Fixture.vip, IPv4Address(169, 254, 0, 101)]

    let seed: UInt64
    var random: SplitMix64
    var queue = EventQueue<Action>()
    var now = VRRPInstant.origin
    var nodes: [Node]
    /// Partition group of each node; nodes talk only within a group.
    var group: [Int]
    var unhealthy: Set<Int> = []
    /// The last delivery time per (sender, receiver): a LAN does not reorder one sender's frames.
    var lastDelivery: [[VRRPInstant]]
    var lossProbability = 0.0
    var corruptionProbability = 0.0
    /// From this instant on, "exactly one master, and it alone holds the VIP" must hold.
    var settledFrom: VRRPInstant? = nil
    var violations: [String] = []
    var corrupted = 0
    var rejected = 0
    var transitions = 0
    /// Events processed; a bug that makes routers answer each other in a storm must fail the
    /// test, not hang it.
    var processed = 0
    static let eventBudget = 50_000

    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        let count = Int.random(in: 2...5, using: &random)
        nodes = (0..<count).map { index in
            Node(instance: VRRPInstance(configuration: Self.randomConfiguration(index: index, using: &random)))
        }
        group = Array(repeating: 0, count: count)
        lastDelivery = Array(repeating: Array(repeating: .origin, count: count), count: count)
        self.random = random
    }

    static func randomConfiguration(index: Int, using random: inout SplitMix64) -> VRRPConfiguration {
        let owner = index == 0 && Int.random(in: 0..<5, using: &random) == 0
        // Narrow priorities often tie, so §6.4.3's address tie-break gets exercised.
        let priority: Int
        if owner {
            priority = 255
        } else if Bool.random(using: &random) {
            priority = Int.random(in: 98...102, using: &random)
        } else {
            priority = Int.random(in: 1...254, using: &random)
        }
        return Fixture.configuration(
            priority: priority, interval: .milliseconds(100), preemptMode: Bool.random(using: &random),
            preemptDelay: preemptDelays.randomElement(using: &random)!, addresses: virtualAddresses,
            primary: IPv4Address(169, 254, 0, UInt8(10 + index)))
    }

    /// The longest Master_Down_Interval of any node (they share one advertisement interval).
    var maxMasterDownInterval: Duration { nodes.map(\.instance.masterDownInterval).max()! }

    /// How long a calm LAN may take to elect its final master: stale timers run out, a
    /// preempting backup waits its delay and then its Master_Down_Interval, the loser hears the
    /// winner, and the hook finishes.
    var settleTime: Duration {
        maxMasterDownInterval * 2 + Self.preemptDelays.max()! + (Duration.milliseconds(100) + Self.maxDelay) * 3
            + Self.maxHookDelay
    }

    var aliveMasters: [Int] { nodes.indices.filter { nodes[$0].alive && nodes[$0].instance.state == .master } }

    // MARK: The loop

    mutating func run(until end: VRRPInstant) {
        while let next = queue.nextTime, next <= end {
            guard let (time, action) = queue.popFirst() else { break }
            processed += 1
            guard processed <= Self.eventBudget else {
                violation("more than \(Self.eventBudget) events: an advertisement or timer storm")
                queue = EventQueue()
                break
            }
            now = time
            perform(action)
            checkInvariants()
        }
        now = end
    }

    mutating func perform(_ action: Action) {
        switch action {
        case .event(let node, let incarnation, let event):
            guard isRunning(node, incarnation) else { return }
            handle(node, event)
        case .deliver(let to, let incarnation, let from, let fromIncarnation, let datagram):
            // A killed host neither receives nor sends, not even what was in flight.
            guard isRunning(to, incarnation), isRunning(from, fromIncarnation) else { return }
            handle(to, .datagramReceived(datagram))
        }
    }

    func isRunning(_ node: Int, _ incarnation: Int) -> Bool {
        nodes[node].alive && nodes[node].incarnation == incarnation
    }

    mutating func handle(_ node: Int, _ event: VRRPEvent) {
        let directives = nodes[node].instance.handle(event, now: now)
        for directive in directives { apply(directive, at: node) }
        if nodes[node].instance.state != .master {
            nodes[node].masterSince = nil
        } else if nodes[node].masterSince == nil {
            nodes[node].masterSince = now
        }
    }

    mutating func apply(_ directive: VRRPDirective, at node: Int) {
        let incarnation = nodes[node].incarnation
        switch directive {
        case .sendAdvertisement(let advertisement): broadcast(advertisement, from: node)
        case .armTimer(let timer, let deadline):
            queue.schedule(.event(node: node, incarnation: incarnation, .timerFired(timer)), at: deadline)
        case .runPromoteHook(let id):
            let delay = Duration.milliseconds(Int.random(in: 1...50, using: &random))
            queue.schedule(.event(node: node, incarnation: incarnation, .promoteHookFinished(id, .success)), at: now + delay)
        case .addAddresses: nodes[node].holdsVIP = true
        case .removeAddresses: nodes[node].holdsVIP = false
        case .rejected: rejected += 1
        case .transition: transitions += 1
        case .addressListMismatch: violation("node \(node) saw an address list mismatch")
        case .cancelTimer, .sendGratuitousARP, .runDemoteHook: break
        }
    }

    mutating func broadcast(_ advertisement: VRRPAdvertisement, from sender: Int) {
        let payload = advertisement.encoded()
        for receiver in nodes.indices where receiver != sender && nodes[receiver].alive {
            guard group[receiver] == group[sender] else { continue }
            guard Double.random(in: 0..<1, using: &random) >= lossProbability else { continue }
            var datagram = ipv4Datagram(payload: payload, source: advertisement.source)
            if Double.random(in: 0..<1, using: &random) < corruptionProbability {
                datagram[20 + Int.random(in: 0..<payload.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                corrupted += 1
            }
            let delay = Duration.milliseconds(Int.random(in: 1...20, using: &random))
            let at = max(now + delay, lastDelivery[sender][receiver])
            lastDelivery[sender][receiver] = at
            queue.schedule(
                .deliver(
                    to: receiver, incarnation: nodes[receiver].incarnation, from: sender,
                    fromIncarnation: nodes[sender].incarnation, datagram: datagram),
                at: at)
        }
    }

    // MARK: Invariants

    mutating func violation(_ text: String) {
        if violations.count < 10 { violations.append("at \(now): \(text)") }
    }

    mutating func checkInvariants() {
        for (index, node) in nodes.enumerated() where node.alive {
            let state = node.instance.state
            if node.holdsVIP != node.instance.holdsVirtualAddresses {
                violation("node \(index): interface and core disagree about the VIP")
            }
            if node.holdsVIP && state != .master { violation("node \(index) holds the VIP in state \(state)") }
            if let since = node.masterSince, now - since > Self.maxHookDelay, !node.holdsVIP {
                violation("node \(index) master since \(since) without the VIP")
            }
        }
        guard let settledFrom, now >= settledFrom else { return }
        expectSingleMaster("settled since \(settledFrom)")
    }

    mutating func expectSingleMaster(_ context: String) {
        let masters = aliveMasters
        let holders = nodes.indices.filter { nodes[$0].alive && nodes[$0].holdsVIP }
        if masters.count != 1 || holders != masters {
            violation("\(context): masters \(masters), VIP holders \(holders), \(describeNodes())")
        }
    }

    func describeNodes() -> String {
        nodes.enumerated().map { index, node in
            let configuration = node.instance.configuration
            return "[\(index) prio \(node.instance.priority)/\(configuration.priority) preempt \(configuration.preemptMode)"
                + " \(node.alive ? "\(node.instance.state)" : "dead")]"
        }.joined(separator: " ")
    }
}
