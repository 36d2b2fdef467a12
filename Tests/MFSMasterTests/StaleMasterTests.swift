import Foundation
import MFSConfig
import MFSCore
import MFSTestSupport
import MFSWire
import Testing

/// An old active master that a partition cut off while another was promoted (DESIGN §7.6):
/// it must learn of the newer epoch from any peer that has seen it, and the newer master must
/// not be demoted in its favour when the healed partition gives it the virtual IP first.
/// (The whole sequence, with announcers, runs in MFSFailoverTests.)
@Suite(.serialized) struct StaleMasterTests {
    /// A metalogger or follower that has seen a newer epoch refuses to follow the old master
    /// and leaves before any register: its hello alone must fence that master (it used to
    /// fence only on a register, so a healed partition left the old master active).
    @Test(arguments: [PeerRole.metalogger, .follower])
    func aPeerHelloOfANewerEpochFencesTheMaster(role: PeerRole) throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let (_, reply) = try PeerPortBadInputTests.hello(master, role: role)
        #expect(try master.status().role == "active", "a new peer (epoch 0, no cluster yet) fences nothing")
        let (c, _) = try PeerPortBadInputTests.hello(master, role: role, metaID: reply.metaID, epoch: Epoch(2))
        _ = c
        #expect(eventually(5) { (try? master.status().role) == "fenced" }, "\(role)")
        #expect(master.log.contains("has seen epoch 2"))
    }

    /// With `AUTH_CODE` set, the hello fences only once the peer proved the code.
    @Test func withAuthCodeOnlyAProvenPeerFencesTheMaster() throws {
        let master = try MasterProcess.active(syncReplicas: 0, extra: ["AUTH_CODE": "peer-secret"])
        try master.start()
        let (first, reply) = try PeerPortBadInputTests.hello(master)
        _ = first
        let (wrong, challenge) = try PeerPortBadInputTests.hello(master, metaID: reply.metaID, epoch: Epoch(2))
        wrong.send(AuthResponse(response: passwordResponse(secretDigest: passwordDigest("guess"), challenge: challenge.challenge)).encode())
        #expect(wrong.isClosedByMaster())
        let (silent, _) = try PeerPortBadInputTests.hello(master, metaID: reply.metaID, epoch: Epoch(2))
        usleep(300_000)
        #expect(try master.status().role == "active", "an unproven hello fenced the master")
        _ = silent
        let (proven, asked) = try PeerPortBadInputTests.hello(master, metaID: reply.metaID, epoch: Epoch(2))
        proven.send(
            AuthResponse(response: passwordResponse(secretDigest: passwordDigest("peer-secret"), challenge: asked.challenge)).encode())
        #expect(eventually(5) { (try? master.status().role) == "fenced" })
    }

    /// `POST /demote` (the announcer's demote hook) on the master of the newer epoch, while
    /// an active (or fenced, not yet following) master of an older epoch is at its
    /// `MASTER_HOST`: refused, that master is told it is stale; `force` demotes anyway.
    @Test func aDemoteIsRefusedWhileTheOtherActiveMasterIsStale() throws {
        let old = try MasterProcess.active(syncReplicas: 0)
        try old.start()
        let new = try MasterProcess.follower(of: old.peerPort, extra: ["SYNC_REPLICAS": "0"])
        try new.start()
        #expect(eventually { (try? new.status().following?.connected) == true })
        // Forced, so the old master (still active) is not asked: it stays active at epoch 0.
        #expect(try new.post("/promote?force=1").0 == 200)
        #expect(try new.status().epoch == 1 && old.status().role == "active")
        let (code, body) = try new.post("/demote")
        #expect(code == 409 && body.contains("stale") && body.contains("epoch 0"), "\(body)")
        #expect(try new.status().role == "active")
        // Told, and alive: it answers, and no longer as active.
        #expect(eventually(5) { (try? old.status().role).map { $0 != "active" } ?? false }, "the stale master was not told")
        // Fenced already (a metalogger's voter connection may tell it before the demote asks):
        // still stale, still refused.
        let (again, reason) = try new.post("/demote")
        #expect(again == 409 && reason.contains("fenced, epoch 0"), "\(reason)")
        let (forced, text) = try new.post("/demote?force=1")
        #expect(try forced == 200 && new.status().role == "fenced", "\(text)")
    }
}
