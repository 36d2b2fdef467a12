import MFSCore
import MFSReplication
import Testing

/// The quorum rule (DESIGN §7.2) and the role decisions, one rule per test.
@Suite struct RoleMachineTests {
    static let a = MemberID(0xA)  // the old active master
    static let b = MemberID(0xB)  // the follower that becomes the candidate
    static let c = MemberID(0xC)  // another follower
    static let m = MemberID(0xD)  // a metalogger

    /// Voters A (leader), B, M with K = 1: P = 2, so 2 grants are needed.
    static let three = VoterSet(syncReplicas: 1, leader: a, members: [a: .master, b: .master, m: .metalogger])

    static func position(_ epoch: UInt64, _ version: UInt64) -> LogPosition {
        LogPosition(epoch: Epoch(epoch), version: MetaVersion(version))
    }

    func follower(_ me: MemberID = b, epoch: UInt64 = 3) -> RoleMachine {
        RoleMachine(me: me, role: .follower, epoch: Epoch(epoch), ballot: Ballot())
    }

    func promote(
        _ machine: inout RoleMachine, force: Bool = false, voters: VoterSet = three, at position: LogPosition = position(3, 100),
        now: Int64 = 0
    ) -> [RoleMachine.Directive] {
        machine.handle(.promote(force: force, position: position, voters: voters, votersVersion: MetaVersion(10)), now: now, hearing: nil)
    }

    /// The metalogger grants epoch 4, its log ending at `position`.
    func metaloggerGrants(_ machine: inout RoleMachine, log position: LogPosition, now: Int64 = 5) -> [RoleMachine.Directive] {
        machine.handle(
            .voteGranted(voter: Self.m, epoch: Epoch(4), position: position, voters: Self.three, votersVersion: MetaVersion(10)),
            now: now, hearing: nil)
    }

    // MARK: the grant rule

    @Test func grantsNeededArePMinusKPlusOne() {
        #expect(Self.three.grantsNeeded == 2)
        let four = VoterSet(
            syncReplicas: 2, leader: Self.a, members: [Self.a: .master, Self.b: .master, Self.c: .master, Self.m: .metalogger])
        #expect(four.grantsNeeded == 2, "P = 3, K = 2")
        var zero = Self.three
        zero.syncReplicas = 0
        #expect(zero.grantsNeeded == 2, "SYNC_REPLICAS = 0 asks every voter")
        #expect(VoterSet(syncReplicas: 1, leader: Self.a, members: [Self.a: .master]).grantsNeeded == 0)
    }

    /// Found by the role simulation (P = 4, K = 4, so P − K + 1 = 1): two masters promoted
    /// 20 ms apart each granted itself and both led epoch 2. Two candidates for one epoch must
    /// need grants that overlap: a majority of the P as well.
    @Test func grantsNeededAreAlsoAMajoritySoTwoCandidatesCannotBothWinOneEpoch() {
        var three = Self.three
        three.syncReplicas = 2
        #expect(three.grantsNeeded == 2, "P − K + 1 = 1, but a majority of 2 is 2")
        let five = VoterSet(
            syncReplicas: 4, leader: Self.a,
            members: [Self.a: .master, Self.b: .master, Self.c: .master, Self.m: .metalogger, MemberID(0xE): .metalogger])
        #expect(five.grantsNeeded == 3)
        let twoMasters = VoterSet(syncReplicas: 2, leader: Self.a, members: [Self.a: .master, Self.b: .master, Self.c: .master])
        var b = follower(Self.b)
        var c = follower(Self.c)
        for directives in [promote(&b, voters: twoMasters), promote(&c, voters: twoMasters)] {
            #expect(!directives.contains(.lead(Epoch(4))), "its own grant is not enough: \(directives)")
        }
    }

    @Test func aPromotionAsksTheOtherVotersAndCastsItsOwnVote() {
        var machine = follower()
        let directives = promote(&machine)
        #expect(directives.contains(.persistPromise(Ballot(promised: Epoch(4), candidate: Self.b))))
        #expect(directives.contains(.requestVotes(epoch: Epoch(4), from: [Self.m])))
        #expect(machine.role == .follower && machine.isPromoting)
    }

    @Test func theNewestLogAmongTheGrantersIsTakenBeforeTheEpoch() {
        var machine = follower()
        _ = promote(&machine)
        let newer = Self.position(3, 250)
        let directives = metaloggerGrants(&machine, log: newer)
        #expect(directives.contains(.catchUp(from: Self.m, through: newer)))
        #expect(machine.handle(.caughtUp(newer), now: 6, hearing: nil) == [.lead(Epoch(4))])
        let led = machine.handle(.led(Epoch(4)), now: 7, hearing: nil)
        #expect(led.contains(.promoted(Epoch(4), forced: false)))
        #expect(machine.role == .active && machine.epoch == Epoch(4))
    }

