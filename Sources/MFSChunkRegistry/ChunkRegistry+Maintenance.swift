import MFSCore

/// The periodic pass (MooseFS's chunk loop, `chunk_do_jobs`): timeouts, then per chunk the
/// deletions it needs, then replications, the most endangered chunks first.
extension ChunkRegistry {
    /// A chunk that wants another copy, with what ranks it.
    struct ReplicationNeed {
        var chunk: ChunkID
        var version: UInt32
        var goal: UInt8
        var valid: Int
        var regular: Int
    }

    mutating func tick(facts: some ChunkFacts, now: Duration) -> [ChunkDirective] {
        var directives = expire(facts: facts, now: now)
        for id in servers.keys { servers[id]!.deletionsThisTick = 0 }
        guard let activeSince, now >= activeSince + settings.replicationsDelayInit else { return directives }
        if scanQueue.isEmpty {
            scanQueue = chunks.keys.sorted(by: >)
            forgetEmptiedNoFileHolds(facts: facts)
        }
        var needs: [ReplicationNeed] = []
        for _ in 0..<max(1, settings.chunksExaminedPerTick) {
            guard let chunk = scanQueue.popLast() else { break }
            directives += examine(chunk, facts: facts, now: now, needs: &needs)
        }
        needs.sort { a, b in
            (a.regular, a.valid, b.goal, a.chunk) < (b.regular, b.valid, a.goal, b.chunk)
        }
        for need in needs {
            if let directive = replicate(need, now: now) { directives.append(directive) }
        }
        return directives
    }

    /// Once a round: `emptied` keeps only chunks a file holds. A deleted file's chunks, once
    /// their copies are deleted, are never written again (ids are not reused), so they would
    /// stay for ever, one entry for every chunk the cluster deleted; and an id no file holds
    /// yet (an unknown chunk whose server left) must not count as lost for the file that is
    /// given that id later (`ChunkHub.neverWritten`).
    mutating func forgetEmptiedNoFileHolds(facts: some ChunkFacts) {
        guard !emptied.isEmpty else { return }
        emptied = emptied.filter {
            if case .owned = facts.standing(of: $0) { return true }
            return false
        }
    }

    /// One chunk's deletions; a replication need is added to `needs`.
    mutating func examine(_ chunk: ChunkID, facts: some ChunkFacts, now: Duration, needs: inout [ReplicationNeed]) -> [ChunkDirective] {
        guard let entry = chunks[chunk], entry.operation == nil, !entry.isLocked(now: now) else { return [] }
        let copies = entry.copies.sorted { $0.key < $1.key }
        // Copies already being deleted or changed are left alone.
        let idle = copies.filter { $0.value.state == .present || $0.value.state == .invalid }
        switch facts.standing(of: chunk) {
        case .unknown:
            guard settings.deleteUnknownChunks else { return [] }
            return idle.compactMap { deleteCopy(chunk, on: $0.key, version: 0, reason: .unknown, now: now) }
        case .orphan:
            return idle.compactMap { id, copy in
                deleteCopy(chunk, on: id, version: copy.state == .present ? copy.version : 0, reason: .orphan, now: now)
            }
        case .owned(let version, let goal):
            let valid = entry.valid(at: version)
            // Only stale or damaged copies: one version behind catch up, others are kept for a
            // manual repair.
            guard !valid.isEmpty else {
                guard let extent = facts.extent(of: chunk) else { return [] }
                return catchUp(chunk, to: version, extent: extent, now: now)
            }
            var directives: [ChunkDirective] = idle.compactMap { id, copy in
                switch copy.state {
                case .present where copy.version != version: deleteCopy(chunk, on: id, version: 0, reason: .staleVersion, now: now)
                case .invalid: deleteCopy(chunk, on: id, version: 0, reason: .invalid, now: now)
                default: nil
                }
            }
            // A grant the master before this one gave is locked nowhere here, and lasts at most
            // `writeLockTimeout`: until then a chunk of an open file may be under a client's
            // write, and its valid copies are neither copied from (a replica torn between old
            // and new blocks at the same version) nor trimmed. Stale and invalid copies go.
            if let activeSince, now < activeSince + settings.writeLockTimeout, facts.isInOpenFile(chunk) { return directives }
            let regular = valid.filter { !$0.copy.markedForRemoval }.count
            if regular < Int(goal) {
                needs.append(ReplicationNeed(chunk: chunk, version: version, goal: goal, valid: valid.count, regular: regular))
            } else if valid.count > Int(goal) {
                directives += trim(chunk, valid: valid, goal: goal, now: now)
            }
            return directives
        }
    }

