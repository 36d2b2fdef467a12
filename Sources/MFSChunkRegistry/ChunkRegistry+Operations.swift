import MFSCore

/// Commands in flight: their answers, their timeouts, and what a finished operation came to.
extension ChunkRegistry {
    /// A chunkserver's answer to a command.
    mutating func finish(_ result: CommandResult, from id: ChunkserverID, facts: some ChunkFacts, now: Duration) -> [ChunkDirective] {
        if result.kind == .delete { return finishDeletion(result, from: id) }
        guard let operation = chunks[result.chunk]?.operation, operation.kind == result.kind, operation.waiting.contains(id),
            result.version.map({ $0 == operation.version }) ?? true
        else {
            return [.ignored(.unexpectedResult(server: id, result))]
        }
        return answer(result.chunk, from: id, status: result.status, facts: facts, now: now)
    }

    /// A delete's answer: done (or the copy was not there: `NOCHUNK` counts as done), or failed
    /// and retried later.
    mutating func finishDeletion(_ result: CommandResult, from id: ChunkserverID) -> [ChunkDirective] {
        guard case .deleting = chunks[result.chunk]?.copies[id]?.state else { return [.ignored(.unexpectedResult(server: id, result))] }
        if result.status == .ok || result.status == .noChunk {
            dropCopy(result.chunk, on: id)
        } else {
            chunks[result.chunk]!.copies[id]!.state = .invalid
            servers[id]!.deletionsInFlight -= 1
        }
        return []
    }

    /// Starts a command on several servers of one chunk: their copies are busy until they answer.
    mutating func startOperation(
        _ kind: CommandKind, chunk: ChunkID, version: UInt32, oldVersion: UInt32, on targets: [ChunkserverID], source: ChunkserverID? = nil,
        sourceChunk: ChunkID? = nil, now: Duration
    ) {
        var entry = chunks[chunk, default: ChunkEntry()]
        for id in targets {
            if entry.copies[id] == nil { servers[id]!.chunks.insert(chunk) }
            entry.copies[id] = Copy(version: oldVersion, state: .busy, markedForRemoval: entry.copies[id]?.markedForRemoval ?? false)
        }
        entry.operation = PendingOperation(
            kind: kind, version: version, oldVersion: oldVersion, waiting: Set(targets), deadline: now + settings.operationTimeout,
            source: source, sourceChunk: sourceChunk)
        chunks[chunk] = entry
        watched.insert(chunk)
    }

    /// Records one server's answer (or its disconnection, or a timeout) to the operation in
    /// flight on `chunk`; once every server answered, ends the operation.
    mutating func answer(_ chunk: ChunkID, from id: ChunkserverID, status: ChunkStatus, facts: some ChunkFacts, now: Duration)
        -> [ChunkDirective]
    {
        guard var operation = chunks[chunk]?.operation, operation.waiting.remove(id) != nil else { return [] }
        let succeeded = status == .ok && chunks[chunk]!.copies[id] != nil
        if succeeded {
            operation.done.append(id)
            chunks[chunk]!.copies[id]!.state = .present
            chunks[chunk]!.copies[id]!.version = operation.version
        } else {
            operation.failed[id] = status
            failCopy(chunk, on: id, kind: operation.kind, status: status, oldVersion: operation.oldVersion)
        }
        if operation.kind == .replicate {
            if servers[id]?.isConnected == true, servers[id]!.replicationsIn > 0 { servers[id]!.replicationsIn -= 1 }
            if let source = operation.source, servers[source]?.isConnected == true, servers[source]!.replicationsOut > 0 {
                servers[source]!.replicationsOut -= 1
            }
        }
        chunks[chunk]!.operation = operation
        guard operation.waiting.isEmpty else { return [] }
        return complete(chunk, operation)
    }

