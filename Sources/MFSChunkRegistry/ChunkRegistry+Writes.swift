import MFSCore

/// What a write may do now.
public enum WriteHold: Equatable, Sendable {
    case proceed
    /// Wait (the shell retries, or answers the client "try again") until chunkservers registered,
    /// at most until `until`.
    case wait(until: Duration)
}

/// The start of a write to an existing chunk.
public enum WritePlan: Equatable, Sendable {
    /// No version change is needed: the client may write through `chain` at once.
    case ready(version: UInt32, chain: [ChunkLocation])
    /// The version goes to `version` first: the shell records it in the namespace (`INCVERSION`),
    /// sends `directives`, and answers the client with the `finished` outcome they lead to.
    case bumpVersion(to: UInt32, directives: [ChunkDirective])
}

/// The start of a new chunk.
public struct CreatePlan: Equatable, Sendable {
    /// The servers chosen, most free space first.
    public var servers: [ChunkserverID]
    /// How many fewer than the goal could be chosen (the chunk starts under-goal and is
    /// replicated once servers with space exist).
    public var shortBy: Int
    /// The create commands; their `finished` outcome carries the write chain.
    public var directives: [ChunkDirective]
}

/// The write path's plans (MooseFS `chunk_multi_modify`, `chunk_multi_truncate`; notes §5.2):
/// the master decides, the shell records the namespace change and sends the commands, and the
/// answers come back through `handle(.commandFinished)`, which returns the outcome. A chunk
/// granted for writing is locked (no replication, deletion or other writer) until the client
/// ends the write (`writeEnded`) or `writeLockTimeout` passes.
extension ChunkRegistry {
    /// The servers a new chunk of `goal` copies would go to: registered, not full, distinct,
    /// most free space first (space placed since each server's last report counted as used).
    public func placement(goal: UInt8) -> [ChunkserverID] {
        let usable = servers.values.filter { $0.isRegistered && !$0.isFull(settings) }
            .sorted { a, b in a.effectiveFree != b.effectiveFree ? a.effectiveFree > b.effectiveFree : a.id < b.id }
        return usable.prefix(Int(min(max(goal, 1), RegistryLimits.maxGoal))).map(\.id)
    }

    /// Creates `chunk` (just given out by the namespace, `ADDCHUNK`) at `version` on up to `goal`
    /// servers. Throws `noServers` if none has space; call `placement` first to refuse before
    /// the namespace gives out an id.
    public mutating func startCreate(_ chunk: ChunkID, version: UInt32 = 1, goal: UInt8, now: Duration) throws(WriteRefusal) -> CreatePlan {
        let chosen = placement(goal: goal)
        guard !chosen.isEmpty else { throw .noServers }
        guard chunks[chunk]?.operation == nil else { throw .busy(chunk) }
        for id in chosen { servers[id]!.placedSinceSpaceReport += 1 }
        startOperation(.create, chunk: chunk, version: version, oldVersion: version, on: chosen, now: now)
        lock(chunk, now: now, chain: chosen.count)
        let wanted = Int(min(max(goal, 1), RegistryLimits.maxGoal))
        return CreatePlan(
            servers: chosen, shortBy: wanted - chosen.count, directives: chosen.map { .send(.create(chunk, version: version), to: $0) })
    }

    /// Locks a chunk the namespace just gave out, until `startCreate` (after its `ADDCHUNK` is
    /// committed): a second write of it meanwhile is told LOCKED and retries.
    public mutating func reserve(_ chunk: ChunkID, now: Duration) { lock(chunk, now: now) }

