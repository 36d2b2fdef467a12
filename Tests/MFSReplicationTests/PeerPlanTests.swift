import MFSCore
import MFSReplication
import Testing

/// A master at epoch 3, version 1,000, keeping versions 500… in memory. Epoch 2 started at
/// version 400 and epoch 3 at version 700.
@Suite struct PeerPlanTests {
    static let cluster = MetaID(0x0123_4567_89AB_CDEF)

    func master(
        epochStarts: [UInt64: UInt64] = [1: 1, 2: 400, 3: 700], firstKept: UInt64 = 500, version: UInt64 = 1_000
    ) -> MasterHistory {
        MasterHistory(
            metaID: Self.cluster, epoch: Epoch(3), version: MetaVersion(version),
            epochStarts: Dictionary(uniqueKeysWithValues: epochStarts.map { (Epoch($0.key), MetaVersion($0.value)) }),
            firstKept: MetaVersion(firstKept))
    }

    /// The plan for a peer of this cluster that has seen epoch `highest` and holds `last` of
    /// epoch `tail`.
    func plan(_ m: MasterHistory, highest: UInt64 = 3, last: UInt64, tail: UInt64, metaID: MetaID = cluster) -> PeerPlan {
        m.plan(metaID: metaID, highestEpoch: Epoch(highest), lastVersion: MetaVersion(last), tailEpoch: Epoch(tail))
    }

    func stream(_ after: UInt64, discarded: UInt64 = 0) -> PeerPlan {
        .stream(resumeAfter: MetaVersion(after), discarded: discarded)
    }

    /// The refusal's kind and text, or nil for a plan that is not a refusal.
    func refusal(_ plan: PeerPlan) -> (PeerRefusal, String)? {
        if case .refuse(let why, let text) = plan { return (why, text) }
        return nil
    }

    // MARK: refusals

    @Test func anotherClusterIsRefused() throws {
        let (why, text) = try #require(refusal(plan(master(), last: 900, tail: 3, metaID: MetaID(0xFEED))))
        #expect(why == .otherCluster)
        #expect(text.contains("000000000000feed"))
        #expect(text.contains("0123456789abcdef"))
    }

    @Test func anotherClusterIsRefusedBeforeAnythingElse() throws {
        // Even with a higher epoch or nothing held, another cluster's peer is not ours to judge.
        for (highest, last, tail) in [(UInt64(9), UInt64(900), UInt64(9)), (3, 0, 0), (3, 5_000, 3)] {
            let refused = refusal(plan(master(), highest: highest, last: last, tail: tail, metaID: MetaID(7)))
            #expect(refused?.0 == .otherCluster)
        }
    }

    @Test func unknownPeerMetaIDIsAccepted() {
        #expect(plan(master(), last: 900, tail: 3, metaID: .unknown) == stream(900))
        #expect(plan(master(), highest: 0, last: 0, tail: 0, metaID: .unknown) == .download)
    }

    @Test func higherEpochInHelloMeansThisMasterIsStale() throws {
        let (why, text) = try #require(refusal(plan(master(), highest: 4, last: 900, tail: 3)))
        #expect(why == .staleMaster)
        #expect(text.contains("epoch 4"))
        // Even a peer that holds nothing.
        #expect(refusal(plan(master(), highest: 4, last: 0, tail: 0))?.0 == .staleMaster)
    }

    @Test func higherTailEpochMeansThisMasterIsStale() throws {
        let (why, text) = try #require(refusal(plan(master(), highest: 3, last: 900, tail: 5)))
        #expect(why == .staleMaster)
        #expect(text.contains("epoch 5"))
    }

    @Test func peerAheadInTheSameEpochIsRefused() throws {
        let (why, text) = try #require(refusal(plan(master(), last: 1_001, tail: 3)))
        #expect(why == .peerAhead)
        #expect(text.contains("1001"))
        #expect(text.contains("1000"))
    }

    // MARK: download

