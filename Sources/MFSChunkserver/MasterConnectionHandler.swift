import Logging
import MFSChunkStore
import MFSCore
import MooseWire
import NIOCore

/// One connection to a master on its event loop: frames in, `MasterSession` decides, commands
/// run on the disk pool and their replies come back here. A tick checks the silence timeout,
/// probes a quiet master, sends NOPs, and once registered the store's reports and the space.
///
/// Silence (no FIN): a master that answers nothing for `MASTER_TIMEOUT` (its ACK's timeout, 10 s
/// by default) is dropped, as MooseFS does. Faster: after `ChunkserverLimits.masterProbeQuiet`
/// (or a quarter of `MASTER_SILENCE_TIMEOUT`) without input the link sends ANTOAN_GET_VERSION,
/// which MooseFS's and our master answer at once; a master that has answered such a probe once on this connection is dropped after
/// `MASTER_SILENCE_TIMEOUT` without input.
final class MasterConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Outcome: Sendable {
        var end: MasterLinkEnd?
        var registered: Bool
    }

    /// Sent by the link at shutdown: say goodbye and close.
    struct Stop {}

    private let shared: ChunkserverContext
    private var session: MasterSession
    private let master: String
    private let ended: EventLoopPromise<Outcome>
    private var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.masterToChunkserverFrame)
    private var end: MasterLinkEnd?
    private var channelContext: ChannelHandlerContext?
    private var tick: RepeatedTask?
    private var lastInput = NIODeadline.now()
    private var lastOutput = NIODeadline.now()
    private var lastLoad = NIODeadline.now()
    private var lastSpaceCheck = NIODeadline.now()
    private var lastSpace: SpaceReport?
    private var probeOutstanding = false
    private var probeAnswered = false
    private var probeSentAt = NIODeadline.now()
    private var lastSideProbe = NIODeadline.now()
    private var sideProbesRunning = 0
    private var masterTimeout: Duration
    private var queuedCommands = 0
    private var reportsInFlight = false

    init(context: ChunkserverContext, session: MasterSession, master: String, ended: EventLoopPromise<Outcome>) {
        shared = context
        self.session = session
        self.master = master
        self.ended = ended
        let configured = context.settings.masterTimeoutSeconds
        masterTimeout = configured == 0 ? ChunkserverLimits.defaultMasterTimeout : .seconds(Int(configured))
    }

    private var logger: Logger { shared.logger }

    func channelActive(context: ChannelHandlerContext) {
        channelContext = context
        logger.info("connected to the master \(master): registering")
        perform(session.begin())
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = TimeAmount.milliseconds(ChunkserverLimits.masterTick.milliseconds)
        tick = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in loop.value.onTick() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        tick?.cancel()
        channelContext = nil
        let end = self.end ?? .retry("the master closed the connection")
        logger.warning("lost the master \(master): \(end)")
        ended.succeed(Outcome(end: self.end ?? .retry(end.description), registered: session.isRegistered))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(.retry("connection error: \(error)"))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Stop else { return context.fireUserInboundEventTriggered(event) }
        if session.isRegistered { send(ChunkserverRegister.disconnect.encode()) }
        close(.retry("stopping"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        frames.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        lastInput = .now()
        probeOutstanding = false
        do {
            while end == nil, let frame = try frames.next() {
                let message = try MasterToChunkserver.decode(frame)
                if case .version = message { probeAnswered = true }
                perform(session.received(message))
            }
        } catch {
            close(.retry("bad frame from the master: \(error)"))
        }
    }

    // MARK: actions

    private func perform(_ actions: [MasterSessionAction]) {
        for action in actions where end == nil {
            switch action {
            case .send(let bytes): send(bytes)
            case .run(let command): run(command)
            case .accepted(let csid, let metaID, let timeout): accepted(csid: csid, metaID: metaID, timeout: timeout)
            case .observeEpoch(let epoch):
                guard let loop = channelContext?.eventLoop else { return }
                let memory = shared.memory
                let bound = NIOLoopBound(self, eventLoop: loop)
                shared.onDisk(loop) { () -> String? in
                    do {
                        try memory.observe(epoch: epoch)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }.whenComplete { result in
                    let handler = bound.value
                    // The connection may have ended meanwhile: nothing more for it.
                    guard handler.channelContext != nil, handler.end == nil else { return }
                    let failure: String? =
                        switch result {
                        case .success(let failure): failure
                        case .failure(let error): "\(error)"
                        }
                    if let failure { return handler.close(.retry("cannot record master epoch \(epoch): \(failure)")) }
                    handler.logger.notice("master epoch \(epoch) is the highest seen: recorded", metadata: ["master": "\(handler.master)"])
                    handler.perform(handler.session.epochStored(epoch))
                }
            case .registered(let chunks):
                logger.notice(
                    "registered with the master \(master)",
                    metadata: [
                        "csid": "\(shared.memory.identity.chunkserverID)", "chunks": "\(chunks)",
                        "master": "\(session.isSwiftMFS ? "swift-mfs, epoch \(session.highestEpoch)" : "MooseFS \(session.masterVersion)")",
                    ])
            case .log(let message): logger.info("\(message)", metadata: ["master": "\(master)"])
            case .close(let why): close(why)
            }
        }
    }

    private func accepted(csid: UInt16, metaID: MetaID, timeout: UInt16) {
        if shared.settings.masterTimeoutSeconds == 0, timeout > 0 { masterTimeout = .seconds(Int(timeout)) }
        if let address = channelContext?.remoteAddress, let ip = address.ipAddress.flatMap(ipv4Number) {
            shared.master.withLock { $0 = (ip, UInt16(clamping: address.port ?? 0)) }
        }
        let memory = shared.memory
        let logger = logger
        shared.pool.submit { _ in
            do { try memory.adopt(chunkserverID: csid, metaID: metaID) } catch {
                logger.error("cannot record csid \(csid) and metaid in chunkserverid.mfs / .metaid: \(error)")
            }
        }
    }

    private func run(_ command: MasterToChunkserver) {
        guard queuedCommands < ChunkserverLimits.maxQueuedCommands else {
            logger.warning("\(ChunkserverLimits.maxQueuedCommands) commands queued: answering NOTDONE")
            if let reply = notDone(command) { send(reply) }
            return
        }
        guard let loop = channelContext?.eventLoop else { return }
        queuedCommands += 1
        let runner = shared.runner
        let bound = NIOLoopBound(self, eventLoop: loop)
        shared.onDisk(loop) { runner.execute(command) }.whenComplete { result in
            bound.value.queuedCommands -= 1
            if case .success(let reply?) = result { bound.value.send(reply) }
        }
    }

    private func notDone(_ command: MasterToChunkserver) -> [UInt8]? {
        func status(_ kind: ChunkCommandStatus.Command, _ id: ChunkID) -> [UInt8] {
            ChunkCommandStatus(command: kind, chunkID: id, status: .notDone).encode()
        }
        switch command {
        case .create(let m): return status(.create, m.chunkID)
        case .delete(let m): return status(.delete, m.chunkID)
        case .setVersion(let m): return status(.setVersion, m.chunkID)
        case .truncate(let m): return status(.truncate, m.chunkID)
        case .duplicate(let m): return status(.duplicate, m.newChunkID)
        case .duplicateTruncate(let m): return status(.duplicateTruncate, m.duplicate.newChunkID)
        case .replicate(let m): return ReplicateStatus(chunkID: m.chunkID, version: m.version, status: .notDone).encode()
        default: return nil
        }
    }

    func send(_ bytes: [UInt8]) {
        guard let context = channelContext else { return }
        lastOutput = .now()
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func close(_ why: MasterLinkEnd) {
        guard end == nil else { return }
        end = why
        if case .refuseMaster = why { logger.error("refusing the master \(master): \(why)") }
        channelContext?.close(promise: nil)
    }

    // MARK: timers and reports

    /// `SideProbe`: the address answering a new connection while this one's probe waits means
    /// the address moved to another host; this connection goes nowhere.
    private func startSideProbe(_ now: NIODeadline) {
        guard let loop = channelContext?.eventLoop, let colon = master.lastIndex(of: ":"),
            let port = Int(master[master.index(after: colon)...])
        else { return }
        lastSideProbe = now
        sideProbesRunning += 1
        let bound = NIOLoopBound(self, eventLoop: loop)
        SideProbe.start(host: String(master[..<colon]), port: port, on: loop).whenComplete { result in
            let handler = bound.value
            handler.sideProbesRunning -= 1
            guard case .success = result, handler.probeOutstanding, handler.end == nil else { return }
            handler.close(
                .retry("the master's address \(handler.master) answers a new connection but not this one: it moved (a failover)"))
        }
    }

    private func onTick() {
        let now = NIODeadline.now()
        let silence = shared.settings.masterSilenceTimeout
        let limit = probeAnswered ? min(silence, masterTimeout) : masterTimeout
        let quiet = now - lastInput
        if quiet > .milliseconds(limit.milliseconds) {
            let key = probeAnswered && silence < masterTimeout ? "MASTER_SILENCE_TIMEOUT" : "MASTER_TIMEOUT"
            return close(.retry("no input from the master for \(quiet.nanoseconds / 1_000_000) ms (\(key) \(limit))"))
        }
        let probeAfter = min(silence.milliseconds / 4, ChunkserverLimits.masterProbeQuiet.milliseconds)
        if !probeOutstanding, quiet > .milliseconds(probeAfter) {
            probeOutstanding = true
            probeSentAt = now
            send(GetVersion().encode())
        }
        let sideInterval = TimeAmount.milliseconds(ChunkserverLimits.sideProbeInterval.milliseconds)
        if probeOutstanding, now - probeSentAt >= sideInterval, now - lastSideProbe >= sideInterval,
            sideProbesRunning < ChunkserverLimits.maxSideProbes
        {
            startSideProbe(now)
        }
        if now - lastOutput >= .milliseconds(ChunkserverLimits.masterNopInterval.milliseconds) { send(Nop().encode()) }
        guard session.isRegistered else { return }
        if now - lastLoad >= .milliseconds(ChunkserverLimits.loadReportInterval.milliseconds) {
            lastLoad = now
            let withStatus = session.masterVersion.isAtLeast(.loadStatus)
            send(CurrentLoad(load: UInt32(queuedCommands), status: withStatus ? .ok : nil).encode())
        }
        guard !reportsInFlight, let loop = channelContext?.eventLoop else { return }
        reportsInFlight = true
        let refresh = now - lastSpaceCheck >= .milliseconds(ChunkserverLimits.spaceRefreshInterval.milliseconds)
        if refresh { lastSpaceCheck = now }
        let store = shared.store
        let bound = NIOLoopBound(self, eventLoop: loop)
        shared.onDisk(loop) { () -> ([ChunkStoreEvent], SpaceReport) in
            if refresh { store.refreshSpace() }
            return (store.takeEvents(), store.spaceTotals.report)
        }.whenComplete { result in
            bound.value.reportsInFlight = false
            if case .success(let (events, space)) = result { bound.value.report(events, space: space) }
        }
    }

    private func report(_ events: [ChunkStoreEvent], space: SpaceReport) {
        var damaged: [ChunkID] = []
        var lost: [ChunkID] = []
        for event in events {
            switch event {
            case .errorOccurred(let directory, let reason):
                logger.error("I/O error in \(directory): \(reason)")
                send(ErrorOccurred().encode())
            case .damaged(let id):
                logger.error("chunk \(chunkName(id)) is damaged: reported to the master")
                damaged.append(id)
            case .lost(let id): lost.append(id)
            case .directoryFull(let path): logger.warning("data directory \(path) is full: no new chunks there")
            case .directoryFailed(let path, let reason): logger.error("data directory \(path) taken out of use: \(reason)")
            }
        }
        for report in ChunkIDReport.reports(.damaged, damaged) + ChunkIDReport.reports(.lost, lost) { send(report.encode()) }
        if space != lastSpace {
            lastSpace = space
            send(SpaceMessage(space).encode())
        }
    }
}
