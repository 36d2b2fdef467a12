import MFSCore
import MooseWire

/// One connection to a master, as a value: registration in phases (notes §2.2–2.4, and our epoch
/// extension §10), then commands. Messages in, `MasterSessionAction`s out; no I/O, no clock. The
/// shell (`MasterConnectionHandler`) sends, runs commands on the disk pool and closes.
///
/// ```
/// BEGIN ─▶ ACK 3 (challenge) ─▶ BEGIN + MD5 ─▶ ACK 0 ─▶ GET_CONFIG probe ─▶ "" (MooseFS) ─────────────┐
///   │                                           │           └▶ "swift-mfs/1" ─▶ EPOCH_QUERY ─▶ EPOCH ─┤
///   ├▶ ACK 1 redirect: close, go there          └▶ wrong metaid: refuse            (stale: refuse)  │
///   └▶ ACK 2 wait: stay, a later ACK 0 goes on                                                        ▼
///                                            LABELS, CHUNKS ─▶ ACK ─▶ CHUNKS ─▶ … ─▶ ACK ─▶ END: registered
/// ```
/// The epoch is checked before the chunk list goes out, so a stale master never learns this
/// server's chunks, and never gets to command it.
struct MasterSession {
    struct Setup {
        var authCode: String?
        var labels: LabelMask
        var address: ChunkserverAddress
        var timeoutSeconds: UInt16
        var chunkserverID: UInt16
        /// The cluster this chunkserver belongs to; `.unknown` before its first registration.
        var metaID: MetaID
        var highestEpoch: Epoch
        /// The highest epoch on disk (`ClusterMemory.storedEpoch`): at most `highestEpoch`.
        var storedEpoch: Epoch
        var space: SpaceReport
        var chunks: [ListedChunk]
        /// Chunks of the list found damaged: reported right after it (the list cannot say so).
        var damaged: [ChunkID] = []
        var chunksPerPacket: Int
    }

    enum Phase: Equatable {
        case begun
        case answeredChallenge
        case waiting
        case probing
        case askingEpoch
        /// A higher epoch than any seen is being stored: the chunk list waits for it.
        case storingEpoch
        case listing
        case registered
    }

    private(set) var phase = Phase.begun
    private let setup: Setup
    private var nextChunk = 0
    /// The master's version from its ACK.
    private(set) var masterVersion = MooseVersion.v3_0_117
    /// Set when the master answered the probe as ours.
    private(set) var isSwiftMFS = false
    private(set) var metaID: MetaID
    private(set) var highestEpoch: Epoch
    /// The highest epoch known to be on disk; a master above it waits for it to be stored.
    private var storedEpoch: Epoch
    static let probeMessageID: UInt32 = 0x6D66_7300

    init(_ setup: Setup) {
        self.setup = setup
        metaID = setup.metaID
        highestEpoch = setup.highestEpoch
        storedEpoch = setup.storedEpoch
    }

    /// The first frame: BEGIN without a passcode (MooseFS always starts so).
    func begin() -> [MasterSessionAction] { [.send(beginFrame(passcode: nil))] }

    private func beginFrame(passcode: RegisterPasscode?) -> [UInt8] {
        ChunkserverRegister.begin(
            RegisterBegin(
                passcode: passcode, address: setup.address, timeoutSeconds: setup.timeoutSeconds,
                chunkserverID: ChunkserverID(setup.chunkserverID), space: setup.space)
        ).encode()
    }

    var isRegistered: Bool { phase == .registered }

    /// What to do with one message from the master.
    mutating func received(_ message: MasterToChunkserver) -> [MasterSessionAction] {
        switch message {
        case .ack(let ack): return acknowledged(ack)
        case .configValue(let value):
            guard phase == .probing else { return [] }
            let probe = SwiftMFSExtension.probe(messageID: Self.probeMessageID)
            guard SwiftMFSExtension.confirmsSwiftMFS(value, probe: probe) else { return startListing() }
            isSwiftMFS = true
            phase = .askingEpoch
            return [.send(EpochQuery(seenEpoch: highestEpoch).encode())]
        case .masterEpoch(let epoch): return epochReceived(epoch)
        case .nop, .version, .ignored: return []
        default:
            guard phase == .registered else {
                return [.close(.retry("\(message.message.messageType) before the registration finished"))]
            }
            return [.run(message)]
        }
    }

    private mutating func acknowledged(_ ack: MasterAck) -> [MasterSessionAction] {
        switch ack {
        case .challenge(let challenge):
            guard let code = setup.authCode else {
                return [.close(.retry("the master asks for a password: set AUTH_CODE (the master's AUTH_CODE)"))]
            }
            guard phase == .begun else { return [.close(.retry("a second password challenge"))] }
            phase = .answeredChallenge
            return [.send(beginFrame(passcode: challenge.answer(authCode: Array(code.utf8))))]
        case .redirect(let ip):
            if ip == 0 { return [.close(.resolveAgain("the master does not lead and does not know who does"))] }
            return [.close(.redirect(ip, "the master redirects to the leader \(ipv4Text(ip))"))]
        case .wait(let version, _, let metaID):
            if let refusal = refusal(metaID: metaID) { return [refusal] }
            masterVersion = version
            phase = .waiting
            return [.log("the master asks to wait (not yet accepting chunkservers)")]
        case .registered(let accepted):
            guard [.begun, .answeredChallenge, .waiting].contains(phase) else {
                return [.close(.retry("a register ACK while \(phase)"))]
            }
            if let refusal = refusal(metaID: accepted.metaID) { return [refusal] }
            masterVersion = accepted.version
            if let known = accepted.metaID, known != .unknown { metaID = known }
            phase = .probing
            let probe = SwiftMFSExtension.probe(messageID: Self.probeMessageID)
            return [
                .accepted(
                    chunkserverID: accepted.chunkserverID.rawValue, metaID: accepted.metaID ?? .unknown,
                    timeoutSeconds: accepted.timeoutSeconds),
                .send(probe.encode()),
            ]
        case .nextChunks:
            guard phase == .listing else { return [.close(.retry("a CHUNKS ACK while \(phase)"))] }
            return nextPacket()
        case .registeredV5:
            return [.close(.retry("a version-5 register ACK, but this chunkserver registers with version 6"))]
        }
    }

