import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The announcer tests' LAN: a `NetnsLab` (DESIGN §9: a bridge with no uplink, one namespace
/// per host, addresses in 169.254.0.0/16, names `mfsa<pid>-<n>-*`) with the announcer, a TCP
/// listener per host and a probe through the VIP. `teardown` is called from a `defer`, so a
/// failing test leaves nothing behind.
final class Lab {
    typealias Host = NetnsLab.Host

    nonisolated(unsafe) static var counter = 0
    static let vip = "169.254.100.1"
    static let listenerPort = 7000

    /// Whether namespace tests can run here: root and a working `ip netns`.
    static let available: Bool = NetnsLab.available
    static let skipReason: Comment = "needs root and `ip netns` (network namespace tests)"

    let net: NetnsLab
    var hosts: [String: Host] { net.hosts }
    var prefix: String { net.prefix }

    init(hosts names: [String]) throws {
        Lab.counter += 1
        net = try NetnsLab(prefix: "mfsa\(getpid())-\(Lab.counter)", hosts: names)
    }

    func host(_ name: String) -> Host { net.host(name) }

    /// Prints the time since the lab was made, to see where a slow test spends it.
    func mark(_ what: String) { net.mark(what) }

    /// Kills every process of every namespace, deletes the namespaces and the directory.
    func teardown() {
        mark("teardown")
        net.teardown()
    }

    // MARK: Hosts

    /// DESIGN §9 "kill the host": cable unplugged, then SIGKILL every process in the namespace.
    /// The namespace stays, so the host can come back with its cable plugged in again.
    func killHost(_ name: String) { net.killHost(name, keepNamespace: true) }

    func setLink(_ name: String, up: Bool) { net.setLink(name, up: up) }

    func killProcesses(in namespace: String) { net.killProcesses(in: namespace) }

    /// Starts `arguments` inside the host's namespace with output to `log`.
    @discardableResult
    func spawn(_ name: String, _ arguments: [String], log: String) throws -> Process { try net.spawn(name, arguments, log: log) }

    func path(_ file: String) -> String { net.path(file) }

    func read(_ file: String) -> String { net.read(file) }

    func write(_ file: String, _ text: String) throws { try net.write(file, text) }

    // MARK: Announcer

    /// Writes `<name>.cfg` and starts `mfsannouncer -c` in the host; its log is `<name>.log`.
    @discardableResult
    func startAnnouncer(_ name: String, priority: Int, intervalMilliseconds: Int = 100, extra: [String: String] = [:]) throws
        -> Process
    {
        var keys = [
            "INTERFACE": "eth0", "VRID": "51", "PRIORITY": "\(priority)", "ADVERT_INTERVAL_MS": "\(intervalMilliseconds)",
            "VIRTUAL_IPS": "\(Lab.vip)/32", "STATUS_FILE": path("\(name).status"), "GARP_COUNT": "3", "GARP_INTERVAL_MS": "50",
        ]
        keys.merge(extra) { $1 }
        try write("\(name).cfg", keys.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n") + "\n")
        // Niced as the systemd unit does (Nice=-10): a stalled announcer is a false failover,
        // and these tests may share the machine's two cores with other test suites.
        return try spawn(name, ["nice", "-n", "-10", Lab.announcerBinary, "-c", path("\(name).cfg")], log: path("\(name).log"))
    }

    /// Whether the VIP is on the host's eth0.
    func holdsVIP(_ name: String) -> Bool {
        Lab.shell("ip -n \(host(name).namespace) -4 -o addr show dev eth0").output.contains(" \(Lab.vip)/")
    }

    /// The state in the host's status file (`master`, `backup`, ...).
    func state(_ name: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path("\(name).status")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["state"] as? String
    }

    // MARK: Clients

    /// A TCP listener on 0.0.0.0:7000 in the host that answers each connection with its name.
    func startListener(_ name: String) throws {
        let script = """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", \(Lab.listenerPort))); s.listen(64)
            while True:
                c, _ = s.accept(); c.sendall(b"\(name)\\n"); c.close()
            """
        try spawn(name, ["python3", "-c", script], log: path("\(name)-listener.log"))
    }

    /// Makes `name` the probing host: `arp_accept = 1` (a peer records gratuitous ARPs only
    /// then, DESIGN §11) and a loop that connects to VIP:7000 every 10 ms with a 50 ms timeout,
    /// appending "MONOTONIC_NS ANSWER" to probe.log whenever the answer changes ("-" = failed).
    func startProbe(_ name: String) throws {
        let namespace = host(name).namespace
        try run(
            "ip netns exec \(namespace) sh -c 'echo 1 > /proc/sys/net/ipv4/conf/all/arp_accept; echo 1 > /proc/sys/net/ipv4/conf/eth0/arp_accept'"
        )
        let script = """
            import socket, sys, time
            last = None
            while True:
                answer = "-"
                try:
                    c = socket.create_connection(("\(Lab.vip)", \(Lab.listenerPort)), timeout=0.05)
                    c.settimeout(0.05); answer = c.recv(64).decode().strip() or "-"; c.close()
                except OSError:
                    pass
                if answer != last:
                    print(time.monotonic_ns(), answer, flush=True); last = answer
                time.sleep(0.01)
            """
        try spawn(name, ["python3", "-c", script], log: path("probe.log"))
    }

    /// The probe's answers since `since` (monotonic), in order.
    func probeAnswers(since: UInt64 = 0) -> [(time: UInt64, answer: String)] {
        read("probe.log").split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let time = UInt64(parts[0]), time >= since else { return nil }
            return (time, String(parts[1]))
        }
    }

    /// The first time at or after `since` that the probe got an answer from `name`.
    func firstAnswer(from name: String, since: UInt64) -> UInt64? {
        probeAnswers(since: since).first { $0.answer == name }?.time
    }

    /// The probe's current answer (its last line).
    func currentAnswer() -> String? { probeAnswers().last?.answer }

    // MARK: Helpers

    func run(_ command: String) throws { try net.run(command) }

    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) { NetnsLab.shell(command) }

    /// The `mfsannouncer` built next to the test bundle (`swift build` puts both in .build/debug).
    static let announcerBinary: String = {
        if let path = ProcessInfo.processInfo.environment["MFSANNOUNCER_BINARY"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("mfsannouncer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root = root.deletingLastPathComponent() }
        return root.appendingPathComponent(".build/debug/mfsannouncer").path
    }()
}
