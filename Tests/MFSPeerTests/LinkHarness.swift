import Foundation
import MFSChangelog
import MFSCore
import MFSPeer
import MFSWire
import Synchronization

/// What the tests send and hold: one cluster at epoch 3, a peer holding versions up to 100.
enum Fixture {
    static let cluster = MetaID(0x5EED_0000_0000_0042)
    static let otherCluster = MetaID(0x0BAD_0000_0000_0007)
    static let epoch = Epoch(3)
    static let time = UnixTime(1_795_315_206)

    static func position(metaID: MetaID = cluster, lastVersion: UInt64 = 100) -> PeerPosition {
        PeerPosition(metaID: metaID, highestEpoch: epoch, lastVersion: MetaVersion(lastVersion), tailEpoch: epoch)
    }

    /// What a peer that holds nothing yet registers with.
    static let empty = PeerPosition(metaID: .unknown, highestEpoch: .zero, lastVersion: .zero, tailEpoch: .zero)

    static func reply(
        role: MasterRole = .active, metaID: MetaID = cluster, epoch: Epoch = epoch, challenge: [UInt8] = []
    ) -> HelloReply {
        HelloReply(
            role: role, metaID: metaID, epoch: epoch, metaVersion: MetaVersion(100), softwareVersion: "fake-master",
            challenge: challenge)
    }

    /// `IDLE()` at `version`: the shortest line there is.
    static func record(_ version: UInt64) -> ChangelogRecord {
        ChangelogRecord(version: MetaVersion(version), time: time, change: .idle)
    }

    /// Changelog text of `IDLE()` lines with these versions.
    static func text(_ versions: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        for version in versions { ChangelogCodec.append(record(version), to: &bytes) }
        return bytes
    }

    /// A well-formed batch of `IDLE()` changes.
    static func batch(_ versions: ClosedRange<UInt64>) -> [UInt8] {
        ChangeBatch(firstVersion: MetaVersion(versions.lowerBound), count: UInt32(versions.count), text: text(Array(versions)))
            .encode()
    }

    /// A change batch as bytes, whatever its fields say (`ChangeBatch.encode` traps on a bad one).
    static func rawBatch(first: UInt64, count: UInt32, text: [UInt8], textLength: UInt32? = nil) -> [UInt8] {
        var payload: [UInt8] = []
        append(first, to: &payload)
        append(UInt64(count), bytes: 4, to: &payload)
        append(UInt64(textLength ?? UInt32(text.count)), bytes: 4, to: &payload)
        return frame(MasterToPeer.changes, payload + text)
    }

    /// A frame of `type` around `payload`.
    static func frame(_ type: MessageType, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        append(UInt64(type.rawValue), bytes: 4, to: &bytes)
        append(UInt64(payload.count), bytes: 4, to: &bytes)
        return bytes + payload
    }

    /// A frame header announcing `length` bytes of payload (none follow).
    static func header(_ type: MessageType, length: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        append(UInt64(type.rawValue), bytes: 4, to: &bytes)
        append(UInt64(length), bytes: 4, to: &bytes)
        return bytes
    }

    static func append(_ value: UInt64, bytes: Int = 8, to buffer: inout [UInt8]) {
        for k in (0..<bytes).reversed() { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }
}

/// A `PeerLink` following fake masters on a thread of its own, with what it logged.
final class LinkRun: Sendable {
    let link: PeerLink
    let store: FakeStore
    private let log = LogBox()
    private let finished = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// `silence` is `silenceTimeout`; backoff is at most `maxBackoff` (0.2 s). Starts at once
    /// unless `start` is false.
    convenience init(
        _ masters: [FakeMaster], store: FakeStore = FakeStore(), authCode: String? = nil, silence: Double = 1,
        role: PeerRole = .metalogger, maxBackoff: Double = 0.2, start: Bool = true
    ) {
        self.init(
            endpoints: masters.map(\.endpoint), store: store, authCode: authCode, silence: silence, role: role,
            maxBackoff: maxBackoff, start: start)
    }

    init(
        endpoints: [(host: String, port: Int)], store: FakeStore = FakeStore(), authCode: String? = nil, silence: Double = 1,
        role: PeerRole = .metalogger, maxBackoff: Double = 0.2, start: Bool = true
    ) {
        var options = PeerLink.Options(masters: endpoints, role: role, authCode: authCode)
        options.maxBackoff = maxBackoff
        options.silenceTimeout = silence
        options.connectTimeout = 1
        self.store = store
        link = PeerLink(options: options) { [log] level, message in log.append(level, message) }
        if start { self.start() }
    }

    func start() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Thread { [self] in
            link.run(store: store)
            finished.store(true, ordering: .releasing)
        }.start()
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }
    var messages: [String] { log.all.map(\.message) }
    var warnings: [String] { log.all.filter { $0.level == .warning }.map(\.message) }
    var lastError: String? { link.status.lastError }

    /// The first warning that contains `text`, waiting up to `seconds` for it.
    func warning(containing text: String, within seconds: Double = 5) -> String? {
        var found: String?
        _ = eventually(within: seconds) {
            found = warnings.first { $0.contains(text) }
            return found != nil
        }
        return found
    }

    /// Stops the link and returns how long `run` took to return (at most `seconds`, then gives up).
    @discardableResult
    func stop(waiting seconds: Double = 10) -> Double {
        let begin = Date()
        link.stop()
        guard started.load(ordering: .acquiring) else { return 0 }
        _ = eventually(within: seconds, every: 0.005) { isFinished }
        return Date().timeIntervalSince(begin)
    }
}

/// What a link logged, in order.
final class LogBox: Sendable {
    private let lines = Mutex<[(level: PeerLink.LogLevel, message: String)]>([])
    func append(_ level: PeerLink.LogLevel, _ message: String) { lines.withLock { $0.append((level, message)) } }
    var all: [(level: PeerLink.LogLevel, message: String)] { lines.withLock { $0 } }
}

/// Whether `condition` held within `seconds`, checked every `every` seconds.
@discardableResult
func eventually(within seconds: Double, every: Double = 0.01, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if condition() { return true }
        if Date() >= deadline { return false }
        usleep(UInt32(every * 1_000_000))
    }
}

/// Stops the link first (it closes its connection), then the masters.
func finish(_ run: LinkRun, _ masters: FakeMaster...) {
    run.stop()
    for master in masters { master.stop() }
}
