import Foundation
import MFSStatus
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension SyncReplicationTests {
    /// An active master says `isolated` while fewer voters than `SYNC_REPLICAS` answer it (its
    /// announcer then runs at priority 1, ANNOUNCER.md). An idle metalogger answers each
    /// heartbeat, so it is heard with no change made; a frozen one (SIGSTOP: silent, its
    /// connection open, as behind a partition) is not, within `PEER_SILENCE_TIMEOUT` (1 s
    /// here, so that a loaded machine's scheduling does not count as silence). `/metrics` and
    /// `mfscli` say the same.
    @Test func anActiveMasterSaysWhetherItHearsEnoughPeersToAcknowledge() throws {
        let master = try MasterProcess.active(syncReplicas: 1, extra: ["PEER_SILENCE_TIMEOUT": "1s"])
        try master.start()
        func replication() -> MasterStatus.Replication? { try? master.status().replication }
        #expect(eventually(5) { replication()?.isolated == true }, "a master with no peer: \(String(describing: replication()))")

        let metalogger = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        try metalogger.start()
        #expect(Self.waitInStep(master, peers: 1))
        #expect(eventually(5) { replication()?.isolated == false })
        usleep(2_500_000)  // idle, longer than the silence timeout: heard through its heartbeat answers
        let idle = replication()
        #expect(idle?.isolated == false && idle?.peersHeard == 1, "\(String(describing: idle))")

        let pid = try #require(metalogger.process?.processIdentifier)
        defer { kill(pid, SIGCONT) }
        #expect(freeze(pid), "the metalogger did not stop")
        #expect(eventually(10) { replication()?.isolated == true }, "\(String(describing: replication()))")
        #expect(replication()?.peersHeard == 0)
        let metrics = try StatusClient.get(host: "127.0.0.1", port: master.statusPort, path: "/metrics", timeout: 5)
        #expect(String(decoding: metrics.1, as: UTF8.self).contains("mfs_master_isolated 1"))
        let table = try runBinary("mfscli", ["-H", "127.0.0.1:\(master.statusPort)"]).out
        #expect(table.contains("0 voters heard (ISOLATED"), "\(table)")

        kill(pid, SIGCONT)
        #expect(eventually(10) { replication()?.isolated == false }, "\(String(describing: replication()))")
        #expect(metalogger.stop() == 0)
    }
}
