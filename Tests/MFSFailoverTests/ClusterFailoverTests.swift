import Foundation
import MFSTestSupport
import Testing

/// The whole cluster through a failover, end to end (issue "fail over by killing the active
/// host"): `scripts/demo-failover.sh` builds two master hosts with announcers, a metalogger, three
/// chunkservers and a client in network namespaces, starts every daemon with its systemd unit's
/// ExecStart, writes fsynced files through MooseFS's mfsmount and through MFSClient, kills the
/// active host silently (cable, SIGKILL, namespace) again and again, alternating hosts, brings
/// each old host back until it follows the new active master, and compares every acknowledged
/// file byte for byte. The script exits non-zero on any lost or wrong file, any client error or
/// any host that does not rejoin; this test runs it and reads its summary. Timings belong to
/// the benchmark; the script prints them.
@Suite(.serialized) struct ClusterFailoverTests {
    static let runnable =
        NetnsLab.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/mfsmount")
        && FileManager.default.fileExists(atPath: "/dev/fuse")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Kills per run (the issue asks for at least 10); `MFS_FAILOVER_RUNS` for quicker local runs.
    static let kills = Int(ProcessInfo.processInfo.environment["MFS_FAILOVER_RUNS"] ?? "") ?? 10

    /// Runs the script and returns its output after checking its verdict (`clientErrors`: writes
    /// may fail, as while no chunkserver is reachable).
    private func run(_ arguments: String, clientErrors: Bool = false) throws -> String {
        let bin = MasterProcess.binaryPath("mfsmaster").split(separator: "/").dropLast().joined(separator: "/")
        let script = Self.root.appendingPathComponent("scripts/demo-failover.sh").path
        let result = NetnsLab.shell("MFS_BIN=/\(bin) bash \(script) \(arguments) 2>&1")
        let summary = result.output.split(separator: "\n").filter { $0.hasPrefix("==") || $0.hasPrefix("   ") }.joined(separator: "\n")
        print(summary)
        // The script keeps every daemon's log in a directory of its own and says where.
        for line in result.output.split(separator: "\n") where line.contains("every daemon's log: ") {
            if let path = line.split(separator: " ").last { try? FileManager.default.removeItem(atPath: String(path)) }
        }
        #expect(result.status == 0, "demo-failover.sh \(arguments) failed:\n\(result.output.suffix(12_000))")
        #expect(result.output.contains("lost or wrong 0"), "files lost or wrong:\n\(summary)")
        if !clientErrors { #expect(result.output.contains(", 0 writes failed"), "client errors:\n\(summary)") }
        return result.output
    }

    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs them)"))
    func silentHostKillsAlternatingUnderMountAndClientWritesLoseNothing() throws {
        let output = try run("--kills \(Self.kills) --seconds 2")
        // Every kill moved the active role to the other host, and every old host came back as
        // its follower.
        let rejoined = output.split(separator: "\n").filter { $0.contains(": follower, ") && $0.contains(": active, both peers") }
        #expect(rejoined.count == Self.kills, "\(rejoined.count) of \(Self.kills) old hosts rejoined as followers")
    }

    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs them)"))
    func aColdStandbyTakesOverAndTheOldHostRejoinsLosingNothing() throws {
        // A cold standby takes over once per cluster: `kills` clusters, each killed once, then
        // (the first) the old host back and killed again, so the new master's host hands over too.
        for round in 0..<Self.kills {
            let output = try run(round == 0 ? "--kills 2 --standby cold --seconds 2" : "--kills 1 --standby cold --seconds 2")
            #expect(output.contains("active now: mb (active, epoch 1)"), "round \(round): the cold standby did not take over")
        }
    }

    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs them)"))
    func aChunkserverHostDyingWithTheActiveHostLosesNothing() throws {
        let output = try run("--kills 3 --with-chunkserver --seconds 2")
        #expect(output.components(separatedBy: "host comes back (same disk)").count - 1 == 3, "a chunkserver host did not come back")
    }

    /// The active master cut from every chunkserver, not from its follower: no failover (one
    /// active master at the same epoch throughout, which the script checks every 200 ms), and
    /// after the heal nothing acknowledged is lost; writes may fail during the cut.
    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse and Debian's moosefs-client (scripts/test.sh installs them)"))
    func aMasterCutFromTheChunkserversStaysTheOnlyActiveOneAndLosesNothing() throws {
        let output = try run("--partition 5 --seconds 2", clientErrors: true)
        #expect(output.contains("healed: ma active (epoch 0), mb follower"), "the roles changed")
        #expect(output.contains("one active master throughout"))
    }
}
