import MFSChunkStore
import MFSCore
import MooseWire
import NIOCore
import NIOPosix

/// One write session on a data connection (notes §3.3), on that connection's event loop:
///
/// - CLTOCS_WRITE names the chunk, its version and the rest of the chain. The chunk is checked on
///   the disk pool; with a chain, the next server is dialled and sent CLTOCS_WRITE with the rest.
///   The chain-ready status (writeid 0) goes up once this server's check and the next server's
///   writeid-0 status are in: the first error of the two, else OK.
/// - Every CLTOCS_WRITE_DATA is forwarded verbatim down the chain and written here (the store
///   checks its CRC first). Pieces that queued up while the disk was busy are written together,
///   and pieces written while an fsync ran are fsynced together (`ChunkStore.sync`, the next
///   batch is written during the fsync): a piece's status goes up only after its bytes are
///   fsynced here **and** the next server answered it, in the order the pieces came. With
///   `WRITE_ACK_AFTER_FSYNC = 0` (MooseFS's HDD_FSYNC_BEFORE_CLOSE = 1) a piece is answered once
///   written, and the chunk is fsynced when it is closed (`ChunkStore.finish`).
/// - CLTOCS_WRITE_FINISH (no reply) is forwarded and ends the session: the connection is idle
///   again and may carry the next request.
final class WriteSession {
    private let shared: ChunkserverContext
    private let loop: any EventLoop
    let chunkID: ChunkID
    let version: WireVersion
    private let isLast: Bool
    /// Sends a frame upstream.
    private let sendUp: ([UInt8]) -> Void
    /// Ends the session: nil goes back to idle, a reason closes the connection.
    private let ended: (String?) -> Void
    /// The writer's data port may read again (pieces in flight fell).
    private let drained: () -> Void

    private var ownReady: MooseStatus?
    private var nextReady: MooseStatus?
    private var readySent = false
    private var downstream: (any Channel)?
    private var waitingForDownstream: [ByteBuffer] = []
    private var order: [UInt32] = []
    private var orderStart = 0
    private var results: [UInt32: (own: MooseStatus?, next: MooseStatus?)] = [:]
    /// Pieces received and not yet written, written and not yet fsynced.
    private var diskQueue: [WriteData] = []
    private var written: [UInt32] = []
    /// A disk job writing pieces, one fsyncing them: at most one of each at a time.
    private var writeBusy = false
    private var syncBusy = false
    private var finished = false

    init(
        _ request: WriteRequest, context: ChunkserverContext, loop: any EventLoop, sendUp: @escaping ([UInt8]) -> Void,
        ended: @escaping (String?) -> Void, drained: @escaping () -> Void
    ) {
        shared = context
        self.loop = loop
        chunkID = request.chunkID
        version = request.version
        isLast = request.chain.isEmpty
        self.sendUp = sendUp
        self.ended = ended
        self.drained = drained
        start(request)
    }

    /// Pieces received and not yet answered.
    var inFlight: Int { order.count - orderStart }

    private func start(_ request: WriteRequest) {
        let store = shared.store
        let id = chunkID
        let wanted = StoredVersion(version)
        let bound = NIOLoopBound(self, eventLoop: loop)
        shared.onDisk(loop) { () -> MooseStatus in
            guard let chunk = store.chunk(id) else { return .noChunk }
            guard wanted.accepts(chunk.version) else { return .wrongVersion }
            // A new write: what an earlier one lost was never acknowledged, and its client
            // sends again what it has no status for.
            store.beginWrite(id)
            return .ok
        }.whenSuccess { status in
            bound.value.ownReady = status
            bound.value.sendReadyIfDue()
        }
        if let (next, forwarded) = request.forwarded { connect(to: next, sending: forwarded, attempt: 1) }
    }

    // MARK: upstream frames

    /// A CLTOCS_WRITE_DATA frame (`raw` makes its bytes, forwarded as they came).
    func data(_ piece: WriteData, raw: () -> ByteBuffer) {
        guard !finished else { return }
        order.append(piece.writeID)
        guard piece.chunkID == chunkID else {
            results[piece.writeID] = (.wrongChunkID, .wrongChunkID)
            return flush()
        }
        results[piece.writeID] = (nil, isLast ? .ok : nil)
        forward(raw)
        diskQueue.append(piece)
    }

