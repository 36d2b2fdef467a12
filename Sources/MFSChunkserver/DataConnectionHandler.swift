import Logging
import MFSChunkStore
import MFSCore
import MooseWire
import NIOCore

/// One connection on the data port (9422): one request at a time (notes §3). An idle connection
/// takes READ, WRITE, the chunk queries, GET_VERSION, GET_CONFIG, MODULE_INFO and NOPs; a write
/// session then takes WRITE_DATA, WRITE_FINISH and NOPs. Anything else, a frame that does not
/// decode or one past `ChunkserverLimits.dataPortFrame` closes the connection with a logged
/// reason; nothing a peer sends reaches the disk unchecked.
///
/// Memory per connection is bounded: the frame decoder holds at most one frame, a read holds one
/// block at a time (the next is read once the last was written to the socket), and a write
/// session stops decoding past `ChunkserverLimits.maxWritesInFlight` unanswered pieces.
final class DataConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case reading
        case writing(WriteSession)
        case closing
    }

    private let shared: ChunkserverContext
    private var frames = MooseFrameDecoder(maxPayloadLength: ChunkserverLimits.dataPortFrame)
    private var state = State.idle
    private var channelContext: ChannelHandlerContext?
    private var peer = "?"
    private var tick: RepeatedTask?
    private var lastInput = NIODeadline.now()
    private var lastOutput = NIODeadline.now()
    private var paused = false

    init(context: ChunkserverContext) { shared = context }

    private var logger: Logger { shared.logger }

    func channelActive(context: ChannelHandlerContext) {
        channelContext = context
        peer = context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let interval = TimeAmount.milliseconds(250)
        tick = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in bound.value.onTick() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        tick?.cancel()
        if case .writing(let session) = state { session.abandon() }
        state = .closing
        channelContext = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { close("connection error: \(error)") }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        frames.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        lastInput = .now()
        processFrames()
    }

    /// Handles buffered frames until a write session has too many pieces in flight.
    private func processFrames() {
        do {
            while true {
                if case .writing(let session) = state, session.inFlight >= ChunkserverLimits.maxWritesInFlight { return pause(true) }
                if case .closing = state { return }
                guard let frame = try frames.next() else { return pause(false) }
                try handle(frame)
            }
        } catch {
            close("\(error)")
        }
    }

    private func pause(_ on: Bool) {
        guard on != paused, let context = channelContext else { return }
        paused = on
        context.channel.setOption(ChannelOptions.autoRead, value: !on).whenFailure { _ in }
        if !on { context.read() }
    }

    private func handle(_ frame: MooseFrame) throws(MooseWireError) {
        let request = try DataPortRequest.decode(frame)
        switch state {
        case .closing: return
        case .reading:
            if case .ignored = request { return }
            guard case .nop = request else { return close("\(frame.type) while a read is running") }
        case .writing(let session):
            // The frame's bytes again, for the next server of the chain: made only when there is one.
            let allocator = channelContext!.channel.allocator
            let raw = { allocator.buffer(bytes: frame.encode()) }
            switch request {
            case .writeData(let piece): session.data(piece, raw: raw)
            case .writeFinish(let finish): session.finish(finish, raw: raw)
            case .nop: session.nop(raw: raw)
            case .ignored: break
            default: close("\(frame.type) during a write session")
            }
        case .idle: idle(request)
        }
    }

    private func idle(_ request: DataPortRequest) {
        switch request {
        case .read(let read): startRead(read)
        case .write(let write): startWrite(write)
        case .writeData, .writeFinish: close("write data outside a write session")
        case .getChunkBlocks(let query):
            answerFromDisk { [runner = shared.runner] in runner.chunkBlocks(query.chunkID, query.version).encode() }
        case .getChunkChecksum(let query):
            send(ChunkChecksum(chunkID: query.chunkID, version: query.version, result: .failed(.notDone)).encode())
        case .getChunkChecksumTable(let query):
            send(ChunkChecksumTable(chunkID: query.chunkID, version: query.version, result: .failed(.notDone)).encode())
        case .getVersion(let query):
            send(VersionInfo(messageID: query.messageID, version: .v3_0_117, text: "3.0.117-swift-mfs").encode())
        case .getConfig(let query): send(ConfigValue(messageID: query.messageID, value: "").encode())
        case .moduleInfo:
            let identity = shared.memory.identity
            let master = shared.master.withLock { $0 }
            send(
                ModuleInfo(
                    chunkserverID: ChunkserverID(identity.chunkserverID), metaID: identity.metaID,
                    master: ChunkserverAddress(ip: master.ipv4, port: master.port)
                ).encode())
        case .nop, .ignored: break
        }
    }

    // MARK: read (notes §3.2)

    private func startRead(_ request: ReadRequest) {
        let id = request.chunkID
        guard request.size > 0 else { return reply(ReadStatus(chunkID: id, status: .ok).encode()) }
        guard Int(request.size) <= MooseWireLimits.chunkSize else { return reply(ReadStatus(chunkID: id, status: .wrongSize).encode()) }
        guard Int(request.offset) + Int(request.size) <= MooseWireLimits.chunkSize,
            let pieces = try? MFSChunkStore.BlockPiece.pieces(offset: Int(request.offset), size: Int(request.size))
        else { return reply(ReadStatus(chunkID: id, status: .wrongOffset).encode()) }
        state = .reading
        readPiece(request, pieces[...])
    }

    /// Reads one piece on the disk pool and sends it; the next one once this one is written.
    private func readPiece(_ request: ReadRequest, _ pieces: ArraySlice<MFSChunkStore.BlockPiece>) {
        guard let context = channelContext, case .reading = state else { return }
        let id = request.chunkID
        guard let piece = pieces.first else {
            state = .idle
            return reply(ReadStatus(chunkID: id, status: .ok).encode())
        }
        let store = shared.store
        let version = StoredVersion(request.version)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        shared.onDisk(context.eventLoop) { () -> Result<[UInt8], ChunkStoreError> in
            do throws(ChunkStoreError) {
                let read = try store.read(id, version: version, piece: piece)
                let wire = DataPiece(block: UInt16(read.piece.block), offset: UInt16(read.piece.offset), data: read.bytes, crc: read.crc)
                return .success(ReadData(chunkID: id, piece: wire).encode())
            } catch {
                return .failure(error)
            }
        }.whenSuccess { result in
            let handler = bound.value
            switch result {
            case .success(let frame):
                handler.send(frame).whenSuccess { bound.value.readPiece(request, pieces.dropFirst()) }
            case .failure(let error):
                handler.logger.warning("read of chunk \(chunkName(id)) for \(handler.peer) refused: \(error)")
                handler.state = .idle
                handler.send(ReadStatus(chunkID: id, status: MooseStatus(error)).encode())
            }
        }
    }

    // MARK: write (notes §3.3)

    private func startWrite(_ request: WriteRequest) {
        guard let context = channelContext else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let session = WriteSession(
            request, context: shared, loop: context.eventLoop,
            sendUp: { bytes in bound.value.send(bytes) },
            ended: { reason in
                let handler = bound.value
                if let reason { return handler.close(reason) }
                handler.state = .idle
                handler.processFrames()
            },
            drained: { bound.value.processFrames() })
        if case .closing = state { return }
        state = .writing(session)
    }

    // MARK: plumbing

    private func answerFromDisk(_ body: @escaping @Sendable () -> [UInt8]) {
        guard let context = channelContext else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        shared.onDisk(context.eventLoop, body).whenSuccess { bound.value.send($0) }
    }

    private func reply(_ bytes: [UInt8]) { send(bytes) }

    @discardableResult
    private func send(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        guard let context = channelContext else { return shared.group.next().makeFailedFuture(ChannelError.ioOnClosedChannel) }
        lastOutput = .now()
        return context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
    }

    private func close(_ reason: String) {
        if case .closing = state { return }
        logger.warning("data connection from \(peer) closed: \(reason)")
        if case .writing(let session) = state { session.abandon() }
        state = .closing
        channelContext?.close(promise: nil)
    }

    private func onTick() {
        let now = NIODeadline.now()
        let quiet = now - lastInput
        var waiting = false
        switch state {
        case .idle: waiting = true
        case .writing(let session): waiting = session.inFlight == 0
        case .reading, .closing: break
        }
        if waiting, quiet > .milliseconds(ChunkserverLimits.dataIdleTimeout.milliseconds) {
            return close("no input for \(quiet.nanoseconds / 1_000_000) ms")
        }
        if case .idle = state, now - lastOutput >= .milliseconds(ChunkserverLimits.dataNopInterval.milliseconds) {
            send(Nop().encode())
        }
    }
}
