import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A throw-away LAN of network namespaces (DESIGN §9): a switch namespace holding a bridge with
/// no uplink, and one namespace per host joined to it by a veth pair (`eth0` inside the host,
/// `p<host>` on the bridge). Addresses are in 169.254.0.0/16 only. Names carry the test
/// process id and a counter, so runs never collide; `teardown` removes everything and is called
/// from a `defer`, so a failing test leaves nothing behind.
final class Lab {
    struct Host {
        var name: String
        var namespace: String
        var address: String
    }

    nonisolated(unsafe) static var counter = 0
    static let vip = "169.254.100.1"
    static let listenerPort = 7000

    /// Whether namespace tests can run here: root and a working `ip netns`.
    static let available: Bool = getuid() == 0 && shell("ip netns list").status == 0
    static let skipReason: Comment = "needs root and `ip netns` (network namespace tests)"

    let prefix: String
    let directory: String
    var hosts: [String: Host] = [:]
    var processes: [Process] = []

    var switchNamespace: String { "\(prefix)-sw" }

    init(hosts names: [String]) throws {
        Lab.counter += 1
        prefix = "mfsa\(getpid())-\(Lab.counter)"
        directory = "/tmp/\(prefix)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try run("ip netns add \(switchNamespace)")
        try run("ip -n \(switchNamespace) link add br0 type bridge && ip -n \(switchNamespace) link set br0 up")
        for (index, name) in names.enumerated() {
            let host = Host(name: name, namespace: "\(prefix)-\(name)", address: "169.254.0.\(index + 10)")
            hosts[name] = host
            try run(
                """
                ip netns add \(host.namespace) && \
                ip -n \(switchNamespace) link add p\(name) type veth peer name eth0 netns \(host.namespace) && \
                ip -n \(switchNamespace) link set p\(name) master br0 up && \
                ip -n \(host.namespace) addr add \(host.address)/16 dev eth0 && \
                ip -n \(host.namespace) link set eth0 up && ip -n \(host.namespace) link set lo up
                """)
        }
    }

    func host(_ name: String) -> Host { hosts[name]! }

    let created = monotonicNanoseconds()

    /// Prints the time since the lab was made, to see where a slow test spends it.
    func mark(_ what: String) {
        print("[\(prefix) +\((monotonicNanoseconds() - created) / 1_000_000) ms] \(what)")
    }

    /// Kills every process of every namespace, deletes the namespaces (which deletes the bridge
    /// and the veth pairs) and the directory.
    func teardown() {
        mark("teardown")
        defer { mark("teardown done") }
        for host in hosts.values { killProcesses(in: host.namespace) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for host in hosts.values { _ = Lab.shell("ip netns del \(host.namespace)") }
        _ = Lab.shell("ip netns del \(switchNamespace)")
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Hosts

    /// DESIGN §9 "kill the host": SIGKILL every process in the namespace, cable unplugged.
    func killHost(_ name: String) {
        // Cable first: the host vanishes from the LAN at once, even mid-connection.
        _ = Lab.shell("ip -n \(switchNamespace) link set p\(name) down")
        killProcesses(in: host(name).namespace)
    }

    func setLink(_ name: String, up: Bool) {
        _ = Lab.shell("ip -n \(switchNamespace) link set p\(name) \(up ? "up" : "down")")
    }

    func killProcesses(in namespace: String) {
        let pids = Lab.shell("ip netns pids \(namespace)").output.split(whereSeparator: \.isNewline)
        for pid in pids { if let value = Int32(pid) { kill(value, SIGKILL) } }
        // Wait until they are gone, so the next step sees a dead host.
        _ = waitUntil(2) { Lab.shell("ip netns pids \(namespace)").output.isEmpty }
    }

    /// Starts `arguments` inside the host's namespace with output to `log`.
    @discardableResult
    func spawn(_ name: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", host(name).namespace] + arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        return process
    }

    func path(_ file: String) -> String { "\(directory)/\(file)" }

    func read(_ file: String) -> String { (try? String(contentsOfFile: path(file), encoding: .utf8)) ?? "" }

    func write(_ file: String, _ text: String) throws {
        try text.write(toFile: path(file), atomically: true, encoding: .utf8)
    }

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

    func run(_ command: String) throws {
        let result = Lab.shell(command)
        guard result.status == 0 else { throw LabError(message: "\(command): exit \(result.status): \(result.output)") }
    }

    @discardableResult
    static func shell(_ command: String) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (127, "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

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

struct LabError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The monotonic clock the probe's timestamps use (CLOCK_MONOTONIC, shared by all namespaces).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
@discardableResult
func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
