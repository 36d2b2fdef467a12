import Logging
import MFSChunkRegistry
import MFSConfig
import MFSCore
import MFSMetadata
import MooseWire
import NIOCore

/// One chunkserver connection on 9420 (protocol notes §2): BEGIN → (password challenge) →
/// ACK with its id and our metaid → LABELS and CHUNKS packets, each ACKed → END; then reports,
/// command answers and keep-alives. Nothing is sent before BEGIN is answered (notes §6.1: a
/// chunkserver that hears anything first falls back to the unpaced legacy register). Bad
/// input closes this connection with a logged reason and changes nothing.
final class ChunkserverConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case begin
        case challenged(RegisterChallenge)
        /// Its id is being stored; frames wait in the decoder until it is.
        case assigning
        case registering(ChunkserverID)
        case registered(ChunkserverID)
        case closed
    }

    private let shared: ChunkserverServerContext
    private var phase = Phase.begin
    private var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.chunkserverToMasterFrame)
    private var context: ChannelHandlerContext?
    private var link: ChannelLink?
    private var peer = "?"
    private var peerIPv4: UInt32 = 0
    private var counted = false
    /// The chunkserver asked our probe: it is ours, and hears our epoch.
    private var isOurs = false
    private var acked = false
    private var timeoutSeconds: UInt16
    private var lastRead = NIODeadline.now()
    private var lastWrite = NIODeadline.now()
    private var timer: RepeatedTask?

    init(context: ChunkserverServerContext) {
        shared = context
        timeoutSeconds = context.hub.timeoutSeconds
    }

    private var identity: ObjectIdentifier { ObjectIdentifier(self) }

    private var chunkserver: ChunkserverID? {
        switch phase {
        case .registering(let id), .registered(let id): id
        default: nil
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let remote = context.channel.remoteAddress
        peer = remote.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        peerIPv4 = remote?.ipAddress.flatMap { IPv4Address($0)?.rawValue } ?? 0
        link = ChannelLink(channel: context.channel, peer: peer, context: shared)
    }

    func channelActive(context: ChannelHandlerContext) {
        counted = true
        if !shared.connectionCount.add() {
            close("too many chunkserver connections (limit \(ChunkserverServerLimits.maxConnections))")
        } else if !shared.openConnections.opened(context.channel, by: identity) {
            close("the master is stopping")
        } else {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in bound.value.keepAlive() }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if counted { shared.connectionCount.remove() }
        shared.openConnections.closed(by: identity)
        if let id = chunkserver, let link {
            shared.hub.disconnected(id, link: link)
            shared.logger.info("chunkserver disconnected", metadata: ["id": "\(id)", "chunkserver": "\(peer)"])
        }
        phase = .closed
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { close("connection error: \(error)") }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        frames.append(unwrapInboundIn(data).readableBytesView)
        processFrames()
    }

    /// The timeout (no input for `timeoutSeconds`) and, once BEGIN is answered, a NOP when
    /// nothing was written for a third of it (MooseFS's pace).
    private func keepAlive() {
        let now = NIODeadline.now()
        if now - lastRead > .seconds(Int64(timeoutSeconds)) { return close("no input for \(timeoutSeconds) s") }
        if acked, now - lastWrite >= .milliseconds(Int64(timeoutSeconds) * 1_000 / 3) { send(Nop().encode()) }
    }

    private func processFrames() {
        do throws(ChunkserverInputError) {
            while true {
                switch phase {
                case .assigning, .closed: return
                default: break
                }
                let frame: MooseFrame?
                do throws(MooseWireError) { frame = try frames.next() } catch { throw .wire(error) }
                guard let frame else { return }
                let message: ChunkserverToMaster
                do throws(MooseWireError) { message = try ChunkserverToMaster.decode(frame) } catch { throw .wire(error) }
                try handle(message)
            }
        } catch {
            close(error.description)
        }
    }

    private func handle(_ message: ChunkserverToMaster) throws(ChunkserverInputError) {
        switch message {
        case .nop: return
        case .getVersion(let request):
            return send(VersionInfo(messageID: request.messageID, version: .v3_0_117, text: "3.0.117-swift-mfs").encode())
        case .getConfig(let request):
            return answerConfig(request)
        default: break
        }
        switch phase {
        case .begin:
            guard case .register(.begin(let begin)) = message, begin.passcode == nil else { throw .unregistered(message) }
            begun(begin)
        case .challenged(let challenge):
            guard case .register(.begin(let begin)) = message, let passcode = begin.passcode else { throw .unregistered(message) }
            guard challenge.accepts(passcode, authCode: Array((shared.authCode ?? "").utf8)) else {
                throw .refused("access denied: the AUTH_CODE answer is wrong (check the chunkserver's AUTH_CODE)")
            }
            accept(begin)
        case .registering(let id):
            try registering(id, message)
        case .registered(let id):
            try registered(id, message)
        case .assigning, .closed:
            return
        }
    }

    // MARK: registration

    /// The first BEGIN: a follower redirects, a fenced master drops, a master with an
    /// AUTH_CODE challenges, else the registration goes on.
    private func begun(_ begin: RegisterBegin) {
        let (role, _) = shared.roles.current
        guard role == .active, shared.hub.isActive else {
            if role == .follower {
                let ip = shared.activeMasterIPv4
                send(MasterAck.redirect(ipv4: ip).encode())
                return close(
                    "this master is a follower: redirected to the active master (\(ip == 0 ? "unknown" : "\(IPv4Address(rawValue: ip))"))")
            }
            return close("this master is \(role) and takes no chunkserver")
        }
        guard shared.authCode != nil else { return accept(begin) }
        var random = SystemRandomNumberGenerator()
        let challenge = RegisterChallenge(
            random: (0..<MooseWireLimits.registerChallengeLength).map { _ in UInt8.random(in: 0...255, using: &random) })
        phase = .challenged(challenge)
        send(MasterAck.challenge(challenge).encode())
    }

    /// A BEGIN that may register: its timeout and address checked, its id assigned (stored
    /// first), then the registry's `registering` and the ACK.
    private func accept(_ begin: RegisterBegin) {
        let timeout = begin.timeoutSeconds == 0 ? shared.hub.timeoutSeconds : begin.timeoutSeconds
        guard timeout >= ChunkserverServerLimits.minTimeoutSeconds else {
            return close("timeout \(begin.timeoutSeconds) s asked for; at least \(ChunkserverServerLimits.minTimeoutSeconds)")
        }
        let address = ChunkserverAddress(ip: begin.address.ip == 0 ? peerIPv4 : begin.address.ip, port: begin.address.port)
        // MooseFS's master also refuses 127.x; ours takes it (a one-host cluster, the loopback
        // tests), and only clients on the same host can then reach that chunkserver.
        guard address.ip != 0, address.port != 0 else {
            return close("data address \(address) cannot be used (address 0 or port 0)")
        }
        let assigned: (ChunkserverID, MetaVersion)
        do throws(MasterError) {
            assigned = try shared.assignID(begin.chunkserverID, at: address)
        } catch {
            let reason = error == .operation(.exists) ? "its address is recorded for another chunkserver id" : "\(error)"
            return close("chunkserver id \(begin.chunkserverID) at \(address) not accepted: \(reason)")
        }
        phase = .assigning
        timeoutSeconds = timeout
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        shared.service.whenCommitted(assigned.1) { error in
            eventLoop.execute {
                let handler = bound.value
                guard handler.context != nil else { return }
                if let error { return handler.close("chunkserver id not stored: \(error)") }
                handler.register(begin, id: assigned.0, address: address, timeout: timeout)
            }
        }
    }

    private func register(_ begin: RegisterBegin, id: ChunkserverID, address: ChunkserverAddress, timeout: UInt16) {
        guard let link else { return }
        let registration = ServerRegistration(id: id, address: address, space: ChunkCommandCodec.space(begin.space))
        do throws(RegistryError) {
            try shared.hub.registering(registration, link: link)
        } catch {
            return close("registration refused: \(error)")
        }
        phase = .registering(id)
        acked = true
        let metaID = shared.service.namespace.metaID
        send(
            MasterAck.registered(RegisterAccepted(version: .v3_0_117, timeoutSeconds: timeout, chunkserverID: id, metaID: metaID))
                .encode())
        shared.logger.info(
            "chunkserver registering",
            metadata: ["id": "\(id)", "address": "\(address)", "chunkserver": "\(peer)", "version": "\(begin.version)"])
        if isOurs { sendEpoch() }
        processFrames()
    }

    private func registering(_ id: ChunkserverID, _ message: ChunkserverToMaster) throws(ChunkserverInputError) {
        switch message {
        case .register(.chunks(let list)):
            try hub(.chunks(id, ChunkCommandCodec.chunks(list)))
            send(MasterAck.nextChunks.encode())
        case .register(.end):
            try hub(.registered(id))
            phase = .registered(id)
            shared.logger.info("chunkserver registered", metadata: ["id": "\(id)", "chunkserver": "\(peer)"])
            shared.hub.retryHeld()
        case .register(.disconnect):
            close("the chunkserver disconnects (graceful stop)", quietly: true)
        case .register:
            throw .outOfOrder(message, "while its chunk list is being sent")
        default:
            try report(id, message)
        }
    }

    private func registered(_ id: ChunkserverID, _ message: ChunkserverToMaster) throws(ChunkserverInputError) {
        switch message {
        case .register(.disconnect): close("the chunkserver disconnects (graceful stop)", quietly: true)
        case .register: throw .outOfOrder(message, "after its registration ended")
        default: try report(id, message)
        }
    }

    /// What a chunkserver may send while registering and after: reports and answers.
    private func report(_ id: ChunkserverID, _ message: ChunkserverToMaster) throws(ChunkserverInputError) {
        switch message {
        case .space(let space): try hub(.space(id, ChunkCommandCodec.space(space.space)))
        case .labels(let labels): try hub(.labels(id, labels.labels.rawValue))
        case .chunkNew(let report): try hub(.newChunks(id, ChunkCommandCodec.chunks(report.chunks)))
        case .chunkIDs(let report):
            try hub(report.kind == .lost ? .lostChunks(id, report.chunkIDs) : .damagedChunks(id, report.chunkIDs))
        case .errorOccurred: try hub(.errorOccurred(id))
        case .commandStatus(let status): try hub(.commandFinished(id, ChunkCommandCodec.result(status)))
        case .replicateStatus(let status): try hub(.commandFinished(id, ChunkCommandCodec.result(status)))
        case .currentLoad: return
        case .epochQuery(let query):
            guard isOurs else { throw .outOfOrder(message, "before the swift-mfs probe") }
            let epoch = shared.service.namespace.epoch
            if query.seenEpoch > epoch {
                shared.fence("chunkserver \(peer) has seen epoch \(query.seenEpoch), this master is at \(epoch)")
            }
            sendEpoch()
        default:
            // CHUNKOP, checksum and block answers: a 3.0.117 master never asks, and closes too.
            throw .outOfOrder(message, "(this master never asks for it)")
        }
    }

    private func hub(_ event: RegistryEvent) throws(ChunkserverInputError) {
        do throws(RegistryError) { try shared.hub.handle(event) } catch { throw .registry(error) }
    }

    /// ANTOAN_GET_CONFIG: our chunkserver's probe gets the extension's answer (notes §10); any
    /// other name the empty value, as a 3.0.117 master answers a name it does not have.
    private func answerConfig(_ request: GetConfig) {
        guard SwiftMFSExtension.isProbe(request) else { return send(ConfigValue(messageID: request.messageID, value: "").encode()) }
        isOurs = true
        send(SwiftMFSExtension.answer(to: request).encode())
        if acked { sendEpoch() }
    }

    private func sendEpoch() {
        let namespace = shared.service.namespace
        send(MasterEpoch(epoch: namespace.epoch, metaID: namespace.metaID).encode())
    }

    // MARK: output

    private func send(_ bytes: [UInt8]) {
        guard let context else { return }
        lastWrite = .now()
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    /// Closes this connection only, saying why in the log.
    private func close(_ reason: String, quietly: Bool = false) {
        guard let context else { return }
        if case .closed = phase { return }
        if quietly {
            shared.logger.info("chunkserver connection closed", metadata: ["chunkserver": "\(peer)", "reason": "\(reason)"])
        } else {
            shared.warn("closing chunkserver connection", ["chunkserver": "\(peer)", "reason": "\(reason)"])
        }
        let id = chunkserver
        phase = .closed
        if let id, let link { shared.hub.disconnected(id, link: link) }
        context.flush()
        context.close(promise: nil)
    }
}

/// Why a chunkserver connection is closed.
enum ChunkserverInputError: Error, CustomStringConvertible {
    case wire(MooseWireError)
    case registry(RegistryError)
    case unregistered(ChunkserverToMaster)
    case outOfOrder(ChunkserverToMaster, String)
    case refused(String)

    var description: String {
        switch self {
        case .wire(let error): "bad input: \(error)"
        case .registry(let error): "refused by the chunk registry: \(error)"
        case .unregistered(let message): "\(message.message.messageType) from an unregistered chunkserver"
        case .outOfOrder(let message, let when): "\(message.message.messageType) \(when)"
        case .refused(let reason): reason
        }
    }
}
