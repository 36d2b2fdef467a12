import MFSChunkRegistry
import MFSCore
import MFSTestSupport

/// A seeded cluster of simulated chunkservers driven by the real registry: servers join, leave,
/// come back with their disks, lose chunks and report damage, and carry out the commands they
/// are sent after a random delay (sometimes refusing them). `violations` lists every broken
/// invariant, each with the seed and step.
struct RegistrySimulation {
    static let settings = RegistrySettings(
        replicationsDelayInit: .seconds(10), replicationsDelayDisconnect: .seconds(30), maxReplicationsInPerServer: 2,
        maxReplicationsOutPerServer: 3, maxDeletionsPerServerPerTick: 2, maxDeletionsInFlightPerServer: 4, writeLockTimeout: .seconds(30),
        operationTimeout: .seconds(20))
    static let serverCount: UInt16 = 5

    /// One simulated chunkserver: its disk survives disconnects.
    struct Server {
        var connected = false
        /// Chunk → (version, damaged).
        var disk: [ChunkID: (version: UInt32, damaged: Bool)] = [:]
    }

    struct InFlight {
        var server: ChunkserverID
        var command: ChunkCommand
        var due: Duration
    }

    let seed: UInt64
    var random: SeededRandom
    var registry = ChunkRegistry(settings: settings)
    var facts = ChunkFactsSnapshot()
    var servers: [ChunkserverID: Server] = [:]
    var inFlight: [InFlight] = []
    var now: Duration = .seconds(100)
    var step = 0
    var violations: [String] = []
    /// Commands sent, by kind: the test checks that the run exercised replication and deletion.
    var sentCounts: [CommandKind: Int] = [:]

