import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStatus
import MFSStorage
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The failover cluster of DESIGN §7 on a `NetnsLab`, for the failover tests and benchmark:
///
/// | host | runs |
/// | --- | --- |
/// | A | `mfsmaster` (active) and `mfsannouncer` (priority 200) |
/// | B | hot standby: `mfsmaster` (follower) and `mfsannouncer` (priority 100); cold standby: `mfsmetalogger` and `mfsannouncer`, whose promote hook restores and starts a master (`MFS_COLD_STANDBY=1`) |
/// | M | `mfsmetalogger`, following both masters' own addresses |
/// | C | clients (`mfsprobe`) through the virtual IP |
///
/// Every master has `SYNC_REPLICAS = 1` and `SYNC_DEGRADE = 0`; the announcers run
/// `scripts/mfs-promote` and `scripts/mfs-demote` as their hooks, with `TRACK_MASTER` on where a
/// master runs. Each daemon's configuration and log is `<host>-<daemon>.cfg|log` in the lab's
/// directory, each data directory `<host>-data`.
public final class FailoverCluster: @unchecked Sendable {
    public enum Standby: String, Sendable { case hot, cold }

    public struct Options: Sendable {
        public var advertisementIntervalMilliseconds: Int
        public var standby: Standby
        /// Where `mfsmaster`, `mfsmetalogger`, `mfsannouncer`, `mfscli`, `mfsmetarestore` and
        /// `mfsprobe` are.
        public var binDirectory: String
        /// Where `mfs-promote`, `mfs-demote` and `lib/unit-exec.sh` are, beside `systemd/` (the
        /// repository's `scripts/`): each daemon starts with its unit's `ExecStart`.
        public var scriptsDirectory: String
        /// A directory made by `mfsworkload --snapshot-inodes`: its snapshot and the changes
        /// after it become A's metadata and changelog and every metalogger's files, so the
        /// cluster starts large and a cold standby restores a snapshot plus a changelog tail.
        public var preloadDirectory: String?

        public init(advertisementIntervalMilliseconds: Int = 100, standby: Standby = .hot, binDirectory: String, scriptsDirectory: String) {
            self.advertisementIntervalMilliseconds = advertisementIntervalMilliseconds
            self.standby = standby
            self.binDirectory = binDirectory
            self.scriptsDirectory = scriptsDirectory
        }
    }

    public static let virtualIP = "169.254.100.1"
    /// The masters' ports, the same on every host (each host has its own network namespace).
    public static let clientPort = 9421
    public static let peerPort = 9419
    public static let statusPort = 9428
    public static let hosts = ["A", "B", "M", "C"]

    /// Numbers the clusters of this process: suites run in parallel, so two clusters made at
    /// once must still get different names.
    private static let counter = Atomic<Int>(0)

    public let lab: NetnsLab
    public let options: Options

    public init(_ options: Options) throws {
        let number = Self.counter.add(1, ordering: .relaxed).newValue
        self.options = options
        lab = try NetnsLab(prefix: "mfsf\(getpid())-\(number)", hosts: Self.hosts)
    }

    public func teardown() { lab.teardown() }

    /// The debug build's binaries and this checkout's scripts.
    public static var debugOptions: Options {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Options(
            binDirectory: root.appendingPathComponent(".build/debug").path, scriptsDirectory: root.appendingPathComponent("scripts").path)
    }

    func binary(_ name: String) -> String { "\(options.binDirectory)/\(name)" }

    /// The ExecStart of `systemd/DAEMON.service` with this build's binary and `config` after
    /// `-c` (and `nice -n N` for the unit's `Nice=N`), by `scripts/lib/unit-exec.sh`: each
    /// daemon starts with the binary and flags of its unit (issue #14).
    func unitCommand(_ daemon: String, config: String) throws -> [String] {
        let unit = URL(fileURLWithPath: options.scriptsDirectory).deletingLastPathComponent().appendingPathComponent(
            "systemd/\(daemon).service"
        ).path
        let run = try runProgram(
            "/bin/bash", [options.scriptsDirectory + "/lib/unit-exec.sh", "--bin", options.binDirectory, "--nice", unit, config])
        guard run.status == 0 else { throw LabError(message: "unit-exec.sh \(unit): \(run.err)") }
        return run.out.split(separator: "\n").map(String.init)
    }

    // MARK: starting

