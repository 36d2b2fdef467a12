import MFSCore
import MFSReplication
import Testing

@Suite struct SyncTrackerTests {
    /// A tracker needing `k` acks, with a 1,000 ms timeout, after version `appended`, and peers
    /// 1, 2, 3… named a, b, c… that acked `acks`.
    func tracker(k: Int, degrade: Bool = true, appended: UInt64 = 100, acks: [UInt64] = []) -> SyncTracker {
        var t = SyncTracker(required: k, timeoutMilliseconds: 1_000, degrade: degrade, appended: MetaVersion(appended))
        for (i, ack) in acks.enumerated() {
            t.joined(i + 1, name: String(UnicodeScalar(UInt8(0x61 + i))), acked: MetaVersion(ack))
        }
        return t
    }

    // MARK: counting acks

    @Test func noneRequiredMeansEverythingIsReplicated() {
        for degrade in [true, false] {
            for acks in [[], [5], [5, 9]] as [[UInt64]] {
                let t = tracker(k: 0, degrade: degrade, acks: acks)
                #expect(t.needed == 0)
                #expect(t.replicated == MetaVersion(.max))
                #expect(t.degradedReason == nil)
            }
        }
    }

    @Test func oneRequiredIsTheHighestAck() {
        var t = tracker(k: 1, acks: [50, 90, 70])
        #expect(t.needed == 1)
        #expect(t.replicated == MetaVersion(90))
        #expect(t.degradedReason == nil)
        t.acked(1, MetaVersion(95))
        #expect(t.replicated == MetaVersion(95))
    }

    @Test func kRequiredIsTheKthHighestAck() {
        let acks: [UInt64] = [50, 90, 70, 60]
        #expect(tracker(k: 2, acks: acks).replicated == MetaVersion(70))
        #expect(tracker(k: 3, acks: acks).replicated == MetaVersion(60))
        #expect(tracker(k: 4, acks: acks).replicated == MetaVersion(50))
        var t = tracker(k: 2, acks: acks)
        t.acked(1, MetaVersion(95))  // a: 95, b: 90
        #expect(t.replicated == MetaVersion(90))
    }

    @Test func equalAcksCountSeparately() {
        #expect(tracker(k: 2, acks: [80, 80, 10]).replicated == MetaVersion(80))
    }

    @Test func anAckBelowThePeersLastIsIgnored() {
        var t = tracker(k: 1, acks: [90])
        t.acked(1, MetaVersion(40))
        #expect(t.peers[1]?.acked == MetaVersion(90))
        #expect(t.replicated == MetaVersion(90))
    }

    @Test func anAckFromAnUnknownPeerIsIgnored() {
        var t = tracker(k: 1, acks: [90])
        t.acked(7, MetaVersion(99))
        #expect(t.peers.count == 1)
        #expect(t.replicated == MetaVersion(90))
    }

    @Test func appendedNeverGoesBack() {
        var t = tracker(k: 1, appended: 100)
        t.appended(MetaVersion(120))
        t.appended(MetaVersion(110))
        #expect(t.appended == MetaVersion(120))
    }

    // MARK: degrade

    @Test func fewerPeersThanRequiredDegrades() throws {
        let t = tracker(k: 2, acks: [90])
        #expect(t.needed == 1)
        #expect(t.replicated == MetaVersion(90))
        let reason = try #require(t.degradedReason)
        #expect(reason == "SYNC_REPLICAS = 2 but 1 peer is in step")
    }

    @Test func noPeersWithDegradeGoesOnAsynchronously() throws {
        let t = tracker(k: 1)
        #expect(t.needed == 0)
        #expect(t.replicated == MetaVersion(.max))
        #expect(try #require(t.degradedReason) == "SYNC_REPLICAS = 1 but 0 peers are in step")
    }

    @Test func enoughPeersIsNotDegraded() {
        let t = tracker(k: 2, acks: [90, 80, 70])
        #expect(t.needed == 2)
        #expect(t.degradedReason == nil)
    }

