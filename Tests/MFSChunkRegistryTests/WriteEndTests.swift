import MFSChunkRegistry
import MFSCore
import Testing

/// Which ends of a write make the next write bump the version. A client's WRITE_CHUNK_END does
/// not say whether the write failed (`ok: false`): a chain of two or more servers may then hold
/// different data at one version, so the next write bumps; a write to the chunk's only copy
/// cannot leave copies that disagree, so the next write goes on at the same version.
@Suite struct WriteEndTests {
    /// Chunk 4 at version 1 on `servers` (goal = their count), a first write's bump to version 2
    /// done (every chunk learned from a registration is bumped once): the write holds the lock.
    static func written(on servers: [UInt16]) throws -> (Harness, [ChunkLocation]) {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: UInt8(servers.count))
        for n in servers { try h.join(n, [held(4)]) }
        try h.activate()
        guard case .bumpVersion(2, _) = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("a chunk learned from a registration is bumped at its first write")
            return (h, [])
        }
        h.facts.own(chunk(4), version: 2, goal: UInt8(servers.count))
        var done: [OperationOutcome] = []
        for n in servers {
            done = outcomes(try h.handle(.commandFinished(cs(n), CommandResult(.setVersion, chunk: chunk(4), status: .ok))))
        }
        return (h, done.first?.chain ?? [])
    }

    @Test func writesToTheOnlyCopyGoOnAtTheSameVersion() throws {
        var (h, chain) = try Self.written(on: [1])
        #expect(chain.map(\.server) == [cs(1)])
        for _ in 0..<3 {
            try h.handle(.writeEnded(chunk(4), ok: false))
            #expect(try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) == .ready(version: 2, chain: chain))
        }
    }

    @Test func aWriteEndOnTwoCopiesBumpsTheNextWrite() throws {
        var (h, chain) = try Self.written(on: [1, 2])
        #expect(chain.count == 2)
        try h.handle(.writeEnded(chunk(4), ok: false))
        let plan = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now)
        guard case .bumpVersion(3, let directives) = plan else {
            Issue.record("expected a bump to 3 on both copies, got \(plan)")
            return
        }
        #expect(
            sent(directives).map(\.command) == [
                .setVersion(chunk(4), version: 3, oldVersion: 2), .setVersion(chunk(4), version: 3, oldVersion: 2),
            ])
    }

    @Test func aCleanEndOnTwoCopiesNeedsNoBump() throws {
        var (h, chain) = try Self.written(on: [1, 2])
        try h.handle(.writeEnded(chunk(4), ok: true))
        #expect(try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) == .ready(version: 2, chain: chain))
    }

    @Test func aNewChunkOnOneServerIsWrittenAgainWithoutABump() throws {
        var h = try Harness.creating(chunk(7), goal: 1, on: [1])
        let done = outcomes(try h.handle(.commandFinished(cs(1), CommandResult(.create, chunk: chunk(7), status: .ok))))
        try h.handle(.writeEnded(chunk(7), ok: false))
        #expect(try h.registry.planWrite(chunk(7), facts: h.facts, now: h.now) == .ready(version: 1, chain: done[0].chain))
    }

    @Test func aNewChunkOnTwoServersIsBumpedAfterAnEnd() throws {
        var h = try Harness.creating(chunk(7), goal: 2, on: [1, 2])
        try h.handle(.commandFinished(cs(1), CommandResult(.create, chunk: chunk(7), status: .ok)))
        try h.handle(.commandFinished(cs(2), CommandResult(.create, chunk: chunk(7), status: .ok)))
        try h.handle(.writeEnded(chunk(7), ok: false))
        guard case .bumpVersion(2, _) = try h.registry.planWrite(chunk(7), facts: h.facts, now: h.now) else {
            Issue.record("expected a bump to 2")
            return
        }
    }

    @Test func aLostServerStillBumpsTheOnlyRemainingCopy() throws {
        var (h, _) = try Self.written(on: [1, 2])
        try h.handle(.writeEnded(chunk(4), ok: true))
        try h.handle(.disconnected(cs(2)))
        // Now a single copy: its writes need no bump, but the copy that went could come back
        // with other data at version 2, so this write bumps once.
        guard case .bumpVersion(3, let directives) = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("expected a bump to 3 after a lost server")
            return
        }
        #expect(sent(directives).map(\.to) == [cs(1)])
        h.facts.own(chunk(4), version: 3, goal: 2)
        let done = outcomes(try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ok))))
        try h.handle(.writeEnded(chunk(4), ok: false))
        #expect(try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) == .ready(version: 3, chain: done[0].chain))
    }

    @Test func aTimedOutLockOnTheOnlyCopyStillBumps() throws {
        var (h, _) = try Self.written(on: [1])
        _ = try h.tick(after: h.registry.settings.writeLockTimeout)
        guard case .bumpVersion(3, _) = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("expected a bump to 3 after the write lock timed out")
            return
        }
    }
}