    /// Starts everything and waits until A is active with both peers in step and holds the
    /// virtual IP, and B's announcer is backup.
    public func start() throws {
        try lab.write("exports.cfg", "*  /  rw,alldirs,maproot=0\n")
        if let preload = options.preloadDirectory { try preloadFiles(from: preload) }
        try startMaster("A", role: "active")
        try expect(waitUntil(30) { self.status("A")?.role == "active" }, "A's master did not start")
        switch options.standby {
        case .hot:
            try startMaster("B", role: "follower")
            try expect(
                waitUntil(60) { self.status("B").map { $0.role == "follower" && $0.following?.connected == true } ?? false },
                "B's master does not follow A")
        case .cold:
            try writeMasterConfig("B", role: "follower")
            try startMetalogger("B")
        }
        try startMetalogger("M")
        try expect(waitUntil(60) { self.inStep("A", peers: 2) }, "A's peers are not in step")
        try startAnnouncer("A", priority: 200, trackMaster: true)
        try expect(waitUntil(10) { self.holdsVIP("A") }, "A's announcer did not take the virtual IP")
        try startAnnouncer("B", priority: 100, trackMaster: options.standby == .hot)
        // Backup at its own priority: with TRACK_MASTER it runs at 0 until its master answers.
        try expect(
            waitUntil(10) { self.announcerState("B") == "backup" && self.announcerStatus("B")?["priority"] as? Int == 100 },
            "B's announcer is not backup at priority 100")
        // C records the gratuitous ARPs of a new holder of the virtual IP (DESIGN §11).
        try lab.run(
            "ip netns exec \(lab.host("C").namespace) sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_accept; echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_accept'"
        )
    }

    /// `Options.preloadDirectory`'s files into A's data directory (as its metadata and
    /// changelog) and the metaloggers' (M's, and B's for a cold standby).
    func preloadFiles(from directory: String) throws {
        let snapshot = directory + "/metadata.snapshot.mfs"
        let tail = directory + "/changelog.tail.mfs"
        var targets = [("A", "metadata.mfs", "changelog.0.mfs"), ("M", "metadata_ml.mfs.back", "changelog_ml.0.mfs")]
        if options.standby == .cold { targets.append(("B", "metadata_ml.mfs.back", "changelog_ml.0.mfs")) }
        for (host, metadata, changelog) in targets {
            try FileManager.default.createDirectory(atPath: dataPath(host), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: snapshot, toPath: dataPath(host) + "/" + metadata)
            try FileManager.default.copyItem(atPath: tail, toPath: dataPath(host) + "/" + changelog)
        }
    }

    func writeMasterConfig(_ host: String, role: String) throws {
        let other = host == "A" ? "B" : "A"
        try writeConfig(
            "\(host)-master.cfg",
            [
                "DATA_PATH": dataPath(host), "EXPORTS_FILENAME": lab.path("exports.cfg"), "MASTER_ROLE": role,
                "MASTER_HOST": "\(lab.host(other).address):\(Self.peerPort)", "SYNC_REPLICAS": "1", "SYNC_DEGRADE": "0",
                "MATOCL_LISTEN_PORT": "\(Self.clientPort)", "MATOML_LISTEN_PORT": "\(Self.peerPort)",
                "STATUS_LISTEN_PORT": "\(Self.statusPort)",
            ])
    }

    func startMaster(_ host: String, role: String) throws {
        try FileManager.default.createDirectory(atPath: dataPath(host), withIntermediateDirectories: true)
        try writeMasterConfig(host, role: role)
        try lab.spawn(host, try unitCommand("mfsmaster", config: lab.path("\(host)-master.cfg")), log: lab.path("\(host)-master.log"))
    }

    func startMetalogger(_ host: String) throws {
        try FileManager.default.createDirectory(atPath: dataPath(host), withIntermediateDirectories: true)
        let masters = ["A", "B"].map { "\(lab.host($0).address):\(Self.peerPort)" }.joined(separator: ",")
        try writeConfig("\(host)-metalogger.cfg", ["DATA_PATH": dataPath(host), "MASTER_HOST": masters])
        try lab.spawn(
            host, try unitCommand("mfsmetalogger", config: lab.path("\(host)-metalogger.cfg")), log: lab.path("\(host)-metalogger.log"))
    }

