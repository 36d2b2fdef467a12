import MFSCore
import MFSReplication
import Testing

/// Two candidates at once, after one has won. The gap they close was seen in a loaded CI run of
/// `SyncReplicationTests.twoCandidatesAtOnceMakeExactlyOneActiveMaster`: B, refused by C that
/// had won epoch 1, asked for epoch 2; the metalogger, which did not hear C yet, promised it;
/// B lacked a quorum and gave up; C was left active with no peer that would take its changes
/// (the metalogger and B had promised epoch 2), and with `SYNC_REPLICAS = 1` acknowledged
/// nothing.
@Suite struct RivalCandidateTests {
    static let a = RoleMachineTests.a
    static let b = RoleMachineTests.b
    static let c = RoleMachineTests.c
    static let m = RoleMachineTests.m
    static let four = VoterSet(syncReplicas: 1, leader: a, members: [a: .master, b: .master, c: .master, m: .metalogger])

    static func position(_ epoch: UInt64, _ version: UInt64) -> LogPosition { RoleMachineTests.position(epoch, version) }

    /// The CI run's sequence: C has won epoch 4 with the metalogger's grant when B's request
    /// reaches it. B does not ask for epoch 5, so the metalogger keeps taking C's epoch 4.
    @Test func aCandidateRefusedByARivalThatWonDoesNotAskForTheNextEpoch() {
        var c = RoleMachineTests().follower(Self.c)
        _ = RoleMachineTests().promote(&c, voters: Self.four)
        var metalogger = RoleMachineTests().follower(Self.m)
        let granted = metalogger.handle(
            .voteRequest(candidate: Self.c, epoch: Epoch(4), candidateLog: Self.position(3, 100), position: Self.position(3, 100)),
            now: 1, hearing: nil)
        #expect(granted.contains(.answerVote(to: Self.c, epoch: Epoch(4), granted: true, reason: nil)))
        var b = RoleMachineTests().follower(Self.b)
        _ = RoleMachineTests().promote(&b, voters: Self.four)
        let refused = b.handle(
            .voteRefused(
                voter: Self.c, epoch: Epoch(4), reason: "this member won epoch 4 and is taking over", promised: Epoch(4), promisedTo: Self.c
            ),
            now: 2, hearing: nil)
        #expect(b.candidacy?.epoch == Epoch(4), "\(refused)")
        #expect(!refused.contains { if case .requestVotes(let epoch, _) = $0 { epoch > Epoch(4) } else { false } }, "\(refused)")
        // Still asking for epoch 4, B is refused by the metalogger too, which keeps C's promise.
        let again = metalogger.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 100), position: Self.position(3, 100)),
            now: 3, hearing: nil)
        #expect(
            again.contains(
                .answerVote(to: Self.b, epoch: Epoch(4), granted: false, reason: "epoch 4 is promised to member \(Self.c) already")))
        #expect(metalogger.ballot.accepts(masterEpoch: Epoch(4)))
        // B gives up at the end of its wait, and then follows C (below).
        let lost = b.handle(.tick, now: RoleMachine.Settings().voteWaitMilliseconds + 1, hearing: nil)
        #expect(lost.contains { if case .promotionRefused(_, true) = $0 { true } else { false } }, "\(lost)")
        #expect(b.ballot.followFloor(me: Self.b, promoting: b.isPromoting) == Epoch(3))
        #expect(b.ballot.followFloor(me: Self.b, promoting: false) <= Epoch(4))
    }

    /// A third party's refusal still moves a candidate to the next epoch (the higher epoch wins
    /// the race); only the rival's own refusal does not.
    @Test func aVotersPromiseToAThirdCandidateStillMovesToTheNextEpoch() {
        var b = RoleMachineTests().follower(Self.b)
        _ = RoleMachineTests().promote(&b, voters: Self.four)
        let directives = b.handle(
            .voteRefused(voter: Self.m, epoch: Epoch(4), reason: "promised", promised: Epoch(4), promisedTo: Self.c), now: 5, hearing: nil)
        #expect(b.candidacy?.epoch == Epoch(5), "\(directives)")
    }

    @Test func anAbandonedPromiseToItselfLetsAMemberFollowTheEpochUnderIt() {
        let own = Ballot(promised: Epoch(5), candidate: Self.b)
        #expect(own.followFloor(me: Self.b, promoting: false) == Epoch(4))
        // While its candidacy is under way it takes nothing below its own epoch.
        #expect(own.followFloor(me: Self.b, promoting: true) == Epoch(5))
        // A promise to another member, and any promise of a metalogger, stops lower epochs.
        #expect(own.followFloor(me: Self.c, promoting: false) == Epoch(5))
        #expect(own.followFloor(me: nil, promoting: false) == Epoch(5))
        #expect(Ballot().followFloor(me: Self.b, promoting: false) == .zero)
    }

    /// B asked for epoch 5 (a third party promised 4 to C), got too few grants and gave up; C
    /// leads epoch 4. B, no longer promoting, follows C (`Promotion.promisedEpoch`).
    @Test func theLoserFollowsTheWinnerOnceItsCandidacyIsOver() {
        var b = RoleMachineTests().follower(Self.b)
        _ = RoleMachineTests().promote(&b, voters: Self.four)
        _ = b.handle(
            .voteRefused(voter: Self.m, epoch: Epoch(4), reason: "promised", promised: Epoch(4), promisedTo: Self.c), now: 5, hearing: nil)
        #expect(b.ballot.promised == Epoch(5) && b.ballot.candidate == Self.b)
        #expect(b.ballot.followFloor(me: Self.b, promoting: b.isPromoting) == Epoch(5))
        let lost = b.handle(.tick, now: RoleMachine.Settings().voteWaitMilliseconds + 1, hearing: nil)
        #expect(lost.contains { if case .promotionRefused = $0 { true } else { false } }, "\(lost)")
        #expect(!b.isPromoting)
        #expect(b.ballot.followFloor(me: Self.b, promoting: b.isPromoting) == Epoch(4))
    }

    /// A follower that granted B epoch 4 says so in its hello when its link dials B: B's own
    /// epoch, shown back to it, does not end B's candidacy; a higher one does.
    @Test func aCandidateShownItsOwnEpochGoesOn() {
        var b = RoleMachineTests().follower(Self.b)
        _ = RoleMachineTests().promote(&b, voters: Self.four)
        #expect(b.handle(.higherEpoch(Epoch(4), from: "c"), now: 1, hearing: nil).isEmpty)
        #expect(b.candidacy?.epoch == Epoch(4))
        let higher = b.handle(.higherEpoch(Epoch(5), from: "c"), now: 2, hearing: nil)
        #expect(higher.contains { if case .promotionRefused = $0 { true } else { false } }, "\(higher)")
        #expect(!b.isPromoting)
    }

    /// C was forced into epoch 4 while B stood for it; the metalogger followed C and grants B
    /// with C's log. B takes that log and must not write `EPOCH(4)` after C's: one epoch, two
    /// histories. It gives up (asked again, it stands for epoch 5).
    @Test func aCandidateWhoseNewestLogHoldsItsEpochDoesNotWriteItAgain() {
        var b = RoleMachineTests().follower(Self.b)
        _ = RoleMachineTests().promote(&b)
        let won = RoleMachineTests().metaloggerGrants(&b, log: Self.position(4, 120))
        #expect(won.contains(.catchUp(from: Self.m, through: Self.position(4, 120))), "\(won)")
        let caughtUp = b.handle(.caughtUp(Self.position(4, 120)), now: 10, hearing: nil)
        #expect(!caughtUp.contains(.lead(Epoch(4))), "\(caughtUp)")
        #expect(caughtUp.contains { if case .promotionRefused(_, retry: true) = $0 { true } else { false } }, "\(caughtUp)")
        #expect(!b.isPromoting && b.role == .follower)
        let again = RoleMachineTests().promote(&b, at: Self.position(4, 120), now: 20)
        #expect(b.candidacy?.epoch == Epoch(5), "\(again)")
    }
}