    /// A refusal when the master's metaid is not this chunkserver's cluster.
    private func refusal(metaID other: MetaID?) -> MasterSessionAction? {
        guard let other, other != .unknown, metaID != .unknown, other != metaID else { return nil }
        return .close(
            .refuseMaster(
                "the master serves another cluster (metaid \(hexMetaID(other))); this chunkserver's chunks belong to metaid "
                    + "\(hexMetaID(metaID)) (chunkserverid.mfs, .metaid)"))
    }

    private mutating func epochReceived(_ epoch: MasterEpoch) -> [MasterSessionAction] {
        if let refusal = refusal(metaID: epoch.metaID) { return [refusal] }
        guard epoch.epoch >= highestEpoch else {
            return [
                .close(
                    .refuseMaster(
                        "stale master: its epoch \(epoch.epoch) is below \(highestEpoch), the highest this chunkserver has seen "
                            + "(another master has taken over)"))
            ]
        }
        highestEpoch = max(highestEpoch, epoch.epoch)
        // Not yet on disk (seen on an earlier connection whose write failed or has not ended,
        // or new): stored first. Registering, the chunk list, and with it every command of this
        // master, waits until it is (`epochStored`), so that a chunkserver restarted after
        // acting on this master refuses every master below it.
        guard epoch.epoch > storedEpoch else { return phase == .askingEpoch ? startListing() : [] }
        if phase == .askingEpoch { phase = .storingEpoch }
        return [.observeEpoch(epoch.epoch)]
    }

    /// `epoch`, asked for by `observeEpoch`, is stored: the registration goes on, unless a
    /// higher one came meanwhile, which is stored first.
    mutating func epochStored(_ epoch: Epoch) -> [MasterSessionAction] {
        storedEpoch = max(storedEpoch, epoch)
        guard phase == .storingEpoch else { return [] }
        guard storedEpoch >= highestEpoch else { return [.observeEpoch(highestEpoch)] }
        return startListing()
    }

    private mutating func startListing() -> [MasterSessionAction] {
        phase = .listing
        var actions: [MasterSessionAction] = []
        if masterVersion.isAtLeast(.labels) { actions.append(.send(LabelsMessage(setup.labels).encode())) }
        return actions + nextPacket()
    }

    /// The next CHUNKS packet, or END when the list is out.
    private mutating func nextPacket() -> [MasterSessionAction] {
        guard nextChunk < setup.chunks.count else {
            phase = .registered
            var actions: [MasterSessionAction] = [.send(ChunkserverRegister.end.encode()), .registered(chunks: setup.chunks.count)]
            actions += ChunkIDReport.reports(.damaged, setup.damaged).map { .send($0.encode()) }
            if !setup.damaged.isEmpty { actions.append(.log("\(setup.damaged.count) chunks found damaged reported again")) }
            return actions
        }
        let end = min(setup.chunks.count, nextChunk + setup.chunksPerPacket)
        defer { nextChunk = end }
        return [.send(ChunkserverRegister.chunks(Array(setup.chunks[nextChunk..<end])).encode())]
    }
}

/// What the shell does for the session, in order.
enum MasterSessionAction: Equatable {
    case send([UInt8])
    /// Run the master's command on the disk pool and send its reply.
    case run(MasterToChunkserver)
    /// The BEGIN was accepted: record the csid and metaid (durably) and adopt the timeout.
    case accepted(chunkserverID: UInt16, metaID: MetaID, timeoutSeconds: UInt16)
    /// A higher epoch: persist it (fsynced), then `epochStored` (a failure ends the session).
    case observeEpoch(Epoch)
    /// The chunk list is out: the chunkserver is registered.
    case registered(chunks: Int)
    case log(String)
    case close(MasterLinkEnd)
}

/// Why a master connection ends, and where to connect next.
enum MasterLinkEnd: Equatable, CustomStringConvertible {
    /// Try again (the same list of masters, after the backoff).
    case retry(String)
    /// ACK atype 1: the leader is at this IPv4, same port.
    case redirect(UInt32, String)
    /// ACK atype 1 with 0: resolve MASTER_HOST again.
    case resolveAgain(String)
    /// This master must not be used (stale epoch, another cluster): try the next one.
    case refuseMaster(String)

    var description: String {
        switch self {
        case .retry(let why), .redirect(_, let why), .resolveAgain(let why), .refuseMaster(let why): why
        }
    }
}

func hexMetaID(_ id: MetaID) -> String { String(id.rawValue, radix: 16) }
