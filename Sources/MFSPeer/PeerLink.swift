import Foundation
import MFSChangelog
import MFSConfig
import MFSCore
import MFSWire
import Synchronization

/// What a peer holds, as it tells the master when it registers.
public struct PeerPosition: Sendable, Equatable {
    /// The cluster of the data held (`.unknown`: none yet, the master's is pinned).
    public var metaID: MetaID
    /// The highest master epoch seen.
    public var highestEpoch: Epoch
    public var lastVersion: MetaVersion
    /// The epoch of the change at `lastVersion`.
    public var tailEpoch: Epoch

    public init(metaID: MetaID, highestEpoch: Epoch, lastVersion: MetaVersion, tailEpoch: Epoch) {
        self.metaID = metaID
        self.highestEpoch = highestEpoch
        self.lastVersion = lastVersion
        self.tailEpoch = tailEpoch
    }
}

/// Where a peer keeps what it receives: a metalogger's files, a follower's namespace and
/// changelog. Called from the link's thread only.
public protocol PeerStore: AnyObject {
    var position: PeerPosition { get }
    /// The highest epoch this member promised to a candidate (DESIGN §7.2): changes of a master
    /// of a lower epoch are refused from then on.
    var promisedEpoch: Epoch { get }
    /// The promise a hello shows the master (a stale one then learns of it): promises to other
    /// members only, so that a candidate's own promise does not fence the active master.
    var promiseShown: Epoch { get }
    /// Moves the `count` changes after `version` aside: they belong to an older epoch that the
    /// master's history superseded (DESIGN §3).
    func discard(after version: MetaVersion, count: UInt64) throws(LinkError)
    /// Replaces everything with the downloaded metadata file (at `version`).
    func install(metadata: [UInt8], version: MetaVersion) throws(LinkError)
    /// Stores consecutive changes (their text as the changelog holds it) and returns once they
    /// are fsynced: the link acknowledges them after.
    func store(_ records: [ChangelogRecord], text: [UInt8]) throws(LinkError)
    /// The link follows `master` (`host:port`) from now on.
    func following(_ master: String)
}

extension PeerStore {
    public func following(_ master: String) {}
    public var promisedEpoch: Epoch { .zero }
    public var promiseShown: Epoch { promisedEpoch }
}

/// Milliseconds of the monotonic clock (CLOCK_MONOTONIC, shared by every thread of the process):
/// when the active master was last heard, compared by the role machine with its `now`.
public func monotonicMilliseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
}

/// The peer's side of port 9419 (DESIGN §6): connects to the active master among `masters`,
/// registers, downloads the metadata when told to, streams changes into a `PeerStore` and
/// acknowledges each batch once stored. Reconnects with backoff; a gap, a master of another
/// cluster, a stale master or a refusal is logged with its reason, and the link starts over
/// (never splices).
public final class PeerLink: Sendable {
    public struct Options: Sendable {
        public var masters: [(host: String, port: Int)]
        public var role: PeerRole
        public var authCode: String?
        /// This peer's voter id, sent with its register (`.none`: it does not vote).
        public var member: MemberID = .none
        public var connectTimeout: Double = PeerLinkLimits.connectSeconds
        /// With no frame from the master for this long, the connection is given up.
        public var silenceTimeout: Double = PeerLinkLimits.silenceSeconds
        public var maxBackoff: Double = 5

        public init(masters: [(host: String, port: Int)], role: PeerRole, authCode: String?) {
            self.masters = masters
            self.role = role
            self.authCode = authCode
        }
    }

    public enum LogLevel: Sendable { case info, warning, error }

    /// What the link shows in `/status` or a log.
    public struct Status: Sendable {
        public var master: String?
        public var connected = false
        public var ackedVersion: MetaVersion = .zero
        /// The last version the master announced (changes or heartbeat).
        public var masterVersion: MetaVersion = .zero
        /// The followed master's epoch, and when it was last heard (`monotonicMilliseconds`).
        public var masterEpoch: Epoch = .zero
        public var lastHeard: Int64 = 0
        public var lastError: String?
    }

    private let options: Options
    private let log: @Sendable (LogLevel, String) -> Void
    private let stopped = Atomic<Bool>(false)
    private let state = Mutex(Status())

    public init(options: Options, log: @escaping @Sendable (LogLevel, String) -> Void) {
        self.options = options
        self.log = log
    }

    public var status: Status { state.withLock { $0 } }

    public func stop() { stopped.store(true, ordering: .releasing) }

