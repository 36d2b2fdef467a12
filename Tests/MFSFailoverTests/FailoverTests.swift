import Foundation
import MFSTestSupport
import Testing

/// The failover of DESIGN §7 end to end, in network namespaces (DESIGN §9): A runs the active
/// master and an announcer, B a follower and an announcer, M a metalogger, C a client creating
/// a file every 10 ms through the virtual IP (`FailoverCluster`). A's host dies silently at a
/// random moment; B must take over with every acknowledged create, alone, at epoch + 1.
/// A partition (PartitionTests.swift) extends the suite. Serialized, and run by scripts/test.sh
/// in a pass of their own: the timings must not share the two cores with other suites.
@Suite(.serialized, .enabled(if: NetnsLab.available, "needs root and `ip netns` (network namespace tests)"))
struct FailoverTests {
    /// Kills per test (the issue asks for at least 10); `MFS_FAILOVER_RUNS` for quicker local runs.
    static let runs = Int(ProcessInfo.processInfo.environment["MFS_FAILOVER_RUNS"] ?? "") ?? 10
    /// A sanity bound on kill → first acknowledged create, far above the expected second: the
    /// figure itself belongs to the benchmark (scripts/bench-failover.sh).
    static let saneFailoverMilliseconds = 30_000.0

    @Test func aSilentlyKilledActiveHostFailsOverToTheFollowerWithNoAcknowledgedCreateLost() throws {
        var times: [Double] = []
        for run in 0..<Self.runs {
            let cluster = try FailoverCluster(FailoverCluster.debugOptions)
            defer { cluster.teardown() }
            do {
                try cluster.start()
                let result = try cluster.killActiveHost(run: run)
                let context = "run \(run) (killed \(result.killedAfterMilliseconds) ms into the writes)"
                #expect(result.lost.isEmpty, "\(context): \(result.lost.count) acknowledged creates lost: \(result.lost.prefix(5))")
                #expect(result.failed.isEmpty, "\(context): creates failed: \(result.failed.prefix(5))")
                #expect(result.acknowledgedBeforeKill >= 20, "\(context)")
                #expect(result.activeMasters == ["B"], "\(context): active masters \(result.activeMasters)")
                #expect(result.holdersOfVIP == ["B"], "\(context): VIP on \(result.holdersOfVIP)")
                #expect(
                    result.epochAfter == result.epochBefore + 1,
                    "\(context): epoch \(result.epochBefore) → \(String(describing: result.epochAfter))")
                #expect(result.peersFollow, "\(context): the metalogger does not follow B in step")
                let failover = try #require(result.failoverMilliseconds, "\(context): no create acknowledged by B\n\(cluster.logs())")
                #expect(failover < Self.saneFailoverMilliseconds, "\(context)")
                times.append(failover)
                print(
                    "host death run \(run): killed \(result.killedAfterMilliseconds) ms into the writes, "
                        + "\(result.acknowledgedBeforeKill) creates acknowledged before, \(result.acknowledged) in all, "
                        + "kill → first create acknowledged by B: \(Int(failover)) ms (B's announcer master after "
                        + "\(result.masterDownMilliseconds.map { "\(Int($0))" } ?? "?") ms, promote hook "
                        + "\(result.hookMilliseconds.map { "\(Int($0))" } ?? "?") ms)")
                if !result.lost.isEmpty || result.activeMasters != ["B"] { print(cluster.logs(lines: 60)) }
            } catch {
                Issue.record("run \(run): \(error)")
            }
        }
        let sorted = times.sorted()
        if !sorted.isEmpty {
            print(
                "host death: \(sorted.count) runs, kill → first acknowledged create: median \(Int(sorted[sorted.count / 2])) ms, max \(Int(sorted.last!)) ms"
            )
        }
    }
}
