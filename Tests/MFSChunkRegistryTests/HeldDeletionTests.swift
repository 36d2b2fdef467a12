import MFSChunkRegistry
import MFSCore
import Testing

/// Deletes held until their metadata is committed (`ChunkHub` holds them) are checked again
/// before they go: the copies they counted on may have left meanwhile.
@Suite struct HeldDeletionTests {
    /// Goal 2, three copies, one trimmed; the trim is held while the commit waits (its peers
    /// away), longer than a delete's timeout. Then the two other servers leave: the held trim
    /// is not sent, and the copy is valid again (never invalid: it was never deleted).
    @Test func aHeldTrimThatWouldTakeTheLastCopyIsDroppedAndTheCopyCountsAgain() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 1, goal: 2)
        for n: UInt16 in [1, 2, 3] { try h.join(n, [held(5)]) }
        try h.activate()
        let trims = deletions(try h.tick())
        #expect(trims.count == 1 && trims.first?.reason == .overGoal)
        let trimmed = try #require(trims.first?.to)
        h.registry.holdDeletion(chunk(5), on: trimmed)
        // Held past the operation timeout: not timed out (invalid), not decided again.
        #expect(sent(try h.tick(after: h.registry.settings.operationTimeout + .seconds(10))).isEmpty)
        let others = [cs(1), cs(2), cs(3)].filter { $0 != trimmed }
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).map(\.server).sorted() == others)
        for id in others { try h.handle(.disconnected(id)) }
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).isEmpty)

        let goes1 = h.registry.releaseHeldDeletion(chunk(5), on: trimmed, reason: .overGoal, facts: h.facts, now: h.now)
        #expect(!goes1)
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).map(\.server) == [trimmed])
        // A released copy is no longer held: a second release finds nothing to send.
        let goes2 = h.registry.releaseHeldDeletion(chunk(5), on: trimmed, reason: .overGoal, facts: h.facts, now: h.now)
        #expect(!goes2)
    }

    /// Still safe when the commit comes: the delete goes, and its timeout starts then.
    @Test func aHeldTrimStillSafeGoesOutAndTimesOutFromThen() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 1, goal: 1)
        for n: UInt16 in [1, 2] { try h.join(n, [held(5)]) }
        try h.activate()
        let trimmed = try #require(deletions(try h.tick()).first?.to)
        h.registry.holdDeletion(chunk(5), on: trimmed)
        _ = try h.tick(after: .seconds(300))
        let goes3 = h.registry.releaseHeldDeletion(chunk(5), on: trimmed, reason: .overGoal, facts: h.facts, now: h.now)
        #expect(goes3)
        try h.handle(.commandFinished(trimmed, CommandResult(.delete, chunk: chunk(5), status: .ok)))
        #expect(h.registry.readLocations(chunk(5), facts: h.facts).count == 1)
        #expect(sent(try h.tick()).isEmpty)
    }

    /// A stale copy's held delete waits for a valid copy elsewhere; an orphan's for the chunk
    /// to stay out of every file; a delete never committed (the master stopped being active)
    /// gives its copy back as it was.
    @Test func staleOrphanAndNeverCommittedDeletesAreCheckedOrGivenBack() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 3, goal: 1)
        try h.join(1, [held(5, version: 3)])
        try h.join(2, [held(5, version: 2)])
        try h.activate()
        #expect(deletions(try h.tick()).map(\.to) == [cs(2)])
        h.registry.holdDeletion(chunk(5), on: cs(2))
        try h.handle(.disconnected(cs(1)))
        let goes4 = h.registry.releaseHeldDeletion(chunk(5), on: cs(2), reason: .staleVersion, facts: h.facts, now: h.now)
        #expect(!goes4)
        #expect(h.registry.summary(facts: h.facts).missing == 1)

        h.facts.own(chunk(7), version: 1, goal: 1)
        try h.join(3, [held(7)])
        h.facts.owned[chunk(7)] = nil
        #expect(deletions(try h.tick()).contains { $0.chunk == chunk(7) && $0.reason == .orphan })
        h.registry.holdDeletion(chunk(7), on: cs(3))
        h.facts.own(chunk(7), version: 1, goal: 1)  // back in a file (the change was undone)
        let goes5 = h.registry.releaseHeldDeletion(chunk(7), on: cs(3), reason: .orphan, facts: h.facts, now: h.now)
        #expect(!goes5)
        #expect(h.registry.readLocations(chunk(7), facts: h.facts).map(\.server) == [cs(3)])

        h.facts.owned[chunk(7)] = nil
        #expect(deletions(try h.tick()).contains { $0.chunk == chunk(7) })
        h.registry.holdDeletion(chunk(7), on: cs(3))
        let goes6 = h.registry.releaseHeldDeletion(chunk(7), on: cs(3), reason: .orphan, facts: h.facts, now: h.now, givingUp: true)
        #expect(!goes6)
        h.facts.own(chunk(7), version: 1, goal: 1)
        #expect(h.registry.readLocations(chunk(7), facts: h.facts).map(\.server) == [cs(3)])
    }
}
