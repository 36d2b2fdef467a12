import MFSCore

extension ChunkRegistry {
    /// BEGIN: records the server as registering. A server that was connected before must have
    /// disconnected first (MooseFS refuses a second live connection with one address too).
    mutating func register(_ registration: ServerRegistration) throws(RegistryError) {
        let id = registration.id
        guard id != .none else { throw .invalidServerID }
        let address = registration.address
        guard address.ip != 0, address.port != 0 else { throw .invalidAddress(address) }
        if servers[id]?.isConnected == true { throw .alreadyConnected(id) }
        if let other = servers.values.first(where: { $0.isConnected && $0.address == address }) {
            throw .addressInUse(address, by: other.id)
        }
        let space = registration.space
        guard space.isPlausible else { throw .spaceOutOfRange(space) }
        if servers[id] == nil, servers.count >= RegistryLimits.maxServers {
            // Make room by forgetting the longest-disconnected server, if any.
            let gone = servers.values.compactMap { s -> (ChunkserverID, Duration)? in
                if case .disconnected(let since) = s.phase { return (s.id, since) }
                return nil
            }
            guard let oldest = gone.min(by: { $0.1 < $1.1 }) else { throw .tooManyServers }
            servers[oldest.0] = nil
        }
        servers[id] = ServerEntry(
            id: id, address: address, labels: registration.labels & RegistryLimits.labelMask, space: space, phase: .registering)
    }

    /// Forgets a chunkserver that is gone for good (the operator removed it): no longer
    /// remembered as disconnected nor expected, so `everyServerRegistered` and the write hold
    /// after a failover stop waiting for it. Its copies were dropped when it disconnected.
    /// Throws `stillConnected` while it is connected (registering or registered).
    public mutating func forget(_ id: ChunkserverID) throws(RegistryError) {
        if servers[id]?.isConnected == true { throw .stillConnected(id) }
        servers[id] = nil
        expectedServers.remove(id)
    }

    /// Whether the registry remembers `id` (connected, or disconnected and not forgotten) or
    /// expects it (the metadata names it).
    public func knows(_ id: ChunkserverID) -> Bool { servers[id] != nil || expectedServers.contains(id) }

    /// The connection is gone: every copy it held is forgotten (its chunks may now be
    /// under-goal), commands in flight to it count as failed, and `REPLICATIONS_DELAY_DISCONNECT`
    /// starts.
    mutating func disconnect(_ id: ChunkserverID, facts: some ChunkFacts, now: Duration) -> [ChunkDirective] {
        var directives: [ChunkDirective] = []
        for chunk in servers[id]!.chunks.sorted() {
            directives += answer(chunk, from: id, status: .disconnected, facts: facts, now: now)
            dropCopy(chunk, on: id)
        }
        // Replications this server was the source of: their targets answer by themselves (they
        // cannot connect), and their counters go with the server's record.
        var server = servers[id]!
        server.phase = .disconnected(since: now)
        server.chunks = []
        (server.replicationsIn, server.replicationsOut, server.deletionsInFlight, server.deletionsThisTick) = (0, 0, 0, 0)
        servers[id] = server
        lastDisconnect = now
        return directives
    }

    /// Forgets one copy (and the chunk's record once nothing is left of it). `existed` false: a
    /// copy being made (create, duplicate, replica) whose command failed, which never held a
    /// client's bytes; the chunk is then not counted `emptied`.
    mutating func dropCopy(_ chunk: ChunkID, on id: ChunkserverID, existed: Bool = true) {
        guard var entry = chunks[chunk], let copy = entry.copies.removeValue(forKey: id) else { return }
        if case .deleting = copy.state, servers[id]!.deletionsInFlight > 0 { servers[id]!.deletionsInFlight -= 1 }
        servers[id]!.chunks.remove(chunk)
        entry.needsVersionIncrease = true
        if entry.copies.isEmpty, existed { emptied.insert(chunk) }
        chunks[chunk] = entry
        forgetIfEmpty(chunk)
    }

