import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throw-away LAN of network namespaces (DESIGN §9), for tests and benchmarks that need
/// several hosts: a switch namespace holding a bridge with no uplink, and one namespace per
/// host joined to it by a veth pair (`eth0` inside the host, `p<host>` on the bridge), with an
/// address in 169.254.0.0/16. Names carry a prefix unique to the run; `teardown` removes
/// everything (namespaces, processes, the directory) and is safe to call twice.
public final class NetnsLab: @unchecked Sendable {
    public struct Host: Sendable {
        public var name: String
        public var namespace: String
        public var address: String
    }

    /// Whether namespace tests can run here: root and a working `ip netns`.
    public static let available: Bool = getuid() == 0 && shell("ip netns list").status == 0

    public let prefix: String
    /// Files of the run: configurations, logs, data directories.
    public let directory: String
    public private(set) var hosts: [String: Host] = [:]
    private var processes: [Process] = []
    private let created = monotonicNanoseconds()

    public var switchNamespace: String { "\(prefix)-sw" }

    /// Hosts `names` get 169.254.0.10, .11, … in order. `prefix` must be unique to the run (a
    /// process id and a counter, say) and short: interface names are at most 15 bytes.
    public init(prefix: String, hosts names: [String]) throws {
        self.prefix = prefix
        directory = "/tmp/\(prefix)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try run("ip netns add \(switchNamespace)")
            try run("ip -n \(switchNamespace) link add br0 type bridge && ip -n \(switchNamespace) link set br0 up")
            // A lab bridge stands for a switch: no iptables on its frames where br_netfilter is
            // loaded (scripts/lib/netns-lab.sh, unfilter_bridge, says why).
            try run(
                "for key in iptables ip6tables arptables; do [ -e /proc/sys/net/bridge/bridge-nf-call-$key ] "
                    + "&& ip netns exec \(switchNamespace) sysctl -qw net.bridge.bridge-nf-call-$key=0; done; true")
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
        } catch {
            teardown()
            throw error
        }
    }

    deinit { teardown() }

    public func host(_ name: String) -> Host {
        guard let host = hosts[name] else { preconditionFailure("no host \(name) in lab \(prefix)") }
        return host
    }

    /// Prints (on stderr) the time since the lab was made, to see where a slow run spends it.
    public func mark(_ what: String) {
        FileHandle.standardError.write(Data("[\(prefix) +\((monotonicNanoseconds() - created) / 1_000_000) ms] \(what)\n".utf8))
    }

    /// Kills every process of every namespace, deletes the namespaces (with them the bridge and
    /// the veth pairs) and the directory.
    public func teardown() {
        for host in hosts.values { killProcesses(in: host.namespace) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for host in hosts.values { Self.shell("ip netns del \(host.namespace) 2>/dev/null") }
        Self.shell("ip netns del \(switchNamespace) 2>/dev/null")
        hosts = [:]
        processes = []
        // MFS_LAB_KEEP=1 keeps the logs and data directories for a look after the run.
        if ProcessInfo.processInfo.environment["MFS_LAB_KEEP"] == "1" {
            if FileManager.default.fileExists(atPath: directory) { print("lab \(prefix): kept \(directory)") }
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    // MARK: hosts

    /// DESIGN §9 "kill the host", a silent death: its cable first (the host vanishes from the
    /// LAN at once, no FIN, no RST), then SIGKILL to every process in its namespace, then the
    /// namespace deleted (its kernel state, addresses and sockets with it). `keepNamespace`
    /// leaves the namespace (and the VIP a dead announcer left on it), for a test that plugs the
    /// host back in. Returns the monotonic time the cable went down.
    @discardableResult
    public func killHost(_ name: String, keepNamespace: Bool = false) -> UInt64 {
        let host = self.host(name)
        let killed = monotonicNanoseconds()
        Self.shell("ip -n \(switchNamespace) link set p\(name) down")
        killProcesses(in: host.namespace)
        if !keepNamespace { Self.shell("ip netns del \(host.namespace)") }
        return killed
    }

    /// Pulls (`up: false`) or plugs back the host's cable: its processes keep running.
    public func setLink(_ name: String, up: Bool) {
        Self.shell("ip -n \(switchNamespace) link set p\(name) \(up ? "up" : "down")")
    }

    /// Takes the host's port off the switch (`attached: false`) or puts it back: the host is
    /// cut off as by a partition between two switches, and unlike `setLink` its carrier stays
    /// up (the veth's other end is still up, only no longer bridged).
    public func setSwitchPort(_ name: String, attached: Bool) {
        Self.shell("ip -n \(switchNamespace) link set p\(name) \(attached ? "master br0" : "nomaster")")
    }

    public func killProcesses(in namespace: String) {
        let pids = Self.shell("ip netns pids \(namespace) 2>/dev/null").output.split(whereSeparator: \.isNewline)
        for pid in pids { if let value = Int32(pid) { kill(value, SIGKILL) } }
        _ = waitUntil(5) { Self.shell("ip netns pids \(namespace) 2>/dev/null").output.isEmpty }
    }

    /// Starts `arguments` in the host's namespace (`ip netns exec` execs it: the process id is
    /// the program's), with stdout and stderr appended to `log`.
    @discardableResult
    public func spawn(_ name: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["ip", "netns", "exec", host(name).namespace, "/usr/bin/env"] + environment.map { "\($0.key)=\($0.value)" } + arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        return process
    }

    /// Runs `body` on a thread of its own that entered the host's network namespace, so the
    /// sockets it opens (a status request, say) are the host's; nil if the namespace is gone.
    public func inNamespace<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) -> T? {
        let path = "/var/run/netns/\(host(name).namespace)"
        let box = ResultBox<T>()
        let thread = Thread {
            defer { box.done.signal() }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return }
            defer { close(fd) }
            guard Self.setNetworkNamespace(fd) == 0 else { return }
            box.value = body()
        }
        thread.start()
        box.done.wait()
        return box.value
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
        let done = DispatchSemaphore(value: 0)
    }

    /// `setns(fd, CLONE_NEWNET)` for the calling thread only (Glibc's module map leaves it out).
    private static func setNetworkNamespace(_ fd: Int32) -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return -1 }
        let cloneNewNet: Int32 = 0x4000_0000
        return unsafeBitCast(symbol, to: SetNS.self)(fd, cloneNewNet)
    }

    // MARK: files

    public func path(_ file: String) -> String { "\(directory)/\(file)" }

    public func read(_ file: String) -> String { (try? String(contentsOfFile: path(file), encoding: .utf8)) ?? "" }

    public func write(_ file: String, _ text: String) throws {
        try text.write(toFile: path(file), atomically: true, encoding: .utf8)
    }

    // MARK: commands

    public func run(_ command: String) throws {
        let result = Self.shell(command)
        guard result.status == 0 else { throw LabError(message: "\(command): exit \(result.status): \(result.output)") }
    }

    /// Runs `command` with `/bin/sh -c`; its exit status and output (stdout and stderr).
    @discardableResult
    public static func shell(_ command: String) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

public struct LabError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// CLOCK_MONOTONIC in nanoseconds: shared by every network namespace, so times taken in the
/// test and in its hosts' processes compare.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass; whether it held.
@discardableResult
public func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while monotonicNanoseconds() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
