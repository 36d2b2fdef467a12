import MFSChunkRegistry
import MFSCore
import Testing

/// What MooseFS's CHECK (`mfsfileinfo`, `mfscheckfile`) is told of a chunk's copies.
@Suite struct CheckedCopiesTests {
    @Test func eachCopyOnAConnectedServerWithItsState() throws {
        var h = Harness()
        h.facts.own(chunk(5), version: 2, goal: 3)
        try h.join(1, [held(5, version: 2)])
        try h.join(2, [held(5, version: 2, marked: true)])
        try h.join(3, [held(5, version: 2)])
        try h.join(4, [held(5, version: 2)])
        try h.handle(.damagedChunks(cs(3), [chunk(5)]))
        try h.handle(.disconnected(cs(4)))
        let copies = h.registry.checkedCopies(of: chunk(5), facts: h.facts)
        #expect(copies.map(\.location.server) == [cs(1), cs(2), cs(3)], "a disconnected server's copy is left out")
        #expect(copies.map(\.state) == [.valid, .markedForRemoval, .invalid])
        #expect(copies.map(\.location.address) == [address(1), address(2), address(3)])
        #expect(copies.filter { $0.state.counts }.count == 2, "CHECK counts valid copies, marked ones too")
        #expect(h.registry.checkedCopies(of: chunk(6), facts: h.facts).isEmpty, "a chunk no server holds")
    }

    @Test func aCopyAtAnotherVersionIsTheWrongVersion() throws {
        var h = Harness()
        h.facts.own(chunk(7), version: 3, goal: 2)
        try h.join(1, [held(7, version: 3)])
        try h.join(2, [held(7, version: 3, marked: true)])
        // The namespace moves on (a version bump this registry has not seen carried out).
        h.facts.own(chunk(7), version: 4, goal: 2)
        let states = h.registry.checkedCopies(of: chunk(7), facts: h.facts).map(\.state)
        #expect(states == [.wrongVersion, .wrongVersionMarkedForRemoval])
        #expect(!states.contains { $0.counts })
    }
}
