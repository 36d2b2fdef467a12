import MFSCore
import MFSReplication
import Testing

/// A grant holds against other candidates for the silence timeout (`RecentGrant`), and a
/// candidacy that ends while its epoch is being written fences the master. Both close the gap
/// seen in loaded runs of `SyncReplicationTests.twoCandidatesAtOnceMakeExactlyOneActiveMaster`:
/// B granted C epoch 1; B's own promotion came a moment later and asked for epoch 2; the
/// metalogger, whose link had not found C yet, promised epoch 2 to B. C had written epoch 1 and
/// took writes, its machine abandoned the candidacy on seeing epoch 2 and went back to
/// follower, and the metalogger refused C's changes for good.
@Suite struct GrantHoldTests {
    static let b = RoleMachineTests.b
    static let c = RoleMachineTests.c
    static let m = RoleMachineTests.m
    static let hold = RoleMachine.Settings().grantHoldMilliseconds
    /// Voters A (leader), C, M with K = 1: C's own grant and the metalogger's win.
    static let withC = VoterSet(
        syncReplicas: 1, leader: RoleMachineTests.a, members: [RoleMachineTests.a: .master, c: .master, m: .metalogger])

    func ask(_ machine: inout RoleMachine, _ candidate: MemberID, _ epoch: UInt64, at now: Int64) -> [RoleMachine.Directive] {
        machine.handle(
            .voteRequest(
                candidate: candidate, epoch: Epoch(epoch), candidateLog: RoleMachineTests.position(3, 100),
                position: RoleMachineTests.position(3, 100)),
            now: now, hearing: nil)
    }

    static func refusal(_ directives: [RoleMachine.Directive]) -> String? {
        for case .answerVote(_, _, false, let reason) in directives { return reason ?? "" }
        return nil
    }

    @Test func aGrantHoldsAgainstOtherCandidatesForTheSilenceTimeout() {
        var voter = RoleMachineTests().follower(Self.m)
        #expect(ask(&voter, Self.c, 4, at: 1_000).contains(.answerVote(to: Self.c, epoch: Epoch(4), granted: true, reason: nil)))
        #expect(voter.recentGrant == RecentGrant(candidate: Self.c, epoch: Epoch(4), at: 1_000))
        let held = ask(&voter, Self.b, 5, at: 1_000 + Self.hold - 1)
        let reason = Self.refusal(held)
        #expect(reason?.contains("granted epoch 4 to candidate \(Self.c)") == true, "\(held)")
        #expect(voter.ballot == Ballot(promised: Epoch(4), candidate: Self.c), "the refusal promises nothing")
        // The candidate it granted may ask for its next epoch at once.
        #expect(ask(&voter, Self.c, 5, at: 1_010).contains(.answerVote(to: Self.c, epoch: Epoch(5), granted: true, reason: nil)))
        // Once the silence timeout has passed since the grant, another candidate may win.
        let later = ask(&voter, Self.b, 6, at: 1_010 + Self.hold)
        #expect(later.contains(.persistPromise(Ballot(promised: Epoch(6), candidate: Self.b))), "\(later)")
        #expect(later.contains(.answerVote(to: Self.b, epoch: Epoch(6), granted: true, reason: nil)))
    }

    @Test func theHoldIsOnlyAboveTheGrantedEpoch() {
        let grant = RecentGrant(candidate: Self.c, epoch: Epoch(4), at: 0)
        #expect(grant.hold(against: Self.b, epoch: Epoch(4), now: 1, holdMilliseconds: 300) == nil, "the promise answers that")
        #expect(grant.hold(against: Self.b, epoch: Epoch(5), now: 299, holdMilliseconds: 300) != nil)
        #expect(grant.hold(against: Self.b, epoch: Epoch(5), now: 300, holdMilliseconds: 300) == nil)
        #expect(grant.hold(against: Self.c, epoch: Epoch(9), now: 1, holdMilliseconds: 300) == nil)
    }

    /// The loaded run's first step: B's promotion, a moment after its grant to C, does not vote
    /// for itself until the hold is over (C, active by then, is heard instead).
    @Test func aMasterThatGrantedAnotherDoesNotVoteForItselfWhileTheGrantHolds() {
        var b = RoleMachineTests().follower(Self.b)
        _ = ask(&b, Self.c, 4, at: 0)
        let promoted = RoleMachineTests().promote(&b, now: 10)
        #expect(b.candidacy?.epoch == Epoch(5))
        #expect(!promoted.contains { if case .persistPromise = $0 { true } else { false } }, "\(promoted)")
        #expect(b.candidacy?.refusals[Self.b]?.contains("granted epoch 4") == true)
        let tick = b.handle(.tick, now: Self.hold, hearing: nil)
        #expect(tick.contains(.persistPromise(Ballot(promised: Epoch(5), candidate: Self.b))), "\(tick)")
    }

    /// C has won epoch 4 and its shell writes it and takes writes (`lead`); a higher epoch seen
    /// before `led` ends the candidacy, and the shell must stop taking writes: fenced, as an
    /// active master is.
    @Test func aCandidacyEndedWhileItsEpochIsWrittenFences() {
        var c = RoleMachineTests().follower(Self.c)
        _ = RoleMachineTests().promote(&c, voters: Self.withC)
        let won = RoleMachineTests().metaloggerGrants(&c, log: RoleMachineTests.position(3, 90))
        #expect(won.contains(.lead(Epoch(4))))
        let seen = c.handle(.higherEpoch(Epoch(5), from: "metalogger"), now: 20, hearing: nil)
        #expect(seen.contains { if case .promotionRefused(_, retry: false) = $0 { true } else { false } }, "\(seen)")
        #expect(seen.contains { if case .fence = $0 { true } else { false } } && seen.contains(.follow), "\(seen)")
        #expect(c.role == .fenced && !c.isPromoting)
        // `led` arriving after it changes nothing.
        #expect(c.handle(.led(Epoch(4)), now: 30, hearing: nil).isEmpty)
        #expect(c.role == .fenced)
    }

    @Test func aDemoteWhileTheEpochIsWrittenFences() {
        var c = RoleMachineTests().follower(Self.c)
        _ = RoleMachineTests().promote(&c, voters: Self.withC)
        _ = RoleMachineTests().metaloggerGrants(&c, log: RoleMachineTests.position(3, 90))
        let demoted = c.handle(.demote, now: 20, hearing: nil)
        #expect(demoted.contains { if case .fence = $0 { true } else { false } }, "\(demoted)")
        #expect(c.role == .fenced)
    }

    /// Before `lead` (won, still taking the newest log) a candidacy that ends only goes back to
    /// its old role: the shell took no write.
    @Test func aCandidacyEndedBeforeItsEpochIsWrittenDoesNotFence() {
        var c = RoleMachineTests().follower(Self.c)
        _ = RoleMachineTests().promote(&c, voters: Self.withC)
        let won = RoleMachineTests().metaloggerGrants(&c, log: RoleMachineTests.position(3, 250))
        #expect(won.contains(.catchUp(from: Self.m, through: RoleMachineTests.position(3, 250))))
        let seen = c.handle(.higherEpoch(Epoch(5), from: "metalogger"), now: 20, hearing: nil)
        #expect(!seen.contains { if case .fence = $0 { true } else { false } }, "\(seen)")
        #expect(c.role == .follower)
    }
}
