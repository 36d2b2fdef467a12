import Foundation
import MFSStatus
import MFSTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Our master, chunkservers of either implementation and our `mfs` client, each on a host of
/// a network-namespace lab (DESIGN §9; MooseFS's chunkserver refuses 127.x addresses). The
/// master is on `m`, the client on `cl`; chunkservers go on the other hosts. Everything is
/// removed by `teardown`, also when a test fails half-way.
final class DataInteropLab: @unchecked Sendable {
    static let mooseChunkserver = "/usr/sbin/mfschunkserver"
    /// Root, `ip netns` and Debian's moosefs-chunkserver 3.0.117: what these tests need.
    static let runnable = NetnsLab.available && FileManager.default.isExecutableFile(atPath: mooseChunkserver)
    /// MooseFS's chunk size, 64 MiB.
    static let chunkSize = 64 * 1_048_576
    /// How long a chunkserver may take to register (MooseFS's scans its directories first).
    static let registrationSeconds = 60.0

    /// Python that clears the signal mask and execs its arguments (same process id).
    static let unblockSignalsAndExec =
        "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"

    enum Implementation: String, Sendable { case ours, moosefs }

    /// A chunkserver's files: its `DATA_PATH` and one data directory, both kept when it stops,
    /// so another chunkserver can be started on them.
    struct Disk: Sendable {
        var dataPath: String
        var chunks: String
    }

    let lab: NetnsLab
    let master: MasterProcess
    private var chunkservers: [String: Process] = [:]
    /// Labs made by this process: part of each prefix, as the two suites run in parallel.
    private static let labs = Atomic<Int>(0)

    init(chunkserverHosts: [String]) throws {
        let number = Self.labs.add(1, ordering: .relaxed).newValue
        lab = try NetnsLab(prefix: "mdi\(getpid() % 10_000)-\(number)", hosts: ["m", "cl"] + chunkserverHosts)
        let address = lab.host("m").address
        do {
            master = try MasterProcess(
                settings: [
                    "MATOCS_LISTEN_HOST": address, "MATOCS_LISTEN_PORT": "9420", "MATOCL_LISTEN_HOST": address,
                    "REPLICATIONS_DELAY_INIT": "0", "WRITE_HOLD_TIME": "0",
                ],
                launcher: ["/usr/sbin/ip", "netns", "exec", lab.host("m").namespace])
            try master.start()
        } catch {
            lab.teardown()
            throw error
        }
    }

    func teardown() {
        for process in chunkservers.values where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        master.stop()
        lab.teardown()
    }

    // MARK: chunkservers

    func disk(_ name: String) throws -> Disk {
        let disk = Disk(dataPath: lab.path("\(name)-data"), chunks: lab.path("\(name)-chunks"))
        for directory in [disk.dataPath, disk.chunks] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        return disk
    }

    /// Starts a chunkserver of `implementation` on `host` with `disk` (the master's address and
    /// port 9420, the host's address for its data port).
    func startChunkserver(_ implementation: Implementation, on host: String, disk: Disk) throws {
        let config = "\(host)-\(implementation.rawValue).cfg"
        let hdd = "\(host)-\(implementation.rawValue)-hdd.cfg"
        try lab.write(hdd, disk.chunks + "\n")
        var settings = """
            DATA_PATH = \(disk.dataPath)
            HDD_CONF_FILENAME = \(lab.path(hdd))
            HDD_LEAVE_SPACE_DEFAULT = 0
            MASTER_HOST = \(lab.host("m").address)
            MASTER_PORT = 9420
            CSSERV_LISTEN_HOST = \(lab.host(host).address)

            """
        let arguments: [String]
        switch implementation {
        case .ours:
            arguments = [MasterProcess.binaryPath("mfschunkserver"), "-c", lab.path(config)]
        case .moosefs:
            settings += "WORKING_USER = root\nWORKING_GROUP = root\nHDD_TEST_SPEED = 0\nHDD_FSYNC_BEFORE_CLOSE = 1\n"
            // Through a wrapper that unblocks every signal: the test's thread (a dispatch
            // worker) blocks them, `Process` hands that mask on, and MooseFS's chunkserver
            // keeps it, so it would never see the SIGTERM of a graceful stop.
            arguments = ["python3", "-c", Self.unblockSignalsAndExec, Self.mooseChunkserver, "-f", "-c", lab.path(config), "start"]
        }
        try lab.write(config, settings)
        // A log per implementation: `spawn` empties the file it is given.
        chunkservers[host] = try lab.spawn(host, arguments, log: lab.path("\(host)-\(implementation.rawValue).log"))
    }

