import MFSChunkRegistry
import MFSCore

let gib: UInt64 = 1 << 30

func address(_ n: UInt16) -> ChunkserverAddress { ChunkserverAddress(169, 254, UInt8(n >> 8), UInt8(n & 0xFF), port: 9422) }

func registration(_ n: UInt16, free: UInt64 = 100 * gib, total: UInt64 = 200 * gib) -> ServerRegistration {
    ServerRegistration(id: ChunkserverID(n), address: address(n), space: ServerSpace(usedBytes: total - free, totalBytes: total))
}

func chunk(_ n: UInt64) -> ChunkID { ChunkID(n) }
func cs(_ n: UInt16) -> ChunkserverID { ChunkserverID(n) }

/// A registry, the namespace's facts and a manual time.
struct Harness {
    var registry: ChunkRegistry
    var facts = ChunkFactsSnapshot()
    var now: Duration = .seconds(1_000)

    init(_ settings: RegistrySettings = RegistrySettings()) {
        registry = ChunkRegistry(settings: settings)
    }

    @discardableResult
    mutating func handle(_ event: RegistryEvent) throws(RegistryError) -> [ChunkDirective] {
        try registry.handle(event, facts: facts, now: now)
    }

    /// Registers server `n` with these chunks (one batch), complete.
    @discardableResult
    mutating func join(_ n: UInt16, free: UInt64 = 100 * gib, total: UInt64 = 200 * gib, _ list: [ReportedChunk] = [])
        throws(RegistryError) -> [ChunkDirective]
    {
        try handle(.registering(registration(n, free: free, total: total)))
        let directives = try handle(.chunks(cs(n), list))
        try handle(.registered(cs(n)))
        return directives
    }

    /// Becomes active and lets `REPLICATIONS_DELAY_INIT` pass.
    mutating func activate() throws(RegistryError) {
        try handle(.becameActive)
        now += registry.settings.replicationsDelayInit
    }

    /// Servers `servers` joined, the registry active, and chunk `id` (version 1, goal `goal`)
    /// granted for a first write: its CREATE sent, no answer yet.
    static func creating(_ id: ChunkID, goal: UInt8, on servers: [UInt16]) throws -> Harness {
        var h = Harness()
        for n in servers { try h.join(n) }
        try h.activate()
        h.facts.own(id, version: 1, goal: goal)
        _ = try h.registry.startCreate(id, goal: goal, now: h.now)
        return h
    }

    /// Advances the time and ticks.
    mutating func tick(after step: Duration = .seconds(1)) throws(RegistryError) -> [ChunkDirective] {
        now += step
        return try handle(.tick)
    }
}

func held(_ n: UInt64, version: UInt32 = 1, marked: Bool = false) -> ReportedChunk {
    ReportedChunk(chunk: ChunkID(n), version: version, markedForRemoval: marked)
}

/// The commands among `directives`, with their server.
func sent(_ directives: [ChunkDirective]) -> [(command: ChunkCommand, to: ChunkserverID)] {
    directives.compactMap { if case .send(let command, let to) = $0 { (command, to) } else { nil } }
}

func deletions(_ directives: [ChunkDirective]) -> [(chunk: ChunkID, to: ChunkserverID, reason: DeletionReason)] {
    sent(directives).compactMap { if case .delete(let c, _, let reason) = $0.command { (c, $0.to, reason) } else { nil } }
}

func replications(_ directives: [ChunkDirective]) -> [(chunk: ChunkID, to: ChunkserverID, from: ChunkserverID)] {
    sent(directives).compactMap { if case .replicate(let c, _, let source, _, _) = $0.command { (c, $0.to, source) } else { nil } }
}

func outcomes(_ directives: [ChunkDirective]) -> [OperationOutcome] {
    directives.compactMap { if case .finished(let outcome) = $0 { outcome } else { nil } }
}
