import Foundation
import MFSConfig
import MFSMetalogger
import MFSStorage
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct MetaloggerSettingsTests {
    func settings(_ text: String) throws -> MetaloggerSettings {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try text.write(toFile: dir.file("mfsmetalogger.cfg"), atomically: true, encoding: .utf8)
        return try MetaloggerSettings.load(dir.file("mfsmetalogger.cfg"))
    }

    /// The error for a file holding `text`, with the file's path replaced by `FILE`.
    func error(_ text: String) throws -> String {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("mfsmetalogger.cfg")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try MetaloggerSettings.load(path)
            return "no error"
        } catch {
            return error.description.replacingOccurrences(of: path, with: "FILE")
        }
    }

    @Test func defaultsAreMooseFSs() throws {
        let s = try settings("# nothing set\n")
        #expect(s.dataPath == "/var/lib/mfs")
        #expect(s.masters == [HostPort(host: "mfsmaster", port: 9419)])
        #expect(s.metaDownloadFrequency == .seconds(86_400))
        #expect(s.backLogs == 50 && s.keepPreviousMetadata == 3 && s.authCode == nil)
    }

    @Test func everyKeyIsRead() throws {
        let s = try settings(
            """
            DATA_PATH = /srv/mfs
            MASTER_HOST = 10.0.0.1:9500, mfsmaster-b
            MASTER_PORT = 9600
            META_DOWNLOAD_FREQ = 2
            BACK_LOGS = 7
            BACK_META_KEEP_PREVIOUS = 0
            AUTH_CODE = s3cret
            """)
        #expect(s.dataPath == "/srv/mfs")
        #expect(s.masters == [HostPort(host: "10.0.0.1", port: 9500), HostPort(host: "mfsmaster-b", port: 9600)])
        #expect(s.metaDownloadFrequency == .seconds(7_200), "a plain number is hours")
        #expect(s.backLogs == 7 && s.keepPreviousMetadata == 0 && s.authCode == "s3cret")
        #expect(try settings("META_DOWNLOAD_FREQ = 30m\nAUTH_CODE =\n").metaDownloadFrequency == .seconds(1_800))
        #expect(try settings("AUTH_CODE =\n").authCode == nil)
    }

    /// MooseFS 3.0.117's own `mfsmetalogger.cfg`, every key of it set, loads: the keys this
    /// metalogger uses keep their meaning, the others are accepted and named with a reason.
    @Test func aMooseFSMetaloggerFileLoadsWithItsUnusedKeysNamed() throws {
        let s = try settings(
            """
            WORKING_USER = mfs
            WORKING_GROUP = mfs
            SYSLOG_IDENT = mfsmetalogger
            LOCK_MEMORY = 0
            LIMIT_GLIBC_MALLOC_ARENAS = 4
            DISABLE_OOM_KILLER = 1
            NICE_LEVEL = -19
            FILE_UMASK = 027
            DATA_PATH = /var/lib/mfs
            BACK_LOGS = 50
            BACK_META_KEEP_PREVIOUS = 3
            META_DOWNLOAD_FREQ = 24
            MASTER_RECONNECTION_DELAY = 5
            BIND_HOST = *
            MASTER_HOST = mfsmaster
            MASTER_PORT = 9419
            MASTER_TIMEOUT = 10

            """)
        #expect(s.masters == [HostPort(host: "mfsmaster", port: 9419)] && s.metaDownloadFrequency == .seconds(86_400))
        let ignored = s.ignoredSettings.map(\.key).sorted()
        #expect(
            ignored == [
                "BIND_HOST", "DISABLE_OOM_KILLER", "FILE_UMASK", "LIMIT_GLIBC_MALLOC_ARENAS", "LOCK_MEMORY", "MASTER_RECONNECTION_DELAY",
                "MASTER_TIMEOUT", "NICE_LEVEL", "SYSLOG_IDENT", "WORKING_GROUP", "WORKING_USER",
            ])
        let timeout = try #require(s.ignoredSettings.first { $0.key == "MASTER_TIMEOUT" })
        #expect(
            timeout.description.hasSuffix(
                "MASTER_TIMEOUT = 10 is accepted and not used: PEER_SILENCE_TIMEOUT says when a silent master is left (0.3 s by default)"),
            "\(timeout)")
        // A key in neither list is still an error, with the closest known key suggested.
        #expect(try error("MASTER_TIMEOUTS = 10\n").contains("MASTER_TIMEOUTS"))
    }

    @Test func badValuesNameFileLineAndWhatIsWrong() throws {
        #expect(
            try error("MASTER_HOST =\n")
                == "FILE:1: bad value \"\" for MASTER_HOST: expected a comma-separated list of host[:port], at least one (the list is empty)"
        )
        #expect(try error("\nMASTER_PORT = 70000\n") == "FILE:2: MASTER_PORT = \"70000\" is out of range 1...65535")
        #expect(try error("META_DOWNLOAD_FREQ = 0\n").hasPrefix("FILE:1: META_DOWNLOAD_FREQ = \"0\" is out of range"))
        #expect(try error("BACK_LOGS = 0\n").hasPrefix("FILE:1: BACK_LOGS = \"0\" is out of range 1...10000"))
        #expect(try error("MASTER_HOST = a,,b\n").hasPrefix("FILE:1: bad value \"a,,b\" for MASTER_HOST"))
        #expect(try error("DATA_PATH = data\n").hasPrefix("FILE:1: bad value \"data\" for DATA_PATH: expected an absolute path"))
        #expect(try error("BACK_LOG = 5\n") == "FILE:1: unknown key \"BACK_LOG\"; did you mean BACK_LOGS?")
        #expect(throws: MetaloggerStartError.self) { try MetaloggerSettings.load("/tmp/no-such-mfsmetalogger-\(UUID()).cfg") }
    }

    @Test func sampleConfigurationIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try String(contentsOf: root.appendingPathComponent("config/mfsmetalogger.cfg.sample"), encoding: .utf8)
        #expect(sample == MetaloggerKeys.sample, "regenerate with: .build/debug/mfsmetalogger --sample > config/mfsmetalogger.cfg.sample")
        let (code, out, _) = try runBinary("mfsmetalogger", ["--sample"])
        #expect(code == 0 && out == sample)
        // Every line of the sample, uncommented, is a valid file setting the defaults.
        let uncommented = sample.split(separator: "\n").filter { $0.hasPrefix("# ") && $0.contains(" = ") || $0.hasSuffix(" =") }
            .map { $0.dropFirst(2) }.joined(separator: "\n")
        let parsed = try MetaloggerKeys.schema.parse(uncommented, file: "sample")
        #expect(parsed.setKeys.count == MetaloggerKeys.schema.keys.count)
    }
}