    /// The master at `address` (`host:port`, one of `masters`) should be followed next, without
    /// waiting out the backoff: this member just granted it a new epoch (DESIGN §7.2), and the
    /// candidate waits for its voters to hold `EPOCH(n+1)`.
    /// Until it is followed, or for `PeerLinkLimits.nudgeSeconds`, that master is tried again
    /// every `PeerLinkLimits.nudgeRetrySeconds` instead of the next address with backoff: a
    /// candidate told first is not active yet, and one that wins a moment later should be
    /// followed at once (its grant holds the other candidates off meanwhile, `RecentGrant`).
    /// A connection to another master is ended at once: this member now refuses that master's
    /// changes (a lower epoch), and a dead one would otherwise hold the link until the silence
    /// timeout, while the candidate waits for this member to hold its `EPOCH`.
    public func nudge(toward address: String) {
        guard let index = options.masters.firstIndex(where: { "\($0.host):\($0.port)" == address }) else { return }
        pin.withLock { $0 = (index, monotonicMilliseconds() + Int64(PeerLinkLimits.nudgeSeconds * 1_000)) }
        let left = connection.withLock { connection -> String? in
            guard let current = connection, current.address != address else { return nil }
            shutdown(current.descriptor, Int32(SHUT_RDWR))
            return current.address
        }
        if let left { log(.info, "leaving master \(left) for \(address), granted a new epoch here") }
    }
    /// The connection `follow` has open (its address and descriptor), for `nudge`; cleared
    /// under the lock before the socket is closed, so `nudge` never shuts a reused descriptor.
    private let connection = Mutex<(address: String, descriptor: Int32)?>(nil)
    /// The master a nudge pointed at, and until when (monotonic milliseconds); cleared once a
    /// master is followed.
    private let pin = Mutex<(index: Int, until: Int64)?>(nil)

    /// The pinned master's index, while the pin lasts.
    private func pinned() -> Int? {
        pin.withLock { pin in
            guard let current = pin, monotonicMilliseconds() < current.until else {
                pin = nil
                return nil
            }
            return current.index
        }
    }
    public var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Follows the masters until `stop`. Blocks the calling thread.
    public func run(store: any PeerStore) {
        var backoff = 0.1
        var index = 0
        var logged: Set<String> = []
        while !isStopped {
            if let pinned = pinned() { index = pinned }
            let tried = index % options.masters.count
            let master = options.masters[tried]
            index += 1
            do throws(LinkError) {
                try follow(
                    host: master.host, port: master.port, store: store,
                    started: {
                        backoff = 0.1
                        pin.withLock { $0 = nil }
                    }, stored: { logged = [] })
            } catch {
                state.withLock {
                    $0.connected = false
                    $0.lastError = error.description
                }
                if !isStopped {
                    // The same failure again and again is logged once, not at every retry.
                    if logged.insert(error.description).inserted { log(.warning, error.description) }
                }
            }
            if let pinned = pinned() {
                // The candidate itself not following yet: again shortly. Another master left
                // for it (`nudge`): the candidate at once.
                if tried == pinned { usleep(UInt32(PeerLinkLimits.nudgeRetrySeconds * 1_000_000)) }
                continue
            }
            var slept = 0.0
            while slept < backoff, !isStopped, pinned() == nil {
                usleep(20_000)
                slept += 0.02
            }
            // A nudge during the wait: its master next, and the backoff starts over.
            backoff = pinned() == nil ? min(options.maxBackoff, backoff * 2) : 0.1
        }
        state.withLock { $0.connected = false }
    }