    /// The announcer of `host`, its hooks `mfs-promote`/`mfs-demote` with the local master's
    /// status address; a cold standby's promote hook restores and starts the master.
    func startAnnouncer(_ host: String, priority: Int, trackMaster: Bool) throws {
        let status = "127.0.0.1:\(Self.statusPort)"
        var environment = "MFS_STATUS=\(status) MFS_BIN=\(options.binDirectory)"
        if host == "B", options.standby == .cold {
            let start = lab.path("B-start-master.sh")
            let command = try unitCommand("mfsmaster", config: lab.path("B-master.cfg")).joined(separator: " ")
            try lab.write("B-start-master.sh", "setsid \(command) >>\(lab.path("B-master.log")) 2>&1 </dev/null &\n")
            environment += " MFS_COLD_STANDBY=1 MFS_DATA_PATH=\(dataPath("B")) MFS_MASTER_START='sh \(start)'"
        }
        var keys = [
            "INTERFACE": "eth0", "VRID": "51", "PRIORITY": "\(priority)",
            "ADVERT_INTERVAL_MS": "\(options.advertisementIntervalMilliseconds)", "VIRTUAL_IPS": "\(Self.virtualIP)/32",
            "STATUS_FILE": lab.path("\(host)-announcer.status"), "GARP_COUNT": "3", "GARP_INTERVAL_MS": "50",
            "PROMOTE_HOOK": "\(environment) bash \(options.scriptsDirectory)/mfs-promote",
            "DEMOTE_HOOK": "\(environment) bash \(options.scriptsDirectory)/mfs-demote", "HOOK_TIMEOUT": "30",
            // The master of an HA pair stays where it is once it took over (docs/FAILOVER.md):
            // A back as a follower does not take the addresses from B again.
            "PREEMPT": "0",
        ]
        if trackMaster {
            keys["TRACK_MASTER"] = "http://\(status)/status"
            keys["TRACK_MASTER_INTERVAL_MS"] = "100"
        }
        try writeConfig("\(host)-announcer.cfg", keys)
        // Niced as the systemd unit does (Nice=-10): a stalled announcer is a false failover.
        try lab.spawn(
            host, try unitCommand("mfsannouncer", config: lab.path("\(host)-announcer.cfg")), log: lab.path("\(host)-announcer.log"))
    }

    private func writeConfig(_ file: String, _ keys: [String: String]) throws {
        try lab.write(file, keys.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined())
    }

    public func dataPath(_ host: String) -> String { lab.path("\(host)-data") }

    // MARK: looking

    /// `/status` of the master on `host`, asked from inside the host; nil if none answers.
    public func status(_ host: String) -> MasterStatus? {
        lab.inNamespace(host) { try? StatusClient.fetch("127.0.0.1:\(Self.statusPort)", timeout: 1) } ?? nil
    }

    /// Whether the master on `host` has `peers` peers, each in step and with nothing unacknowledged.
    public func inStep(_ host: String, peers: Int) -> Bool {
        guard let status = status(host) else { return false }
        return status.role == "active" && status.peers.count == peers && status.peers.allSatisfy { $0.inStep && $0.lag == 0 }
    }

    public func holdsVIP(_ host: String) -> Bool {
        NetnsLab.shell("ip -n \(lab.host(host).namespace) -4 -o addr show dev eth0 2>/dev/null").output.contains(" \(Self.virtualIP)/")
    }

