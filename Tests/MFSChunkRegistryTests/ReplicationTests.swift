import MFSChunkRegistry
import MFSCore
import Testing

@Suite struct ReplicationTests {
    @Test func underGoalChunkGoesToTheServerWithMostFreeSpace() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2, free: 20 * gib)
        try h.join(3, free: 90 * gib)
        try h.activate()
        let d = try h.tick()
        let s = sent(d)
        #expect(s.count == 1)
        #expect(
            s.first?.command
                == .replicate(chunk(1), version: 1, source: cs(1), sourceAddress: address(1), reason: .underGoal(valid: 1, goal: 2)))
        #expect(s.first?.to == cs(3))
        // One command at a time per chunk.
        #expect(sent(try h.tick()).isEmpty)
        try h.handle(.commandFinished(cs(3), CommandResult(.replicate, chunk: chunk(1), status: .ok)))
        #expect(h.registry.copies(of: chunk(1), facts: h.facts).filter(\.valid).map(\.server) == [cs(1), cs(3)])
        #expect(h.registry.summary(facts: h.facts).underGoal == 0)
    }

    /// A replication that times out and then answers late, after the chunk moved to the next
    /// version and a second replication to the same server started: the late answer (for the
    /// old version) is not taken for the second one's, and the second one's "chunk exists"
    /// (the late replica is there) leaves an invalid copy there that is deleted, not a copy the
    /// registry forgets while the server keeps it.
    @Test func aLateReplicationAnswerIsNotTakenForTheNextOne() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2)
        try h.activate()
        #expect(replications(try h.tick()).map(\.to) == [cs(2)])
        // The first one times out and a second one (version 1 still) goes at once; it is
        // refused, and a write comes before the next tick.
        #expect(replications(try h.tick(after: h.registry.settings.operationTimeout + .seconds(1))).map(\.to) == [cs(2)])
        try h.handle(.commandFinished(cs(2), CommandResult(.replicate, chunk: chunk(1), status: .notDone, version: 1)))
        guard case .bumpVersion(2, let directives) = try h.registry.planWrite(chunk(1), facts: h.facts, now: h.now) else {
            Issue.record("no version bump")
            return
        }
        #expect(sent(directives).map(\.to) == [cs(1)])
        try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(1), status: .ok)))
        try h.handle(.writeEnded(chunk(1), ok: true))
        h.facts.own(chunk(1), version: 2, goal: 2)
        let second = sent(try h.tick())
        #expect(second.map(\.to) == [cs(2)])
        #expect(second.first.map { if case .replicate(_, 2, _, _, _) = $0.command { true } else { false } } == true)
        // The first replication's late "done", for version 1.
        let late = try h.handle(.commandFinished(cs(2), CommandResult(.replicate, chunk: chunk(1), status: .ok, version: 1)))
        #expect(late.contains { if case .ignored = $0 { true } else { false } })
        #expect(h.registry.copies(of: chunk(1), facts: h.facts).filter(\.valid).map(\.server) == [cs(1)])
        // The second one finds the late replica there.
        try h.handle(.commandFinished(cs(2), CommandResult(.replicate, chunk: chunk(1), status: .chunkExists, version: 2)))
        #expect(h.registry.copies(of: chunk(1), facts: h.facts).filter(\.valid).map(\.server) == [cs(1)])
        let cleanup = deletions(try h.tick())
        #expect(cleanup.map(\.to) == [cs(2)])
        try h.handle(.commandFinished(cs(2), CommandResult(.delete, chunk: chunk(1), status: .ok)))
        #expect(replications(try h.tick()).map(\.to) == [cs(2)])
    }

    /// A server leaves with a copy, the chunk is replicated back to its goal, and then written:
    /// the write must bump the version first, or the departed server's copy, at the version
    /// the write kept, would come back as valid without the write's bytes.
    @Test func aWriteAfterAReplicationBumpsTheVersion() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2, [held(1)])
        try h.activate()
        _ = try h.handle(.disconnected(cs(1)))
        try h.join(3)
        #expect(replications(try h.tick()).map(\.to) == [cs(3)])
        try h.handle(.commandFinished(cs(3), CommandResult(.replicate, chunk: chunk(1), status: .ok)))
        guard case .bumpVersion(2, let directives) = try h.registry.planWrite(chunk(1), facts: h.facts, now: h.now) else {
            Issue.record("a write after a replication went ahead at the old version")
            return
        }
        #expect(Set(sent(directives).map(\.to)) == [cs(2), cs(3)])
    }

    /// After this master became active, a chunk of an open file may be under a write an earlier
    /// master granted (locked nowhere here): for `writeLockTimeout` it is not copied, trimmed or
    /// deleted; other chunks are. And a failed end of such a write makes the next write bump
    /// the version.
    @Test func chunksOfOpenFilesWaitOutAnEarlierMastersGrants() throws {
        var h = Harness(RegistrySettings(replicationsDelayInit: .zero))
        h.facts.own(chunk(1), goal: 2)
        h.facts.own(chunk(2), goal: 2)
        h.facts.inOpenFiles = [chunk(1)]
        try h.join(1, [held(1), held(2)])
        try h.join(2)
        try h.join(3, [held(1, version: 7)])  // a stale copy: deleted all the same
        try h.activate()
        let first = try h.tick()
        #expect(replications(first).map(\.chunk) == [chunk(2)], "the open file's chunk was copied")
        #expect(deletions(first).map(\.chunk) == [chunk(1)])
        #expect(replications(try h.tick(after: h.registry.settings.writeLockTimeout)).map(\.chunk).contains(chunk(1)))
    }

    /// A failed end of a write this master never granted (an earlier master did) may have left
    /// the copies different: the next write bumps the version.
    @Test func aFailedEndOfAWriteThisMasterNeverGrantedBumpsTheNextWrite() throws {
        var h = Harness()
        h.facts.own(chunk(4), version: 1, goal: 1)
        try h.join(1, [held(4)])
        try h.activate()
        guard case .bumpVersion = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("the first write after a registration did not bump the version")
            return
        }
        h.facts.own(chunk(4), version: 2, goal: 1)
        _ = try h.handle(.commandFinished(cs(1), CommandResult(.setVersion, chunk: chunk(4), status: .ok)))
        try h.handle(.writeEnded(chunk(4), ok: true))
        guard case .ready = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("a write after a clean one bumped the version")
            return
        }
        try h.handle(.writeEnded(chunk(4), ok: true))
        _ = try h.handle(.writeEnded(chunk(4), ok: false))
        guard case .bumpVersion = try h.registry.planWrite(chunk(4), facts: h.facts, now: h.now) else {
            Issue.record("a failed write this master never granted left no version bump")
            return
        }
    }

    @Test func failedReplicationIsDroppedAndRetried() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2)
        try h.activate()
        #expect(replications(try h.tick()).count == 1)
        try h.handle(.commandFinished(cs(2), CommandResult(.replicate, chunk: chunk(1), status: .cantConnect)))
        #expect(h.registry.copies(of: chunk(1), facts: h.facts).count == 1)
        #expect(replications(try h.tick()).map(\.to) == [cs(2)])
    }

    @Test func targetsExcludeFullServersServersWithACopyAndMarkedOnlyServers() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 3)
        try h.join(1, [held(1)])
        try h.join(2, [held(1, version: 7)])  // a stale copy: still not a target until deleted
        try h.join(3, free: 10 << 20)  // full: 10 MiB free
        try h.handle(
            .registering(
                ServerRegistration(
                    id: cs(4), address: address(4), space: ServerSpace(usedBytes: 0, totalBytes: 0, markedTotalBytes: 100 * gib))))
        try h.handle(.registered(cs(4)))
        try h.activate()
        #expect(replications(try h.tick()).isEmpty)
        try h.join(5)
        #expect(replications(try h.tick()).map(\.to) == [cs(5)])
    }

    @Test func copiesOnMarkedDisksDoNotCountTowardsTheGoal() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 1)
        try h.join(1, [held(1, marked: true)])
        try h.join(2)
        try h.activate()
        let r = replications(try h.tick())
        #expect(r.map(\.to) == [cs(2)])
        #expect(r.map(\.from) == [cs(1)])  // a marked copy is a source when no other is valid
        #expect(h.registry.summary(facts: h.facts).underGoal == 1)
    }

    @Test func nothingIsReplicatedOrDeletedBeforeTheInitialDelay() throws {
        var h = Harness(RegistrySettings(replicationsDelayInit: .seconds(60)))
        h.facts.own(chunk(1), goal: 2)
        h.facts.own(chunk(2), version: 2, goal: 1)
        try h.join(1, [held(1), held(2, version: 2)])
        try h.join(2, [held(2, version: 1)])
        try h.handle(.becameActive)
        #expect(sent(try h.tick(after: .seconds(59))).isEmpty)
        #expect(sent(try h.tick(after: .seconds(1))).count == 2)
    }

    @Test func nothingIsSentBeforeBecomingActive() throws {
        var h = Harness()
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2)
        #expect(sent(try h.tick(after: .seconds(3_600))).isEmpty)
    }

    @Test func afterADisconnectOnlyEndangeredChunksReplicateAtOnce() throws {
        var h = Harness(RegistrySettings(replicationsDelayDisconnect: .seconds(300)))
        h.facts.own(chunk(1), goal: 2)  // loses one of two copies: one left, endangered
        h.facts.own(chunk(2), goal: 3)  // loses one of three: two left, waits
        try h.join(1, [held(1), held(2)])
        try h.join(2, [held(1), held(2)])
        try h.join(3, [held(2)])
        try h.join(4)
        try h.join(5)
        try h.activate()
        #expect(sent(try h.tick()).isEmpty)
        try h.handle(.disconnected(cs(2)))
        let first = replications(try h.tick())
        #expect(first.map(\.chunk) == [chunk(1)])
        try h.handle(.commandFinished(first[0].to, CommandResult(.replicate, chunk: chunk(1), status: .ok)))
        #expect(replications(try h.tick(after: .seconds(298))).isEmpty)
        #expect(replications(try h.tick(after: .seconds(2))).map(\.chunk) == [chunk(2)])
    }

    @Test func replicationsPerServerAreBounded() throws {
        var h = Harness(RegistrySettings(maxReplicationsInPerServer: 2, maxReplicationsOutPerServer: 3))
        for n in 1...10 { h.facts.own(chunk(UInt64(n)), goal: 2) }
        try h.join(1, (1...10).map { held($0) })
        try h.join(2)
        try h.join(3)
        try h.activate()
        let r = replications(try h.tick())
        #expect(r.count == 3)  // the source's limit
        #expect(Dictionary(grouping: r, by: \.to).values.allSatisfy { $0.count <= 2 })
        #expect(replications(try h.tick()).isEmpty)
    }

    @Test func theMostEndangeredChunkGoesFirst() throws {
        var h = Harness(RegistrySettings(maxReplicationsInPerServer: 1))
        h.facts.own(chunk(1), goal: 3)
        h.facts.own(chunk(2), goal: 3)
        try h.join(1, [held(1), held(2)])
        try h.join(2, free: 10 << 20, [held(1)])  // full: the one target is server 3
        try h.join(3)
        try h.activate()
        #expect(replications(try h.tick()).map(\.chunk) == [chunk(2)])
    }

    @Test func aServerThatLeavesMakesItsChunksUnderGoal() throws {
        var h = Harness(RegistrySettings(replicationsDelayDisconnect: .zero))
        h.facts.own(chunk(1), goal: 2)
        try h.join(1, [held(1)])
        try h.join(2, [held(1)])
        try h.join(3)
        try h.activate()
        try h.handle(.disconnected(cs(1)))
        #expect(h.registry.summary(facts: h.facts).underGoal == 1)
        #expect(replications(try h.tick()).map(\.to) == [cs(3)])
        try h.handle(.disconnected(cs(2)))
        #expect(h.registry.summary(facts: h.facts).missing == 1)
    }
}
