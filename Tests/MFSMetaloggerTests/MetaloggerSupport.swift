import Foundation
import Logging
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSMetalogger
import MFSStorage
import MFSTestSupport
import Synchronization

let t0 = UnixTime(1_795_315_206)
let clusterID = MetaID(0x5EED_0000_0000_0042)

/// A master's history made by a seeded workload: every record from `SETMETAID` on, and the
/// namespace at any version (by replay).
struct History {
    var records: [ChangelogRecord]
    var end: Namespace

    init(seed: UInt64, changes: Int, checksumInterval: Int = 50) {
        var ns = Namespace()
        var records = [try! ns.setMetaID(clusterID, now: t0)]
        var workload = RandomWorkload(seed: seed, start: t0, checksumInterval: checksumInterval)
        while records.count < changes { records += workload.step(&ns) }
        self.records = records
        end = ns
    }

    /// The namespace after change `version` (records are versions 1…).
    func namespace(at version: Int) -> Namespace {
        var ns = Namespace()
        for record in records[0..<version] { try! ns.apply(record) }
        return ns
    }

    /// Records `from`…`to` (versions, both included).
    func records(_ from: Int, _ to: Int) -> [ChangelogRecord] { Array(records[(from - 1)..<to]) }
}

/// A new master's history that leaves `base` after `version`: it begins an epoch above every
/// epoch of `base` there, as a promotion does.
func fork(_ base: History, at version: Int, seed: UInt64, changes: Int) -> [ChangelogRecord] {
    var ns = base.namespace(at: version)
    let epoch = ChangelogRecord(
        version: MetaVersion(UInt64(version + 1)), time: UnixTime(t0.rawValue + 1_000_000),
        change: .epoch(Epoch(base.end.epoch.rawValue + 1)))
    try! ns.apply(epoch)
    var records = [epoch]
    var workload = RandomWorkload(seed: seed, start: UnixTime(t0.rawValue + 1_000_000), checksumInterval: 50)
    while records.count < changes { records += workload.step(&ns) }
    return records
}

/// A data directory under /tmp with a unique name, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    var directory: DataDirectory { DataDirectory(path) }
    func file(_ name: String) -> String { directory.file(name) }

    init() throws {
        path = "/tmp/mfsmetalogger-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }
    func text(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
    func names() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// Keeps every log message, for tests that check what the store said.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(capture: self) }
    }

    struct CapturingHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
            line: UInt
        ) {
            let extra = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.lines.withLock { $0.append("\(level) \(message) \(extra)") }
        }
    }
}

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex<Double>(1_800_000_000)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

/// The changelog text of records, as a batch from the master carries it.
func text(of records: [ChangelogRecord]) -> [UInt8] {
    var bytes: [UInt8] = []
    for record in records { ChangelogCodec.append(record, to: &bytes) }
    return bytes
}

/// Record lines of a changelog file (header and comments left out).
func recordLines(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
}

extension MetaloggerStore {
    /// Stores records in batches of `batch`, as the link would.
    func store(_ records: [ChangelogRecord], batch: Int = 37) throws {
        var start = 0
        while start < records.count {
            let slice = Array(records[start..<min(records.count, start + batch)])
            try store(slice, text: text(of: slice))
            start += batch
        }
    }
}
