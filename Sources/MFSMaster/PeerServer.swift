import Dispatch
import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSPeer
import MFSReplication
import MFSStorage
import MFSWire
import NIOCore
import NIOPosix
import Synchronization

/// Named limits of the peer port.
public enum PeerServerLimits {
    /// Bytes a peer's connection may hold waiting to be sent (its write buffer's high
    /// watermark): a metadata download sends its next block only below it, so a peer costs
    /// the master about this much memory whatever the metadata's size.
    public static let downloadBufferedBytes = 1 << 20
    /// Tail requests one connection may have waiting (DESIGN §7.2): they are served one after
    /// the other, each reading the changelogs it covers; past this many the connection closes.
    public static let maxTailsQueued = 4
    /// Connections open at once on the peer port. A cluster has a few metaloggers and
    /// followers, each with a stream and a standing voter connection, and a candidate's; past
    /// this many a new connection is closed at once, with a logged reason.
    public static let maxConnections = 64
    /// Metadata downloads under way at once. Each holds a snapshot of the namespace (its pages
    /// stay in memory while the active master changes them) and a temporary file of the dump's
    /// size; a peer that registers past this many is refused with `EAGAIN` and retries with its
    /// backoff.
    public static let maxDownloads = 4
    /// Warnings about closed peer connections logged a second at most (a flood of bad
    /// connections cannot flood the log; the next one logged says how many were left out).
    public static let warningsPerSecond = 20
}

/// Metadata downloads are written to their temporary files one at a time (each holds a section
/// of the metadata in memory while it is written), beside the clients and the peers' streams.
private let downloadSpooler = DispatchQueue(label: "metadata-download", qos: .utility)

/// What every peer connection on port 9419 shares.
public final class PeerServerContext: Sendable {
    public let service: MetadataService
    /// `AUTH_CODE`: peers must prove it when set.
    let authCode: String?
    let softwareVersion: String
    let logger: Logger
    /// This master's role now, and the active master's address when it is not active.
    let role: @Sendable () -> (MasterRole, String?)
    /// The role machine's shell: votes, tails, voters joining, a higher epoch seen.
    let promotion = Mutex<Promotion?>(nil)
    /// Every open peer connection (closed at shutdown, or at a demote: the peers go to the
    /// new active master).
    let openConnections = ConnectionRegistry()
    /// The voters' standing connections (DESIGN §7.2), by member: where a candidate's vote and
    /// tail requests go.
    let voterChannels = Mutex<[MemberID: any Channel]>([:])
    /// `PEER_HEARTBEAT`: how often an idle peer connection hears that this master lives.
    let heartbeat: TimeAmount
    /// Connections open now (`PeerServerLimits.maxConnections`).
    let connectionCount = LimitedCount(limit: PeerServerLimits.maxConnections)
    /// Metadata downloads under way now (`PeerServerLimits.maxDownloads`).
    let downloadCount = LimitedCount(limit: PeerServerLimits.maxDownloads)
    private let warnings = ConnectionWarnings()

    /// Logs a warning about one connection, at most `PeerServerLimits.warningsPerSecond` a second.
    func warn(_ message: String, _ metadata: Logger.Metadata) {
        warnings.warn(logger, "\(message)", metadata, perSecond: PeerServerLimits.warningsPerSecond)
    }

    /// A peer has seen a higher epoch: this master is stale (DESIGN §7.6).
    func staleEpoch(_ epoch: Epoch, _ peer: String) {
        promotion.withLock { $0 }?.handle(.higherEpoch(epoch, from: peer))
    }

    public init(
        service: MetadataService, authCode: String?, softwareVersion: String, logger: Logger,
        heartbeatMilliseconds: Int64 = Int64(PeerLinkLimits.heartbeatSeconds * 1_000), role: @escaping @Sendable () -> (MasterRole, String?)
    ) {
        heartbeat = .milliseconds(heartbeatMilliseconds)
        self.service = service
        self.authCode = authCode
        self.softwareVersion = softwareVersion
        self.logger = logger
        self.role = role
    }
}

