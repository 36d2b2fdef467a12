import Foundation
import MFSTestSupport
import Testing

/// A master that restarts keeps the changes its changelog files hold for peers that are behind
/// (issue #11): a metalogger that was away while the master made changes and then restarted
/// streams them from it instead of downloading the whole metadata.
@Suite(.serialized) struct RestartStreamTests {
    @Test func aRestartedMasterStreamsToAPeerThatIsBehindFromItsChangelogs() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 1))
        let first = try PipelinedCreator(port: master.clientPort, prefix: "before")
        first.start(limit: 100)
        #expect(eventually { first.isFinished })
        #expect(eventually { (try? master.status().peers.first?.lag) == 0 })
        #expect(metalogger.stop() == 0)
        let away = try PipelinedCreator(port: master.clientPort, prefix: "away")
        away.start(limit: 200)
        #expect(eventually { away.isFinished })
        #expect(master.stop() == 0)
        try master.start()
        #expect(master.log.contains("changes kept for peers from the changelogs"), "\(master.log.suffix(2_000))")
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 1))
        #expect(eventually { (try? master.status().peers.first?.lag) == 0 })
        let log = metalogger.log
        #expect(!log.contains("downloading the metadata"), "the metalogger downloaded instead of streaming: \(log.suffix(2_000))")
        #expect(log.contains("following master"), "\(log.suffix(2_000))")
        #expect(master.stop() == 0)
        #expect(metalogger.stop() == 0)
        let names = try metalogger.restored().names()
        #expect(Set(first.acked + away.acked).isSubset(of: names))
    }
}