    /// CLTOCS_WRITE_FINISH: forwarded; ends the session (a mismatch is refused).
    func finish(_ message: WriteFinish, raw: () -> ByteBuffer) {
        guard message.chunkID == chunkID, message.version == version else {
            sendUp(WriteStatus(chunkID: chunkID, writeID: 0, status: .wrongChunkID).encode())
            return end("WRITE_FINISH for chunk \(chunkName(message.chunkID)) v\(message.version) in a session of \(chunkName(chunkID))")
        }
        forward(raw)
        end(nil)
    }

    /// A NOP from upstream: passed on so the rest of the chain does not time out.
    func nop(raw: () -> ByteBuffer) { forward(raw) }

    /// The upstream connection is gone.
    func abandon() {
        finished = true
        downstream?.close(promise: nil)
        downstream = nil
    }

    private func end(_ reason: String?) {
        guard !finished else { return }
        finished = true
        if let downstream {
            // FINISH (or whatever was last) goes out before the close.
            downstream.writeAndFlush(downstream.allocator.buffer(capacity: 0)).whenComplete { _ in downstream.close(promise: nil) }
        }
        downstream = nil
        let store = shared.store
        let id = chunkID
        shared.pool.submit { _ in try? store.finish(id) }
        ended(reason)
    }

    // MARK: the next server

