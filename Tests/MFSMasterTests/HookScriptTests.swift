import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStatus
import MFSStorage
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/mfs-promote` and `scripts/mfs-demote`, the announcer's hooks, against real masters:
/// a follower is promoted only once the active master no longer streams to it, an active master
/// is demoted (fenced), and a cold standby (a metalogger host) restores, starts a master and
/// promotes it.
@Suite(.serialized) struct HookScriptTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts").path

    /// Runs a hook with `environment` added; exit status and output. The hook runs under a
    /// shell that writes its exit status to a file, which this polls: a cold standby's hook
    /// leaves a master running behind it, and waiting on the process itself was seen to hang.
    static func hook(_ name: String, _ environment: [String: String]) throws -> (Int32, String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: base + ".log")
            try? FileManager.default.removeItem(atPath: base + ".rc")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c", "bash \(scripts)/\(name) </dev/null >\(base).log 2>&1; echo $? >\(base).rc.tmp; mv \(base).rc.tmp \(base).rc",
        ]
        var env = ProcessInfo.processInfo.environment
        env["MFS_BIN"] = URL(fileURLWithPath: MasterProcess.binary).deletingLastPathComponent().path
        env.merge(environment) { $1 }
        process.environment = env
        try process.run()
        var code: Int32?
        _ = eventually(180) {
            code = (try? String(contentsOfFile: base + ".rc", encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return code != nil
        }
        return (code ?? -1, (try? String(contentsOfFile: base + ".log", encoding: .utf8)) ?? "")
    }

    @Test func promoteAndDemoteHooksSwitchTheMasters() throws {
        let active = try MasterProcess.active(syncReplicas: 0)
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort)
        try follower.start()
        #expect(eventually { (try? follower.status().following?.connected) == true })
        let (refused, why) = try Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(follower.statusPort)"])
        #expect(refused == 75 && why.contains("still hears the active master"), "refused for now (EX_TEMPFAIL): \(why)")
        let (demoted, said) = try Self.hook("mfs-demote", ["MFS_STATUS": "127.0.0.1:\(active.statusPort)"])
        #expect(demoted == 0 && said.contains("demoted"), "\(said)")
        #expect(try active.status().role == "fenced")
        var promoted: (Int32, String) = (1, "")
        #expect(
            eventually(10) {
                promoted = (try? Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(follower.statusPort)"])) ?? (1, "")
                return promoted.0 == 0
            }, "\(promoted.1)")
        #expect(try follower.status().role == "active" && follower.status().epoch == 1)
        let (again, text) = try Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(follower.statusPort)"])
        #expect(again == 0 && text.contains("already active"))
        active.crash()
        let (nothing, quiet) = try Self.hook("mfs-demote", ["MFS_STATUS": "127.0.0.1:\(active.statusPort)"])
        #expect(nothing == 0 && quiet.contains("nothing to fence"), "\(quiet)")
        let (none, reason) = try Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(active.statusPort)"])
        #expect(none == 1 && reason.contains("MFS_COLD_STANDBY"), "\(reason)")
    }

    /// An active master with peers is left alone: its /status lists each peer with a role of
    /// its own (follower, metalogger), which the hook once read as the master's, so it failed
    /// and the announcer demoted its own healthy master as soon as it took the VIP.
    @Test func thePromoteHookLeavesAnActiveMasterWithPeersActive() throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort)
        try follower.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try metalogger.start()
        #expect(eventually { (try? active.status().peers.count) == 2 })
        let (code, text) = try Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(active.statusPort)"])
        #expect(code == 0 && text.contains("already active"), "\(text)")
        #expect(try active.status().role == "active")
        let (refused, why) = try Self.hook("mfs-promote", ["MFS_STATUS": "127.0.0.1:\(follower.statusPort)"])
        #expect(refused == 75 && why.contains("still hears the active master"), "refused for now (EX_TEMPFAIL): \(why)")
    }

    /// DESIGN §7.2, cold standby: the active master dies; on the metalogger's host the hook
    /// restores the metadata from the metalogger's files, starts a master (configured as a
    /// follower) and promotes it: every acknowledged create is there, at epoch 1. The metalogger
    /// is stopped first, or keeps running beside the new master (as on the demo's cold host):
    /// then it registers with it under the master's own voter id (the master votes as the
    /// metalogger of its data directory), which must leave the voter set valid (it once made
    /// the leader a metalogger, and every later VOTERS change was refused with EINVAL).
    @Test(arguments: [false, true]) func aColdStandbyIsRestoredStartedAndPromoted(metaloggerKeepsRunning: Bool) throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        let coldPeerPort = freePort()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort, coldPeerPort])
        try metalogger.start()
        #expect(eventually { (try? active.status().peers.count) == 1 })
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "c")
        creator.start(limit: 500)
        #expect(eventually { creator.isFinished })
        active.crash()
        if !metaloggerKeepsRunning { #expect(metalogger.stop() == 0) }
        #expect(!FileManager.default.fileExists(atPath: metalogger.dataPath + "/metadata.mfs"))
        let statusPort = freePort()
        let directory = metalogger.directory
        let config = directory + "/mfsmaster.cfg"
        try writeColdStandbyConfig(
            config, dataPath: metalogger.dataPath, exports: "\(active.directory)/mfsexports.cfg",
            masterHost: "127.0.0.1:\(active.peerPort)", statusPort: statusPort, peerPort: coldPeerPort,
            extra: "SYNC_REPLICAS = 0    # no other peer will follow this master")
        let start = "nohup \(MasterProcess.binary) -c \(config) >\(directory)/cold.log 2>&1 & echo $! >\(directory)/cold.pid"
        let (code, output) = try Self.hook(
            "mfs-promote",
            [
                "MFS_STATUS": "127.0.0.1:\(statusPort)", "MFS_COLD_STANDBY": "1", "MFS_DATA_PATH": metalogger.dataPath,
                "MFS_MASTER_START": start,
            ])
        let pidText = (try? String(contentsOfFile: directory + "/cold.pid", encoding: .utf8)) ?? ""
        let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        /// Stops the started master (SIGTERM: it dumps) and waits until it is gone.
        func stopColdMaster() {
            guard pid > 0, kill(pid, 0) == 0 else { return }
            kill(pid, SIGTERM)
            _ = eventually(30) { kill(pid, 0) != 0 }
        }
        defer { stopColdMaster() }
        #expect(code == 0, "\(output)\n\((try? String(contentsOfFile: directory + "/cold.log", encoding: .utf8)) ?? "")")
        let status = try StatusClient.fetch("127.0.0.1:\(statusPort)", timeout: 5)
        #expect(status.role == "active" && status.epoch == 1)
        if metaloggerKeepsRunning {
            let log = { (try? String(contentsOfFile: directory + "/cold.log", encoding: .utf8)) ?? "" }
            #expect(eventually(20) { log().contains("metalogger registered") }, "\(log())")
            // The VOTERS change that follows a registration is made (or not needed) by now.
            usleep(300_000)
            #expect(!log().contains("cannot record the voter set"), "\(log())")
        }
        // The master started from the metalogger's files in memory and dumps them itself, in
        // the background, 2 s after it serves.
        let dumped = directory + "/cold-dumped.mfs"
        #expect(eventually(30) { FileManager.default.fileExists(atPath: metalogger.dataPath + "/metadata.mfs") }, "no background dump")
        try FileManager.default.copyItem(atPath: metalogger.dataPath + "/metadata.mfs", toPath: dumped)
        #expect(Set(creator.acked).isSubset(of: try MetadataFile.decode(try FileIO.read(dumped)).names()))
        stopColdMaster()
        let names = try MetadataFile.decode(try FileIO.read(metalogger.dataPath + "/metadata.mfs")).names()
        #expect(Set(creator.acked).isSubset(of: names), "acknowledged creates missing after the cold takeover")
    }

    /// A cold standby whose metalogger files do not replay (here a changelog is missing): the
    /// master exits naming the gap, and the hook fails as soon as it sees it gone (not after
    /// MFS_START_SECONDS), so the announcer resigns; nothing was promoted.
    @Test func aColdStandbyWithAGapIsNotStarted() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        var ns = Namespace()
        let metaID = MetaID(0xC01D_0000_0000_0001)
        _ = try ns.setMetaID(metaID, now: t0)
        try FileIO.writeMetadata(ns, to: data + "/metadata_ml.mfs.back", keepPrevious: 0)
        // Changes 2 and 3 are missing: the changelog starts at 4.
        var bytes = ChangelogHeader(metaID: metaID).format()
        for v in 4..<8 { ChangelogCodec.append(ChangelogRecord(version: MetaVersion(UInt64(v)), time: t0, change: .idle), to: &bytes) }
        try Data(bytes).write(to: URL(fileURLWithPath: data + "/changelog_ml.0.mfs"))
        try "* / rw,alldirs,maproot=0\n".write(toFile: directory + "/exports.cfg", atomically: true, encoding: .utf8)
        let statusPort = freePort()
        try writeColdStandbyConfig(
            directory + "/mfsmaster.cfg", dataPath: data, exports: directory + "/exports.cfg", masterHost: "127.0.0.1:\(freePort())",
            statusPort: statusPort)
        let start = "nohup \(MasterProcess.binary) -c \(directory)/mfsmaster.cfg >\(directory)/cold.log 2>&1 &"
        let began = ContinuousClock.now
        let (code, output) = try Self.hook(
            "mfs-promote",
            [
                "MFS_STATUS": "127.0.0.1:\(statusPort)", "MFS_COLD_STANDBY": "1", "MFS_DATA_PATH": data, "MFS_MASTER_START": start,
                "MFS_START_SECONDS": "60",
            ])
        let log = (try? String(contentsOfFile: directory + "/cold.log", encoding: .utf8)) ?? ""
        #expect(code == 1 && output.contains("exited before it answered"), "\(output)")
        #expect(began.duration(to: .now) < .seconds(30), "the hook waited for MFS_START_SECONDS")
        #expect(log.contains("changes 2…3 are missing"), "\(log)")
        #expect(
            !FileManager.default.fileExists(atPath: data + "/metadata.mfs")
                && !FileManager.default.fileExists(atPath: data + "/changelog.0.mfs"))
    }
}