    @Test func withTheCandidatesLogNewestItLeadsAtOnce() {
        var machine = follower()
        _ = promote(&machine, at: Self.position(3, 300))
        #expect(metaloggerGrants(&machine, log: Self.position(3, 250)) == [.lead(Epoch(4))])
    }

    @Test func aMissingVoterMakesThePromotionWaitThenRefuseNamingIt() {
        var machine = follower()
        _ = promote(&machine)
        #expect(machine.handle(.tick, now: 1_000, hearing: nil).allSatisfy { if case .promotionRefused = $0 { false } else { true } })
        let late = machine.handle(.tick, now: 2_000, hearing: nil)
        let refusal = late.compactMap { if case .promotionRefused(let why, let retry) = $0 { (why, retry) } else { nil } }.first
        #expect(refusal?.0.contains("not heard: \(Self.m.hex)") == true, "\(late)")
        #expect(refusal?.1 == true, "too few grants within the wait may pass on its own: the announcer asks again")
        #expect(!machine.isPromoting && machine.role == .follower)
    }

    @Test func votersAreAskedAgainAtTheRetryInterval() {
        var machine = follower()
        _ = promote(&machine)
        #expect(machine.handle(.tick, now: 10, hearing: nil).isEmpty)
        #expect(machine.handle(.tick, now: 60, hearing: nil) == [.requestVotes(epoch: Epoch(4), from: [Self.m])])
    }

    @Test func aCandidateThatStillHearsTheActiveMasterDoesNotVoteForItself() {
        var machine = follower()
        let hearing = ActiveContact(address: "a:9419", epoch: Epoch(3), lastHeard: 0)
        _ = machine.handle(
            .promote(force: false, position: Self.position(3, 100), voters: Self.three, votersVersion: MetaVersion(10)), now: 100,
            hearing: hearing)
        #expect(machine.candidacy?.refusals[Self.b]?.contains("still hears") == true)
        // Once the active master is silent for the silence timeout, it votes.
        let later = machine.handle(.tick, now: 400, hearing: hearing)
        #expect(later.contains(.persistPromise(Ballot(promised: Epoch(4), candidate: Self.b))))
    }

