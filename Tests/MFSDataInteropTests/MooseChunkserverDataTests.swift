import Foundation
import MFSTestSupport
import Testing

/// Debian's `mfschunkserver` 3.0.117 (fresh, two of them) under our master, with our `mfs put`
/// and `mfs get`: every interop size at goal 1 and goal 2, read back and compared by SHA-256.
@Suite(.serialized) struct MooseChunkserverDataTests {
    @Test(
        .enabled(
            if: DataInteropLab.runnable,
            "needs root with ip netns and Debian's moosefs-chunkserver 3.0.117 (scripts/test.sh installs it)"),
        .timeLimit(.minutes(5)))
    func ourClientWritesAndReadsThroughMooseFSChunkserversUnderOurMaster() throws {
        let lab = try DataInteropLab(chunkserverHosts: ["d1", "d2"])
        defer { lab.teardown() }
        for host in ["d1", "d2"] { try lab.startChunkserver(.moosefs, on: host, disk: try lab.disk(host)) }
        let registered = lab.waitForChunkservers(2)
        #expect(registered, "MooseFS's chunkservers did not register:\n\(lab.logs())")
        guard registered else { return }

        let sources = try lab.putInteropFiles(goals: [1, 2])
        let summary = lab.status()?.chunks
        #expect(summary?.underGoal == 0 && summary?.missing == 0, "chunks: \(String(describing: summary))")
        lab.expectInteropFiles(goals: [1, 2], hashes: sources, through: "MooseFS's chunkservers")
        // Goal 2: every chunk of the 64 MiB + 1 file has a copy on each MooseFS chunkserver.
        let copies = lab.status()?.chunkserverList?.map(\.chunks) ?? []
        #expect(copies.count == 2 && copies.allSatisfy { $0 >= 2 }, "copies per chunkserver: \(copies)")
        #expect(!lab.master.log.contains("Fatal error"), "our master crashed:\n\(lab.logs())")
    }
}