    /// A client wants to write an existing chunk. Refused while another write holds it, a command
    /// is in flight, writes are held after a failover, or no valid copy is on a registered
    /// server. Otherwise granted (and locked): at once, or after a version bump on every valid
    /// copy when anything happened to its copies since the last change (MooseFS's
    /// `needverincrease`; always after a failover, for every chunk learned from a registration).
    public mutating func planWrite(_ chunk: ChunkID, facts: some ChunkFacts, now: Duration) throws(WriteRefusal) -> WritePlan {
        guard case .owned(let version, _) = facts.standing(of: chunk) else { throw .notOwned(chunk) }
        try checkFree(chunk, now: now)
        if case .wait(let until) = writeHold(chunk, facts: facts, now: now) { throw .held(chunk, until: until) }
        let holders = writableCopies(of: chunk, at: version)
        guard !holders.isEmpty else { throw noCopy(chunk) }
        guard chunks[chunk]!.needsVersionIncrease else {
            let chain = chainOrder(holders, of: chunk)
            lock(chunk, now: now, chain: chain.count)
            return .ready(version: version, chain: chain)
        }
        let next = version + 1
        guard next < RegistryLimits.versionLimit else { throw .versionExhausted(chunk) }
        lock(chunk, now: now, chain: holders.count)
        startOperation(.setVersion, chunk: chunk, version: next, oldVersion: version, on: holders, now: now)
        return .bumpVersion(to: next, directives: holders.map { .send(.setVersion(chunk, version: next, oldVersion: version), to: $0) })
    }

    /// Cuts a chunk inside it for the namespace's truncate (`LENGTH`, which moves the chunk from
    /// `oldVersion` to `version`): every valid copy truncates to `length` bytes at the new
    /// version. The `finished` outcome says which copies did it.
    public mutating func planTruncate(_ chunk: ChunkID, length: UInt32, oldVersion: UInt32, version: UInt32, now: Duration)
        throws(WriteRefusal) -> [ChunkDirective]
    {
        guard version < RegistryLimits.versionLimit else { throw .versionExhausted(chunk) }
        try checkFree(chunk, now: now)
        let holders = writableCopies(of: chunk, at: oldVersion)
        guard !holders.isEmpty else { throw noCopy(chunk) }
        startOperation(.truncate, chunk: chunk, version: version, oldVersion: oldVersion, on: holders, now: now)
        lock(chunk, now: now)
        return holders.map { .send(.truncate(chunk, length: length, version: version, oldVersion: oldVersion), to: $0) }
    }

    /// Copies `source` (at `sourceVersion`) to the new chunk `chunk` at `version` on every server
    /// with a valid copy, for a snapshot's copy-on-write; with `length`, the copy is also cut to
    /// it (`DUPTRUNC`). The source stays locked until the duplicate ends; the new chunk is locked
    /// for the write that follows.
    public mutating func planDuplicate(
        _ chunk: ChunkID, version: UInt32 = 1, from source: ChunkID, sourceVersion: UInt32, length: UInt32? = nil, now: Duration
    ) throws(WriteRefusal) -> [ChunkDirective] {
        try checkFree(source, now: now)
        guard chunks[chunk]?.operation == nil else { throw .busy(chunk) }
        let holders = writableCopies(of: source, at: sourceVersion)
        guard !holders.isEmpty else { throw noCopy(source) }
        let kind: CommandKind = length == nil ? .duplicate : .duplicateTruncate
        startOperation(kind, chunk: chunk, version: version, oldVersion: version, on: holders, sourceChunk: source, now: now)
        lock(chunk, now: now)
        lock(source, now: now)
        return holders.map { id in
            if let length {
                return .send(.duplicateTruncate(chunk, version: version, from: source, fromVersion: sourceVersion, length: length), to: id)
            }
            return .send(.duplicate(chunk, version: version, from: source, fromVersion: sourceVersion), to: id)
        }
    }

