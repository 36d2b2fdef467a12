import Foundation
import MFSChangelog
import MFSCore
import Synchronization
import Testing

@testable import MFSMaster

/// The hub's rules for replies waiting on peers (DESIGN §6), without processes: a peer counts
/// for a version only once it has acknowledged it (stored on its disk).
@Suite struct ReplicationHubTests {
    /// `SYNC_REPLICAS = 1`, `SYNC_DEGRADE = 0`, with changes 1…5 made.
    private func hub() -> ReplicationHub {
        let hub = ReplicationHub(
            settings: ReplicationHub.Settings(syncReplicas: 1, degrade: false), after: .zero, epoch: .zero, epochStart: .zero)
        for v in 1...5 {
            let record = ChangelogRecord(version: MetaVersion(UInt64(v)), time: UnixTime(1), change: .idle)
            hub.recorded(record, line: ChangelogCodec.format(record))
        }
        return hub
    }

    private final class Released: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// A peer that downloads the metadata at version 5 holds it only once it has installed it
    /// and says so: sending the download is not enough to answer a reply waiting for 5.
    @Test func aDownloadingPeerCountsOnlyOnceItAcknowledgesTheDownload() {
        let hub = hub()
        let released = Released()
        hub.whenReplicated(MetaVersion(5)) { if $0 { released.count.add(1, ordering: .relaxed) } }
        let id = hub.join(name: "p", role: "metalogger", holds: MetaVersion(5), streaming: false, wake: {})
        hub.startStreaming(id)
        _ = hub.tick()
        #expect(released.value == 0, "a reply was released before the peer stored the download")
        #expect(hub.ack(id, MetaVersion(5)))
        #expect(released.value == 1)
    }

    /// A peer that rejoins counts from its first acknowledgement (the link sends one at once
    /// for what it holds): a waiting reply goes out then.
    @Test func aRejoiningPeerReleasesWaitingRepliesWithItsAcknowledgement() {
        let hub = hub()
        let released = Released()
        hub.whenReplicated(MetaVersion(5)) { if $0 { released.count.add(1, ordering: .relaxed) } }
        let id = hub.join(name: "p", role: "metalogger", holds: MetaVersion(3), streaming: true, wake: {})
        _ = hub.tick()
        #expect(released.value == 0)
        #expect(hub.ack(id, MetaVersion(3)))
        #expect(released.value == 0)
        #expect(hub.batch(for: id, maxBytes: 1 << 20)?.count == 2)
        #expect(hub.ack(id, MetaVersion(5)))
        #expect(released.value == 1)
    }

    /// A master that stops being active answers every waiting reply at once, never as
    /// acknowledged, and every later one too until it is active again.
    @Test func aFenceAnswersEveryWaitingReplyNotReplicated() {
        let hub = hub()
        let outcomes = Mutex<[Bool]>([])
        hub.whenReplicated(MetaVersion(4)) { ok in outcomes.withLock { $0.append(ok) } }
        hub.whenReplicated(MetaVersion(5)) { ok in outcomes.withLock { $0.append(ok) } }
        #expect(outcomes.withLock { $0 }.isEmpty)
        hub.fence(true)
        #expect(outcomes.withLock { $0 } == [false, false])
        hub.whenReplicated(MetaVersion(5)) { ok in outcomes.withLock { $0.append(ok) } }
        #expect(outcomes.withLock { $0 } == [false, false, false])
        hub.fence(false)
        let id = hub.join(name: "p", role: "metalogger", holds: MetaVersion(5), streaming: true, wake: {})
        #expect(hub.ack(id, MetaVersion(5)))
        hub.whenReplicated(MetaVersion(5)) { ok in outcomes.withLock { $0.append(ok) } }
        #expect(outcomes.withLock { $0 } == [false, false, false, true])
    }
    /// A master is isolated when fewer counted peers than `SYNC_REPLICAS` were heard lately
    /// (`MasterStatus.Replication.isolated`): a peer is heard when it joins and with each
    /// acknowledgement, a heartbeat's answer (the version it acked already) included, which
    /// adds no lag sample; a peer that is not a voter, once voters count, is not counted.
    @Test func aPeerIsHeardWithEachAcknowledgementHeartbeatsIncluded() {
        let hub = hub()
        let id = hub.join(name: "p", role: "follower", member: MemberID(7), holds: MetaVersion(5), streaming: true, wake: {})
        #expect(hub.votersHeard(within: 10_000) == 1)
        #expect(hub.ack(id, MetaVersion(5)))
        let samples = hub.peers.first?.lagP50Milliseconds
        // Windows far from the pauses, so a descheduled test thread cannot turn either check.
        usleep(400_000)
        #expect(hub.votersHeard(within: 200) == 0, "silent for 400 ms")
        #expect(hub.votersHeard(within: 10_000) == 1)
        #expect(hub.ack(id, MetaVersion(5)), "a heartbeat's answer repeats the version")
        #expect(hub.votersHeard(within: 200) == 1)
        #expect(hub.peers.first?.lagP50Milliseconds == samples, "a repeated version is not a new lag sample")
        hub.countVoters([MemberID(7)], me: MemberID(1))
        #expect(hub.votersHeard(within: 10_000) == 1)
        hub.countVoters([MemberID(8)], me: MemberID(1))
        #expect(hub.votersHeard(within: 10_000) == 0, "not a voter: heard, not counted")
    }

    /// Isolation is about hearing, not speed: a voter that `SYNC_DEGRADE` counted out of the
    /// acknowledgements (too slow) is still heard, so its master is not isolated.
    @Test func aVoterCountedOutAsTooSlowIsStillHeard() {
        let hub = ReplicationHub(
            settings: ReplicationHub.Settings(syncReplicas: 1, syncTimeoutMilliseconds: 10, degrade: true), after: .zero, epoch: .zero,
            epochStart: .zero)
        for v in 1...5 {
            let record = ChangelogRecord(version: MetaVersion(UInt64(v)), time: UnixTime(1), change: .idle)
            hub.recorded(record, line: ChangelogCodec.format(record))
        }
        let id = hub.join(name: "p", role: "metalogger", holds: MetaVersion(3), streaming: true, wake: {})
        #expect(hub.ack(id, MetaVersion(3)))
        hub.whenReplicated(MetaVersion(5)) { _ in }
        usleep(400_000)
        #expect(hub.tick() == ["p"], "counted out after SYNC_TIMEOUT")
        #expect(hub.peers.first?.inStep == false)
        #expect(hub.votersHeard(within: 200) == 0, "silent for 400 ms")
        #expect(hub.ack(id, MetaVersion(3)), "a heartbeat's answer")
        #expect(hub.votersHeard(within: 200) == 1)
    }
}
