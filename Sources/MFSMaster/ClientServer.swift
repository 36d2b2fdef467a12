import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSStorage
import MFSWire
import MooseClientWire
import MooseWire
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Named limits of the client port.
public enum ClientServerLimits {
    /// Replies a connection may have waiting for the changelog before the master stops reading
    /// from it (backpressure: a client cannot queue unbounded work).
    public static let maxRepliesWaiting = 4_096
    /// Bytes of requests a connection may have read while its session opens (they wait until
    /// it is open): past this the master reads no more from it until they are taken.
    public static let maxBufferedWhileOpening = 1 << 20
    /// Bytes of random challenge for a password-protected export (and `AUTH_CODE` on 9419).
    public static let challengeLength = 32

    /// A fresh random challenge of `challengeLength` bytes.
    static func newChallenge() -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        return (0..<challengeLength).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
    /// Connections on the client port at once (default of `MATOCL_MAX_CONNECTIONS`); more are
    /// closed at accept with a log line.
    public static let maxConnections = 10_000
    /// Seconds a new connection has to finish its hello and password answer (default of
    /// `MATOCL_HELLO_TIMEOUT`); then it is closed, so idle sockets cannot hold the slots.
    public static let helloTimeoutSeconds: Int64 = 30
    /// Warnings about bad connections logged per second at most; the rest are counted and the
    /// count is logged with the next one (a flood of bad input cannot flood the log).
    public static let connectionWarningsPerSecond = 20
    /// Bytes of notices (MooseFS's CHUNK_HAS_CHANGED and the like) that may queue for a mount
    /// while its replies are queued past `PollLoopLimits.maxQueuedOutputBytes`; one more closes
    /// the connection (mfsmount reconnects and drops its caches).
    public static let maxNoticeBytesWhileFull = 1 << 20
    /// Read-only sessions on a follower get ids from here up (not in the metadata).
    public static let localSessionBase: UInt32 = 0xF000_0000
}

/// What every client connection shares: the metadata, the exports, who owns which session.
public final class ClientServerContext: Sendable {
    public let processor: ClientRequestProcessor
    public let softwareVersion: String
    let logger: Logger
    private let exportsBox: Mutex<Exports>
    /// Who speaks for each session: the connection it is established on (so that a connection
    /// closing after its session moved to a new one does not mark it lost), and how many
    /// connections are opening or resuming it (a session is never marked lost while one is).
    private let owners = Mutex(SessionClaims())
    /// Connections open now, against `maxConnections`.
    let connectionCount: LimitedCount
    /// Every open connection, so that a stopping master can close them all before its last
    /// dump (no change may come after it).
    let openConnections = ConnectionRegistry()
    private let warnings = ConnectionWarnings()
    /// What MooseFS-dialect connections share (MooseClientConnection).
    let moose = MooseClientState(startSeconds: UInt64(time(nil)))

    /// Connections at once; more are closed at accept.
    public let maxConnections: Int
    /// Seconds a connection has to finish its hello.
    public let helloTimeoutSeconds: Int64

    public init(
        processor: ClientRequestProcessor, exports: Exports, softwareVersion: String, logger: Logger,
        maxConnections: Int = ClientServerLimits.maxConnections, helloTimeoutSeconds: Int64 = ClientServerLimits.helloTimeoutSeconds
    ) {
        self.maxConnections = maxConnections
        connectionCount = LimitedCount(limit: maxConnections)
        self.helloTimeoutSeconds = helloTimeoutSeconds
        self.processor = processor
        self.exportsBox = Mutex(exports)
        self.softwareVersion = softwareVersion
        self.logger = logger
    }

    public var service: MetadataService { processor.service }

    /// The export rules in force; replaced on SIGHUP.
    public var exports: Exports {
        get { exportsBox.withLock { $0 } }
        set { exportsBox.withLock { $0 = newValue } }
    }

    /// Clients connected now.
    public var connections: Int { connectionCount.current }