    private func follow(host: String, port: Int, store: any PeerStore, started: () -> Void, stored: () -> Void) throws(LinkError) {
        let socket = try FrameSocket(host: host, port: port, timeout: options.connectTimeout)
        connection.withLock { $0 = ("\(host):\(port)", socket.descriptor) }
        defer {
            connection.withLock { $0 = nil }
            socket.close()
        }
        let position = store.position
        // A promise to another member counts as seen: a master below it learns from this hello
        // that it is stale (DESIGN §7.6), since this link refuses its changes.
        let promised = store.promisedEpoch
        try socket.send(
            Hello(role: options.role, metaID: position.metaID, epoch: max(position.highestEpoch, store.promiseShown)).encode())
        let hello: HelloReply = try expect(socket, HelloReply.self, "hello reply")
        guard hello.role == .active else {
            throw LinkError("master \(socket.address) is \(hello.role), not active: trying the next address")
        }
        if position.metaID != .unknown, hello.metaID != position.metaID {
            throw LinkError(
                "master \(socket.address) belongs to cluster \(hello.metaID.hex), but the data here to \(position.metaID.hex): "
                    + "refusing to follow a master of another cluster (check MASTER_HOST)")
        }
        // The proof first, also to a stale master: once proven, the higher epoch in this
        // peer's hello fences it (DESIGN §7.6), though this peer then leaves.
        if !hello.challenge.isEmpty {
            guard let code = options.authCode else {
                throw LinkError("master \(socket.address) requires AUTH_CODE, and none is set here")
            }
            let response = passwordResponse(secretDigest: passwordDigest(code), challenge: hello.challenge)
            try socket.send(AuthResponse(response: response).encode())
        }
        if hello.epoch < promised {
            throw LinkError(
                "master \(socket.address) is at epoch \(hello.epoch), below epoch \(promised) promised to a candidate here: stale master")
        }
        if hello.epoch < position.highestEpoch {
            throw LinkError(
                "master \(socket.address) is at epoch \(hello.epoch), below epoch \(position.highestEpoch) seen here: stale master")
        }
        try socket.send(PeerRegister(lastVersion: position.lastVersion, tailEpoch: position.tailEpoch, member: options.member).encode())
        // A download's start comes once the master has encoded its metadata: allow for that.
        let start: PeerStart = try expect(socket, PeerStart.self, "peer start", within: PeerLinkLimits.startSeconds)
        var last = position.lastVersion
        switch start {
        case .refused(let status, let reason):
            throw LinkError("master \(socket.address) refused this \(options.role) (\(status)): \(reason)")
        case .stream(let resumeAfter):
            if resumeAfter < last {
                try store.discard(after: resumeAfter, count: last.rawValue - resumeAfter.rawValue)
                last = resumeAfter
            } else if resumeAfter > last {
                throw LinkError("master \(socket.address) would stream from \(resumeAfter.next) but this peer holds up to \(last): a gap")
            }
        case .download(let version, let length):
            log(.info, "downloading the metadata from \(socket.address) (version \(version), \(length) bytes)")
            let bytes = try download(socket, length: length)
            try store.install(metadata: bytes, version: version)
            last = version
        }
        started()
        state.withLock {
            $0.master = socket.address
            $0.connected = true
            $0.lastError = nil
            $0.ackedVersion = last
            $0.masterEpoch = hello.epoch
            $0.lastHeard = monotonicMilliseconds()
        }
        log(.info, "following master \(socket.address) from version \(last.next) (epoch \(hello.epoch))")
        store.following(socket.address)
        try socket.send(PeerAck(version: last).encode())
        var lastHeard = Date()
        while !isStopped {
            guard let frame = try socket.receive(timeout: min(options.silenceTimeout, 0.2)) else {
                if Date().timeIntervalSince(lastHeard) > options.silenceTimeout {
                    throw LinkError("master \(socket.address) sent nothing for \(Self.seconds(options.silenceTimeout)): reconnecting")
                }
                continue
            }
            lastHeard = Date()
            let heard = monotonicMilliseconds()
            state.withLock { $0.lastHeard = heard }
            var records: [ChangelogRecord] = []
            var text: [UInt8] = []
            var next: Frame? = frame
            var alive = false
            // Everything that already came is stored with one fsync and one ack.
            while let frame = next {
                if frame.type == MasterToPeer.alive {
                    let heartbeat = try decode(MasterAlive.self, frame, socket)
                    state.withLock { $0.masterVersion = max($0.masterVersion, heartbeat.version) }
                    alive = true
                } else {
                    let batch = try decode(ChangeBatch.self, frame, socket)
                    guard batch.firstVersion == last.next else {
                        throw LinkError(
                            "master \(socket.address) sent changes from \(batch.firstVersion), expected \(last.next): a gap; resyncing")
                    }
                    records += try parse(batch, socket)
                    text += batch.text
                    last = batch.lastVersion
                }
                next = text.count < 4 << 20 ? try socket.receiveNow() : nil
            }
            guard !records.isEmpty else {
                // An idle master's heartbeat is answered with what is stored already, so the
                // master hears this peer too and knows when it hears none (DESIGN §7.6: a
                // master cut off from its voters lowers its announcer's priority).
                if alive { try socket.send(PeerAck(version: last).encode()) }
                continue
            }
            // A promise to a candidate of a higher epoch (DESIGN §7.2) ends this master's
            // stream here: nothing of its epoch is stored, so nothing of it is acknowledged.
            if store.promisedEpoch > hello.epoch {
                throw LinkError(
                    "epoch \(store.promisedEpoch) is promised to a candidate: changes of master \(socket.address) (epoch \(hello.epoch)) are refused"
                )
            }
            try store.store(records, text: text)
            stored()
            try socket.send(PeerAck(version: last).encode())
            state.withLock {
                $0.ackedVersion = last
                $0.masterVersion = max($0.masterVersion, last)
            }
        }
    }

