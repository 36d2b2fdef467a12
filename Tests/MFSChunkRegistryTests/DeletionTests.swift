import MFSChunkRegistry
import MFSCore
import Testing

@Suite struct DeletionTests {
    @Test func staleVersionCopyIsDeletedWhenAValidCopyExists() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 1)
        try h.join(1, [held(5, version: 3)])
        try h.join(2, [held(5, version: 2)])
        try h.activate()
        let directives = try h.tick()
        let d = deletions(directives)
        #expect(d.map(\.to) == [cs(2)])
        #expect(d.first?.reason == .staleVersion)
        // Version 0 (any): the server deletes whatever version it has.
        let versions = sent(directives).compactMap { if case .delete(_, let version, _) = $0.command { version } else { nil } }
        #expect(versions == [0])
        #expect(sent(try h.tick()).isEmpty)
    }

    @Test func staleCopiesAreKeptWhenNoValidCopyExists() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 2)
        try h.join(1, [held(5, version: 1)])
        try h.join(2, [held(5, version: 1)])
        try h.activate()
        #expect(sent(try h.tick()).isEmpty)
        #expect(sent(try h.tick()).isEmpty)
        #expect(h.registry.summary(facts: h.facts).missing == 1)
    }

    /// The namespace one version ahead of every copy (a committed INCVERSION whose set-version
    /// commands never went out: the master died between the two): once every chunkserver is
    /// registered, the copies one version behind move up; the older one is then stale and goes.
    @Test func copiesOneVersionBehindCatchUpOnceEveryChunkserverIsRegistered() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 2)
        try h.handle(.expectServers([cs(1), cs(2), cs(3), cs(4)]))
        try h.join(1, [held(5, version: 2)])
        try h.join(2, [held(5, version: 2)])
        try h.join(3, [held(5, version: 1)])
        try h.activate()
        // cs4, named by the metadata, may hold a copy at version 3: nothing moves without it.
        #expect(sent(try h.tick()).isEmpty)
        #expect(throws: WriteRefusal.absent(chunk(5))) { try h.registry.planWrite(chunk(5), facts: h.facts, now: h.now) }
        try h.join(4)
        let directives = try h.tick()
        #expect(directives.contains(.catchingUp(chunk(5), from: 2, to: 3, servers: [cs(1), cs(2)])))
        let commands = sent(directives)
        #expect(commands.map(\.to) == [cs(1), cs(2)])
        #expect(commands.allSatisfy { $0.command == .setVersion(chunk(5), version: 3, oldVersion: 2) })
        // A write meanwhile waits for the operation (busy), as behind any command.
        #expect(throws: WriteRefusal.busy(chunk(5))) { try h.registry.planWrite(chunk(5), facts: h.facts, now: h.now) }
        for id in [cs(1), cs(2)] { try h.handle(.commandFinished(id, CommandResult(.setVersion, chunk: chunk(5), status: .ok))) }
        #expect(h.registry.summary(facts: h.facts).missing == 0)
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).map(\.server).sorted() == [cs(1), cs(2)])
        #expect(deletions(try h.tick()).map(\.to) == [cs(3)])
    }

    /// A client's read or write of such a chunk moves its copies up at once, without waiting
    /// for the maintenance pass (which starts only after `replicationsDelayInit`).
    @Test func aClientsRequestCatchesUpAtOnce() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 1)
        try h.join(1, [held(5, version: 2)])
        try h.handle(.becameActive)
        #expect(sent(try h.tick()).isEmpty)
        let directives = h.registry.catchUp(chunk(5), facts: h.facts, now: h.now)
        #expect(sent(directives).map(\.command) == [.setVersion(chunk(5), version: 3, oldVersion: 2)])
        // In flight: nothing more to start.
        #expect(h.registry.catchUp(chunk(5), facts: h.facts, now: h.now).isEmpty)
    }

    /// A chunk its file does not wholly cover is cut to the file's end as it moves up (the
    /// change ahead may have been a truncate whose cut never reached the copies).
    @Test func aChunkPastTheFilesEndIsCutAsItCatchesUp() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 1)
        h.facts.extents[chunk(5)] = 70_000
        try h.join(1, [held(5, version: 2)])
        try h.activate()
        let commands = sent(try h.tick())
        #expect(commands.map(\.command) == [.truncate(chunk(5), length: 70_000, version: 3, oldVersion: 2)])
        try h.handle(.commandFinished(cs(1), CommandResult(.truncate, chunk: chunk(5), status: .ok)))
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).map(\.server) == [cs(1)])
    }

    /// Copies two versions off, either way: nothing is moved or adopted (kept for a manual
    /// repair, never guessed).
    @Test func copiesTwoVersionsOffAreLeftAlone() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 2)
        h.facts.own(chunk(6), version: 4, goal: 1)
        try h.join(1, [held(5, version: 5), held(6, version: 2)])
        try h.activate()
        #expect(try h.tick().isEmpty)
        #expect(try h.tick().isEmpty)
        #expect(h.registry.summary(facts: h.facts).missing == 2)
        #expect(throws: WriteRefusal.missing(chunk(6))) { try h.registry.planWrite(chunk(6), facts: h.facts, now: h.now) }
    }

    /// Copies one version ahead of the namespace, none at its version (its INCVERSION was lost
    /// in a failover without synchronous replicas): the namespace is to take their version.
    /// Not while a copy at the namespace's version exists (that one is valid, they are stale),
    /// nor while a chunkserver is away.
    @Test func copiesOneVersionAheadAreAdopted() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 2)
        h.facts.own(chunk(6), version: 3, goal: 1)
        try h.handle(.expectServers([cs(1), cs(2), cs(3)]))
        try h.join(1, [held(5, version: 4), held(6, version: 4)])
        try h.join(2, [held(5, version: 4), held(6, version: 3)])
        try h.activate()
        let first = try h.tick()
        #expect(!first.contains(.adopt(chunk(5), version: 4)), "adopted while cs3 may hold a copy at version 3")
        #expect(deletions(first).map(\.chunk) == [chunk(6)], "chunk 6's copy ahead is stale: version 3 is valid")
        try h.join(3)
        let directives = try h.tick()
        #expect(directives.contains(.adopt(chunk(5), version: 4)))
        #expect(!directives.contains(.adopt(chunk(6), version: 4)))
        h.facts.own(chunk(5), version: 4, goal: 2)
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).map(\.server).sorted() == [cs(1), cs(2)])
    }

    @Test func orphanCopiesAreDeletedWithTheirVersion() throws {
        var h = Harness()
        h.facts.nextChunkID = chunk(10)
        try h.join(1, [held(7, version: 4)])
        try h.activate()
        let s = sent(try h.tick())
        #expect(s.count == 1)
        #expect(s.first?.command == .delete(chunk(7), version: 4, reason: .orphan))
        try h.handle(.commandFinished(cs(1), CommandResult(.delete, chunk: chunk(7), status: .ok)))
        #expect(h.registry.serverStatuses().first?.copies == 0)
    }

    /// A deleted file's chunk, its copies deleted, is not remembered as one that lost its
    /// copies for ever (one entry for every chunk a cluster ever deleted), nor is an unknown
    /// chunk whose server left, whose id the namespace may give to a new file.
    @Test func chunksNoFileHoldsAreForgottenAsLostOnceARound() throws {
        var h = Harness()
        h.facts.nextChunkID = chunk(10)
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.join(1, [held(7, version: 4)])
        try h.join(2, [held(12)])
        try h.join(3, [held(4)])
        try h.activate()
        #expect(sent(try h.tick()).first?.command == .delete(chunk(7), version: 4, reason: .orphan))
        try h.handle(.commandFinished(cs(1), CommandResult(.delete, chunk: chunk(7), status: .ok)))
        try h.handle(.disconnected(cs(2)))
        try h.handle(.disconnected(cs(3)))
        #expect(h.registry.lostItsCopies(chunk(7)) && h.registry.lostItsCopies(chunk(12)) && h.registry.lostItsCopies(chunk(4)))
        h.facts.nextChunkID = chunk(13)
        _ = try h.tick()
        #expect(!h.registry.lostItsCopies(chunk(7)) && !h.registry.lostItsCopies(chunk(12)))
        #expect(h.registry.lostItsCopies(chunk(4)), "a chunk a file holds stays remembered")
    }

    @Test func unknownChunksAreNeverDeletedByDefault() throws {
        var h = Harness()
        h.facts.nextChunkID = chunk(10)
        let reported = try h.join(1, [held(10), held(99)])
        #expect(reported == [.ignored(.unknownChunksKept(server: cs(1), count: 2, first: chunk(10)))])
        try h.activate()
        for _ in 0..<5 { #expect(sent(try h.tick()).isEmpty) }
        #expect(h.registry.summary(facts: h.facts).unknownCopies == 2)
    }

    @Test func unknownChunksAreDeletedWhenTheSettingSaysSo() throws {
        var h = Harness(RegistrySettings(deleteUnknownChunks: true))
        h.facts.nextChunkID = chunk(10)
        #expect(try h.join(1, [held(12)]).isEmpty)
        try h.activate()
        #expect(deletions(try h.tick()).map(\.reason) == [.unknown])
    }

    @Test func damagedCopyIsDeletedThenReplaced() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2, [held(1)])
        try h.join(3)
        try h.activate()
        #expect(sent(try h.tick()).isEmpty)
        try h.handle(.damagedChunks(cs(2), [chunk(1)]))
        let d = try h.tick()
        #expect(deletions(d).map(\.to) == [cs(2)])
        #expect(deletions(d).first?.reason == .invalid)
        // The replica goes to the one server with no copy in any state.
        #expect(replications(d).map(\.to) == [cs(3)])
    }

    @Test func overGoalTrimsCopiesOnMarkedDisksFirst() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, free: 10 * gib, [held(1)])
        try h.join(2, [held(1, marked: true)])
        try h.join(3, [held(1)])
        try h.activate()
        let d = deletions(try h.tick())
        #expect(d.map(\.to) == [cs(2)])
        #expect(d.first?.reason == .overGoal)
    }

    @Test func overGoalTrimsOnTheFullestServer() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 1)
        try h.join(1, free: 150 * gib, [held(1)])
        try h.join(2, free: 10 * gib, [held(1)])
        try h.join(3, free: 50 * gib, [held(1)])
        try h.activate()
        #expect(deletions(try h.tick()).map(\.to).sorted() == [cs(2), cs(3)])
    }

    @Test func deletionsPerServerPerTickAreBounded() throws {
        var h = Harness(RegistrySettings(maxDeletionsPerServerPerTick: 3, maxDeletionsInFlightPerServer: 5))
        h.facts.nextChunkID = chunk(100)
        try h.join(1, (1...10).map { held($0) })
        try h.activate()
        #expect(deletions(try h.tick()).count == 3)
        #expect(deletions(try h.tick()).count == 2)  // 5 in flight: the hard limit
        #expect(deletions(try h.tick()).isEmpty)
        try h.handle(.commandFinished(cs(1), CommandResult(.delete, chunk: chunk(1), status: .ok)))
        #expect(deletions(try h.tick()).count == 1)
    }

    @Test func failedDeletionIsRetried() throws {
        var h = Harness()
        h.facts.nextChunkID = chunk(100)
        try h.join(1, [held(1)])
        try h.activate()
        #expect(deletions(try h.tick()).count == 1)
        try h.handle(.commandFinished(cs(1), CommandResult(.delete, chunk: chunk(1), status: .ioError)))
        #expect(deletions(try h.tick()).count == 1)
        // No answer: retried after the operation timeout.
        #expect(deletions(try h.tick(after: h.registry.settings.operationTimeout)).count == 1)
    }
}
