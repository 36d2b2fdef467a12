import Foundation
import MFSConfig
import MFSCore
import MFSWire
import Synchronization

/// What a voter answers on its standing connections (DESIGN §7.2): the metalogger's promise
/// and log.
public protocol VoterBackend: AnyObject, Sendable {
    /// The cluster and epoch for the hello.
    var identity: (metaID: MetaID, epoch: Epoch) { get }
    /// Answers a candidate that asked on the connection to `master` (`host:port`), the promise
    /// on disk before it returns a grant.
    func answer(_ request: VoteRequest, from master: String) -> VoteAnswer
    /// The changes a candidate asked for, as `ChangeBatch` frames followed by a `TailEnd`.
    func tail(_ request: TailRequest) -> [[UInt8]]
}

/// A voter's standing connection to one master (DESIGN §7.2): votes need connections that
/// exist before the virtual IP moves, and a metalogger listens on no port, so it dials every
/// master by its own address and waits there for a candidate's `VoteRequest` or
/// `TailRequest`. One thread per master; reconnects with backoff.
public final class VoterLink: Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var role: PeerRole
        public var authCode: String?
        public var member: MemberID
        /// With no frame from the master for this long (it sends `MasterAlive` every
        /// `PEER_HEARTBEAT`), the connection is given up and dialled again: a master whose
        /// host died silently, and came back, gets this voter's new connection.
        public var silenceTimeout: Double = PeerLinkLimits.silenceSeconds

        public init(host: String, port: Int, role: PeerRole, authCode: String?, member: MemberID) {
            self.host = host
            self.port = port
            self.role = role
            self.authCode = authCode
            self.member = member
        }
    }

    private let options: Options
    private let log: @Sendable (PeerLink.LogLevel, String) -> Void
    private let stopped = Atomic<Bool>(false)
    private let joined = Atomic<Bool>(false)

    /// The longest wait between two dials of a master that refused or did not answer. A
    /// candidate cannot be granted an epoch before the voters' connections reach it: a cold
    /// standby's master, started by the promote hook, waited up to a second (the old cap) for
    /// them. A refused dial costs one SYN and one RST.
    public static let maxBackoffSeconds = 0.2

    public init(options: Options, log: @escaping @Sendable (PeerLink.LogLevel, String) -> Void) {
        self.options = options
        self.log = log
    }

    public func stop() { stopped.store(true, ordering: .releasing) }
    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    /// Whether the master has this voter's connection now.
    public var isJoined: Bool { joined.load(ordering: .relaxed) }

    /// Serves the master until `stop`. Blocks the calling thread.
    public func run(backend: any VoterBackend) {
        var backoff = 0.05
        var lastError: String?
        while !isStopped {
            do throws(LinkError) {
                try serve(backend: backend) { backoff = 0.05 }
            } catch {
                if error.description != lastError, !isStopped {
                    log(.info, "voter connection: \(error)")
                    lastError = error.description
                }
            }
            joined.store(false, ordering: .relaxed)
            var slept = 0.0
            while slept < backoff, !isStopped {
                usleep(20_000)
                slept += 0.02
            }
            backoff = min(Self.maxBackoffSeconds, backoff * 2)
        }
    }

    private func serve(backend: any VoterBackend, connected: () -> Void) throws(LinkError) {
        let socket = try FrameSocket(host: options.host, port: options.port, timeout: PeerLinkLimits.connectSeconds)
        defer { socket.close() }
        let identity = backend.identity
        try socket.send(Hello(role: options.role, metaID: identity.metaID, epoch: identity.epoch).encode())
        guard let frame = try socket.receive(timeout: 2) else { throw LinkError("master \(socket.address) sent no hello reply") }
        let hello: HelloReply
        do throws(WireError) { hello = try HelloReply.decode(frame) } catch { throw LinkError("master \(socket.address): \(error)") }
        if identity.metaID != .unknown, hello.metaID != identity.metaID {
            throw LinkError("master \(socket.address) belongs to cluster \(hello.metaID.hex), not \(identity.metaID.hex): no votes for it")
        }
        if !hello.challenge.isEmpty {
            guard let code = options.authCode else { throw LinkError("master \(socket.address) requires AUTH_CODE, and none is set here") }
            try socket.send(
                AuthResponse(response: passwordResponse(secretDigest: passwordDigest(code), challenge: hello.challenge)).encode())
        }
        try socket.send(VoterJoin(member: options.member).encode())
        joined.store(true, ordering: .relaxed)
        connected()
        var lastHeard = monotonicMilliseconds()
        let silence = Int64(options.silenceTimeout * 1_000)
        while !isStopped {
            guard let frame = try socket.receive(timeout: min(0.2, options.silenceTimeout / 3)) else {
                if monotonicMilliseconds() - lastHeard >= silence {
                    throw LinkError("master \(socket.address) sent nothing for \(silence) ms: dialling again")
                }
                continue
            }
            lastHeard = monotonicMilliseconds()
            switch frame.type {
            case MasterToPeer.alive:
                continue
            case VoteMessages.voteRequest:
                try socket.send(backend.answer(try decode(VoteRequest.self, frame, socket), from: socket.address).encode())
            case VoteMessages.tailRequest:
                for bytes in backend.tail(try decode(TailRequest.self, frame, socket)) { try socket.send(bytes) }
            case MasterToPeer.start:
                // A master refusing the connection says why in a start frame.
                if case .refused(_, let reason) = try decode(PeerStart.self, frame, socket) {
                    throw LinkError("master \(socket.address) refused the voter connection: \(reason)")
                }
            default:
                throw LinkError("master \(socket.address) sent \(frame.type) on a voter connection")
            }
        }
    }

    private func decode<M: WireMessage>(_: M.Type, _ frame: Frame, _ socket: FrameSocket) throws(LinkError) -> M {
        do throws(WireError) { return try M.decode(frame) } catch {
            throw LinkError("master \(socket.address) sent a bad message: \(error)")
        }
    }
}