    /// The next frame as an `M`, waiting up to `within` seconds (default `silenceTimeout`) but
    /// returning at once when the link is stopped.
    private func expect<M: WireMessage>(_ socket: FrameSocket, _: M.Type, _ what: String, within: Double? = nil) throws(LinkError) -> M {
        let seconds = within ?? options.silenceTimeout
        let deadline = Date().addingTimeInterval(seconds)
        while !isStopped, deadline.timeIntervalSinceNow > 0 {
            if let frame = try socket.receive(timeout: min(0.1, deadline.timeIntervalSinceNow)) { return try decode(M.self, frame, socket) }
        }
        throw LinkError("master \(socket.address) sent no \(what) within \(Self.seconds(seconds))")
    }

    /// `1.5 s`, `200 ms`.
    static func seconds(_ value: Double) -> String {
        value >= 1 ? "\(value.rounded() == value ? String(Int(value)) : String(value)) s" : "\(Int((value * 1000).rounded())) ms"
    }

    private func decode<M: WireMessage>(_: M.Type, _ frame: Frame, _ socket: FrameSocket) throws(LinkError) -> M {
        do throws(WireError) { return try M.decode(frame) } catch {
            throw LinkError("master \(socket.address) sent a bad message: \(error)")
        }
    }

    private func download(_ socket: FrameSocket, length: UInt64) throws(LinkError) -> [UInt8] {
        guard length <= PeerLinkLimits.maxMetadataBytes else {
            throw LinkError(
                "master \(socket.address) offers a metadata file of \(length) bytes, over the limit of \(PeerLinkLimits.maxMetadataBytes)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(length, UInt64(WireLimits.maxMetadataBlockLength))))
        while true {
            let block: MetadataBlock = try expect(socket, MetadataBlock.self, "metadata block")
            guard block.offset == UInt64(bytes.count) else {
                throw LinkError(
                    "master \(socket.address) sent a metadata block at offset \(block.offset), expected one at \(bytes.count)")
            }
            guard UInt64(bytes.count + block.bytes.count) <= length else {
                throw LinkError(
                    "master \(socket.address) sent metadata blocks past the announced \(length) bytes (a block of \(block.bytes.count) at \(block.offset))"
                )
            }
            bytes += block.bytes
            if block.isLast { break }
        }
        guard UInt64(bytes.count) == length else {
            throw LinkError("master \(socket.address) ended the metadata download at \(bytes.count) of \(length) bytes")
        }
        return bytes
    }

    private func parse(_ batch: ChangeBatch, _ socket: FrameSocket) throws(LinkError) -> [ChangelogRecord] {
        try batch.records(from: "master \(socket.address)")
    }
}

extension ChangeBatch {
    /// The batch's lines parsed, checked against its count and first version; `source` names
    /// the sender in errors.
    public func records(from source: String) throws(LinkError) -> [ChangelogRecord] {
        var records: [ChangelogRecord] = []
        records.reserveCapacity(Int(count))
        var start = 0
        for (index, byte) in text.enumerated() where byte == 0x0A {
            let line = text[start..<index]
            start = index + 1
            do throws(ChangelogParseError) {
                records.append(try ChangelogCodec.parse(line))
            } catch {
                throw LinkError("\(source) sent a changelog line that does not parse: \(error)")
            }
        }
        guard records.count == Int(count) else {
            throw LinkError("\(source) sent a batch of \(records.count) lines announced as \(count)")
        }
        for (offset, record) in records.enumerated() where record.version.rawValue != firstVersion.rawValue + UInt64(offset) {
            throw LinkError("\(source) sent change \(record.version) where \(firstVersion.rawValue + UInt64(offset)) belonged")
        }
        return records
    }
}

/// Named limits of the peer side.
public enum PeerLinkLimits {
    /// With nothing from the master (changes or heartbeats, sent every
    /// `heartbeatSeconds`) for this long, a peer reconnects. Below the announcer's
    /// Master_Down_Interval at 100 ms adverts (about 0.35 s), so a silent host death is seen
    /// before the standby is told to take over (DESIGN §7.2).
    public static let silenceSeconds = 0.3
    /// How long a connection to a master may take: short, since the masters of a cluster are
    /// on one network; a dead host must not hold a follower or a vote for seconds.
    public static let connectSeconds = 0.25
    /// How long a peer waits for the master's answer to its register: a download's answer comes
    /// once the master has encoded its metadata (seconds for tens of millions of inodes).
    public static let startSeconds = 120.0
    /// How often an idle master tells its peers it lives.
    public static let heartbeatSeconds = 0.1
    /// The largest metadata file a peer accepts in a download (16 GiB: about 100 M inodes).
    public static let maxMetadataBytes: UInt64 = 16 << 30
    /// How long a nudged link keeps trying the candidate it granted: a candidacy's longest wait
    /// for grants (`PROMOTE_TIMEOUT`'s default).
    public static let nudgeSeconds = 2.0
    /// How often it tries that candidate meanwhile.
    public static let nudgeRetrySeconds = 0.02
}