    /// Logs a warning about one connection, at most `connectionWarningsPerSecond` a second;
    /// the first one logged after some were dropped says how many.
    func warn(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        warnings.warn(logger, message, metadata, perSecond: ClientServerLimits.connectionWarningsPerSecond)
    }

    private let localSessions = Atomic<UInt32>(0)

    /// A session id for a read-only session on a follower: from `localSessionBase` up, far
    /// above the ids the namespace hands out, and never stored.
    func nextLocalSession() -> SessionID {
        SessionID(ClientServerLimits.localSessionBase + localSessions.add(1, ordering: .relaxed).newValue % 0x0FFF_FFFF)
    }

    /// A connection starts opening or resuming `session`. Called under the service's lock
    /// where the session is opened or resumed, as the housekeeping checks the claims under it
    /// before it marks an unclaimed session lost (`UnclaimedSessions`): a session being resumed
    /// is never marked lost under its client. Ended by `established` or `unclaim`.
    func claim(_ session: SessionID) { owners.withLock { $0.claim(session) } }

    /// The opening or resuming ended without the session being established.
    func unclaim(_ session: SessionID) { owners.withLock { $0.endOpening(session) } }

    /// `connection` speaks for `session` from now on; `claimed`: it counted as opening it.
    func established(_ session: SessionID, by connection: ObjectIdentifier, claimed: Bool) {
        owners.withLock { $0.established(session, by: connection, claimed: claimed) }
    }

    /// Whether a connection of this master speaks for `session` or is opening it.
    func isOwned(_ session: SessionID) -> Bool { owners.withLock { $0.isClaimed(session) } }

    /// The sessions a connection of this master speaks for or is opening.
    var ownedSessions: Set<SessionID> { owners.withLock { $0.claimed } }

    /// Drops `connection`'s ownership; true when it was the owner and no connection is resuming
    /// the session (then the session is to be marked lost).
    func release(_ session: SessionID, by connection: ObjectIdentifier) -> Bool {
        owners.withLock { $0.release(session, by: connection) }
    }

    /// Seconds since the epoch, whole (DESIGN §2: `now` is truncated before use).
    static func now() -> UnixTime { UnixTime(UInt32(truncatingIfNeeded: time(nil))) }
}

/// The client port (9421): accepts connections and runs each through `ClientConnectionHandler`.
public struct ClientServer: Sendable {
    public let host: String
    public let port: Int
    public let context: ClientServerContext

    public init(host: String, port: Int, context: ClientServerContext) {
        self.host = host
        self.port = port
        self.context = context
    }

    /// Binds and serves until the task is cancelled; `bound` gets the port (0 picks one). The
    /// connections run on `PollLoop.shared`, one thread polling them all (as MooseFS's master
    /// serves its clients); when the task ends, each is closed before this returns, so no
    /// change follows the last dump.
    public func run(bound: @Sendable (Int) -> Void = { _ in }) async throws {
        let context = self.context
        let listener = try PollListener(
            host: host, port: port, backlog: 1_024, name: "client port", keys: "MATOCL_LISTEN_HOST, MATOCL_LISTEN_PORT",
            loop: PollLoop.shared, logger: context.logger
        ) { socket in ClientConnectionHandler(context: context).attached(socket) }
        bound(listener.port)
        context.logger.info("client port listening", metadata: ["address": "\(host):\(listener.port)"])
        listener.start()
        try await context.openConnections.closingAll { try await listener.run() }
    }
}

/// One client connection: hello, optional password challenge, session, then pipelined requests.
/// Everything here runs on the client loop's thread; replies that wait for the changelog come
/// back to it through `NIOLoopBound`.
final class ClientConnectionHandler: PollConnectionDelegate {
    enum Phase {
        case hello
        /// Waiting for the answer to `challenge`.
        case challenged(Hello, ExportDirectory, challenge: [UInt8])
        /// The session is being opened (its change is on the way to disk).
        case opening
        case established(ClientSession)
        /// The first frame was MooseFS's register: the rest is MooseClientConnection's.
        case moose(MooseClientConnection)
        case closed
    }