    /// A chunk whose namespace version is one ahead of every copy: the master recorded a version
    /// change (a write's `INCVERSION`, a truncate's `LENGTH`) and its commands never changed a
    /// copy, because the master died between the two (the commands go out only once the change
    /// is committed, so a new active master can be ahead of the copies, never behind them) or
    /// every command failed. Once every chunkserver is registered no copy at the namespace's
    /// version exists anywhere, so the copies one version behind hold the chunk's newest data:
    /// they move up to its version, nothing in the namespace changes (MooseFS's master does the
    /// same for copies one version off). Which change it was is not known here, so a chunk the
    /// file does not wholly cover is also cut to the file's end (TRUNCATE at the new version):
    /// a cut that never reached the copies must not leave the old bytes to reappear when the
    /// file grows again; past the file's end nothing acknowledged can be. A chunk the file
    /// covers wholly is only moved up (SET_VERSION). Copies further behind, or two or more
    /// ahead, stay for a manual repair. The maintenance pass finds such a chunk in its round; a
    /// client's read or write of it calls `catchUp(_:facts:now:)` at once (and is told to retry).
    ///
    /// Copies one version ahead (and none at the namespace's version or further ahead) are the
    /// other way round: their version change was committed on a master whose change was then
    /// lost, which only a failover without synchronous replicas (`SYNC_REPLICAS = 0`) can do.
    /// Their bytes are the newest; the namespace takes their version (`adopt`), as MooseFS's
    /// master does.
    mutating func catchUp(_ chunk: ChunkID, to version: UInt32, extent: UInt32, now: Duration) -> [ChunkDirective] {
        guard everyServerRegistered, let entry = chunks[chunk] else { return [] }
        let present = entry.copies.values.filter { $0.state == .present }
        if version < RegistryLimits.versionLimit - 1, present.contains(where: { $0.version == version + 1 }),
            !entry.copies.values.contains(where: { $0.version == version || $0.version > version + 1 })
        {
            return [.adopt(chunk, version: version + 1)]
        }
        guard version > 1, !entry.copies.values.contains(where: { $0.version >= version }) else { return [] }
        let previous = version - 1
        let behind = entry.copies.filter { $0.value.state == .present && $0.value.version == previous }.map(\.key).sorted()
        guard !behind.isEmpty else { return [] }
        let whole = UInt64(extent) >= RegistryLimits.chunkSize
        startOperation(whole ? .setVersion : .truncate, chunk: chunk, version: version, oldVersion: previous, on: behind, now: now)
        let command: ChunkCommand =
            whole
            ? .setVersion(chunk, version: version, oldVersion: previous)
            : .truncate(chunk, length: extent, version: version, oldVersion: previous)
        return [.catchingUp(chunk, from: previous, to: version, servers: behind)] + behind.map { .send(command, to: $0) }
    }

    /// `catchUp` for a chunk a client asked for that has no valid copy, when no command or
    /// write holds it: the directives (empty when there is nothing to catch up).
    public mutating func catchUp(_ chunk: ChunkID, facts: some ChunkFacts, now: Duration) -> [ChunkDirective] {
        guard case .owned(let version, _) = facts.standing(of: chunk), let entry = chunks[chunk], entry.operation == nil,
            !entry.isLocked(now: now), entry.valid(at: version).isEmpty, let extent = facts.extent(of: chunk)
        else { return [] }
        return catchUp(chunk, to: version, extent: extent, now: now)
    }

