import Foundation
import MFSTestSupport
import Testing

/// Masters that restart in an HA cluster (DESIGN §7.2, §7.7): a restarted master never takes
/// writes in its old epoch; it goes through the quorum rule, or follows the active master it
/// finds, by itself (systemd restarts it; nobody runs mfsmetarestore).
@Suite(.serialized) struct HARestartTests {
    /// An active master with a metalogger crashes and restarts: it stands for a new epoch, the
    /// metalogger grants it, and it leads again with every acknowledged create.
    @Test func aRestartedMasterWithVotersLeadsOnlyInANewEpoch() throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(active, peers: 1))
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "r")
        creator.start(limit: 200)
        #expect(eventually { creator.isFinished })
        let epoch = try active.status().epoch
        active.crash()
        try active.start(["-a"])
        #expect(active.log.contains("restarting with voters"), "\(active.log.suffix(2_000))")
        #expect(eventually(15) { (try? active.status().role) == "active" }, "\(active.log.suffix(3_000))")
        #expect(try active.status().epoch == epoch + 1, "a restarted master leads only in a new epoch")
        let c = try active.connect()
        _ = try c.open()
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "again", mode: 0o755)).wireStatus == .ok)
        #expect(active.stop() == 0)
        #expect(metalogger.stop() == 0)
        let names = try active.dumpedNamespace().names()
        #expect(Set(creator.acked).isSubset(of: names) && names.contains("again"))
    }

    /// The active master of an HA pair crashes, the follower is promoted, and the crashed master
    /// is started again as systemd would (no -a): it replays its own changelogs, finds the new
    /// active master and follows it.
    @Test func aCrashedMasterOfAnHAPairRejoinsAsAFollowerByItself() throws {
        let (aPort, bPort) = (freePort(), freePort())
        let follower = try MasterProcess.follower(of: aPort, extra: ["MATOML_LISTEN_PORT": "\(bPort)"])
        let active = try MasterProcess.active(peerPort: aPort, syncReplicas: 1, extra: ["MASTER_HOST": "127.0.0.1:\(bPort)"])
        try active.start()
        try follower.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [aPort, bPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(active, peers: 2))
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "p")
        creator.start(limit: 300)
        #expect(eventually { creator.isFinished })
        active.crash()
        #expect(eventually(10) { (try? follower.post("/promote").0) == 200 })
        try active.start()
        #expect(eventually(20) { (try? active.status().role) == "follower" }, "\(active.log.suffix(3_000))")
        #expect(eventually(20) { (try? follower.status().peers.count) == 2 }, "\(String(describing: try? follower.status()))")
        #expect(follower.stop() == 0)
        #expect(active.stop() == 0)
        #expect(metalogger.stop() == 0)
        #expect(Set(creator.acked).isSubset(of: try follower.dumpedNamespace().names()))
    }
}
