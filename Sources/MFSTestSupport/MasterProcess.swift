import Foundation
import MFSCore
import MFSMetadata
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A real `mfsmaster` process on loopback with a data directory of its own, for tests: its
/// ports are picked by the kernel on the first start and read from its log; a restart keeps
/// the client port, so a client's address stays right.
public final class MasterProcess: @unchecked Sendable {
    public let directory: String
    public var dataPath: String { directory + "/data" }
    public var logPath: String { directory + "/master.log" }
    public var configPath: String { directory + "/mfsmaster.cfg" }
    public private(set) var process: Process?
    public private(set) var clientPort = 0
    public private(set) var statusPort = 0
    /// The peer port (9419 in production): metaloggers and followers.
    public private(set) var peerPort = 0
    /// The chunkserver port (9420 in production); kept across restarts like the client port.
    public private(set) var chunkserverPort = 0
    private let settings: [String: String]
    /// A command the master runs under (`ip netns exec NS`), which must exec it (same pid).
    private let launcher: [String]

    /// Makes the directory and the exports (default: everyone, read-write, root unmapped);
    /// `settings` go into the config over the test defaults; `launcher` runs the master (for
    /// another network namespace: `["/usr/sbin/ip", "netns", "exec", NS]`).
    ///
    /// `lone`: no peer will follow this master, so the test defaults include
    /// `SYNC_REPLICAS = 0`; with the product's defaults (`SYNC_REPLICAS = 1`, `SYNC_DEGRADE = 0`,
    /// DESIGN §6) a lone master acknowledges no change. False for a master with peers (a
    /// follower, say), which keeps the product's defaults unless `settings` say otherwise.
    public init(
        exports: String = "*  /  rw,alldirs,maproot=0\n", settings: [String: String] = [:], launcher: [String] = [], lone: Bool = true
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mfsmaster-\(UUID().uuidString)").path
        self.settings = (lone ? ["SYNC_REPLICAS": "0"] : [:]).merging(settings) { $1 }
        self.launcher = launcher
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try exports.write(toFile: directory + "/mfsexports.cfg", atomically: true, encoding: .utf8)
        try writeConfig()
    }

    private func writeConfig() throws {
        var config: [String: String] = [
            "DATA_PATH": dataPath, "EXPORTS_FILENAME": directory + "/mfsexports.cfg", "MATOCL_LISTEN_HOST": "127.0.0.1",
            "MATOCL_LISTEN_PORT": String(clientPort), "STATUS_LISTEN_HOST": "127.0.0.1", "STATUS_LISTEN_PORT": "0",
            "MATOML_LISTEN_HOST": "127.0.0.1", "MATOML_LISTEN_PORT": String(peerPort),
            "MATOCS_LISTEN_HOST": "127.0.0.1", "MATOCS_LISTEN_PORT": String(chunkserverPort),
        ]
        config.merge(settings) { $1 }
        try config.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `mfsmaster` of the debug build, beside the other binaries the tests run.
    public static var binary: String { binaryPath("mfsmaster") }

    /// A binary of the debug build.
    public static func binaryPath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/\(name)").path
    }

    /// Starts the master and waits until its ports listen.
    public func start(_ extraArguments: [String] = []) throws { try startWithin(seconds: 30, extraArguments) }

    /// Starts the master and waits up to `seconds` until its ports listen.
    public func startWithin(seconds: Double, _ extraArguments: [String] = []) throws {
        try writeConfig()
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        let process = Process()
        let command = launcher + [Self.binary, "-c", configPath] + extraArguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = self.log
            if let client = Self.port(after: "client port listening", in: text),
                let status = Self.port(after: "status server listening", in: text),
                let peer = Self.port(after: "peer port listening", in: text),
                // Every master serves chunkservers; its line may come after the others.
                let chunkservers = Self.port(after: "chunkserver port listening", in: text)
            {
                (clientPort, statusPort, peerPort, chunkserverPort) = (client, status, peer, chunkservers)
                return
            }
            if !process.isRunning { throw StartFailed(log: text) }
            usleep(20_000)
        }
        throw StartFailed(log: "did not listen within \(Int(seconds)) s:\n" + self.log)
    }

    public struct StartFailed: Error, CustomStringConvertible {
        public var log: String
        /// The log indented, so that scripts/test.sh shows it under the failure in CI (it
        /// prints the lines under a failure that start with spaces).
        public var description: String {
            "mfsmaster did not come up; its log:\n" + log.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        }
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The port in the last `address=HOST:PORT` of a log line containing `message`.
    private static func port(after message: String, in log: String) -> Int? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains(message) }),
            let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") })
        else { return nil }
        return Int(address.split(separator: ":").last ?? "")
    }

    /// SIGTERM and wait: the master dumps its metadata and exits 0.
    @discardableResult
    public func stop() -> Int32 {
        guard let process else { return -1 }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// SIGKILL: no dump, no goodbye.
    public func crash() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    /// The exit status of a master that stopped by itself (nil while it runs).
    public var exitStatus: Int32? {
        guard let process, !process.isRunning else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `metadata.mfs` as the master last dumped it.
    public func dumpedNamespace() throws -> Namespace {
        try MetadataFile.decode(try FileIO.read(dataPath + "/metadata.mfs"))
    }
}