    /// Deletes copies of an over-goal chunk down to its goal: those on disks marked for removal
    /// first, then those on the fullest servers. At least `goal` valid copies stay.
    mutating func trim(_ chunk: ChunkID, valid: [(server: ChunkserverID, copy: Copy)], goal: UInt8, now: Duration) -> [ChunkDirective] {
        let order = valid.sorted { a, b in
            if a.copy.markedForRemoval != b.copy.markedForRemoval { return a.copy.markedForRemoval }
            let (fa, fb) = (fullness(a.server), fullness(b.server))
            return fa != fb ? fa > fb : a.server > b.server
        }
        var excess = valid.count - Int(goal)
        var directives: [ChunkDirective] = []
        for candidate in order where excess > 0 {
            guard let directive = deleteCopy(chunk, on: candidate.server, version: 0, reason: .overGoal, now: now) else { continue }
            directives.append(directive)
            excess -= 1
        }
        return directives
    }

    /// Used space per mille of total (a server with no normal space counts as full).
    func fullness(_ id: ChunkserverID) -> UInt64 {
        guard let space = servers[id]?.space, space.totalBytes > 0 else { return 1_000 }
        return space.usedBytes / max(1, space.totalBytes / 1_000)
    }

    /// Sends one delete if the server takes commands and is under its deletion limits.
    mutating func deleteCopy(_ chunk: ChunkID, on id: ChunkserverID, version: UInt32, reason: DeletionReason, now: Duration)
        -> ChunkDirective?
    {
        guard let server = servers[id], server.isRegistered,
            server.deletionsThisTick < settings.maxDeletionsPerServerPerTick,
            server.deletionsInFlight < settings.maxDeletionsInFlightPerServer
        else { return nil }
        servers[id]!.deletionsThisTick += 1
        servers[id]!.deletionsInFlight += 1
        chunks[chunk]!.copies[id]!.state = .deleting(since: now, wasInvalid: chunks[chunk]!.copies[id]!.state == .invalid)
        chunks[chunk]!.needsVersionIncrease = true
        watched.insert(chunk)
        return .send(.delete(chunk, version: version, reason: reason), to: id)
    }

    /// Starts one replication for an under-goal chunk, if a source and a target are free. A chunk
    /// with two or more valid copies waits out `replicationsDelayDisconnect` after a disconnect.
    mutating func replicate(_ need: ReplicationNeed, now: Duration) -> ChunkDirective? {
        if need.valid > 1, let last = lastDisconnect, now < last + settings.replicationsDelayDisconnect { return nil }
        guard let entry = chunks[need.chunk], entry.operation == nil else { return nil }
        let sources = entry.valid(at: need.version).filter { candidate in
            guard let server = servers[candidate.server] else { return false }
            return server.isRegistered && server.replicationsOut < settings.maxReplicationsOutPerServer
        }
        guard
            let source = sources.min(by: { a, b in
                let (ra, rb) = (servers[a.server]!.replicationsOut, servers[b.server]!.replicationsOut)
                return (a.copy.markedForRemoval ? 1 : 0, ra, a.server) < (b.copy.markedForRemoval ? 1 : 0, rb, b.server)
            }),
            let target = replicationTarget(excluding: entry)
        else { return nil }
        servers[target]!.replicationsIn += 1
        servers[target]!.placedSinceSpaceReport += 1
        servers[source.server]!.replicationsOut += 1
        startOperation(.replicate, chunk: need.chunk, version: need.version, oldVersion: 0, on: [target], source: source.server, now: now)
        let command = ChunkCommand.replicate(
            need.chunk, version: need.version, source: source.server, sourceAddress: servers[source.server]!.address,
            reason: .underGoal(valid: need.valid, goal: need.goal))
        return .send(command, to: target)
    }

    /// The registered, not full server with the most free space that has no copy of the chunk
    /// in any state and room for another incoming replication.
    func replicationTarget(excluding entry: ChunkEntry) -> ChunkserverID? {
        servers.values.filter { server in
            server.isRegistered && !server.isFull(settings) && entry.copies[server.id] == nil
                && server.replicationsIn < settings.maxReplicationsInPerServer
        }
        .max { a, b in a.effectiveFree != b.effectiveFree ? a.effectiveFree < b.effectiveFree : a.id > b.id }?.id
    }
}