    let shared: ClientServerContext
    var phase = Phase.hello
    private var frames = FrameDecoder()
    /// The socket, until the connection ends.
    var socket: PollConnection?
    var peer = "?"
    var address: IPv4Address?
    private var waiting = 0
    /// This turn's `holdChangelogWakeUps` is taken.
    private var turnHeld = false
    private var counted = false
    /// The session this connection speaks for: claimed from its open or resume on (`claim`,
    /// under the service's lock), established once that is stored and answered.
    private(set) var held = SessionHold.none
    var ownedSession: SessionID? { held.session }

    init(context: ClientServerContext) { self.shared = context }

    var identity: ObjectIdentifier { ObjectIdentifier(self) }

    private var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// A connection accepted: counted, registered, and given `MATOCL_HELLO_TIMEOUT` to say hello.
    func attached(_ socket: PollConnection) {
        self.socket = socket
        socket.delegate = self
        peer = "\(socket.remoteAddress):\(socket.remotePort)"
        address = socket.remoteAddress
        counted = true
        if !shared.connectionCount.add() {
            close("too many connections (limit \(shared.maxConnections), MATOCL_MAX_CONNECTIONS)")
        } else if !shared.openConnections.opened(LoopConnection(socket), by: identity) {
            close("the master is stopping")
        } else {
            let bound = NIOLoopBound(self, eventLoop: socket.loop)
            let timeout = shared.helloTimeoutSeconds
            socket.loop.scheduleTask(in: .seconds(timeout)) {
                let handler = bound.value
                switch handler.phase {
                case .hello, .challenged:
                    handler.close("no hello within \(timeout) s (MATOCL_HELLO_TIMEOUT)")
                case .opening, .established, .moose, .closed:
                    break
                }
            }
        }
    }

