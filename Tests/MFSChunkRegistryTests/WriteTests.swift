import MFSChunkRegistry
import MFSCore
import Testing

@Suite struct WriteTests {
    /// Chunk 4 (version 1, goal 2) on servers 1 and 2, a write planned: set-version in flight.
    static func writingOnTwoServers() throws -> Harness {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 2)
        try h.join(1, [held(4)])
        try h.join(2, [held(4)])
        try h.activate()
        _ = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now)
        return h
    }

    @Test func aNewChunkGoesToGoalDistinctServersByFreeSpace() throws {
        var h = Harness()
        try h.join(1, free: 10 * gib)
        try h.join(2, free: 90 * gib)
        try h.join(3, free: 50 * gib)
        try h.activate()
        #expect(h.registry.placement(goal: 2) == [cs(2), cs(3)])
        h.facts.own(chunk(1), goal: 2)
        let plan = try h.registry.startCreate(chunk(1), goal: 2, now: h.now)
        #expect(plan.servers == [cs(2), cs(3)])
        #expect(plan.shortBy == 0)
        #expect(sent(plan.directives).map(\.command) == [.create(chunk(1), version: 1), .create(chunk(1), version: 1)])
        // Space placed since the last report counts as used: the next chunk spreads.
        #expect(h.registry.placement(goal: 1) != [])
        try h.handle(.commandFinished(cs(2), CommandResult(.create, chunk: chunk(1), status: .ok)))
        let done = outcomes(try h.handle(.commandFinished(cs(3), CommandResult(.create, chunk: chunk(1), status: .ok))))
        #expect(
            done.map(\.chain) == [[ChunkLocation(server: cs(2), address: address(2)), ChunkLocation(server: cs(3), address: address(3))]])
        #expect(done.first?.version == 1)
    }

    @Test func fewerServersThanTheGoalIsReported() throws {
        var h = Harness()
        try h.join(1)
        let plan = try h.registry.startCreate(chunk(1), goal: 3, now: h.now)
        #expect(plan.servers == [cs(1)])
        #expect(plan.shortBy == 2)
    }

    @Test func noServerWithSpaceRefusesACreate() throws {
        var h = Harness()
        try h.join(1, free: 1 << 20)
        #expect(h.registry.placement(goal: 1).isEmpty)
        #expect(throws: WriteRefusal.noServers) { try h.registry.startCreate(chunk(1), goal: 1, now: h.now) }
    }

    @Test func aWriteBumpsTheVersionOnEveryValidCopyFirst() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 6, goal: 2)
        try h.join(1, [held(4, version: 6)])
        try h.join(2, [held(4, version: 6)])
        try h.join(3, [held(4, version: 5)])
        try h.activate()
        let plan = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now)
        guard case .bumpVersion(let next, let directives) = plan else {
            Issue.record("expected a version bump, got \(plan)")
            return
        }
        #expect(next == 7)
        #expect(sent(directives).map(\.to) == [cs(1), cs(2)])
        #expect(sent(directives).first?.command == .setVersion(chunk(4), version: 7, oldVersion: 6))
        h.facts.own(chunk(4), version: 7, goal: 2)  // the shell's INCVERSION
        #expect(h.registry.isLocked(chunk(4), now: h.now))
        #expect(sent(try h.tick()).isEmpty)  // locked: no deletion of the stale copy meanwhile
        try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ok)))
        let done = outcomes(try h.handle(.commandFinished(cs(2), CommandResult(.setVersion, chunk: chunk(4), status: .ok))))
        #expect(done.first?.chain.map(\.server) == [cs(1), cs(2)])
        #expect(done.first?.version == 7)
        // A clean write end: the next write needs no bump.
        try h.handle(.writeEnded(chunk(4), ok: true))
        #expect(try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) == .ready(version: 7, chain: done[0].chain))
    }

    @Test func aFailedSetVersionLeavesTheCopyOutOfTheChain() throws {
        var h = try Self.writingOnTwoServers()
        h.facts.own(chunk(4), version: 2, goal: 2)
        try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ioError)))
        let done = outcomes(try h.handle(.commandFinished(cs(2), CommandResult(.setVersion, chunk: chunk(4), status: .ok))))
        #expect(done.first?.chain.map(\.server) == [cs(2)])
        #expect(done.first?.failed == [cs(1): .ioError])
    }

    @Test func aDisconnectFailsTheCommandsInFlightOnIt() throws {
        var h = try Self.writingOnTwoServers()
        try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ok)))
        let done = outcomes(try h.handle(.disconnected(cs(2))))
        #expect(done.first?.failed == [cs(2): .disconnected])
        #expect(done.first?.chain.map(\.server) == [cs(1)])
    }

    @Test func anUnansweredCommandTimesOut() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.join(1, [held(4)])
        try h.activate()
        _ = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now)
        let done = outcomes(try h.tick(after: h.registry.settings.operationTimeout))
        #expect(done.first?.failed == [cs(1): .timedOut])
        #expect(done.first?.succeeded == false)
    }

    @Test func aChunkWithNoValidCopyIsMissing() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 3, goal: 1)
        try h.join(1, [held(4, version: 2)])
        try h.activate()
        #expect(throws: WriteRefusal.missing(chunk(4))) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        #expect(throws: WriteRefusal.notOwned(chunk(9))) { try h.registry.planWrite(chunk(9), facts: h.facts, now: h.now) }
    }

    /// With a chunkserver away that may hold the copy (one the metadata names, or one that
    /// disconnected), the chunk is absent, which clients retry, not missing.
    @Test func aChunkWithNoCopyWhileAChunkserverIsAwayIsAbsent() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.handle(.expectServers([cs(1), cs(2)]))
        try h.join(1)
        try h.activate()
        #expect(throws: WriteRefusal.absent(chunk(4))) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        #expect(!h.registry.everyServerRegistered)
        #expect(h.registry.hasNoCopy(chunk(4)))
        try h.join(2, [held(4)])
        #expect(h.registry.everyServerRegistered)
        #expect(!h.registry.hasNoCopy(chunk(4)))
        try h.handle(.disconnected(cs(2)))
        #expect(throws: WriteRefusal.absent(chunk(4))) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        #expect(h.registry.noCopy(chunk(4)) == .absent(chunk(4)))
        // The operator removes cs2, gone for good: the chunk is lost, not absent.
        #expect(throws: RegistryError.stillConnected(cs(1))) { try h.registry.forget(cs(1)) }
        try h.registry.forget(cs(2))
        #expect(!h.registry.knows(cs(2)) && h.registry.knows(cs(1)))
        #expect(h.registry.everyServerRegistered)
        #expect(throws: WriteRefusal.missing(chunk(4))) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        // It had a copy in this registry's life: never taken for one that was never created.
        #expect(h.registry.lostItsCopies(chunk(4)) && !h.registry.lostItsCopies(chunk(5)))
    }

    /// A create that failed made no copy that could hold a client's bytes: not `emptied`.
    @Test func aFailedCreateLeavesNoLostCopy() throws {
        var h = try Harness.creating(chunk(7), goal: 1, on: [1])
        try h.handle(.commandFinished(cs(1), CommandResult(.create, chunk: chunk(7), status: .ioError)))
        #expect(h.registry.hasNoCopy(chunk(7)) && !h.registry.lostItsCopies(chunk(7)))
    }

    /// A chunk whose copy went away is remembered until a server reports it again.
    @Test func aChunkThatLostItsCopiesIsRememberedUntilOneComesBack() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.join(1, [held(4)])
        try h.activate()
        #expect(!h.registry.lostItsCopies(chunk(4)))
        try h.handle(.disconnected(cs(1)))
        #expect(h.registry.hasNoCopy(chunk(4)) && h.registry.lostItsCopies(chunk(4)))
        try h.join(1, [held(4)])
        #expect(!h.registry.hasNoCopy(chunk(4)) && !h.registry.lostItsCopies(chunk(4)))
    }

    @Test func aLockedChunkRefusesASecondWriterUntilTheLockTimesOut() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.join(1, [held(4)])
        try h.activate()
        _ = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now)
        #expect(throws: WriteRefusal.busy(chunk(4))) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ok)))
        h.facts.own(chunk(4), version: 2, goal: 1)
        let until = h.now + h.registry.settings.writeLockTimeout
        #expect(throws: WriteRefusal.locked(chunk(4), until: until)) { try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) }
        _ = try h.tick(after: h.registry.settings.writeLockTimeout)
        // The lock timed out: the write may have been cut short, so the next one bumps again.
        guard case .bumpVersion(3, _) = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("expected a bump to 3")
            return
        }
    }

    @Test func aWriteEndForAnUnlockedChunkIsIgnored() throws {
        var h = Harness()
        #expect(try h.handle(.writeEnded(chunk(4), ok: true)) == [.ignored(.writeNotLocked(chunk(4)))])
    }

    @Test func truncateCutsEveryValidCopyAtTheNewVersion() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 2)
        try h.join(1, [held(4)])
        try h.join(2, [held(4)])
        let d = try h.registry.planTruncate(chunk(4), length: 70_000, oldVersion: 1, version: 2, now: h.now)
        #expect(sent(d).map(\.command) == Array(repeating: .truncate(chunk(4), length: 70_000, version: 2, oldVersion: 1), count: 2))
        h.facts.own(chunk(4), version: 2, goal: 2)
        try h.handle(.commandFinished(cs(1), CommandResult(.truncate, chunk: chunk(4), status: .ok)))
        let done = outcomes(try h.handle(.commandFinished(cs(2), CommandResult(.truncate, chunk: chunk(4), status: .ok))))
        #expect(done.first?.kind == .truncate)
        #expect(h.registry.readLocations(chunk(4), facts: h.facts).count == 2)
        // No client write follows a truncate: the chunk is free for maintenance (a stale copy
        // coming back is deleted at once, not after the write-lock timeout).
        #expect(!h.registry.isLocked(chunk(4), now: h.now))
    }

    @Test func duplicateCopiesOnEveryServerWithAValidCopy() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 3, goal: 2)
        try h.join(1, [held(4, version: 3)])
        try h.join(2, [held(4, version: 3)])
        let d = try h.registry.planDuplicate(chunk(9), from: chunk(4), sourceVersion: 3, length: 100, now: h.now)
        #expect(sent(d).first?.command == .duplicateTruncate(chunk(9), version: 1, from: chunk(4), fromVersion: 3, length: 100))
        #expect(h.registry.isLocked(chunk(4), now: h.now))
        h.facts.own(chunk(9), version: 1, goal: 2)
        try h.handle(.commandFinished(cs(1), CommandResult(.duplicateTruncate, chunk: chunk(9), status: .ok)))
        let done = outcomes(try h.handle(.commandFinished(cs(2), CommandResult(.duplicateTruncate, chunk: chunk(9), status: .ok))))
        #expect(done.first?.chain.count == 2)
        #expect(!h.registry.isLocked(chunk(4), now: h.now))
    }
}