/// Port 9419: metaloggers and followers register and follow this master (DESIGN §6).
public struct PeerServer: Sendable {
    public let host: String
    public let port: Int
    public let context: PeerServerContext

    public init(host: String, port: Int, context: PeerServerContext) {
        self.host = host
        self.port = port
        self.context = context
    }

    /// Binds and serves until the task is cancelled; `bound` gets the port (0 picks one).
    public func run(bound: @Sendable (Int) -> Void = { _ in }) async throws {
        let context = self.context
        try await serveConnections(
            host: host, port: port, name: "peer port", keys: "MATOML_LISTEN_HOST, MATOML_LISTEN_PORT", logger: context.logger,
            connections: context.openConnections,
            bound: bound
        ) { PeerConnectionHandler(context: context) }
    }
}

/// One metalogger or follower: hello, optional `AUTH_CODE` proof, register, then (after a
/// metadata download when needed) the change stream and its acknowledgements.
final class PeerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case hello
        case challenged(Hello, challenge: [UInt8])
        case register(Hello)
        case downloading
        case streaming
        /// A metalogger's standing voter connection: it waits for a candidate's requests.
        case voter(MemberID)
        case closed
    }

    private let shared: PeerServerContext
    private var phase = Phase.hello
    private var frames = FrameDecoder()
    private var context: ChannelHandlerContext?
    private var peer = "?"
    private var role = "?"
    private var slot: Int?
    private var sentSinceHeartbeat = false
    private var heartbeat: RepeatedTask?
    /// The metadata being downloaded, read a block at a time as the connection takes it.
    private var download: SpooledMetadata?
    /// Whether this connection holds one of the `PeerServerLimits.maxDownloads` places.
    private var holdsDownload = false
    /// Tail requests not yet served, and whether one is being read now (one at a time).
    private var tailsQueued: [TailRequest] = []
    private var tailRunning = false

    init(context: PeerServerContext) { shared = context }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let limit = PeerServerLimits.downloadBufferedBytes
        try? context.channel.syncOptions?.setOption(.writeBufferWaterMark, value: .init(low: limit / 2, high: limit))
        peer = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
    }

    func channelActive(context: ChannelHandlerContext) {
        if !shared.connectionCount.add() {
            close("too many peer connections (limit \(PeerServerLimits.maxConnections))")
        } else if !shared.openConnections.opened(context.channel, by: ObjectIdentifier(self)) {
            close("the master is stopping")
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(30)) {
            if case .hello = bound.value.phase { bound.value.close("no hello within 30 s") }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        shared.openConnections.closed(by: ObjectIdentifier(self))
        shared.connectionCount.remove()
        endDownload()
        heartbeat?.cancel()
        if case .voter(let member) = phase {
            let channel = context.channel
            shared.voterChannels.withLock { if $0[member] === channel { $0[member] = nil } }
        }
        download?.close()
        download = nil
        if let slot {
            shared.service.replication.leave(slot)
            shared.logger.notice("\(role) disconnected", metadata: ["peer": "\(peer)"])
        }
        slot = nil
        phase = .closed
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { close("connection error: \(error)") }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data).readableBytesView)
        do throws(WireError) {
            while let frame = try frames.next() {
                if case .closed = phase { return }
                try handle(frame)
            }
        } catch {
            close(error.description)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendMetadata()
            pump()
        }
        context.fireChannelWritabilityChanged()
    }

    private func handle(_ frame: Frame) throws(WireError) {
        switch phase {
        case .hello:
            try hello(Hello.decode(frame))
        case .challenged(let hello, let challenge):
            let response = try AuthResponse.decode(frame)
            guard let code = shared.authCode,
                PasswordProof(challenge: challenge, response: response.response).verifies(secretDigest: passwordDigest(code))
            else {
                return refuse(.badPassword, "wrong AUTH_CODE (it must be the same on the master and its peers)")
            }
            phase = .register(hello)
            noticeHigherEpoch(hello)
        case .register(let hello) where frame.type == VoteMessages.voterJoin && hello.role == .metalogger:
            let join = try VoterJoin.decode(frame)
            phase = .voter(join.member)
            if let channel = context?.channel { shared.voterChannels.withLock { $0[join.member] = channel } }
            // Heartbeats on the standing connection too: the voter gives it up after
            // PEER_SILENCE_TIMEOUT without a frame, and dials again (a master back after a silent
            // host death gets a fresh connection, not a dead one the voter still waits on).
            startHeartbeat()
            shared.logger.info("voter connection", metadata: ["peer": "\(peer)", "member": "\(join.member)"])
        case .register(let hello) where hello.role == .master && frame.type == VoteMessages.voteRequest:
            let request = try VoteRequest.decode(frame)
            guard let promotion = shared.promotion.withLock({ $0 }) else { return close("no role machine yet") }
            write(promotion.answer(request).encode())
            flush()
        case .register(let hello) where hello.role == .master && frame.type == VoteMessages.tailRequest:
            let request = try TailRequest.decode(frame)
            guard shared.promotion.withLock({ $0 }) != nil else { return close("no role machine yet") }
            guard tailsQueued.count < PeerServerLimits.maxTailsQueued else {
                return close("more than \(PeerServerLimits.maxTailsQueued) tail requests waiting")
            }
            tailsQueued.append(request)
            serveNextTail()
        case .register(let hello):
            register(hello, try PeerRegister.decode(frame))
        case .voter(let member):
            guard let promotion = shared.promotion.withLock({ $0 }) else { return }
            if frame.type == VoteMessages.voteAnswer {
                promotion.answered(try VoteAnswer.decode(frame), route: "voter \(member)")
            } else {
                promotion.tailFrame(frame, from: member)
            }
        case .downloading, .streaming:
            let ack = try PeerAck.decode(frame)
            guard let slot, shared.service.replication.ack(slot, ack.version) else {
                return close("acknowledged version \(ack.version), which was never sent")
            }
        case .closed:
            return
        }
    }

    private func hello(_ hello: Hello) {
        let (masterRole, _) = shared.role()
        let namespace = shared.service.namespace
        let challenge = shared.authCode == nil ? [] : ClientServerLimits.newChallenge()
        write(
            HelloReply(
                role: masterRole, metaID: namespace.metaID, epoch: namespace.epoch, metaVersion: namespace.version,
                softwareVersion: shared.softwareVersion, challenge: challenge
            ).encode())
        flush()
        switch hello.role {
        case .metalogger, .follower, .master:
            // A master: another master asking who this one is (its start, DESIGN §7.7: the
            // reply said it), or a candidate asking for a vote or a tail (after the proof).
            role = "\(hello.role)"
            phase = challenge.isEmpty ? .register(hello) : .challenged(hello, challenge: challenge)
            if challenge.isEmpty {
                noticeHigherEpoch(hello)
            } else if hello.epoch > namespace.epoch, hello.metaID == namespace.metaID, hello.role == .master {
                shared.logger.warning(
                    "a master of a higher epoch said hello (not authenticated: fenced only once a peer proves AUTH_CODE)",
                    metadata: ["peer": "\(peer)", "epoch": "\(hello.epoch)"])
            }
        case .client, .chunkserver, .probe:
            close("a \(hello.role) on the metalogger port (9419): wrong port")
        }
    }

    /// A peer of this cluster that has seen a higher epoch makes this master stale (DESIGN
    /// §7.6), whatever its role: a metalogger or follower that promised or holds the newer epoch
    /// says so in its hello (and then refuses to follow this master, so no register would
    /// tell it), another master at its start or as a candidate likewise. This is how an old
    /// active master cut off by a partition learns, once the partition heals, that it was
    /// replaced: a metalogger's standing voter connection dials it again within a second. With
    /// `AUTH_CODE` set, only a peer that proved it fences.
    private func noticeHigherEpoch(_ hello: Hello) {
        let namespace = shared.service.namespace
        guard hello.epoch > namespace.epoch, hello.metaID == namespace.metaID else { return }
        shared.staleEpoch(hello.epoch, peer)
    }

    private func register(_ hello: Hello, _ register: PeerRegister) {
        guard hello.role != .master else { return close("a master said register") }
        let (masterRole, active) = shared.role()
        guard masterRole == .active else {
            return refuse(.notActive, "this master is \(masterRole)" + (active.map { "; the active master is \($0)" } ?? ""))
        }
        let service = shared.service
        let replication = service.replication
        let bound = NIOLoopBound(self, eventLoop: context!.eventLoop)
        let wake: @Sendable () -> Void = { bound.eventLoop.execute { bound.value.pump() } }
        // Under the metadata lock: the plan, the snapshot and the place in the stream agree.
        let (plan, snapshot, id): (PeerPlan, Namespace?, Int?) = service.withNamespace { namespace in
            let plan = replication.plan(
                metaID: namespace.metaID, epoch: namespace.epoch, version: namespace.version,
                peer: (hello.metaID, hello.epoch, register.lastVersion, register.tailEpoch))
            switch plan {
            case .stream(let after, _):
                return (
                    plan, nil, replication.join(name: peer, role: role, member: register.member, holds: after, streaming: true, wake: wake)
                )
            case .download:
                // A place among the downloads first, so a refused peer never joins the stream.
                guard shared.downloadCount.addWithinLimit() else { return (plan, nil, nil) }
                return (
                    plan, namespace,
                    replication.join(
                        name: peer, role: role, member: register.member, holds: namespace.version, streaming: false, wake: wake)
                )
            case .refuse:
                return (plan, nil, nil)
            }
        }
        switch plan {
        case .refuse(let why, let reason):
            if why == .staleMaster { shared.staleEpoch(max(hello.epoch, register.tailEpoch), peer) }
            let status: WireStatus = why == .otherCluster ? .wrongMetaID : why == .staleMaster ? .staleEpoch : .notActive
            refuse(status, reason)
        case .stream(let after, let discarded):
            joined(register.member, hello.role)
            slot = id
            phase = .streaming
            write(PeerStart.stream(resumeAfter: after).encode())
            shared.logger.notice(
                "\(role) registered",
                metadata: [
                    "peer": "\(peer)", "from": "\(after.next)",
                    "discarded": "\(discarded)",
                ])
            startHeartbeat()
            pump()
        case .download:
            guard id != nil else {
                return refuse(.tryAgain, "\(PeerServerLimits.maxDownloads) metadata downloads are under way; try again shortly")
            }
            holdsDownload = true
            joined(register.member, hello.role)
            slot = id
            phase = .downloading
            shared.logger.notice(
                "\(role) registered: sending the metadata first", metadata: ["peer": "\(peer)", "version": "\(snapshot!.version)"])
            let snapshot = snapshot!
            let directory = shared.service.directory
            downloadSpooler.async {
                let spooled: Result<SpooledMetadata, StorageError>
                do throws(StorageError) { spooled = .success(try SpooledMetadata(snapshot, in: directory)) } catch {
                    spooled = .failure(error)
                }
                bound.eventLoop.execute { bound.value.startDownload(spooled) }
            }
        }
    }

    /// Serves the oldest tail request waiting, unless one is being read: each reads the
    /// changelogs it covers, so a peer asking many at once does not have them read side by side.
    private func serveNextTail() {
        guard !tailRunning, !tailsQueued.isEmpty, let context, let promotion = shared.promotion.withLock({ $0 }) else { return }
        let request = tailsQueued.removeFirst()
        tailRunning = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        Task.detached {
            let frames = promotion.serveTail(request)
            bound.eventLoop.execute {
                let handler = bound.value
                handler.tailRunning = false
                for frame in frames { handler.write(frame) }
                handler.flush()
                handler.serveNextTail()
            }
        }
    }

    /// A registered peer with a voter id joins the voter set (DESIGN §7.2).
    private func joined(_ member: MemberID, _ role: PeerRole) {
        guard member != .none else { return }
        shared.promotion.withLock { $0 }?.joined(member, kind: role == .metalogger ? .metalogger : .master)
    }

    private func startDownload(_ spooled: Result<SpooledMetadata, StorageError>) {
        switch spooled {
        case .failure(let error):
            close("cannot write the metadata for the download: \(error)")
        case .success(let metadata):
            guard case .downloading = phase else { return metadata.close() }
            download = metadata
            write(PeerStart.download(version: metadata.version, length: UInt64(metadata.length)).encode())
            sendMetadata()
        }
    }

    /// Sends the download's next blocks while the connection takes them (at most
    /// `PeerServerLimits.downloadBufferedBytes` wait in it; the rest is sent as it drains, from
    /// `channelWritabilityChanged`). After the last one, the peer streams the changes.
    private func sendMetadata() {
        guard case .downloading = phase, let download, let slot, let context else { return }
        do throws(StorageError) {
            while context.channel.isWritable, let block = try download.next(maxBytes: WireLimits.maxMetadataBlockLength) {
                let isLast = block.offset + block.bytes.count == download.length
                write(MetadataBlock(offset: UInt64(block.offset), isLast: isLast, bytes: block.bytes).encode())
            }
        } catch {
            return close("cannot read the metadata for the download: \(error)")
        }
        flush()
        guard download.isFinished else { return }
        download.close()
        self.download = nil
        endDownload()
        phase = .streaming
        startHeartbeat()
        shared.service.replication.startStreaming(slot)
    }

    /// Sends what the peer has not been sent yet, while the socket takes it.
    private func pump() {
        guard case .streaming = phase, let slot, let context else { return }
        var wrote = false
        while context.channel.isWritable, let batch = shared.service.replication.batch(for: slot, maxBytes: ReplicationLimits.batchBytes) {
            write(ChangeBatch(firstVersion: batch.first, count: UInt32(batch.count), text: batch.text).encode())
            wrote = true
        }
        if wrote {
            sentSinceHeartbeat = true
            flush()
        }
    }

    private func startHeartbeat() {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let period = shared.heartbeat
        heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let handler = bound.value
            if !handler.sentSinceHeartbeat {
                let namespace = handler.shared.service.namespace
                handler.write(MasterAlive(version: namespace.version, epoch: namespace.epoch).encode())
                handler.flush()
            }
            handler.sentSinceHeartbeat = false
            if let slot = handler.slot, !handler.shared.service.replication.isStreamable(slot) {
                handler.close("the peer fell behind the changes kept in memory (CHANGELOG_PRESERVE_SECONDS): it must download")
            }
        }
    }

    /// Gives back this connection's download place, if it holds one.
    private func endDownload() {
        guard holdsDownload else { return }
        holdsDownload = false
        shared.downloadCount.remove()
    }

    private func refuse(_ status: WireStatus, _ reason: String) {
        write(PeerStart.refused(status, reason: reason).encode())
        close("\(role) refused (\(status)): \(reason)")
    }

    private func write(_ bytes: [UInt8]) {
        guard let context else { return }
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func flush() { context?.flush() }

    private func close(_ reason: String) {
        guard let context else { return }
        if case .closed = phase { return }
        shared.warn("closing peer connection", ["peer": "\(peer)", "role": "\(role)", "reason": "\(reason)"])
        phase = .closed
        context.flush()
        context.close(promise: nil)
    }
}