    /// SIGTERM to the chunkserver on `host` and waits for it to exit (MooseFS's closes its chunk
    /// files and releases the directory lock), then for the master to see it gone.
    func stopChunkserver(on host: String) {
        guard let process = chunkservers.removeValue(forKey: host) else { return }
        kill(process.processIdentifier, SIGTERM)
        if !waitUntil(30, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let gone = waitUntil(10) { self.registeredCount() == self.chunkservers.count }
        #expect(gone, "the master still lists the chunkserver stopped on \(host): \(String(describing: status()?.chunkserverList))")
    }

    /// Waits until exactly `count` chunkservers are registered with space; false after
    /// `registrationSeconds`.
    func waitForChunkservers(_ count: Int) -> Bool {
        waitUntil(Self.registrationSeconds) { self.registeredCount() == count }
    }

    private func registeredCount() -> Int? {
        status()?.chunkserverList?.filter { $0.state == "registered" && $0.totalBytes > 0 }.count
    }

    func status() -> MasterStatus? {
        let port = master.statusPort
        return lab.inNamespace("m") { try? StatusClient.fetch("127.0.0.1:\(port)", timeout: 5) } ?? nil
    }

    // MARK: the client

    /// Runs our `mfs` on the client host against the master; its exit status and output.
    @discardableResult
    func mfs(_ arguments: [String]) -> (status: Int32, output: String) {
        let command =
            [
                "ip", "netns", "exec", lab.host("cl").namespace, MasterProcess.binaryPath("mfs"), "-H",
                "\(lab.host("m").address):\(master.clientPort)",
            ]
            + arguments
        return NetnsLab.shell(command.map(Self.quoted).joined(separator: " ") + " 2>&1")
    }

    /// Stores a file of random bytes of every interop size at every goal of `goals` as
    /// `/f.SIZE.gGOAL` with `mfs put`; the SHA-256 of each size's bytes.
    func putInteropFiles(goals: [Int]) throws -> [Int: String] {
        var sources: [Int: String] = [:]
        for size in interopSizes {
            let path = try randomFile("source.\(size)", size: size)
            sources[size] = Self.sha256(path)
            for goal in goals {
                let put = mfs(["put", "-q", "-g", "\(goal)", path, "/f.\(size).g\(goal)"])
                #expect(put.status == 0, "put of \(size) B at goal \(goal): \(put.output)\n\(logs())")
            }
        }
        return sources
    }

    /// Reads every file `putInteropFiles` stored back with `mfs get` and compares its SHA-256
    /// with the source's; `through` names the chunkservers in a failure.
    func expectInteropFiles(goals: [Int], hashes sources: [Int: String], through: String) {
        for size in interopSizes {
            for goal in goals {
                let copy = lab.path("copy.\(size).g\(goal)")
                let get = mfs(["get", "-q", "/f.\(size).g\(goal)", copy])
                #expect(get.status == 0, "get of \(size) B at goal \(goal) through \(through): \(get.output)\n\(logs())")
                #expect(Self.sha256(copy) == sources[size], "\(size) B at goal \(goal) read through \(through) differs")
            }
        }
    }

    /// A local file of `size` random bytes in the lab's directory; its path.
    func randomFile(_ name: String, size: Int) throws -> String {
        let path = lab.path(name)
        try lab.run("head -c \(size) /dev/urandom > \(Self.quoted(path))")
        return path
    }

    static func sha256(_ path: String) -> String {
        let result = NetnsLab.shell("sha256sum < \(quoted(path))")
        return result.status == 0 ? String(result.output.prefix(64)) : "sha256sum failed: \(result.output)"
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Logs worth reading when a test fails: the master's and every chunkserver's tail.
    func logs() -> String {
        var text = "master:\n\(master.log.suffix(3_000))"
        for host in lab.hosts.keys.sorted() where !["m", "cl"].contains(host) {
            for implementation in ["ours", "moosefs"] {
                let log = lab.read("\(host)-\(implementation).log")
                if !log.isEmpty { text += "\n\(host), \(implementation):\n\(log.suffix(3_000))" }
            }
        }
        return text
    }
}

/// The sizes every interop test stores: empty, one byte, one 64 KiB block and a byte either
/// side of it, a whole 64 MiB chunk and one byte more (a second chunk).
let interopSizes = [0, 1, 65_535, 65_536, 65_537, 64 * 1_048_576 + 1]
