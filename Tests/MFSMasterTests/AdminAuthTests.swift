import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A network namespace whose loopback interface also holds `address`, a non-loopback address:
/// a request to it comes from "another host" as far as a master in there can tell.
final class IsolatedNetwork {
    static let works: Bool = getuid() == 0 && (try? runProgram("/usr/sbin/ip", ["netns", "list"]).status) == 0
    /// Link-local, as every test address (DESIGN §9): never routed anywhere.
    static let address = "169.254.77.1"

    struct Failed: Error, CustomStringConvertible { var description: String }

    let name = "mfsadm\(getpid())-\(UUID().uuidString.prefix(8))"

    init() throws {
        for command in [
            ["netns", "add", name], ["-n", name, "link", "set", "lo", "up"],
            ["-n", name, "addr", "add", "\(Self.address)/32", "dev", "lo"],
        ] {
            let done = try runProgram("/usr/sbin/ip", command)
            guard done.status == 0 else { throw Failed(description: "ip \(command.joined(separator: " ")): \(done.err)") }
        }
    }

    deinit { _ = try? runProgram("/usr/sbin/ip", ["netns", "delete", name]) }

    /// The command that runs a program in the namespace (`ip netns exec` execs it: same pid).
    var launcher: [String] { ["/usr/sbin/ip", "netns", "exec", name] }

    /// Runs `command` in the namespace with `environment` added.
    func run(_ environment: [String: String], _ command: [String]) throws -> (status: Int32, out: String, err: String) {
        try runProgram("/usr/sbin/ip", ["netns", "exec", name, "/usr/bin/env"] + environment.map { "\($0.key)=\($0.value)" } + command)
    }
}

/// `ADMIN_AUTH_CODE` end to end: a real master and `mfscli` (and the announcer's demote hook)
/// in a network namespace of their own, where the status port is reached at a non-loopback
/// address, so the master sees a request from another host. `AUTH_CODE`, the peers' secret,
/// admits nothing; the admin code does; loopback needs none.
@Suite(.enabled(if: IsolatedNetwork.works, "needs root and `ip netns` (a network namespace with a non-loopback address)"))
struct AdminAuthTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts").path

    @Test func onlyTheAdminAuthCodeAdmitsAdminRequestsFromAnotherHost() throws {
        let namespace = try IsolatedNetwork()
        let master = try MasterProcess(
            settings: [
                "STATUS_LISTEN_HOST": "*", "AUTH_CODE": "peer-secret", "ADMIN_AUTH_CODE": "admin-secret", "SYNC_REPLICAS": "0",
            ],
            launcher: namespace.launcher)
        try master.start()
        defer { master.crash() }
        let remote = "\(IsolatedNetwork.address):\(master.statusPort)"
        func cli(_ arguments: [String], _ environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
            try namespace.run(environment, [MasterProcess.binaryPath("mfscli"), "-H", remote, "--timeout", "30"] + arguments)
        }

        let none = try cli(["dump"])
        #expect(none.status == 1 && none.err.contains("HTTP 403") && none.err.contains("needs the X-MFS-Auth header"), "\(none)")
        let peer = try cli(["--admin-auth-code", "peer-secret", "dump"])
        #expect(peer.status == 1 && peer.err.contains("proof is of AUTH_CODE"), "a chunkserver's secret dumped: \(peer)")
        let promote = try cli(["--admin-auth-code", "peer-secret", "promote"])
        #expect(promote.status == 1 && promote.err.contains("HTTP 403"), "\(promote)")
        let oldVariable = try cli(["demote"], ["MFS_AUTH_CODE": "peer-secret"])
        #expect(oldVariable.status == 1 && oldVariable.err.contains("MFS_AUTH_CODE is ignored"), "\(oldVariable)")
        let oldFlag = try cli(["--auth-code", "peer-secret", "dump"])
        #expect(oldFlag.status == 2 && oldFlag.err.contains("--auth-code is gone") && oldFlag.err.contains("--admin-auth-code"))
        #expect(master.log.contains("admin request refused"))

        let dumped = try cli(["dump"], ["MFS_ADMIN_AUTH_CODE": "admin-secret"])
        #expect(dumped.status == 0 && dumped.out.contains("metadata dumped"), "\(dumped)")
        let flag = try cli(["--admin-auth-code", "admin-secret", "dump"])
        #expect(flag.status == 0, "\(flag)")
        let local = try namespace.run([:], [MasterProcess.binaryPath("mfscli"), "-H", "127.0.0.1:\(master.statusPort)", "dump"])
        #expect(local.status == 0, "from the master's own host no code is needed: \(local)")
        // A chunkserver's removal is an admin request too (the proof covers its path, so the id).
        let unproven = try cli(["remove-chunkserver", "5"])
        #expect(unproven.status == 1 && unproven.err.contains("HTTP 403"), "\(unproven)")
        let admitted = try cli(["--admin-auth-code", "admin-secret", "remove-chunkserver", "5"])
        #expect(
            admitted.status == 1 && admitted.err.contains("HTTP 409") && admitted.err.contains("no chunkserver 5 is known"), "\(admitted)")

        // The announcer's demote hook passes MFS_ADMIN_AUTH_CODE on; MFS_AUTH_CODE no longer works.
        let hook = ["/bin/bash", Self.scripts + "/mfs-demote"]
        let bin = URL(fileURLWithPath: MasterProcess.binary).deletingLastPathComponent().path
        let refused = try namespace.run(["MFS_STATUS": remote, "MFS_BIN": bin, "MFS_AUTH_CODE": "peer-secret"], hook)
        #expect(refused.status == 1 && refused.err.contains("HTTP 403"), "\(refused)")
        let demoted = try namespace.run(["MFS_STATUS": remote, "MFS_BIN": bin, "MFS_ADMIN_AUTH_CODE": "admin-secret"], hook)
        #expect(demoted.status == 0 && demoted.err.contains("demoted"), "\(demoted)")
        let status = try cli(["--json"])
        #expect(status.out.contains("\"role\" : \"fenced\""), "\(status)")
    }
}