    @Test func nothingExpiresBeforeTheTimeout() {
        var t = tracker(k: 2, acks: [100, 50])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 5_000, now: 5_999).isEmpty)
        #expect(t.peers.values.allSatisfy { !$0.lagging })
        #expect(t.needed == 2)
        #expect(t.replicated == MetaVersion(50))
    }

    @Test func expireMarksOnlyPeersBehindTheOldestWaiting() throws {
        var t = tracker(k: 2, acks: [100, 50, 60, 59])
        // Waiting for 60 since 5,000: at 6,000 the timeout has passed.
        let expired = t.expire(oldestWaiting: MetaVersion(60), waitingSince: 5_000, now: 6_000)
        #expect(expired == ["b", "d"])
        #expect(t.peers[1]?.lagging == false)
        #expect(t.peers[2]?.lagging == true)
        #expect(t.peers[3]?.lagging == false, "a peer that acked the oldest waiting version is in time")
        #expect(t.peers[4]?.lagging == true)
        #expect(t.needed == 2)
        #expect(t.replicated == MetaVersion(60))
        #expect(t.degradedReason == nil, "two peers are still counted")
    }

    @Test func expiredPeersAreNamedInTheReason() throws {
        var t = tracker(k: 3, acks: [100, 50, 40])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000) == ["b", "c"])
        #expect(t.needed == 1)
        #expect(t.replicated == MetaVersion(100))
        #expect(try #require(t.degradedReason) == "SYNC_REPLICAS = 3 but 1 peer is in step (too slow: b, c)")
    }

    @Test func aLaggingPeerIsNotListedTwice() {
        var t = tracker(k: 2, acks: [100, 50])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000) == ["b"])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 5_000).isEmpty)
    }

    @Test func allPeersLaggingGoesOnAsynchronously() throws {
        var t = tracker(k: 1, acks: [50, 40])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000) == ["a", "b"])
        #expect(t.needed == 0)
        #expect(t.replicated == MetaVersion(.max))
        #expect(try #require(t.degradedReason) == "SYNC_REPLICAS = 1 but 0 peers are in step (too slow: a, b)")
    }

    @Test func aLaggingPeerCountsAgainOnceItCatchesUp() {
        var t = tracker(k: 2, appended: 100, acks: [100, 50])
        _ = t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000)
        #expect(t.peers[2]?.lagging == true)
        // It must reach what was appended when it was dropped (100), not only the waiting 60.
        t.appended(MetaVersion(130))
        t.acked(2, MetaVersion(60))
        #expect(t.peers[2]?.lagging == true)
        t.acked(2, MetaVersion(99))
        #expect(t.peers[2]?.lagging == true)
        #expect(t.needed == 1)
        t.acked(2, MetaVersion(100))
        #expect(t.peers[2]?.lagging == false)
        #expect(t.needed == 2)
        #expect(t.degradedReason == nil)
        #expect(t.replicated == MetaVersion(100))
    }

    @Test func aLaggingPeerThatJumpsPastItsMarkCountsAgain() {
        var t = tracker(k: 2, appended: 100, acks: [100, 50])
        _ = t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000)
        t.acked(2, MetaVersion(101))
        #expect(t.peers[2]?.lagging == false)
    }

    // MARK: without degrade

    @Test func withoutDegradeNothingExpires() {
        var t = tracker(k: 2, degrade: false, acks: [100, 50])
        #expect(t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000_000).isEmpty)
        #expect(t.peers.values.allSatisfy { !$0.lagging })
        #expect(t.needed == 2)
        #expect(t.replicated == MetaVersion(50))
        #expect(t.degradedReason == nil)
    }

    @Test func withoutDegradeNeededStaysKWithFewerPeers() {
        let none = tracker(k: 2, degrade: false)
        #expect(none.needed == 2)
        #expect(none.replicated == .zero)
        let one = tracker(k: 2, degrade: false, acks: [90])
        #expect(one.needed == 2)
        #expect(one.replicated == .zero)
        #expect(one.degradedReason == nil, "it waits rather than degrades")
    }

    // MARK: waiting for peers

    @Test func aLoneMasterWithoutDegradeSaysItWaitsOnceTheTimeoutHasPassed() throws {
        let t = tracker(k: 1, degrade: false)
        #expect(t.replicated == .zero)
        #expect(t.waitingForPeers(oldestWaiting: MetaVersion(101), waitingSince: 5_000, now: 5_999) == nil, "before SYNC_TIMEOUT")
        let reason = try #require(t.waitingForPeers(oldestWaiting: MetaVersion(101), waitingSince: 5_000, now: 6_200))
        #expect(
            reason == "a change has waited 1200 ms (SYNC_TIMEOUT 1000 ms) for SYNC_REPLICAS = 1 peer acknowledgement; peers in step: none")
    }

    @Test func waitingForPeersNamesThePeersInStep() throws {
        let t = tracker(k: 3, degrade: false, acks: [100, 90])
        let reason = try #require(t.waitingForPeers(oldestWaiting: MetaVersion(95), waitingSince: 0, now: 1_000))
        #expect(reason.hasSuffix("for SYNC_REPLICAS = 3 peer acknowledgements; peers in step: 2 (a, b)"), "\(reason)")
    }

    @Test func aReplicatedChangeOrNoneRequiredIsNotWaiting() {
        #expect(
            tracker(k: 1, degrade: false, acks: [100]).waitingForPeers(oldestWaiting: MetaVersion(100), waitingSince: 0, now: 9_000) == nil)
        #expect(tracker(k: 0, degrade: false).waitingForPeers(oldestWaiting: MetaVersion(100), waitingSince: 0, now: 9_000) == nil)
        // With degrade and no peer, nothing waits: the master goes on asynchronously.
        #expect(tracker(k: 1, degrade: true).waitingForPeers(oldestWaiting: MetaVersion(100), waitingSince: 0, now: 9_000) == nil)
    }

    // MARK: peers coming and going

    @Test func aPeerThatLeftIsNoLongerCounted() throws {
        var t = tracker(k: 2, acks: [100, 90, 50])
        #expect(t.replicated == MetaVersion(90))
        t.left(2)
        #expect(t.peers[2] == nil)
        #expect(t.peers.count == 2)
        #expect(t.replicated == MetaVersion(50))
        t.left(1)
        #expect(t.needed == 1)
        #expect(t.replicated == MetaVersion(50))
        #expect(try #require(t.degradedReason) == "SYNC_REPLICAS = 2 but 1 peer is in step")
        t.left(9)  // unknown: nothing happens
        #expect(t.peers.count == 1)
    }

    @Test func aLaggingPeerThatLeavesIsNoLongerNamed() throws {
        var t = tracker(k: 2, acks: [100, 50])
        _ = t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000)
        t.left(2)
        #expect(try #require(t.degradedReason) == "SYNC_REPLICAS = 2 but 1 peer is in step")
    }

    @Test func aPeerThatRejoinsStartsCounted() {
        var t = tracker(k: 1, acks: [50])
        _ = t.expire(oldestWaiting: MetaVersion(60), waitingSince: 0, now: 1_000)
        #expect(t.peers[1]?.lagging == true)
        t.joined(1, name: "a", acked: MetaVersion(80))
        #expect(t.peers[1]?.lagging == false)
        #expect(t.replicated == MetaVersion(80))
    }

    // MARK: voters (DESIGN §7.2)

    @Test func onlyVotersAcknowledgementsCount() {
        var t = SyncTracker(required: 1, timeoutMilliseconds: 1_000, degrade: false, appended: MetaVersion(100))
        t.countOnly([MemberID(1)])
        t.joined(1, name: "voter", acked: .zero, member: MemberID(1))
        t.joined(2, name: "not a voter", acked: .zero, member: MemberID(2))
        t.joined(3, name: "no id", acked: .zero)
        t.acked(2, MetaVersion(100))
        t.acked(3, MetaVersion(100))
        #expect(t.replicated == .zero, "a change acknowledged only by peers that do not vote is not replicated")
        t.acked(1, MetaVersion(60))
        #expect(t.replicated == MetaVersion(60))
    }

    @Test func aNewVoterCountsOnceItsVotersChangeIsReplicatedByTheVotersBefore() {
        var t = SyncTracker(required: 1, timeoutMilliseconds: 1_000, degrade: false, appended: MetaVersion(100))
        t.countOnly([MemberID(1)])
        t.joined(1, name: "m", acked: .zero, member: MemberID(1))
        t.joined(2, name: "b", acked: .zero, member: MemberID(2))
        t.votersRecorded([MemberID(1), MemberID(2)], at: MetaVersion(101))
        t.appended(MetaVersion(150))
        t.acked(2, MetaVersion(150))
        #expect(t.replicated == .zero, "b is not a voter before its VOTERS change is on the old voters")
        t.acked(1, MetaVersion(101))
        #expect(t.voters == [MemberID(1), MemberID(2)])
        #expect(t.replicated == MetaVersion(150), "b counts now")
    }

    @Test func votersThatCouldNeverReplicateGiveWayAtOnce() {
        var t = SyncTracker(required: 1, timeoutMilliseconds: 1_000, degrade: false, appended: MetaVersion(10))
        t.countOnly([])
        t.joined(1, name: "m", acked: .zero, member: MemberID(1))
        t.votersRecorded([MemberID(1)], at: MetaVersion(11))
        #expect(t.voters == [MemberID(1)], "a lone master's set of no voters acknowledged nothing: the new set counts at once")
        t.acked(1, MetaVersion(11))
        #expect(t.replicated == MetaVersion(11))
    }
}
