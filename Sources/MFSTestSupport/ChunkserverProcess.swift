import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real `mfschunkserver` process of the debug build, with its own directory (configuration,
/// DATA_PATH, one data directory, log), stopped by PID.
public final class ChunkserverProcess: @unchecked Sendable {
    public let directory: String
    public var dataPath: String { directory + "/data" }
    /// The data directory in its mfshdd.cfg.
    public let chunkDirectory: String
    public var logPath: String { directory + "/chunkserver.log" }
    public private(set) var process: Process?

    /// `silence`: MASTER_SILENCE_TIMEOUT (short for the chunkserver's own tests of a silent
    /// master; longer where a loaded machine must not make it reconnect). A `KEY = value` line
    /// of `extra` replaces the default line of that key.
    public init(masterPort: UInt16, extra: [String] = [], chunkDirectory: String? = nil, silence: String = "400ms") throws {
        directory = NSTemporaryDirectory() + "mfscs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        self.chunkDirectory = chunkDirectory ?? (directory + "/chunks")
        try (self.chunkDirectory + "\n").write(toFile: directory + "/mfshdd.cfg", atomically: true, encoding: .utf8)
        let key = { (line: String) in line.split(separator: "=").first?.trimmingCharacters(in: .whitespaces) ?? line }
        let overridden = Set(extra.map(key))
        let config =
            [
                "DATA_PATH = \(dataPath)", "HDD_CONF_FILENAME = \(directory)/mfshdd.cfg", "MASTER_HOST = 127.0.0.1",
                "MASTER_PORT = \(masterPort)", "CSSERV_LISTEN_HOST = 127.0.0.1", "CSSERV_LISTEN_PORT = 0", "HDD_LEAVE_SPACE_DEFAULT = 0",
                "MASTER_SILENCE_TIMEOUT = \(silence)",
            ].filter { !overridden.contains(key($0)) } + extra
        try (config.joined(separator: "\n") + "\n").write(toFile: directory + "/mfschunkserver.cfg", atomically: true, encoding: .utf8)
    }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MasterProcess.binaryPath("mfschunkserver"))
        process.arguments = ["-c", directory + "/mfschunkserver.cfg"]
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    public var isRunning: Bool { process?.isRunning ?? false }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL after 10 s; the exit status.
    @discardableResult
    public func stop() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? 0 }
        Glibc.kill(process.processIdentifier, SIGTERM)
        if !waitUntil(10, { !process.isRunning }) { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: the process dies at once, mid-write if it was writing.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The chunk files in the data directory (path → bytes).
    public func chunkFiles() -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let root = chunkDirectory
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? [] where name.hasPrefix("chunk_") {
                files[sub + "/" + name] = Array((try? Data(contentsOf: URL(fileURLWithPath: root + "/" + sub + "/" + name))) ?? Data())
            }
        }
        return files
    }
}
