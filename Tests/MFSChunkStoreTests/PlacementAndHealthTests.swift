import MFSChunkStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct PlacementAndHealthTests {
    /// New chunks stay in `00` until it holds `roundRobinChunkCount` more than the emptiest.
    @Test func theCurrentSubdirectoryMovesAtTheRoundRobinCount() {
        var placement = SubdirectoryPlacement()
        for _ in 0..<(SubdirectoryPlacement.roundRobinChunkCount - 1) { placement.added(to: placement.current) }
        #expect(placement.current == ChunkSubdirectory(0))
        placement.added(to: placement.current)  // at the count: move to the emptiest (01)
        #expect(placement.current == ChunkSubdirectory(1))
        placement.added(to: placement.current)
        #expect(placement.current == ChunkSubdirectory(1))
        placement.removed(from: ChunkSubdirectory(0))
        #expect(placement.counts[0] == SubdirectoryPlacement.roundRobinChunkCount - 1)
    }

    /// The third counted error within the period fails the directory; older ones age out; a
    /// full disk does not count.
    @Test func errorsPastTheToleranceFailTheDirectory() {
        let start = ContinuousClock.now
        var health = DirectoryHealth()
        #expect(DirectoryHealth.defaultToleranceCount == 2 && DirectoryHealth.defaultTolerancePeriod == .seconds(600))
        let errors: [(Int32, Duration)] = [
            (EIO, .zero), (ENOSPC, .zero), (EIO, .seconds(1)), (EIO, .seconds(601)), (ENOENT, .seconds(601)),
        ]
        // The first error has aged out by 601 s (else the fourth would fail); the fifth is the third within 600 s.
        let failed = errors.map { health.record(errno: $0.0, at: start + $0.1) }
        #expect(failed == [false, false, false, false, true])
        #expect(health.total == 5)
    }
}