/// The binary: exit codes and signals.
@Suite(.serialized) struct MetaloggerCommandTests {
    @Test func aBadConfigurationRefusesTheStart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try "MASTER_PORT = 0\n".write(toFile: dir.file("ml.cfg"), atomically: true, encoding: .utf8)
        let (code, _, err) = try runBinary("mfsmetalogger", ["-c", dir.file("ml.cfg")])
        #expect(code == 1)
        #expect(err.contains("\(dir.file("ml.cfg")):1: MASTER_PORT"))
        #expect(try runBinary("mfsmetalogger", ["--nonsense"]).status == 2)
        #expect(try runBinary("mfsmetalogger", ["-h"]).status == 0)
    }

    @Test func aLockedDataPathRefusesTheStart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        try "DATA_PATH = \(dir.file("data"))\nMASTER_HOST = 127.0.0.1:1\n".write(
            toFile: dir.file("ml.cfg"), atomically: true, encoding: .utf8)
        let lock = try DataPathLock(directory: DataDirectory(dir.file("data")), daemon: "mfsmetalogger")
        let (code, _, err) = try runBinary("mfsmetalogger", ["-c", dir.file("ml.cfg")])
        #expect(code == 1)
        #expect(err.contains(".mfsmetalogger.lock is locked by another process"))
        _ = lock
        // A master's lock in the same DATA_PATH is no obstacle: the names differ.
        let missing = try runBinary("mfsmetalogger", ["-c", dir.file("ml.cfg"), "-x"])
        #expect(missing.status == 2)
    }

    @Test func sigtermStopsItCleanly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("data"), withIntermediateDirectories: true)
        // A master's lock there does not stop the metalogger (DESIGN §1).
        let masterLock = try DataPathLock(directory: DataDirectory(dir.file("data")), daemon: "mfsmaster")
        try "DATA_PATH = \(dir.file("data"))\nMASTER_HOST = 127.0.0.1:1\n".write(
            toFile: dir.file("ml.cfg"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MasterProcess.binaryPath("mfsmetalogger"))
        process.arguments = ["-c", dir.file("ml.cfg")]
        FileManager.default.createFile(atPath: dir.file("err.log"), contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("err.log")))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Until it tried the master at least once (and failed: nothing listens on port 1).
        let readLog = { (try? String(contentsOfFile: dir.file("err.log"), encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !readLog().contains("cannot connect to 127.0.0.1:1") { usleep(20_000) }
        #expect(readLog().contains("cannot connect to 127.0.0.1:1"), "\(readLog())")
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let log = readLog()
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("SIGTERM") && log.contains("stopped"))
        _ = masterLock
    }
}