    private func connect(to next: ChunkserverAddress, sending request: WriteRequest, attempt: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(ChunkserverLimits.forwardConnectTimeout.milliseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DownstreamHandler(session: bound))
                }
            }
            .connect(host: ipv4Text(next.ip), port: Int(next.port))
            .whenComplete { result in
                let session = bound.value
                switch result {
                case .success(let channel): session.connected(channel, request: request)
                case .failure(let error):
                    guard attempt < ChunkserverLimits.forwardConnectAttempts, !session.finished else {
                        session.shared.logger.warning("write chain: cannot connect to \(next): \(error)")
                        session.sendUp(WriteStatus(chunkID: session.chunkID, writeID: 0, status: .cantConnect).encode())
                        return session.end("the next chunkserver \(next) cannot be reached")
                    }
                    session.connect(to: next, sending: request, attempt: attempt + 1)
                }
            }
    }

    private func connected(_ channel: any Channel, request: WriteRequest) {
        guard !finished else { return channel.close(promise: nil) }
        downstream = channel
        channel.write(channel.allocator.buffer(bytes: request.encode()), promise: nil)
        for buffer in waitingForDownstream { channel.write(buffer, promise: nil) }
        waitingForDownstream = []
        channel.flush()
    }

    /// The last server of a chain forwards nothing, and does not copy the frame (`raw`) for it.
    private func forward(_ raw: () -> ByteBuffer) {
        guard !isLast else { return }
        if let downstream {
            downstream.writeAndFlush(raw(), promise: nil)
        } else {
            waitingForDownstream.append(raw())
        }
    }

    /// A frame from the next server.
    fileprivate func fromDownstream(_ frame: MooseFrame) {
        guard !finished else { return }
        guard frame.type != .nop else { return }
        guard let status = try? WriteStatus.decode(frame) else {
            sendUp(WriteStatus(chunkID: chunkID, writeID: 0, status: .disconnected).encode())
            return end("the next chunkserver sent \(frame.type) in a write session")
        }
        if status.writeID == 0 {
            nextReady = status.status
            return sendReadyIfDue()
        }
        guard results[status.writeID] != nil else { return }
        results[status.writeID]?.next = status.status
        flush()
    }

    fileprivate func downstreamClosed(_ reason: String) {
        guard !finished else { return }
        shared.logger.warning("write chain of chunk \(chunkName(chunkID)): the next chunkserver is gone: \(reason)")
        sendUp(WriteStatus(chunkID: chunkID, writeID: 0, status: .disconnected).encode())
        end("the next chunkserver of the chain disconnected")
    }

    // MARK: statuses

    private func sendReadyIfDue() {
        guard !readySent, !finished, let own = ownReady, isLast || nextReady != nil else { return }
        let status = own != .ok ? own : (nextReady ?? .ok)
        readySent = true
        sendUp(WriteStatus(chunkID: chunkID, writeID: 0, status: status).encode())
        guard status == .ok else { return end("the write of chunk \(chunkName(chunkID)) v\(version) was refused: \(status)") }
        flush()
    }

    /// Sends, in arrival order, every status whose piece is answered here and down the chain.
    private func flush() {
        guard readySent else { return }
        let before = inFlight
        // The statuses that are due go up in one send (one syscall for a whole fsynced batch).
        var due: [UInt8] = []
        while orderStart < order.count, let result = results[order[orderStart]], let own = result.own, let next = result.next {
            let writeID = order[orderStart]
            results[writeID] = nil
            orderStart += 1
            due += WriteStatus(chunkID: chunkID, writeID: writeID, status: own != .ok ? own : next).encode()
        }
        if !due.isEmpty { sendUp(due) }
        if orderStart > 1_024 {
            order.removeFirst(orderStart)
            orderStart = 0
        }
        if before >= ChunkserverLimits.resumeWritesAt && inFlight < ChunkserverLimits.resumeWritesAt { drained() }
    }

    /// Writes every queued piece in one disk job (the store checks each piece's CRC first). A
    /// piece refused there is answered at once; the others wait for the next fsync
    /// (`syncWritten`). The next batch is written while the last one's fsync runs, so the disk
    /// stays busy (issue #12). The connection calls it once the frames of a socket read are
    /// handled, so that they go to the disk together.
    func writeQueued() {
        guard !writeBusy, !diskQueue.isEmpty else { return }
        writeBusy = true
        let batch = diskQueue
        diskQueue = []
        let store = shared.store
        let id = chunkID
        let storedVersion = StoredVersion(version)
        let bound = NIOLoopBound(self, eventLoop: loop)
        shared.onDisk(loop) { () -> [MooseStatus] in
            batch.map { data in
                MooseStatus.of { () throws(ChunkStoreError) in
                    let piece = MFSChunkStore.BlockPiece(
                        block: Int(data.piece.block), offset: Int(data.piece.offset), size: data.piece.data.count)
                    try store.write(id, version: storedVersion, piece: piece, bytes: data.piece.data, crc: data.piece.crc)
                }
            }
        }.whenComplete { result in
            let session = bound.value
            session.writeBusy = false
            let statuses = (try? result.get()) ?? batch.map { _ in .io }
            let ackAfterFsync = session.shared.settings.ackAfterFsync
            for (data, status) in zip(batch, statuses) {
                guard status == .ok else {
                    session.refused(data, status)
                    continue
                }
                // Answered after the next fsync, or now (fsynced at the chunk's close).
                if ackAfterFsync { session.written.append(data.writeID) } else { session.results[data.writeID]?.own = .ok }
            }
            session.syncWritten()
            session.writeQueued()
            session.flush()
        }
    }

    /// fsyncs every written piece not yet fsynced in one disk job (the store's lock is not held
    /// during the fsync, so the next batch is written meanwhile), then answers them.
    private func syncWritten() {
        guard !syncBusy, !written.isEmpty else { return }
        syncBusy = true
        let batch = written
        written = []
        let store = shared.store
        let id = chunkID
        let bound = NIOLoopBound(self, eventLoop: loop)
        shared.onDisk(loop) { () -> MooseStatus in
            MooseStatus.of { () throws(ChunkStoreError) in try store.sync(id) }
        }.whenComplete { result in
            let session = bound.value
            session.syncBusy = false
            let status = (try? result.get()) ?? .io
            if status != .ok {
                session.shared.logger.warning("fsync of chunk \(chunkName(id)) failed: \(status); \(batch.count) writes refused")
            }
            for writeID in batch { session.results[writeID]?.own = status }
            session.syncWritten()
            session.flush()
        }
    }

    private func refused(_ data: WriteData, _ status: MooseStatus) {
        shared.logger.warning("write of chunk \(chunkName(chunkID)) \(data.piece.block):\(data.piece.offset) refused: \(status)")
        results[data.writeID]?.own = status
    }
}

/// Reads the next chunkserver's answers for a `WriteSession`.
private final class DownstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let session: NIOLoopBound<WriteSession>
    private var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.dataPortFrame)
    private var reason = "connection closed"

    init(session: NIOLoopBound<WriteSession>) { self.session = session }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { frames.append($0) }
        do {
            while let frame = try frames.next() { session.value.fromDownstream(frame) }
        } catch {
            reason = "\(error)"
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) { session.value.downstreamClosed(reason) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reason = "\(error)"
        context.close(promise: nil)
    }
}
