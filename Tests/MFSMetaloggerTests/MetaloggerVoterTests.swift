import Foundation
import MFSCore
import MFSMetalogger
import MFSPeer
import MFSReplication
import MFSWire
import Testing

/// The metalogger's vote (`MetaloggerVoter`): the `Ballot` rule with its promise on disk, and a
/// grant that holds against other candidates (`RecentGrant`).
@Suite struct MetaloggerVoterTests {
    static let b = MemberID(0xB)
    static let c = MemberID(0xC)

    func request(_ candidate: MemberID, _ epoch: UInt64) -> VoteRequest {
        VoteRequest(candidate: candidate, epoch: Epoch(epoch), logEpoch: .zero, logVersion: .zero)
    }

    @Test func aGrantHoldsAgainstAnotherCandidatesHigherEpoch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogCapture()
        let store = try MetaloggerStore(
            directory: dir.directory,
            options: MetaloggerStore.Options(backLogs: 5, keepPreviousMetadata: 2, snapshotInterval: .seconds(3_600)),
            logger: log.logger, clock: { ManualClock().now })
        defer { store.close() }
        let link = PeerLink(options: PeerLink.Options(masters: [], role: .metalogger, authCode: nil)) { _, _ in }
        // A hold no run of this test outlasts.
        let voter = try MetaloggerVoter(
            store: store, link: link, logger: log.logger, silenceMilliseconds: 300, grantHoldMilliseconds: 600_000)
        let first = voter.answer(request(Self.c, 1), from: "c:9419")
        #expect(first.granted && first.promised == Epoch(1) && first.promisedTo == Self.c)
        let other = voter.answer(request(Self.b, 2), from: "b:9419")
        #expect(!other.granted)
        #expect(other.reason.contains("granted epoch 1 to candidate \(Self.c)"), "\(other.reason)")
        #expect(other.promised == Epoch(1) && other.promisedTo == Self.c, "the refusal promised nothing")
        // The granted candidate's next epoch is not held back.
        let next = voter.answer(request(Self.c, 2), from: "c:9419")
        #expect(next.granted && next.promised == Epoch(2))
        // A voter that restarts holds nothing back (the hold is not on disk); its promise is.
        let restarted = try MetaloggerVoter(
            store: store, link: link, logger: log.logger, silenceMilliseconds: 300, grantHoldMilliseconds: 600_000)
        #expect(!restarted.answer(request(Self.b, 2), from: "b:9419").granted, "epoch 2 is promised to C")
        #expect(restarted.answer(request(Self.b, 3), from: "b:9419").granted)
    }
}