    /// DESIGN §12's hold after a failover: a write to a chunk with fewer valid copies than its
    /// goal waits while chunkservers may still be registering: until every chunkserver the
    /// metadata knows registered (without that list: until none is mid-registration and at least
    /// `goal` did), and never longer than `writeHoldLimit` after the master became active.
    public func writeHold(_ chunk: ChunkID, facts: some ChunkFacts, now: Duration) -> WriteHold {
        guard let activeSince, now < activeSince + settings.writeHoldLimit else { return .proceed }
        guard case .owned(let version, let goal) = facts.standing(of: chunk) else { return .proceed }
        if (chunks[chunk]?.valid(at: version).count ?? 0) >= Int(goal) { return .proceed }
        let registering = servers.values.contains { $0.phase == .registering }
        let registered = Set(servers.values.filter(\.isRegistered).map(\.id))
        let settled = expectedServers.isEmpty ? registered.count >= Int(goal) : expectedServers.isSubset(of: registered)
        return !registering && settled ? .proceed : .wait(until: activeSince + settings.writeHoldLimit)
    }

    /// The write ended (`CLTOMA_FUSE_WRITE_CHUNK_END`): the lock goes. A failed write may have
    /// left the copies different, so the next write bumps the version: unless the write went to
    /// the chunk's only copy, which a failure cannot make disagree with another one (MooseFS
    /// bumps only after a failure it saw; the end of a write does not say whether it failed).
    mutating func endWrite(_ chunk: ChunkID, ok: Bool) -> [ChunkDirective] {
        guard chunks[chunk]?.lockedUntil != nil else {
            // A write this master never granted (an earlier master did): if it failed, its
            // copies may differ, and the next write bumps the version.
            if !ok, chunks[chunk] != nil { chunks[chunk]!.needsVersionIncrease = true }
            return [.ignored(.writeNotLocked(chunk))]
        }
        chunks[chunk]!.lockedUntil = nil
        if !ok && chunks[chunk]!.writeMayDiverge { chunks[chunk]!.needsVersionIncrease = true }
        forgetIfEmpty(chunk)
        return []
    }

    /// Throws if a command is in flight on the chunk or a write holds it.
    func checkFree(_ chunk: ChunkID, now: Duration) throws(WriteRefusal) {
        guard let entry = chunks[chunk] else { return }
        if entry.operation != nil { throw .busy(chunk) }
        if entry.isLocked(now: now), let until = entry.lockedUntil { throw .locked(chunk, until: until) }
    }

    /// Why `chunk` has no valid copy on a registered server: `absent` while a chunkserver that
    /// may hold one is not registered (one the metadata names, or one that disconnected and is
    /// still remembered), `missing` when every one is.
    public func noCopy(_ chunk: ChunkID) -> WriteRefusal {
        everyServerRegistered ? .missing(chunk) : .absent(chunk)
    }

    /// Whether every chunkserver the metadata names and every one this registry remembers is
    /// registered: then a chunk no registered server reports has no copy anywhere.
    public var everyServerRegistered: Bool {
        let registered = Set(servers.values.filter(\.isRegistered).map(\.id))
        return registered.count == servers.count && expectedServers.isSubset(of: registered)
    }

    /// Whether no chunkserver reports any copy of `chunk` (in any state, on any server).
    public func hasNoCopy(_ chunk: ChunkID) -> Bool { chunks[chunk]?.copies.isEmpty ?? true }

    /// Whether this registry ever saw a copy of `chunk` that is gone now (`emptied`).
    public func lostItsCopies(_ chunk: ChunkID) -> Bool { emptied.contains(chunk) }

    /// Valid copies at `version` on servers that take commands.
    func writableCopies(of chunk: ChunkID, at version: UInt32) -> [ChunkserverID] {
        (chunks[chunk]?.valid(at: version) ?? []).map(\.server).filter { servers[$0]?.isRegistered == true }
    }

    /// Locks `chunk`; for a client's write, `chain` is how many servers it writes (nil: not a
    /// client's write; its end counts as possibly leaving copies different). The chain holds
    /// every valid copy on a registered server, and a copy reported by a server still
    /// registering sets `needsVersionIncrease` itself, so a chain of one is the only copy.
    mutating func lock(_ chunk: ChunkID, now: Duration, chain: Int? = nil) {
        chunks[chunk, default: ChunkEntry()].lockedUntil = now + settings.writeLockTimeout
        chunks[chunk]!.writeMayDiverge = (chain ?? 2) > 1
        watched.insert(chunk)
    }
}