@Suite struct WriteHoldTests {
    func harness(expected: [UInt16]) throws -> Harness {
        var h = Harness(RegistrySettings(writeHoldLimit: .seconds(20)))
        h.facts.own(chunk(1), goal: 2)
        try h.handle(.becameActive)
        try h.handle(.expectServers(expected.map(cs)))
        return h
    }

    @Test func aWriteWaitsUntilTheExpectedServersRegistered() throws {
        var h = try harness(expected: [1, 2])
        try h.join(1, [held(1)])
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) == .wait(until: h.now + .seconds(20)))
        #expect(throws: WriteRefusal.held(chunk(1), until: h.now + .seconds(20))) {
            try h.registry.planWrite(chunk(1), facts: h.facts, now: h.now)
        }
        try h.join(2)
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) == .proceed)
    }

    @Test func aWriteProceedsOnceTheGoalIsHeld() throws {
        var h = try harness(expected: [1, 2, 3])
        try h.join(1, [held(1)])
        try h.join(2, [held(1)])
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) == .proceed)
    }

    @Test func theHoldIsBounded() throws {
        var h = try harness(expected: [1, 2])
        try h.join(1, [held(1)])
        h.now += .seconds(20)
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) == .proceed)
    }

    @Test func withoutAServerListTheHoldWaitsForRegistrationsInProgress() throws {
        var h = try harness(expected: [])
        try h.join(1, [held(1)])
        try h.handle(.registering(registration(2)))
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) != .proceed)
        try h.handle(.registered(cs(2)))
        #expect(h.registry.writeHold(chunk(1), facts: h.facts, now: h.now) == .proceed)
    }
}