    /// The announcer's status file (`mfsannouncer --status --json`'s source), as JSON.
    func announcerStatus(_ host: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: lab.path("\(host)-announcer.status")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// The state in the announcer's status file (`master`, `backup`, ...).
    public func announcerState(_ host: String) -> String? { announcerStatus(host)?["state"] as? String }

    /// The priority in the announcer's status file (what its adverts carry).
    public func announcerPriority(_ host: String) -> Int? { announcerStatus(host)?["priority"] as? Int }

    /// When (Unix time) the announcer of `host` last became master, and how long its last
    /// promote hook ran (milliseconds).
    public func lastTakeover(_ host: String) -> (became: Double, hookMilliseconds: Double?)? {
        guard let status = announcerStatus(host), let transitions = status["transitions"] as? [[String: Any]],
            let became = transitions.last(where: { $0["to"] as? String == "master" })?["time"] as? Double
        else { return nil }
        let hooks = (status["hookRuns"] as? [[String: Any]]) ?? []
        let hook = hooks.last { $0["kind"] as? String == "promote" && ($0["time"] as? Double ?? 0) >= became }
        return (became, hook?["milliseconds"] as? Double)
    }

    /// The announcer's transitions on `host` since `time` (Unix time), as "from → to: reason".
    public func announcerTransitions(_ host: String, since time: Double) -> [String] {
        let transitions = (announcerStatus(host)?["transitions"] as? [[String: Any]]) ?? []
        return transitions.filter { ($0["time"] as? Double ?? 0) >= time }.map {
            "\($0["from"] as? String ?? "?") → \($0["to"] as? String ?? "?"): \($0["reason"] as? String ?? "")"
        }
    }

    /// Asks the master on `host` to dump (`POST /dump`, from its own host) and reads the dump.
    public func dumpedNamespace(_ host: String) throws -> Namespace {
        let answer = lab.inNamespace(host) {
            try? StatusClient.get(host: "127.0.0.1", port: Self.statusPort, path: "/dump", timeout: 120, method: "POST")
        }
        guard let (code, body) = answer ?? nil, code == 200 else {
            throw LabError(message: "\(host): POST /dump failed: \(String(describing: answer))")
        }
        _ = body
        return try MetadataFile.decode(try FileIO.read(dataPath(host) + "/metadata.mfs"))
    }

    /// The `changelog*.mfs` files in `host`'s data directory (the superseded tails
    /// `changelog.discarded.<epoch>.mfs` included), by name.
    public func changelogs(_ host: String) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataPath(host))) ?? []
        var files: [String: String] = [:]
        for name in names where name.hasPrefix("changelog") && name.hasSuffix(".mfs") {
            files[name] = (try? String(contentsOfFile: dataPath(host) + "/" + name, encoding: .utf8)) ?? ""
        }
        return files
    }

    /// The last lines of every daemon's log, for a failure message.
    public func logs(lines: Int = 25) -> String {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: lab.directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return files.map { file in
            let text = lab.read(file).split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            return "--- \(file)\n\(text)"
        }.joined(separator: "\n")
    }

    private func expect(_ condition: Bool, _ what: String) throws {
        guard condition else { throw LabError(message: "\(what)\n\(logs())") }
    }

    // MARK: clients

    /// Starts `mfsprobe` on `host`: a create every `intervalMilliseconds` through `target`
    /// (`ADDRESS:PORT`), names `prefix0`, `prefix1`, …
    public func startProbe(on host: String, target: String, prefix: String, intervalMilliseconds: Int = 10) throws -> ProbeClient {
        let log = lab.path("\(host)-probe-\(prefix).log")
        let process = try lab.spawn(
            host, [binary("mfsprobe"), "-H", target, "--prefix", prefix, "--interval-ms", "\(intervalMilliseconds)"], log: log)
        return ProbeClient(process: process, log: log)
    }

    public var virtualAddress: String { "\(Self.virtualIP):\(Self.clientPort)" }
}

/// A running `mfsprobe` and its answers.
public final class ProbeClient: @unchecked Sendable {
    public struct Answer: Sendable, Equatable {
        /// CLOCK_MONOTONIC nanoseconds when the answer arrived.
        public var time: UInt64
        public var name: String
        public var ok: Bool
        /// The epoch of the master that acknowledged (0 for a failure).
        public var epoch: UInt64
        public var detail: String
    }

    public let process: Process
    public let log: String

    init(process: Process, log: String) {
        self.process = process
        self.log = log
    }

    /// Every create answered so far, in order.
    public var answers: [Answer] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count >= 3, let time = UInt64(parts[0]), parts[1] == "ok" || parts[1] == "failed" else { return nil }
            let rest = parts.count > 3 ? parts[3] : ""
            return Answer(time: time, name: parts[2], ok: parts[1] == "ok", epoch: parts[1] == "ok" ? UInt64(rest) ?? 0 : 0, detail: rest)
        }
    }

    public var acknowledged: [Answer] { answers.filter(\.ok) }

    /// Whether the probe opened its session.
    public var connected: Bool { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(" connected ") }

    /// SIGKILL (every answer is on disk as it arrives) and wait.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

extension Namespace {
    /// The names in directory `inode` (the root by default).
    public func entryNames(in inode: InodeID = .root) throws -> Set<String> {
        Set(try readdir(inode, limit: 10_000_000, as: .root).entries.map(\.name.description))
    }
}

/// Reading changelog text: the names created and the epochs begun, for the failover checks.
public enum ChangelogText {
    /// The files and nodes created in `text` (`CREATE` lines): name → version.
    public static func creates(_ text: String) -> [String: UInt64] {
        var created: [String: UInt64] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let record = try? ChangelogCodec.parse(line: String(line)), case .create(_, let name, _, _, _, _, _) = record.change
            else { continue }
            created[name.description] = record.version.rawValue
        }
        return created
    }

    /// The `EPOCH(n)` changes in `text`: version and epoch.
    public static func epochs(_ text: String) -> [(version: UInt64, epoch: UInt64)] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let record = try? ChangelogCodec.parse(line: String(line)),
                case .epoch(let epoch) = record.change
            else { return nil }
            return (record.version.rawValue, epoch.rawValue)
        }
    }
}