    /// The connection ended (either side closed it, or it failed): the session it spoke for
    /// is marked lost, unless it moved to another connection.
    func ended(error: String?) {
        if let error, !isClosed { shared.warn("closing client connection", ["client": "\(peer)", "reason": "connection error: \(error)"]) }
        if counted { shared.connectionCount.remove() }
        shared.openConnections.closed(by: identity)
        if case .moose(let connection) = phase { connection.stop() }
        if frames.bufferedByteCount > 0, !isClosed {
            shared.warn(
                "client connection ended inside a frame",
                ["client": "\(peer)", "bytes": "\(frames.bufferedByteCount)"])
        }
        // A session still being opened or resumed is only let go: the housekeeping marks it
        // lost if no connection claims it (`UnclaimedSessions`), so a client that gave up one
        // attempt finds it as it was on the next, with no change to store first. An established
        // one is marked lost at once, unless another connection of its client is resuming it.
        switch held {
        case .claimed(let session):
            shared.unclaim(session)
            held = .none
        case .established(let session) where shared.release(session, by: identity):
            let now = ClientServerContext.now()
            _ = try? shared.service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                guard let known = namespace.session(session), known.lostAt == nil else { return ((), nil) }
                return ((), try namespace.sessionLost(session, now: now))
            }
        default:
            break
        }
        phase = .closed
        socket = nil
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        frames.append(bytes)
        processFrames()
    }

    /// This connection claimed `session` (`ClientServerContext.claim`, under the service's lock).
    func claimed(_ session: SessionID) { held = .claimed(session) }

    /// This connection speaks for `session` from now on: when it ends, the session is marked
    /// lost, unless another connection speaks for it by then.
    func establish(_ session: SessionID) {
        shared.established(session, by: identity, claimed: held == .claimed(session))
        held = .established(session)
    }

    func outputDrained() {
        if case .moose(let connection) = phase { connection.outputDrained() }
        processFrames()
    }

    /// Changes read in this tick of the event loop are stored at its end, in one batch, by the
    /// loop itself when it can (`ChangelogWriter.releaseWakeUps`): the reply then goes out
    /// without a hand-off to the writer thread and back. Taken before a request that may change
    /// something (a read-only one skips its cost; one that changes something anyway only wakes
    /// the writer thread, as without a hold). In mode 0 nothing waits for the disk.
    private func holdChangelogWakeUps() {
        let writer = shared.service.writer
        guard !turnHeld, writer.mode != .background, let loop = socket?.loop else { return }
        turnHeld = true
        writer.holdWakeUps()
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.execute {
            bound.value.turnHeld = false
            writer.releaseWakeUps(storeHere: true)
        }
    }

    /// Handles every whole frame buffered, unless the session is still opening (frames then
    /// wait in the decoder until it is) or the replies queued for the client are past
    /// `PollLoopLimits.maxQueuedOutputBytes` (the rest waits for `outputDrained`).
    func processFrames() {
        defer { holdInputWhileOpening() }
        do throws(WireError) {
            while socket?.isOutputFull != true {
                switch phase {
                case .opening, .closed: return
                case .moose(let connection):
                    guard connection.acceptsFrames, let frame = try frames.next() else { return }
                    if !MooseMessageType(frame.type.rawValue).changesNothing { holdChangelogWakeUps() }
                    do throws(MooseWireError) {
                        try connection.handle(MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload))
                    } catch {
                        return close("MooseFS client: \(error)")
                    }
                    continue
                case .hello, .challenged, .established: break
                }
                guard let frame = try frames.next() else { return }
                try handle(frame)
            }
        } catch {
            close(error.description)
        }
    }

    /// While the session opens, frames wait in the decoder: past
    /// `ClientServerLimits.maxBufferedWhileOpening` the socket is read no more until
    /// `processFrames` takes them (it runs again once the session is open).
    private func holdInputWhileOpening() {
        let waits: Bool
        switch phase {
        case .opening: waits = true
        case .moose(let connection): waits = !connection.acceptsFrames
        default: waits = false
        }
        socket?.inputHeld = waits && frames.bufferedByteCount >= ClientServerLimits.maxBufferedWhileOpening
    }

    private func handle(_ frame: Frame) throws(WireError) {
        if case .established = phase {} else { holdChangelogWakeUps() }
        switch phase {
        case .hello
        where frame.type.rawValue == MooseMessageType.fuseRegister.rawValue
            || AdminRequest.isAdmin(MooseMessageType(frame.type.rawValue)):
            // MooseFS's mfsmount or libmfsio: its register is the first frame (ours is a hello);
            // MooseFS's mfscli: an admin request is.
            guard let loop = socket?.loop else { return }
            let connection = MooseClientConnection(handler: self, shared: shared)
            phase = .moose(connection)
            connection.start(on: loop)
            do throws(MooseWireError) {
                try connection.handle(MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload))
            } catch {
                close("MooseFS client: \(error)")
            }
        case .hello:
            try hello(Hello.decode(frame))
        case .challenged(let hello, let directory, let challenge):
            let response = try AuthResponse.decode(frame)
            let proof = PasswordProof(challenge: challenge, response: response.response)
            admit(hello, directory, proof: proof)
        case .established(let session):
            if frame.type == AnyToMaster.hello { throw .unexpectedType(frame.type, expected: "a request (the hello was said)") }
            let request = try ClientRequest.decode(frame)
            if request.isMutating { holdChangelogWakeUps() }
            answer(request, session)
        case .opening, .moose, .closed:
            return
        }
    }

    // MARK: requests

    private func answer(_ request: ClientRequest, _ session: ClientSession) {
        switch shared.processor.process(request, session: session, now: ClientServerContext.now()) {
        case .now(let reply):
            write(reply.encode())
        case .later(let start):
            whenAnswered(start) { handler, reply in handler.write(reply.encode()) }
        case .whenStored(let version, let reply):
            if !shared.service.repliesWait {
                write(reply.encode())
                return
            }
            afterStored(version) { handler, error in
                var answer = error.map { ClientRequestProcessor.failure(reply.requestID, $0) } ?? reply
                // Demoted while the change waited: it is not acknowledged (DESIGN §7.6); a
                // retry on the new active master gets its result there.
                let state = handler.shared.processor.isActive()
                if !state.active { answer = .status(reply.requestID, .notActive, activeMaster: state.activeMaster) }
                handler.write(answer.encode())
            }
        }
    }

    /// Runs a chunk request and hands its reply to `body` on the event loop when it comes,
    /// counted with the replies waiting for the changelog.
    func whenAnswered(
        _ start: @Sendable (@escaping ChunkHub.Reply) -> Void, _ body: @escaping (ClientConnectionHandler, MasterReply) -> Void
    ) {
        offLoop(start, body)
    }

    /// Runs `body` on the event loop once `version` is stored (or failed to be).
    func afterStored(_ version: MetaVersion, _ body: @escaping (ClientConnectionHandler, MasterError?) -> Void) {
        let service = shared.service
        offLoop({ done in service.whenCommitted(version, done) }, body)
    }

    /// Waits for what another thread answers (`start` is handed the callback), then runs `body`
    /// on the event loop and sends what it wrote. Counts the replies waiting, so that a client
    /// that queues too many is read no more until they drain. Nothing runs for a connection
    /// that ended meanwhile.
    private func offLoop<Value: Sendable>(
        _ start: (@escaping @Sendable (Value) -> Void) -> Void, _ body: @escaping (ClientConnectionHandler, Value) -> Void
    ) {
        guard let eventLoop = socket?.loop else { return }
        waiting += 1
        if waiting >= ClientServerLimits.maxRepliesWaiting { readingPaused = true }
        let bound = NIOLoopBound((self, body), eventLoop: eventLoop)
        start { value in
            eventLoop.execute {
                let (handler, body) = bound.value
                handler.waiting -= 1
                guard handler.socket != nil else { return }
                body(handler, value)
                handler.flush()
                if handler.readingPaused, handler.waiting < ClientServerLimits.maxRepliesWaiting / 2 { handler.readingPaused = false }
            }
        }
    }

    /// Backpressure: no reads while too many replies wait (the socket's flag).
    private var readingPaused: Bool {
        get { socket?.readingPaused ?? false }
        set { socket?.readingPaused = newValue }
    }

    // MARK: output

    func write(_ bytes: [UInt8]) { socket?.write(bytes) }

    func write(_ buffer: ByteBuffer) { socket?.write(buffer) }

    /// What was written goes out at the end of the loop's pass (one `send` for all of it).
    func flush() { socket?.flush() }

    /// Closes this connection only, saying why in the log.
    func close(_ reason: String) {
        guard let socket else { return }
        switch phase {
        case .closed: return
        default: break
        }
        shared.warn("closing client connection", ["client": "\(peer)", "reason": "\(reason)"])
        if case .moose(let connection) = phase { connection.stop() }
        phase = .closed
        socket.close()
    }
}