    /// A copy whose command failed: one being made (create, duplicate, replica) is dropped; one
    /// whose version was being changed stays at its old version if the command never started
    /// (`NOTDONE`), else becomes invalid. A replica refused because the server already holds the
    /// chunk (a copy this registry does not know: an earlier replication that finished after its
    /// timeout) is kept as an invalid copy of unknown version, so that it is deleted once a valid
    /// copy exists elsewhere, and the server is not chosen for the chunk again meanwhile.
    mutating func failCopy(_ chunk: ChunkID, on id: ChunkserverID, kind: CommandKind, status: ChunkStatus, oldVersion: UInt32) {
        guard chunks[chunk]?.copies[id] != nil else { return }
        switch kind {
        case .replicate where status == .chunkExists:
            chunks[chunk]!.copies[id]!.state = .invalid
            chunks[chunk]!.copies[id]!.version = 0
        case .create, .duplicate, .duplicateTruncate, .replicate:
            dropCopy(chunk, on: id, existed: false)
        case .setVersion, .truncate:
            chunks[chunk]!.copies[id]!.state = status == .notDone ? .present : .invalid
            chunks[chunk]!.copies[id]!.version = oldVersion
        case .delete:
            break
        }
        chunks[chunk]?.needsVersionIncrease = true
    }

    /// Every server answered: the operation ends; for the operations a client or the namespace
    /// waits for, its outcome is returned. After a create, version change, duplicate or
    /// truncate that every server did, all valid copies are the ones that did it, at a version
    /// no other copy has, so the next write needs no version change. Not after a replication:
    /// it adds a copy but leaves the version as it was, so a copy that went away at that
    /// version (a server that left) could come back and pass for valid after a write made
    /// without a bump; the flag stays as the departure set it (as MooseFS's master keeps it).
    mutating func complete(_ chunk: ChunkID, _ operation: PendingOperation) -> [ChunkDirective] {
        chunks[chunk]!.operation = nil
        if let source = operation.sourceChunk { chunks[source]?.lockedUntil = nil }
        if operation.failed.isEmpty, operation.kind != .replicate { chunks[chunk]!.needsVersionIncrease = false }
        defer { forgetIfEmpty(chunk) }
        guard operation.kind != .replicate else { return [] }
        let chain = chainOrder(operation.done.filter { chunks[chunk]!.copies[$0]?.state == .present }, of: chunk)
        let outcome = OperationOutcome(
            chunk: chunk, kind: operation.kind, version: operation.version, chain: chain, failed: operation.failed)
        // A failed operation, and a truncate (the namespace's; no client write follows it),
        // leave the chunk unlocked; a create or duplicate stays locked for the write that follows.
        if !outcome.succeeded || operation.kind == .truncate { chunks[chunk]!.lockedUntil = nil }
        return [.finished(outcome)]
    }

    /// Servers in the order a client's write chain uses them: copies on normal disks first, then
    /// by most free space (the chain's first server does the most work), then by id.
    func chainOrder(_ ids: [ChunkserverID], of chunk: ChunkID) -> [ChunkLocation] {
        let entry = chunks[chunk]
        return ids.compactMap { id -> (ChunkLocation, Bool, UInt64)? in
            guard let location = location(id) else { return nil }
            return (location, entry?.copies[id]?.markedForRemoval ?? false, servers[id]!.effectiveFree)
        }
        .sorted { a, b in
            if a.1 != b.1 { return !a.1 }
            if a.2 != b.2 { return a.2 > b.2 }
            return a.0.server < b.0.server
        }
        .map(\.0)
    }

    /// Operations and deletions past `operationTimeout` count as failed (`timedOut`); expired
    /// write locks go, and the next write then bumps the version (the client may have written
    /// part of its data).
    mutating func expire(facts: some ChunkFacts, now: Duration) -> [ChunkDirective] {
        var directives: [ChunkDirective] = []
        for chunk in watched.sorted() {
            guard var entry = chunks[chunk] else {
                watched.remove(chunk)
                continue
            }
            if let until = entry.lockedUntil, now >= until {
                entry.lockedUntil = nil
                entry.needsVersionIncrease = true
                chunks[chunk] = entry
            }
            for (id, copy) in entry.copies {
                guard case .deleting(let since?, _) = copy.state, now >= since + settings.operationTimeout else { continue }
                chunks[chunk]!.copies[id]!.state = .invalid
                if servers[id]!.deletionsInFlight > 0 { servers[id]!.deletionsInFlight -= 1 }
            }
            if let operation = entry.operation, now >= operation.deadline {
                for id in operation.waiting.sorted() {
                    directives += answer(chunk, from: id, status: .timedOut, facts: facts, now: now)
                }
            }
            forgetIfEmpty(chunk)
            if let entry = chunks[chunk], entry.operation != nil || entry.lockedUntil != nil || entry.hasDeletions { continue }
            watched.remove(chunk)
        }
        return directives
    }
}
