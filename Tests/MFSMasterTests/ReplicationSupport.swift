import Foundation
import MFSCore
import MFSMetadata
import MFSStatus
import MFSStorage
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Polls `condition` every 20 ms for up to `seconds`; true once it holds.
func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// SIGSTOP to `pid`, and waits (up to 5 s) until every thread of it is stopped: true once
/// they are. The signal stops one thread at once and the others only once that one has run, so
/// on a busy machine another thread could still answer for a few milliseconds after `kill`
/// returns (a CI run saw a stopped metalogger's acknowledgement come in that way).
@discardableResult
func freeze(_ pid: pid_t) -> Bool {
    kill(pid, SIGSTOP)
    return eventually(5) {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"), !threads.isEmpty else {
            return false
        }
        return threads.allSatisfy { threadState(pid, $0) == "T" }
    }
}

/// The state letter of thread `thread` of `pid` (the field after the command's closing
/// parenthesis in its `stat`), or nil when it is gone.
private func threadState(_ pid: pid_t, _ thread: String) -> Character? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(after: close)...].first { $0 != " " }
}

extension MasterProcess {
    /// `/status` of this master.
    func status() throws -> MasterStatus { try StatusClient.fetch("127.0.0.1:\(statusPort)", timeout: 5) }

    /// An active master for replication tests: its peer port fixed (`peerPort`, so followers
    /// can be configured before it starts), `SYNC_REPLICAS` as given and the other `SYNC_*`
    /// keys at the product's defaults (`SYNC_DEGRADE = 0`) unless `extra` says otherwise.
    static func active(peerPort: Int = freePort(), syncReplicas: Int, extra: [String: String] = [:]) throws -> MasterProcess {
        var settings = ["MATOML_LISTEN_PORT": "\(peerPort)", "SYNC_REPLICAS": "\(syncReplicas)", "SYNC_TIMEOUT": "10s"]
        settings.merge(extra) { $1 }
        return try MasterProcess(settings: settings, lone: false)
    }

    /// A follower of the master whose peer port is `masterPeerPort`, with the product's
    /// `SYNC_*` defaults (which count once it is promoted) unless `extra` says otherwise: a
    /// test that promotes it with no peer left sets `SYNC_REPLICAS = 0`.
    static func follower(of masterPeerPort: Int, extra: [String: String] = [:]) throws -> MasterProcess {
        var settings = ["MASTER_ROLE": "follower", "MASTER_HOST": "127.0.0.1:\(masterPeerPort)", "MATOML_LISTEN_PORT": "\(freePort())"]
        settings.merge(extra) { $1 }
        return try MasterProcess(settings: settings, lone: false)
    }

    /// Sends `POST path` to the status port; the HTTP status and body.
    func post(_ path: String) throws -> (Int, String) {
        let (code, body) = try StatusClient.get(host: "127.0.0.1", port: statusPort, path: path, timeout: 10, method: "POST")
        return (code, String(decoding: body, as: UTF8.self))
    }
}

/// A real `mfsmetalogger` following masters on loopback, with a data directory of its own.
final class MetaloggerProcess: @unchecked Sendable {
    let directory: String
    var dataPath: String { directory + "/data" }
    var logPath: String { directory + "/metalogger.log" }
    private(set) var process: Process?
    private let settings: [String: String]

    init(masterPeerPorts: [Int], settings: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mfsmetalogger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        var config = [
            "DATA_PATH": directory + "/data", "MASTER_HOST": masterPeerPorts.map { "127.0.0.1:\($0)" }.joined(separator: ","),
        ]
        config.merge(settings) { $1 }
        self.settings = config
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func start() throws {
        let configPath = directory + "/mfsmetalogger.cfg"
        try settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MasterProcess.binaryPath("mfsmetalogger"))
        process.arguments = ["-c", configPath]
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    @discardableResult
    func stop() -> Int32 {
        guard let process else { return -1 }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// SIGKILL and wait: the master sees its connection drop (a lost peer).
    func crash() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// `mfsmetarestore -a` on the metalogger's files (after `stop`; in `directory` when its
    /// `DATA_PATH` is another): the namespace they hold.
    func restored(in directory: String? = nil) throws -> Namespace {
        let dataPath = directory ?? self.dataPath
        let (status, output) = try runToEnd(MasterProcess.binaryPath("mfsmetarestore"), ["-a", "-d", dataPath])
        guard status == 0 else { throw RestoreFailed(output: output) }
        return try MetadataFile.decode(try FileIO.read(dataPath + "/metadata.mfs"))
    }

    struct RestoreFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "mfsmetarestore -a failed: \(output)" }
    }
}

/// Creates files `prefix0`, `prefix1`, … as fast as the master answers, with `window` requests
/// in flight on one connection, until `stop` says so or the master goes away. Records which
/// creates the master acknowledged.
final class PipelinedCreator: @unchecked Sendable {
    private let connection: WireConnection
    let parent: InodeID
    let prefix: String
    let window: Int
    private let lock = NSLock()
    private var acknowledged: [String] = []
    private var sentCount = 0
    private var finished = false

    init(port: Int, parent: InodeID = .root, prefix: String, window: Int = 16) throws {
        connection = try WireConnection(port: port)
        _ = try connection.open()
        self.parent = parent
        self.prefix = prefix
        self.window = window
    }

    var acked: [String] { lock.withLock { acknowledged } }
    var ackedCount: Int { lock.withLock { acknowledged.count } }
    /// Requests sent and not answered: in flight.
    var inFlight: Int { lock.withLock { sentCount - acknowledged.count } }
    var isFinished: Bool { lock.withLock { finished } }

    /// Runs on a thread of its own until the connection ends or `limit` creates are acked.
    func start(limit: Int = .max) {
        Thread { [self] in
            var names: [RequestID: String] = [:]
            var next = 0
            func send() -> Bool {
                let id = connection.newID()
                let name = "\(prefix)\(next)"
                next += 1
                names[id] = name
                lock.withLock { sentCount += 1 }
                return connection.send(
                    ClientRequest.mknod(
                        id, rootCaller, parent: parent, name: EntryName(unchecked: Array(name.utf8)), type: .file, mode: 0o644, rdev: 0
                    ).encode())
            }
            var ok = true
            for _ in 0..<window where ok { ok = send() }
            while ok, ackedCount < limit {
                guard let frame = try? connection.receive(), let reply = try? MasterReply.decode(frame) else { break }
                if reply.wireStatus == .ok, let name = names.removeValue(forKey: reply.requestID) {
                    lock.withLock { acknowledged.append(name) }
                }
                ok = send()
            }
            lock.withLock { finished = true }
        }.start()
    }
}

extension Namespace {
    /// The names in directory `inode`.
    func names(in inode: InodeID = .root) throws -> Set<String> {
        Set(try readdir(inode, limit: 10_000_000, as: .root).entries.map(\.name.description))
    }
}