/// What a connection holds of a session.
enum SessionHold: Equatable {
    case none
    /// Opening or resuming it (counted in `SessionClaims`).
    case claimed(SessionID)
    case established(SessionID)

    var session: SessionID? {
        switch self {
        case .none: nil
        case .claimed(let session), .established(let session): session
        }
    }
}

/// The claims on sessions (`ClientServerContext.owners`): the connection each is established
/// on, and how many connections are opening or resuming it.
struct SessionClaims {
    private var owner: [SessionID: ObjectIdentifier] = [:]
    private var opening: [SessionID: Int] = [:]

    mutating func claim(_ session: SessionID) { opening[session, default: 0] += 1 }

    mutating func endOpening(_ session: SessionID) {
        guard let count = opening[session] else { return }
        opening[session] = count > 1 ? count - 1 : nil
    }

    mutating func established(_ session: SessionID, by connection: ObjectIdentifier, claimed: Bool) {
        owner[session] = connection
        if claimed { endOpening(session) }
    }

    /// Drops `connection`'s ownership; true when it was the owner and no connection is
    /// resuming the session.
    mutating func release(_ session: SessionID, by connection: ObjectIdentifier) -> Bool {
        guard owner[session] == connection else { return false }
        owner[session] = nil
        return opening[session] == nil
    }

    func isClaimed(_ session: SessionID) -> Bool { owner[session] != nil || opening[session] != nil }
    var claimed: Set<SessionID> { Set(owner.keys).union(opening.keys) }
}