    init(seed: UInt64) {
        self.seed = seed
        random = SeededRandom(seed: seed)
        for n in 1...30 { facts.own(ChunkID(UInt64(n)), version: n % 4 == 0 ? 2 : 1, goal: UInt8(1 + n % 3)) }
        facts.nextChunkID = ChunkID(40)
        for n in 1...Self.serverCount { servers[ChunkserverID(n)] = Server() }
        // Initial disks: each owned chunk on 1–3 random servers (some at an old version),
        // orphans 31…39 and unknown chunks 45…50 here and there.
        for n in UInt64(1)...50 where n <= 39 || n >= 45 {
            let id = ChunkID(n)
            let expected = facts.owned[id]?.version ?? 1
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let stale = expected > 1 && Bool.random(using: &random)
                servers[pickServer()]!.disk[id] = (stale ? expected - 1 : expected, false)
            }
        }
    }

    mutating func pickServer() -> ChunkserverID { ChunkserverID(UInt16.random(in: 1...Self.serverCount, using: &random)) }

    mutating func fail(_ message: String) { violations.append("seed \(seed) step \(step): \(message)") }

    mutating func handle(_ event: RegistryEvent) {
        do {
            let directives = try registry.handle(event, facts: facts, now: now)
            check(directives, after: event)
        } catch {
            fail("\(event) refused: \(error)")
        }
    }

    /// Runs `steps` steps with faults, then heals everything and runs until under-goal chunks
    /// reach their goal (or `calmSteps` pass).
    mutating func run(steps: Int, calmSteps: Int) -> Bool {
        handle(.becameActive)
        for n in 1...Self.serverCount { connect(ChunkserverID(n)) }
        while step < steps && violations.isEmpty {
            step += 1
            faultOrTick()
        }
        for n in 1...Self.serverCount where !servers[ChunkserverID(n)]!.connected { connect(ChunkserverID(n)) }
        for _ in 0..<calmSteps where violations.isEmpty {
            step += 1
            tick()
            let summary = registry.summary(facts: facts)
            if summary.underGoal == 0, summary.overGoal == 0, inFlight.isEmpty { return true }
        }
        return false
    }

    mutating func faultOrTick() {
        let id = pickServer()
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<4 where servers[id]!.connected:
            servers[id]!.connected = false
            inFlight.removeAll { $0.server == id }
            handle(.disconnected(id))
        case 4..<10 where !servers[id]!.connected:
            connect(id)
        case 10..<13 where servers[id]!.connected:
            guard let lost = servers[id]!.disk.keys.randomElement(using: &random) else { return tick() }
            servers[id]!.disk[lost] = nil
            handle(.lostChunks(id, [lost]))
        case 13..<16 where servers[id]!.connected:
            guard let damaged = servers[id]!.disk.keys.randomElement(using: &random) else { return tick() }
            servers[id]!.disk[damaged]!.damaged = true
            handle(.damagedChunks(id, [damaged]))
        default:
            tick()
        }
    }

    /// A server (re)connects and sends its disk in two batches.
    mutating func connect(_ id: ChunkserverID) {
        servers[id]!.connected = true
        let list = servers[id]!.disk.sorted { $0.key < $1.key }.filter { !$0.value.damaged }.map {
            ReportedChunk(chunk: $0.key, version: $0.value.version)
        }
        let half = list.count / 2
        handle(
            .registering(
                ServerRegistration(id: id, address: address(id.rawValue), space: ServerSpace(usedBytes: 10 * gib, totalBytes: 100 * gib))))
        handle(.chunks(id, Array(list[..<half])))
        handle(.chunks(id, Array(list[half...])))
        handle(.registered(id))
    }

    /// Time passes: answers that are due are delivered, then the registry ticks.
    mutating func tick() {
        now += .seconds(1)
        let due = inFlight.filter { $0.due <= now }
        inFlight.removeAll { $0.due <= now }
        for message in due where servers[message.server]!.connected { deliver(message) }
        handle(.tick)
        checkBounds()
    }

    /// A server carries out a command (or refuses it: NOTDONE, 5 %) and answers.
    mutating func deliver(_ message: InFlight) {
        let id = message.server
        let status: ChunkStatus
        if Int.random(in: 0..<20, using: &random) == 0 {
            status = .notDone
        } else {
            switch message.command {
            case .delete(let chunk, _, _):
                status = servers[id]!.disk.removeValue(forKey: chunk) == nil ? .noChunk : .ok
            case .replicate(let chunk, let version, let source, _, _):
                let copy = servers[source].flatMap { $0.connected ? $0.disk[chunk] : nil }
                if let copy, copy.version == version, !copy.damaged {
                    servers[id]!.disk[chunk] = (version, false)
                    status = .ok
                } else {
                    status = .cantConnect
                }
            default:
                status = .invalidArgument
            }
        }
        handle(.commandFinished(id, CommandResult(message.command.kind, chunk: message.command.chunk, status: status)))
    }

    /// Invariants on what the registry just said.
    mutating func check(_ directives: [ChunkDirective], after event: RegistryEvent) {
        var perServerDeletes: [ChunkserverID: Int] = [:]
        for directive in directives {
            guard case .send(let command, let to) = directive else { continue }
            guard servers[to]!.connected, registry.serverStatuses().first(where: { $0.id == to })?.phase == .registered else {
                fail("\(command) sent to \(to), which is not connected and registered")
                continue
            }
            sentCounts[command.kind, default: 0] += 1
            if case .delete(let chunk, _, _) = command {
                perServerDeletes[to, default: 0] += 1
                checkDeletion(of: chunk, on: to)
            }
            inFlight.append(InFlight(server: to, command: command, due: now + .seconds(Int64.random(in: 0...3, using: &random))))
        }
        for (id, count) in perServerDeletes where count > Self.settings.maxDeletionsPerServerPerTick {
            fail("\(count) deletions sent to \(id) at once (limit \(Self.settings.maxDeletionsPerServerPerTick))")
        }
    }

    /// Never an unknown chunk; never the last valid copy of a chunk a file holds.
    mutating func checkDeletion(of chunk: ChunkID, on target: ChunkserverID) {
        guard chunk < facts.nextChunkID else { return fail("unknown chunk \(chunk) deleted on \(target)") }
        guard let expected = facts.owned[chunk] else { return }
        let beingDeleted = Set(inFlight.compactMap { if case .delete(chunk, _, _) = $0.command { $0.server } else { nil } })
        let remaining = servers.filter { id, server in
            guard id != target, server.connected, !beingDeleted.contains(id), let copy = server.disk[chunk] else { return false }
            return copy.version == expected.version && !copy.damaged
        }
        guard let copy = servers[target]!.disk[chunk], copy.version == expected.version, !copy.damaged else { return }
        if remaining.isEmpty { fail("deleted the last valid copy of chunk \(chunk) on \(target)") }
    }

    mutating func checkBounds() {
        for status in registry.serverStatuses() {
            if status.replicationsIn > Self.settings.maxReplicationsInPerServer {
                fail("\(status.id) receives \(status.replicationsIn) replications")
            }
            if status.replicationsOut > Self.settings.maxReplicationsOutPerServer {
                fail("\(status.id) serves \(status.replicationsOut) replications")
            }
            if status.deletionsInFlight > Self.settings.maxDeletionsInFlightPerServer {
                fail("\(status.id) has \(status.deletionsInFlight) deletions in flight")
            }
        }
    }
}