    @Test func peerWithNothingDownloads() {
        #expect(plan(master(), highest: 0, last: 0, tail: 0) == .download)
        #expect(plan(master(), highest: 3, last: 0, tail: 3) == .download)
    }

    @Test func resumePointOlderThanFirstKeptDownloads() {
        // Same epoch: versions 500… are kept, so a peer at 499 streams and one at 498 cannot.
        #expect(plan(master(), last: 499, tail: 3) == stream(499))
        #expect(plan(master(), last: 498, tail: 3) == .download)
        #expect(plan(master(), last: 1, tail: 3) == .download)
        // Older epoch cut at epoch 3's start (700): resume after 699, which must be kept.
        #expect(plan(master(firstKept: 700), last: 750, tail: 2) == stream(699, discarded: 51))
        #expect(plan(master(firstKept: 701), last: 750, tail: 2) == .download)
    }

    @Test func olderEpochWithUnknownSuccessorStartsDownloads() {
        // Epoch 2's start is not known: a tail of epoch 1 cannot be cut.
        let m = master(epochStarts: [3: 700], firstKept: 1)
        #expect(plan(m, last: 350, tail: 1) == .download)
        #expect(plan(m, last: 750, tail: 1) == .download)
        // A tail of epoch 2 can: every epoch after it (3) is known.
        #expect(plan(m, last: 750, tail: 2) == stream(699, discarded: 51))
        #expect(plan(m, last: 650, tail: 2) == stream(650))
    }

    @Test func epochZeroTail() {
        let m = master(epochStarts: [3: 700], firstKept: 1)
        #expect(plan(m, last: 100, tail: 0) == .download)
        // With every later start known (epoch 1 from version 1), all of epoch 0's tail goes.
        #expect(plan(master(firstKept: 1), last: 100, tail: 0) == stream(0, discarded: 100))
    }

    // MARK: stream

    @Test func sameEpochStreamsFromTheLastVersion() {
        #expect(plan(master(), last: 800, tail: 3) == stream(800))
        #expect(plan(master(), last: 1_000, tail: 3) == stream(1_000), "a peer that holds everything waits for the next")
        #expect(plan(master(), highest: 3, last: 700, tail: 3) == stream(700))
    }

    @Test func peerThatHasNotSeenTheCurrentEpochStillStreams() {
        // Its hello says epoch 2 (it was disconnected during the promotion); its tail is epoch 2
        // up to before the fork.
        #expect(plan(master(), highest: 2, last: 650, tail: 2) == stream(650))
    }

    @Test func olderTailAtOrAfterTheNextEpochStartIsCut() {
        // Epoch 3 started at 700: the peer's epoch-2 changes 700… were superseded.
        #expect(plan(master(), last: 700, tail: 2) == stream(699, discarded: 1))
        #expect(plan(master(), last: 750, tail: 2) == stream(699, discarded: 51))
        #expect(plan(master(), last: 1_000, tail: 2) == stream(699, discarded: 301))
        // Beyond the master's own version: the old master ran on after the fork.
        #expect(plan(master(), last: 1_200, tail: 2) == stream(699, discarded: 501))
    }

    @Test func olderTailBeforeTheNextEpochStartResumesAtItsLastVersion() {
        #expect(plan(master(), last: 699, tail: 2) == stream(699))
        #expect(plan(master(), last: 550, tail: 2) == stream(550))
    }

    @Test func tailSeveralEpochsBackIsCutAtTheFirstLaterStart() {
        // Epoch 1's tail: epoch 2 started at 400, epoch 3 at 700; the fork is at 400.
        let m = master(firstKept: 300)
        #expect(plan(m, last: 450, tail: 1) == stream(399, discarded: 51))
        #expect(plan(m, last: 800, tail: 1) == stream(399, discarded: 401))
        #expect(plan(m, last: 399, tail: 1) == stream(399))
        #expect(plan(m, last: 350, tail: 1) == stream(350))
        // With only versions 500… kept, the fork point 399 is gone.
        #expect(plan(master(), last: 450, tail: 1) == .download)
    }
}