    /// Epochs stop at `Epoch.maximum`: a master whose log (or a peer it heard) is there cannot
    /// promote, forced or not, and says why instead of trapping on the next epoch; one below
    /// it promotes to the maximum.
    @Test func noPromotionPastTheMaximumEpoch() {
        for force in [false, true] {
            var machine = follower(epoch: Epoch.maximum.rawValue)
            let directives = promote(&machine, force: force, at: LogPosition(epoch: .maximum, version: MetaVersion(100)))
            #expect(
                directives.contains { directive in
                    guard case .promotionRefused(let why, retry: false) = directive else { return false }
                    return why.contains("no epoch above \(Epoch.maximum)")
                }, "\(directives)")
            #expect(!directives.contains { if case .lead = $0 { true } else { false } })
        }
        var below = follower(epoch: Epoch.maximum.rawValue - 1)
        let directives = promote(&below, force: true, at: LogPosition(epoch: Epoch(Epoch.maximum.rawValue - 1), version: MetaVersion(100)))
        #expect(directives.contains(.lead(.maximum)))
    }

    @Test func aForcedPromotionSkipsTheVotesAndSaysSo() {
        var machine = follower()
        let directives = machine.handle(
            .promote(force: true, position: Self.position(3, 100), voters: Self.three, votersVersion: MetaVersion(10)), now: 0, hearing: nil
        )
        #expect(directives.contains(.lead(Epoch(4))))
        #expect(machine.handle(.led(Epoch(4)), now: 1, hearing: nil).contains(.promoted(Epoch(4), forced: true)))
    }

    /// Once the votes are won the candidacy waits for `EPOCH(n+1)` to be held by `SYNC_REPLICAS`
    /// peers, however long (`SYNC_DEGRADE = 0`): ticks past the vote deadline and late answers
    /// neither refuse it nor lead or catch up a second time.
    @Test func aWonPromotionIsNotCountedAgainWhileItsEpochIsWritten() {
        var machine = follower()
        _ = promote(&machine, at: Self.position(3, 300))
        #expect(metaloggerGrants(&machine, log: Self.position(3, 250)) == [.lead(Epoch(4))])
        #expect(machine.handle(.tick, now: 60_000, hearing: nil) == [], "past the vote deadline while the epoch waits for peers")
        #expect(
            machine.handle(
                .voteRefused(voter: Self.a, epoch: Epoch(4), reason: "late", promised: .zero, promisedTo: .none), now: 60_001, hearing: nil)
                == [])
        #expect(machine.handle(.led(Epoch(4)), now: 60_002, hearing: nil).contains(.promoted(Epoch(4), forced: false)))
        #expect(machine.role == .active && !machine.isPromoting)
    }

    @Test func aCatchUpUnderWayIsNotAskedForTwice() {
        var machine = follower()
        _ = promote(&machine)
        let newer = Self.position(3, 250)
        #expect(metaloggerGrants(&machine, log: newer).contains(.catchUp(from: Self.m, through: newer)))
        #expect(machine.handle(.tick, now: 100, hearing: nil) == [])
        #expect(machine.handle(.caughtUp(newer), now: 6_000, hearing: nil) == [.lead(Epoch(4))])
    }

    @Test func aForcedPromotionWaitsForItsEpochPastTheVoteDeadline() {
        var machine = follower()
        _ = machine.handle(
            .promote(force: true, position: Self.position(3, 100), voters: Self.three, votersVersion: MetaVersion(10)), now: 0, hearing: nil
        )
        #expect(machine.handle(.tick, now: 10_000, hearing: nil) == [], "a forced candidacy has no vote deadline to miss")
        #expect(machine.handle(.led(Epoch(4)), now: 10_001, hearing: nil).contains(.promoted(Epoch(4), forced: true)))
    }

    /// Found by the role simulation: a master fenced by epoch 6 was forced to promote and
    /// began epoch 6 a second time.
    @Test func aPromotionAsksForAnEpochAboveEveryEpochShown() {
        var fenced = RoleMachine(me: Self.a, role: .active, epoch: Epoch(5), ballot: Ballot())
        _ = fenced.handle(.higherEpoch(Epoch(6), from: "b"), now: 0, hearing: nil)
        #expect(promote(&fenced, force: true, at: Self.position(5, 100)).contains(.lead(Epoch(7))))
        // A candidate that still hears the active master (so never granted itself) learns a
        // voter's promise of epoch 8 from its refusal.
        var hearing = follower(epoch: 5)
        func active(_ now: Int64) -> ActiveContact { ActiveContact(address: "a:9419", epoch: Epoch(5), lastHeard: now) }
        let position = Self.position(5, 100)
        _ = hearing.handle(
            .promote(force: false, position: position, voters: Self.three, votersVersion: MetaVersion(10)), now: 1, hearing: active(1))
        _ = hearing.handle(
            .voteRefused(voter: Self.m, epoch: Epoch(6), reason: "", promised: Epoch(8), promisedTo: Self.c), now: 2, hearing: active(2))
        _ = hearing.handle(.tick, now: 3_000, hearing: active(3_000))  // the wait runs out
        #expect(!hearing.isPromoting && hearing.ballot.promised == .zero)
        let forced = hearing.handle(
            .promote(force: true, position: position, voters: Self.three, votersVersion: MetaVersion(10)), now: 3_001, hearing: nil)
        #expect(forced.contains(.lead(Epoch(9))), "\(forced)")
    }

    /// Found by the role simulation: B promoted at version 100 of epoch 3 while it still heard
    /// A, kept following A into epoch 4 (acknowledging), then granted itself with the old
    /// position; M's older log looked newer, and taking it cut B's epoch-4 changes.
    @Test func aCandidatesOwnGrantNamesItsLogWhenCastNotWhenPromoted() {
        var machine = follower()
        func active(_ now: Int64) -> ActiveContact { ActiveContact(address: "a:9419", epoch: Epoch(4), lastHeard: now) }
        _ = machine.handle(
            .promote(force: false, position: Self.position(3, 100), voters: Self.three, votersVersion: MetaVersion(10)), now: 0,
            hearing: active(0))
        #expect(machine.handle(.logAdvanced(Self.position(4, 180)), now: 50, hearing: active(50)).isEmpty)
        _ = machine.handle(.tick, now: 400, hearing: active(50))  // A is silent now: B grants itself
        #expect(machine.candidacy?.grants[Self.b] == Self.position(4, 180))
        let granted = machine.handle(
            .voteGranted(
                voter: Self.m, epoch: Epoch(5), position: Self.position(3, 150), voters: Self.three, votersVersion: MetaVersion(10)),
            now: 401, hearing: nil)
        #expect(granted.contains(.lead(Epoch(5))), "its own log is the newest: nothing to take, \(granted)")
    }

    @Test func aFencedMasterIsPromotedOnlyWithForce() {
        var machine = RoleMachine(me: Self.b, role: .fenced, epoch: Epoch(3), ballot: Ballot())
        let refused = promote(&machine)
        #expect(refused.count == 1 && { if case .promotionRefused(_, retry: false) = refused[0] { true } else { false } }())
    }

    // MARK: voting for others

    @Test func aVoterGrantsEachEpochOnceAndPersistsFirst() {
        var machine = RoleMachine(me: Self.m, role: .follower, epoch: Epoch(3), ballot: Ballot())
        let first = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 90), position: Self.position(3, 90)), now: 0,
            hearing: nil)
        #expect(
            first == [
                .persistPromise(Ballot(promised: Epoch(4), candidate: Self.b)),
                .answerVote(to: Self.b, epoch: Epoch(4), granted: true, reason: nil),
            ])
        let again = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 90), position: Self.position(3, 90)), now: 1,
            hearing: nil)
        #expect(again == [.answerVote(to: Self.b, epoch: Epoch(4), granted: true, reason: nil)], "a retry is answered alike")
        let other = machine.handle(
            .voteRequest(candidate: Self.c, epoch: Epoch(4), candidateLog: Self.position(3, 90), position: Self.position(3, 90)), now: 2,
            hearing: nil)
        #expect(other.count == 1 && { if case .answerVote(_, _, false, _) = other[0] { true } else { false } }())
        #expect(!machine.ballot.accepts(masterEpoch: Epoch(3)), "the old master's changes are refused after the promise")
    }

    @Test func aVoterThatHearsTheActiveMasterRefuses() {
        var machine = RoleMachine(me: Self.m, role: .follower, epoch: Epoch(3), ballot: Ballot())
        let hearing = ActiveContact(address: "a:9419", epoch: Epoch(3), lastHeard: 90)
        let answer = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 90), position: Self.position(3, 90)), now: 100,
            hearing: hearing)
        #expect(
            answer.count == 1 && { if case .answerVote(_, _, false, let why?) = answer[0] { why.contains("still hears") } else { false } }()
        )
        #expect(machine.ballot == Ballot())
    }

    @Test func theActiveMasterNeverGrants() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        let answer = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 90), position: Self.position(3, 90)), now: 0,
            hearing: nil)
        #expect(answer.count == 1 && { if case .answerVote(_, _, false, _) = answer[0] { true } else { false } }())
    }

    @Test func aCandidateAskedForAHigherEpochStepsDownAndGrants() {
        var machine = follower()
        _ = promote(&machine)
        let answer = machine.handle(
            .voteRequest(candidate: Self.c, epoch: Epoch(5), candidateLog: Self.position(3, 100), position: Self.position(3, 100)), now: 1,
            hearing: nil)
        #expect(!machine.isPromoting)
        #expect(answer.contains(.answerVote(to: Self.c, epoch: Epoch(5), granted: true, reason: nil)))
        // The same epoch as its own candidacy is refused.
        var racing = follower()
        _ = promote(&racing)
        let same = racing.handle(
            .voteRequest(candidate: Self.c, epoch: Epoch(4), candidateLog: Self.position(3, 100), position: Self.position(3, 100)), now: 1,
            hearing: nil)
        #expect(
            same.contains(
                .answerVote(to: Self.c, epoch: Epoch(4), granted: false, reason: "epoch 4 is promised to member \(Self.b) already")))
    }

    @Test func ofTwoCandidatesForOneEpochTheBetterClaimWins() {
        // C (0xC) is a candidate for epoch 4 at (3, 100); B asks for epoch 4 with a newer log.
        var machine = follower(Self.c)
        _ = promote(&machine)
        let answer = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 120), position: Self.position(3, 100)), now: 1,
            hearing: nil)
        #expect(!machine.isPromoting)
        #expect(answer.contains(.persistPromise(Ballot(promised: Epoch(4), candidate: Self.b))))
        #expect(answer.contains(.answerVote(to: Self.b, epoch: Epoch(4), granted: true, reason: nil)))
        // With equal logs the lower member id wins: B (0xB) over C (0xC).
        var c = follower(Self.c)
        _ = promote(&c)
        let tie = c.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 100), position: Self.position(3, 100)), now: 1,
            hearing: nil)
        #expect(tie.contains(.answerVote(to: Self.b, epoch: Epoch(4), granted: true, reason: nil)))
    }

    @Test func aCandidateRefusedForAnotherPromiseAsksForTheNextEpoch() {
        var machine = follower()
        _ = promote(&machine)
        let directives = machine.handle(
            .voteRefused(voter: Self.m, epoch: Epoch(4), reason: "promised", promised: Epoch(4), promisedTo: Self.c), now: 5, hearing: nil)
        #expect(machine.candidacy?.epoch == Epoch(5))
        #expect(directives.contains(.persistPromise(Ballot(promised: Epoch(5), candidate: Self.b))))
        #expect(directives.contains(.requestVotes(epoch: Epoch(5), from: [Self.m])))
    }

    @Test func aCandidateThatWonNoLongerStepsDown() {
        let voters = VoterSet(syncReplicas: 1, leader: Self.a, members: [Self.a: .master, Self.c: .master, Self.m: .metalogger])
        var machine = follower(Self.c)
        _ = promote(&machine, voters: voters)
        let won = machine.handle(
            .voteGranted(voter: Self.m, epoch: Epoch(4), position: Self.position(3, 250), voters: voters, votersVersion: MetaVersion(10)),
            now: 2, hearing: nil)
        #expect(won.contains(.catchUp(from: Self.m, through: Self.position(3, 250))))
        let answer = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(5), candidateLog: Self.position(3, 300), position: Self.position(3, 100)), now: 3,
            hearing: nil)
        #expect(machine.isPromoting)
        #expect(answer.count == 1 && { if case .answerVote(_, _, false, _) = answer[0] { true } else { false } }())
        // A won candidacy asks for its catch-up once, whatever arrives after.
        #expect(machine.handle(.tick, now: 100, hearing: nil).isEmpty)
        let late = machine.handle(
            .voteGranted(voter: Self.a, epoch: Epoch(4), position: Self.position(3, 90), voters: voters, votersVersion: MetaVersion(10)),
            now: 101, hearing: nil)
        #expect(late.isEmpty)
    }

    // MARK: fencing

    @Test func aHigherEpochFencesTheActiveMaster() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        #expect(machine.handle(.higherEpoch(Epoch(3), from: "x"), now: 0, hearing: nil).isEmpty)
        let directives = machine.handle(.higherEpoch(Epoch(4), from: "x"), now: 0, hearing: nil)
        #expect(directives.contains(.fence("stale: epoch 4 exists")) && directives.contains(.follow))
        #expect(machine.role == .fenced)
        #expect(machine.handle(.caughtUpWithActive, now: 1, hearing: nil).count == 1 && machine.role == .follower)
    }

    @Test func demoteFencesAndFollows() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        let directives = machine.handle(.demote, now: 0, hearing: nil)
        #expect(directives.contains(.fence("demoted")) && machine.role == .fenced)
    }

    static func refused(_ directives: [RoleMachine.Directive]) -> Bool {
        directives.contains { if case .promotionRefused = $0 { true } else { false } }
    }

    /// After a healed partition both masters can end fenced: the new one demoted (its announcer
    /// lost the address to the old one, which then fenced itself). The demoted one wrote the
    /// newest log of the highest epoch, so it may stand again without force.
    @Test func aDemotedMasterOfTheHighestEpochMayStandAgain() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        _ = machine.handle(.demote, now: 0, hearing: nil)
        let directives = promote(&machine, at: Self.position(3, 100), now: 10)
        #expect(!Self.refused(directives), "\(directives)")
        #expect(directives.contains(.requestVotes(epoch: Epoch(4), from: [Self.b, Self.m])), "\(directives)")
    }

    @Test func aDemotedMasterThatLearnedOfAHigherEpochMayNotStand() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        _ = machine.handle(.demote, now: 0, hearing: nil)
        _ = machine.handle(.higherEpoch(Epoch(4), from: "b"), now: 1, hearing: nil)
        #expect(Self.refused(promote(&machine, now: 10)))
    }

    @Test func aDemotedMasterThatPromisedAHigherEpochMayNotStand() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        _ = machine.handle(.demote, now: 0, hearing: nil)
        let answer = machine.handle(
            .voteRequest(candidate: Self.b, epoch: Epoch(4), candidateLog: Self.position(3, 100), position: Self.position(3, 100)),
            now: 1, hearing: nil)
        #expect(answer.contains(.answerVote(to: Self.b, epoch: Epoch(4), granted: true, reason: nil)), "\(answer)")
        #expect(Self.refused(promote(&machine, now: 10)))
    }

    @Test func aMasterFencedAsStaleMayNotStandEvenAfterADemote() {
        var machine = RoleMachine(me: Self.a, role: .active, epoch: Epoch(3), ballot: Ballot())
        _ = machine.handle(.higherEpoch(Epoch(4), from: "b"), now: 0, hearing: nil)
        _ = machine.handle(.demote, now: 1, hearing: nil)
        #expect(Self.refused(promote(&machine, now: 10)))
    }
}