    /// Drops a chunk's record when no copy, command or lock is left: the namespace still knows
    /// the chunk (and status counts it missing), the registry has nothing to say about it.
    mutating func forgetIfEmpty(_ chunk: ChunkID) {
        guard let entry = chunks[chunk], entry.copies.isEmpty, entry.operation == nil, entry.lockedUntil == nil else { return }
        chunks[chunk] = nil
    }

    /// A batch of the server's chunk list, or `CHUNK_NEW`: each entry becomes (or updates) the
    /// server's copy. Whether it is valid is decided against the namespace when it matters.
    mutating func addCopies(_ list: [ReportedChunk], on id: ChunkserverID, facts: some ChunkFacts) throws(RegistryError)
        -> [ChunkDirective]
    {
        guard list.count <= RegistryLimits.maxChunksPerReport else { throw .tooManyChunks(list.count) }
        var malformed = 0
        var unknown: (count: Int, first: ChunkID?) = (0, nil)
        for reported in list {
            guard reported.chunk != .none, reported.version < RegistryLimits.versionLimit else {
                malformed += 1
                continue
            }
            var entry = chunks[reported.chunk, default: ChunkEntry()]
            if var copy = entry.copies[id] {
                copy.version = reported.version
                copy.markedForRemoval = reported.markedForRemoval
                if copy.state == .invalid { copy.state = .present }
                entry.copies[id] = copy
            } else {
                entry.copies[id] = Copy(version: reported.version, state: .present, markedForRemoval: reported.markedForRemoval)
                servers[id]!.chunks.insert(reported.chunk)
                if !emptied.isEmpty { emptied.remove(reported.chunk) }
            }
            entry.needsVersionIncrease = true
            chunks[reported.chunk] = entry
            if !settings.deleteUnknownChunks, facts.standing(of: reported.chunk) == .unknown {
                unknown = (unknown.count + 1, unknown.first ?? reported.chunk)
            }
        }
        var directives: [ChunkDirective] = []
        if malformed > 0 { directives.append(.ignored(.malformedEntries(server: id, count: malformed))) }
        if let first = unknown.first {
            directives.append(.ignored(.unknownChunksKept(server: id, count: unknown.count, first: first)))
        }
        return directives
    }

    /// `CHUNK_LOST`: the copies are gone.
    mutating func removeCopies(_ list: [ChunkID], on id: ChunkserverID) throws(RegistryError) -> [ChunkDirective] {
        guard list.count <= RegistryLimits.maxChunksPerReport else { throw .tooManyChunks(list.count) }
        var notHeld: (count: Int, first: ChunkID?) = (0, nil)
        for chunk in list {
            guard chunks[chunk]?.copies[id] != nil else {
                notHeld = (notHeld.count + 1, notHeld.first ?? chunk)
                continue
            }
            // A command in flight on it is answered when its reply or timeout comes; the copy's
            // absence makes it count as failed.
            dropCopy(chunk, on: id)
        }
        guard let first = notHeld.first else { return [] }
        return [.ignored(.copiesNotHeld(server: id, count: notHeld.count, first: first))]
    }

    /// `CHUNK_DAMAGED`: the copies are invalid (deleted once a valid copy exists elsewhere, then
    /// replicated like any missing copy).
    mutating func markDamaged(_ list: [ChunkID], on id: ChunkserverID) throws(RegistryError) -> [ChunkDirective] {
        guard list.count <= RegistryLimits.maxChunksPerReport else { throw .tooManyChunks(list.count) }
        servers[id]!.damagedReports += list.count
        var notHeld: (count: Int, first: ChunkID?) = (0, nil)
        for chunk in list {
            guard var entry = chunks[chunk], let copy = entry.copies[id] else {
                notHeld = (notHeld.count + 1, notHeld.first ?? chunk)
                continue
            }
            if copy.state == .present { entry.copies[id]!.state = .invalid }
            entry.needsVersionIncrease = true
            chunks[chunk] = entry
        }
        guard let first = notHeld.first else { return [] }
        return [.ignored(.copiesNotHeld(server: id, count: notHeld.count, first: first))]
    }
}
