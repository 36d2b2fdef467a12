import Foundation
import MFSTestSupport
import Testing

/// The announcer with exactly the privileges its unit gives it (User=, the capabilities,
/// NoNewPrivileges=), applied by `setpriv` from the unit's own lines, in a network namespace:
/// it takes the virtual IP, its hook runs as the same user with the same two capabilities, and
/// at SIGTERM it removes the address. (systemd is not PID 1 here; the unit's other sandboxing,
/// RestrictAddressFamilies= included, is not applied by this test.)
@Suite(.serialized, .enabled(if: NetnsLab.available, "needs root and `ip netns` (network namespace tests)"))
struct AnnouncerPrivilegeTests {
    /// `setpriv` arguments for the unit's User=, Group=, AmbientCapabilities=,
    /// CapabilityBoundingSet= and NoNewPrivileges=.
    static func setpriv(_ unit: UnitFile) throws -> [String] {
        let user = try #require(unit["Service", "User"].first)
        let group = try #require(unit["Service", "Group"].first)
        let ambient = unit.words("Service", "AmbientCapabilities").map { "+" + $0.lowercased().replacingOccurrences(of: "cap_", with: "") }
        let bounding = unit.words("Service", "CapabilityBoundingSet").map {
            "+" + $0.lowercased().replacingOccurrences(of: "cap_", with: "")
        }
        var arguments = ["/usr/bin/setpriv", "--reuid", user, "--regid", group, "--init-groups"]
        arguments += ["--inh-caps", ambient.joined(separator: ","), "--ambient-caps", ambient.joined(separator: ",")]
        arguments += ["--bounding-set", (["-all"] + bounding).joined(separator: ",")]
        if unit["Service", "NoNewPrivileges"] == ["yes"] { arguments.append("--no-new-privs") }
        return arguments
    }

    @Test func theAnnouncerTakesTheAddressWithOnlyItsUnitsPrivileges() throws {
        let unitPath = Repository.path("systemd/mfsannouncer.service")
        let privileges = try Self.setpriv(try UnitFile(unitPath))
        #expect(privileges.contains("mfs") && privileges.contains("+net_admin,+net_raw"), "\(privileges)")
        let lab = try NetnsLab(prefix: "mfsop\(getpid() % 100_000)", hosts: ["A"])
        defer { lab.teardown() }
        // The status file and the hook's report in a directory the unit's user may write.
        let work = try Repository.temporaryDirectory("announcer")
        defer { try? FileManager.default.removeItem(atPath: work) }
        #expect(try runProgram("/bin/chown", [privileges[2] + ":" + privileges[4], work]).status == 0)
        let config = work + "/mfsannouncer.cfg"
        try """
        INTERFACE = eth0
        VRID = 77
        PRIORITY = 200
        ADVERT_INTERVAL_MS = 100
        VIRTUAL_IPS = 169.254.77.100/32
        STATUS_FILE = \(work)/status
        PROMOTE_HOOK = (id -un; grep -E '^Cap(Eff|Amb)' /proc/self/status) >\(work)/hook.out

        """.write(toFile: config, atomically: false, encoding: .utf8)
        let printed = try Repository.script("lib/unit-exec.sh", ["--bin", Repository.debugBinaries, "--nice", unitPath, config])
        let command = printed.out.split(separator: "\n").map(String.init)
        try #require(command.count == 6 && command[0] == "nice", "\(printed.err)")
        // Niced as root first (systemd sets Nice= before it drops privileges), then the privileges.
        let announcer = try lab.spawn("A", Array(command.prefix(3)) + privileges + command.dropFirst(3), log: work + "/announcer.log")
        let namespace = lab.host("A").namespace
        let holds = {
            ((try? runProgram("/usr/sbin/ip", ["-n", namespace, "-4", "addr", "show", "eth0"]))?.out ?? "").contains("169.254.77.100/32")
        }
        let deadline = Date().addingTimeInterval(10)
        while !holds() && Date() < deadline { usleep(50_000) }
        #expect(holds(), "\((try? String(contentsOfFile: work + "/announcer.log", encoding: .utf8)) ?? "")")
        // NET_ADMIN is bit 12, NET_RAW bit 13: 0x3000, and nothing else.
        let report = (try? String(contentsOfFile: work + "/hook.out", encoding: .utf8)) ?? ""
        #expect(
            report.hasPrefix("mfs\n") && report.contains("CapEff:\t0000000000003000") && report.contains("CapAmb:\t0000000000003000"),
            "\(report)")
        kill(announcer.processIdentifier, SIGTERM)
        announcer.waitUntilExit()
        #expect(announcer.terminationStatus == 0)
        #expect(!holds(), "the address is removed at SIGTERM")
    }
}
