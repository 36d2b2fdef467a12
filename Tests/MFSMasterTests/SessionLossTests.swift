import Foundation
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMaster

/// A session the metadata holds as connected that no connection of the active master speaks
/// for (a failover's clients that never come back, a register whose connection ended before
/// it was answered) is marked lost once it has gone unclaimed for the claim time, so it
/// expires with its open files and locks; one a connection claims in time is left alone.
@Suite struct SessionLossTests {
    static let claimTime = Duration.seconds(60)
    let a = SessionID(1)
    let b = SessionID(2)
    let c = SessionID(3)

    @Test func aSessionUnclaimedForTheClaimTimeIsDue() {
        var sweep = UnclaimedSessions()
        #expect(sweep.due(connected: [a, b, c], claimed: [c], now: .seconds(0), after: Self.claimTime).isEmpty)
        #expect(sweep.due(connected: [a, b, c], claimed: [c], now: .seconds(59), after: Self.claimTime).isEmpty)
        // b's client came back at 59 s; a's never did.
        #expect(sweep.due(connected: [a, b, c], claimed: [b, c], now: .seconds(60), after: Self.claimTime) == [a])
    }

    /// A session claimed for a while and then let go again starts its claim time afresh, and a
    /// session that left the connected ones (marked lost, closed) is forgotten.
    @Test func theClaimTimeStartsWhenTheSessionIsSeenUnclaimed() {
        var sweep = UnclaimedSessions()
        _ = sweep.due(connected: [a, b], claimed: [], now: .seconds(0), after: Self.claimTime)
        _ = sweep.due(connected: [a, b], claimed: [a], now: .seconds(30), after: Self.claimTime)
        #expect(sweep.due(connected: [a], claimed: [], now: .seconds(40), after: Self.claimTime).isEmpty)
        #expect(sweep.due(connected: [a, b], claimed: [], now: .seconds(99), after: Self.claimTime).isEmpty)
        #expect(sweep.due(connected: [a, b], claimed: [], now: .seconds(100), after: Self.claimTime) == [a])
        #expect(sweep.due(connected: [b], claimed: [], now: .seconds(160), after: Self.claimTime) == [b])
    }

    /// A master that stops being active forgets what it saw: after its next promotion the
    /// clients get the whole claim time again.
    @Test func aResetStartsEveryClaimTimeAfresh() {
        var sweep = UnclaimedSessions()
        _ = sweep.due(connected: [a], claimed: [], now: .seconds(0), after: Self.claimTime)
        sweep.reset()
        #expect(sweep.due(connected: [a], claimed: [], now: .seconds(60), after: Self.claimTime).isEmpty)
        #expect(sweep.due(connected: [a], claimed: [], now: .seconds(120), after: Self.claimTime) == [a])
    }

    /// The claims a connection holds: an established connection that ends while another is
    /// resuming its session does not mark it lost; an attempt that gives up lets it go for the
    /// sweep; the last owner's end marks it.
    @Test func aSessionBeingResumedIsNeverToBeMarkedLost() {
        final class Connection {}
        let (first, second, third) = (Connection(), Connection(), Connection())
        var claims = SessionClaims()
        claims.claim(a)
        #expect(claims.isClaimed(a) && claims.claimed == [a])
        claims.established(a, by: ObjectIdentifier(first), claimed: true)
        // The client resumes on a second connection while the first is still up, and on a third.
        claims.claim(a)
        claims.claim(a)
        let firstEnds = claims.release(a, by: ObjectIdentifier(first))
        #expect(!firstEnds, "ended while being resumed: not to be marked lost")
        #expect(claims.isClaimed(a))
        claims.endOpening(a)  // the third gave up
        #expect(claims.isClaimed(a), "the second still resumes it")
        claims.established(a, by: ObjectIdentifier(second), claimed: true)
        let thirdEnds = claims.release(a, by: ObjectIdentifier(third))
        #expect(!thirdEnds, "a connection that never owned it marks nothing")
        let secondEnds = claims.release(a, by: ObjectIdentifier(second))
        #expect(secondEnds, "the last owner's end marks it lost")
        #expect(!claims.isClaimed(a) && claims.claimed.isEmpty)
        // An opening that gives up leaves nothing behind: the sweep will find it unclaimed.
        claims.claim(b)
        claims.endOpening(b)
        #expect(!claims.isClaimed(b))
    }
}

/// The same end to end: after a failover, the promoted master marks lost the session of a
/// client that never came back, once `SESSION_CLAIM_TIME` has passed, and leaves alone the
/// session of a client that came back at once.
@Suite(.serialized) struct UnclaimedSessionProcessTests {
    @Test func aClientThatNeverComesBackAfterAFailoverHasItsSessionMarkedLost() throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["SYNC_REPLICAS": "0", "SESSION_CLAIM_TIME": "1s"])
        try follower.start()
        let gone = try active.connect()
        let goneGrant = try gone.open()
        let back = try active.connect()
        let backGrant = try back.open()
        #expect(eventually { (try? follower.status())?.version == (try? active.status())?.version }, "the follower caught up")
        active.crash()
        let (code, body) = try follower.post("/promote")
        #expect(code == 200, "\(body)")
        let again = try follower.connect()
        guard case .established = try again.handshake(resume: backGrant.session).1 else {
            Issue.record("the returning client could not resume its session")
            return
        }
        let marked = { follower.log.split(separator: "\n").filter { $0.contains("session claimed by no connection") } }
        #expect(eventually(20) { !marked().isEmpty }, "no session was marked lost")
        usleep(6_000_000)  // one more sweep: the returning client's session stays claimed
        #expect(marked().count == 1 && marked().first?.contains("session=\(goneGrant.session)") == true, "\(marked())")
        withExtendedLifetime((gone, back, again)) {}
        #expect(follower.stop() == 0)
    }
}
