import Foundation
import MFSTestSupport
import Testing

/// The systemd units in `systemd/`: checked by `systemd-analyze verify` as installed, and read
/// by `scripts/lib/unit-exec.sh`, which the demo and tests use to start each daemon as its unit does.
@Suite struct UnitFileTests {
    static let analyze = "/usr/bin/systemd-analyze"

    /// Each unit as `install.sh` writes it, its paths pointed into the staging directory so that
    /// `verify` finds the installed binaries (it refuses an ExecStart that is not executable).
    @Test func systemdAnalyzeVerifiesEveryInstalledUnit() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.analyze), "apt-get install systemd (systemd-analyze)")
        let destdir = try Repository.temporaryDirectory("verify")
        defer { try? FileManager.default.removeItem(atPath: destdir) }
        let install = try InstallScriptTests.install(destdir)
        try #require(install.status == 0, "\(install.out)\n\(install.err)")
        try FileManager.default.createDirectory(atPath: destdir + "/verify", withIntermediateDirectories: true)
        for name in Repository.units {
            let installed = try String(contentsOfFile: destdir + "/etc/systemd/system/\(name).service", encoding: .utf8)
            #expect(installed.contains("ExecStart=/usr/local/sbin/\(name) -c /etc/mfs/\(name).cfg"))
            let unit = destdir + "/verify/\(name).service"
            try installed.replacingOccurrences(of: "/usr/local/", with: destdir + "/usr/local/").write(
                toFile: unit, atomically: false, encoding: .utf8)
            let run = try runProgram(Self.analyze, ["verify", unit])
            // verify exits 0 on an unknown key or a bad value too, but says so: any word is a failure.
            #expect(run.status == 0 && run.out.isEmpty && run.err.isEmpty, "\(name).service: \(run.out)\(run.err)")
        }
        // The check has teeth: a unit whose binary is missing, or with a misspelt key, is reported.
        let broken = destdir + "/verify/broken.service"
        try "[Service]\nExecStart=\(destdir)/usr/local/sbin/mfsnothing -c /x\nRestartSecs=2\n".write(
            toFile: broken, atomically: false, encoding: .utf8)
        let run = try runProgram(Self.analyze, ["verify", broken])
        #expect(run.status != 0 && run.err.contains("mfsnothing is not executable") && run.err.contains("Unknown key 'RestartSecs'"))
    }

    /// The settings the issue asks of each unit, read from the unit files themselves.
    @Test(arguments: Repository.units) func eachUnitHasItsOrderingRestartAndHardening(_ name: String) throws {
        let unit = try UnitFile(Repository.path("systemd/\(name).service"))
        #expect(unit.words("Unit", "After").contains("network-online.target"))
        #expect(unit["Unit", "Wants"] == ["network-online.target"])
        #expect(unit["Service", "Restart"] == ["on-failure"])
        #expect(unit["Service", "ExecStart"] == ["/usr/local/sbin/\(name) -c /etc/mfs/\(name).cfg"])
        #expect(unit["Service", "User"] == ["mfs"])
        for key in ["NoNewPrivileges", "PrivateTmp", "ProtectHome", "ProtectKernelTunables", "RestrictSUIDSGID"] {
            #expect(unit["Service", key] == ["yes"], "\(name): \(key)")
        }
        #expect(unit["Service", "ProtectSystem"] == ["strict"])
        #expect(unit["Install", "WantedBy"] == ["multi-user.target"])
        switch name {
        case "mfsannouncer":
            #expect(unit.words("Unit", "After").contains("mfsmaster.service"), "the promote hook asks the local master")
            #expect(unit["Service", "AmbientCapabilities"] == ["CAP_NET_ADMIN CAP_NET_RAW"])
            #expect(unit["Service", "CapabilityBoundingSet"] == ["CAP_NET_ADMIN CAP_NET_RAW"])
            #expect(unit["Service", "RestrictAddressFamilies"] == ["AF_NETLINK AF_PACKET AF_INET AF_INET6 AF_UNIX"])
            #expect(unit["Service", "Environment"] == ["MFS_BIN=/usr/local/sbin:/usr/local/bin"])
            #expect(unit["Service", "RestrictRealtime"].isEmpty, "it runs with CPUSchedulingPolicy=rr")
        default:
            #expect(unit["Service", "CapabilityBoundingSet"] == [""])
            #expect(unit["Service", "RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"])
            #expect(unit["Service", "RestartPreventExitStatus"] == ["1 2"], "a refused start is not retried")
            #expect(unit["Service", "StateDirectory"] == ["mfs"])
        }
        if name == "mfsmaster" || name == "mfsmetalogger" {
            // The final metadata dump (the metalogger's snapshot) of a big namespace takes time.
            #expect(unit["Service", "TimeoutStopSec"] == ["600"])
        }
        if name == "mfschunkserver" {
            #expect(unit["Service", "ReadWritePaths"] == ["-/mnt -/srv -/data"])
        }
    }

    @Test(arguments: Repository.units) func unitExecPrintsTheUnitsCommandWithAnotherConfig(_ name: String) throws {
        let unit = Repository.path("systemd/\(name).service")
        let plain = try Repository.script("lib/unit-exec.sh", [unit, "/tmp/x y.cfg"])
        #expect(plain.status == 0, "\(plain.err)")
        #expect(plain.out == "/usr/local/sbin/\(name)\n-c\n/tmp/x y.cfg\n")
        let built = try Repository.script("lib/unit-exec.sh", ["--bin", Repository.debugBinaries + "/", "--nice", unit, "/c.cfg"])
        let words = built.out.split(separator: "\n").map(String.init)
        let command = [Repository.debugBinaries + "/" + name, "-c", "/c.cfg"]
        #expect(words == (name == "mfsannouncer" ? ["nice", "-n", "-10"] + command : command), "\(built.err)")
        #expect(FileManager.default.isExecutableFile(atPath: command[0]))
    }

    /// The printed command is one the daemon accepts: the master checks a configuration with it.
    @Test func theMastersUnitCommandStartsTheRealMaster() throws {
        let directory = try Repository.temporaryDirectory("unit-exec")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "169.254.0.0/16 / rw\n".write(toFile: directory + "/exports.cfg", atomically: false, encoding: .utf8)
        try "EXPORTS_FILENAME = \(directory)/exports.cfg\nDATA_PATH = \(directory)\n".write(
            toFile: directory + "/mfsmaster.cfg", atomically: false, encoding: .utf8)
        let printed = try Repository.script(
            "lib/unit-exec.sh",
            ["--bin", Repository.debugBinaries, Repository.path("systemd/mfsmaster.service"), directory + "/mfsmaster.cfg"])
        let words = printed.out.split(separator: "\n").map(String.init)
        try #require(words.count == 3, "\(printed.err)")
        let check = try runProgram(words[0], Array(words.dropFirst()) + ["-t"])
        #expect(
            check.status == 0 && check.err.contains("\(directory)/mfsmaster.cfg and \(directory)/exports.cfg are valid"), "\(check.err)")
    }

    /// What the helper cannot follow as systemd would, it refuses, naming the unit and line.
    @Test func unitExecRefusesWhatItCannotFollow() throws {
        let directory = try Repository.temporaryDirectory("unit-bad")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, String)] = [
            ("[Service]\nType=exec\n", "no ExecStart= in [Service]"),
            ("[Unit]\nExecStart=/bin/x -c a\n", "no ExecStart= in [Service]"),
            ("[Service]\nExecStart=/bin/x -c a\nExecStart=/bin/y -c b\n", ":3: a second ExecStart= (the first is on line 2)"),
            ("[Service]\nExecStart=/bin/x -d\n", ":2: ExecStart= has 0 '-c FILE'"),
            ("[Service]\nExecStart=/bin/x -c a -c b\n", ":2: ExecStart= has 2 '-c FILE'"),
            ("[Service]\nExecStart=/bin/x -c\n", ":2: -c is the last word"),
            ("[Service]\nExecStart=/bin/x -c \"a b\"\n", ":2: ExecStart= has quotes"),
            ("[Service]\nExecStart=/bin/x -c $CONFIG\n", ":2: ExecStart= has quotes, a backslash, $ or %"),
            ("[Service]\nExecStart=/bin/x -c %E/mfs.cfg\n", ":2: ExecStart= has quotes, a backslash, $ or %"),
            ("[Service]\nExecStart=/bin/x -c a \\\n", ":2: ExecStart= continues on the next line"),
            ("[Service]\nExecStart=x -c a\n", ":2: the binary 'x' is not an absolute path"),
        ]
        for (index, (text, message)) in cases.enumerated() {
            let unit = directory + "/u\(index).service"
            try text.write(toFile: unit, atomically: false, encoding: .utf8)
            let run = try Repository.script("lib/unit-exec.sh", [unit, "/c.cfg"])
            #expect(run.status == 1 && run.out.isEmpty && run.err.contains("\(unit)") && run.err.contains(message), "\(text): \(run.err)")
        }
        // A prefix on the binary (- @ : + !) is systemd's, not part of the path.
        try "[Service]\nExecStart=-/bin/x -c a\n".write(toFile: directory + "/ok.service", atomically: false, encoding: .utf8)
        #expect(try Repository.script("lib/unit-exec.sh", [directory + "/ok.service", "/c.cfg"]).out == "/bin/x\n-c\n/c.cfg\n")
        let missing = try Repository.script("lib/unit-exec.sh", [directory + "/none.service", "/c.cfg"])
        #expect(missing.status == 1 && missing.err.contains("none.service: no such file"))
        let usage = try Repository.script("lib/unit-exec.sh", [directory + "/ok.service"])
        #expect(usage.status == 2 && usage.err.contains("usage: unit-exec.sh"))
    }
}

/// A systemd unit file's values by section and key, in order (enough for the units here).
struct UnitFile {
    private var values: [String: [String]] = [:]

    init(_ path: String) throws {
        var section = ""
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            values["\(section).\(line[..<equals])", default: []].append(String(line[line.index(after: equals)...]))
        }
    }

    subscript(section: String, key: String) -> [String] { values["\(section).\(key)"] ?? [] }

    /// Every blank-separated word of every value of the key.
    func words(_ section: String, _ key: String) -> [String] { self[section, key].flatMap { $0.split(separator: " ").map(String.init) } }
}