/// What one silent death of the active host showed (`FailoverCluster.killActiveHost`).
public struct KillRun: Sendable {
    public var run: Int
    /// How long after the writes were flowing the host was killed (random, 0-999 ms).
    public var killedAfterMilliseconds: Int
    /// The epoch before the kill and the new active master's after it.
    public var epochBefore: UInt64
    public var epochAfter: UInt64?
    /// Kill (cable down) → the first create acknowledged by the new active master; nil if none
    /// was within 30 s.
    public var failoverMilliseconds: Double?
    /// Of that: kill → B's announcer became master (Master_Down_Interval after A's last
    /// advert), and its promote hook's run (promotion by the quorum rule, or restore and start
    /// for a cold standby); the rest is the client reaching B at the moved address.
    public var masterDownMilliseconds: Double?
    public var hookMilliseconds: Double?
    public var acknowledged: Int
    public var acknowledgedBeforeKill: Int
    /// Acknowledged creates missing on the new active master.
    public var lost: [String]
    /// Creates the client gave up on (none is expected: it retries for 60 s).
    public var failed: [String]
    /// The hosts whose master says `active` after the failover, and those holding the VIP.
    public var activeMasters: [String]
    public var holdersOfVIP: [String]
    /// The metalogger (and, for a cold standby, B's own) follows the new master, in step.
    public var peersFollow: Bool
}

extension FailoverCluster {
    /// DESIGN §10's failover figure: a client (`mfsprobe` on C) creates a file every
    /// `intervalMilliseconds` through the virtual IP; once its creates are acknowledged, A's host
    /// dies silently (`NetnsLab.killHost`) at a random moment; then waits for the first create
    /// the new active master acknowledges, lets 20 more through, and reads B's metadata.
    public func killActiveHost(run: Int, intervalMilliseconds: Int = 10) throws -> KillRun {
        guard let before = status("A") else { throw LabError(message: "A's master does not answer\n\(logs())") }
        let probe = try startProbe(on: "C", target: virtualAddress, prefix: "r\(run)_", intervalMilliseconds: intervalMilliseconds)
        defer { probe.stop() }
        try expect(waitUntil(30) { probe.acknowledged.count >= 20 }, "the client's creates are not acknowledged")
        let delay = Int.random(in: 0..<1_000)
        usleep(UInt32(delay) * 1_000)
        let killedAt = Date().timeIntervalSince1970
        let killed = lab.killHost("A")
        lab.mark("run \(run): A killed \(delay) ms into the writes")
        let newEpoch = before.epoch + 1
        var first: ProbeClient.Answer?
        _ = waitUntil(30) {
            first = probe.acknowledged.first { $0.time > killed && $0.epoch >= newEpoch }
            return first != nil
        }
        if let first { _ = waitUntil(10) { probe.acknowledged.filter { $0.time > first.time }.count >= 20 } }
        probe.stop()
        let answers = probe.answers
        let acked = answers.filter(\.ok)
        let peers = options.standby == .hot ? 1 : 2
        let follow = waitUntil(30) { self.inStep("B", peers: peers) }
        let after = status("B")
        let names = (try? dumpedNamespace("B").entryNames()) ?? []
        let takeover = lastTakeover("B")
        return KillRun(
            run: run, killedAfterMilliseconds: delay, epochBefore: before.epoch, epochAfter: after?.epoch,
            failoverMilliseconds: first.map { Double($0.time - killed) / 1e6 },
            masterDownMilliseconds: takeover.map { ($0.became - killedAt) * 1_000 }, hookMilliseconds: takeover?.hookMilliseconds,
            acknowledged: acked.count,
            acknowledgedBeforeKill: acked.filter { $0.time <= killed }.count,
            lost: acked.map(\.name).filter { !names.contains($0) }, failed: answers.filter { !$0.ok }.map { "\($0.name): \($0.detail)" },
            activeMasters: ["A", "B"].filter { status($0)?.role == "active" }, holdersOfVIP: ["A", "B"].filter { holdsVIP($0) },
            peersFollow: follow)
    }
}
