import Logging
import MFSChunkStore
import MFSCore
import MooseWire
import NIOCore

/// One connection on the data port (9422): one request at a time (notes §3), a chunk query
/// included. An idle connection
/// takes READ, WRITE, the chunk queries, GET_VERSION, GET_CONFIG, MODULE_INFO and NOPs; a write
/// session then takes WRITE_DATA, WRITE_FINISH and NOPs. Anything else, a frame that does not
/// decode or one past `ChunkserverLimits.dataPortFrame` closes the connection with a logged
/// reason; nothing a peer sends reaches the disk unchecked.
///
/// Memory per connection is bounded: the frame decoder holds at most one socket read
/// (`ChunkserverLimits.dataReceiveBuffer`) and one incomplete frame, a read holds at
/// most `ChunkserverLimits.readBatchesQueued` + `readJobsInFlight` batches of
/// `readBlocksPerJob` blocks (some being read from the disk while the others go out), and a write
/// session stops decoding past `ChunkserverLimits.maxWritesInFlight` unanswered pieces.
final class DataConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case reading
        case writing(WriteSession)
        /// A chunk query is on the disk pool: the next frames wait for its answer (one query
        /// at a time, so a flood of them cannot queue work without bound).
        case querying
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
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { frames.append($0) }
        lastInput = .now()
        processFrames()
    }

    /// Handles buffered frames until a write session has too many pieces in flight. The pieces
    /// of a write that came in one socket read go to the disk together, in one disk job and
    /// under one fsync, rather than the first alone (mfsmount sends a flush's pieces in one
    /// burst).
    private func processFrames() {
        defer { if case .writing(let session) = state { session.writeQueued() } }
        do {
            while true {
                if case .writing(let session) = state, session.inFlight >= ChunkserverLimits.maxWritesInFlight { return pause(true) }
                if case .closing = state { return }
                if case .querying = state { return pause(true) }
                guard let frame = try frames.nextInPlace(Self.received) else { return pause(false) }
                switch frame {
                case .writeData(let piece): handle(.writeData(piece), type: .cltocsWriteData) { DataPortBulk.encode(piece) }
                case .other(let frame): handle(try DataPortRequest.decode(frame), type: frame.type) { frame.encode() }
                }
            }
        } catch {
            close("\(error)")
        }
    }

    /// A frame as the decoder holds it: a well-formed WRITE_DATA decoded in place, its data
    /// copied once (`DataPortBulk.writeData`); any other frame, a malformed WRITE_DATA
    /// included, copied out for `DataPortRequest.decode` (and its error).
    private enum Received {
        case writeData(WriteData)
        case other(MooseFrame)
    }

    private static func received(_ type: MooseMessageType, _ payload: UnsafeRawBufferPointer) -> Received {
        if type == .cltocsWriteData, let piece = DataPortBulk.writeData(payload) { return .writeData(piece) }
        return .other(MooseFrame(type: type, payload: Array(payload)))
    }

    private func pause(_ on: Bool) {
        guard on != paused, let context = channelContext else { return }
        paused = on
        context.channel.setOption(ChannelOptions.autoRead, value: !on).whenFailure { _ in }
        if !on { context.read() }
    }

    /// `type` names the frame in a reason; `bytes` makes its bytes again (for the next server
    /// of a write chain: only when there is one).
    private func handle(_ request: DataPortRequest, type: MooseMessageType, bytes: () -> [UInt8]) {
        switch state {
        case .closing, .querying: return
        case .reading:
            if case .ignored = request { return }
            guard case .nop = request else { return close("\(type) while a read is running") }
        case .writing(let session):
            let allocator = channelContext!.channel.allocator
            let raw = { allocator.buffer(bytes: bytes()) }
            switch request {
            case .writeData(let piece): session.data(piece, raw: raw)
            case .writeFinish(let finish): session.finish(finish, raw: raw)
            case .nop: session.nop(raw: raw)
            case .ignored: break
            default: close("\(type) during a write session")
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
            state = .querying
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

    /// A read being answered: the pieces not yet taken from the disk, the disk jobs running,
    /// the batches read ahead of their turn, and the batches handed to the socket and not yet
    /// written.
    private struct Reading {
        let request: ReadRequest
        /// Tells this read's callbacks from a later read's on the same connection.
        let serial: Int
        var pieces: ArraySlice<MFSChunkStore.BlockPiece>
        /// The next batch's number, and the number of the batch the socket takes next.
        var nextBatch = 0
        var nextToSend = 0
        var diskJobs = 0
        /// Batches that came back from the disk before an earlier one: sent in order.
        var early: [Int: Result<ByteBuffer, ChunkStoreError>] = [:]
        var unsent = 0
        var finished: Bool { pieces.isEmpty && diskJobs == 0 && early.isEmpty }
    }
    private var reading: Reading?
    private var readSerial = 0

    private func startRead(_ request: ReadRequest) {
        let id = request.chunkID
        guard request.size > 0 else { return reply(ReadStatus(chunkID: id, status: .ok).encode()) }
        guard Int(request.size) <= MooseWireLimits.chunkSize else { return reply(ReadStatus(chunkID: id, status: .wrongSize).encode()) }
        guard Int(request.offset) + Int(request.size) <= MooseWireLimits.chunkSize,
            let pieces = try? MFSChunkStore.BlockPiece.pieces(offset: Int(request.offset), size: Int(request.size))
        else { return reply(ReadStatus(chunkID: id, status: .wrongOffset).encode()) }
        state = .reading
        readSerial += 1
        reading = Reading(request: request, serial: readSerial, pieces: pieces[...])
        pumpRead()
    }

    /// Starts disk jobs of the read while fewer than `readJobsInFlight` run and few enough
    /// batches wait for the socket: the disk reads the next batch while the one before is
    /// checked and handed over, instead of idling through each hand-off.
    private func pumpRead() {
        guard let context = channelContext, case .reading = state, var current = reading else { return }
        while current.diskJobs < ChunkserverLimits.readJobsInFlight,
            current.unsent + current.early.count + current.diskJobs < ChunkserverLimits.readBatchesQueued
                + ChunkserverLimits.readJobsInFlight,
            !current.pieces.isEmpty
        {
            let batch = Array(current.pieces.prefix(ChunkserverLimits.readBlocksPerJob))
            current.pieces = current.pieces.dropFirst(batch.count)
            current.diskJobs += 1
            let number = current.nextBatch
            current.nextBatch += 1
            let (store, allocator, serial, id) = (shared.store, context.channel.allocator, current.serial, current.request.chunkID)
            let version = StoredVersion(current.request.version)
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            shared.onDisk(context.eventLoop) {
                Self.readFrames(store, id, version, batch, allocator)
            }.whenSuccess { result in bound.value.batchRead(result, serial: serial, number: number) }
        }
        reading = current
    }

    private func batchRead(_ result: Result<ByteBuffer, ChunkStoreError>, serial: Int, number: Int) {
        guard case .reading = state, var current = reading, current.serial == serial else { return }
        let id = current.request.chunkID
        current.diskJobs -= 1
        current.early[number] = result
        while let next = current.early.removeValue(forKey: current.nextToSend) {
            current.nextToSend += 1
            switch next {
            case .success(let frames):
                current.unsent += 1
                reading = current
                let bound = NIOLoopBound(self, eventLoop: channelContext!.eventLoop)
                send(frames).whenComplete { _ in bound.value.batchSent(serial: serial) }
                // A send that failed at once has been counted back, or closed the read.
                guard case .reading = state, let after = reading, after.serial == serial else { return }
                current = after
            case .failure(let error):
                logger.warning("read of chunk \(chunkName(id)) for \(peer) refused: \(error)")
                return endRead(ReadStatus(chunkID: id, status: MooseStatus(error)))
            }
        }
        reading = current
        guard current.finished else { return pumpRead() }
        endRead(ReadStatus(chunkID: id, status: .ok))
    }

    /// The read is over (every batch sent, or one failed): its status goes out and the
    /// connection takes the next request.
    private func endRead(_ status: ReadStatus) {
        state = .idle
        reading = nil
        reply(status.encode())
    }

    private func batchSent(serial: Int) {
        guard reading?.serial == serial else { return }
        reading?.unsent -= 1
        pumpRead()
    }

    /// Reads `pieces` (on the disk pool) into one buffer of whole READ_DATA frames: each block
    /// read with one `pread` into its frame's data, the headers written at fixed offsets.
    private static func readFrames(
        _ store: ChunkStore, _ id: ChunkID, _ version: StoredVersion, _ pieces: [MFSChunkStore.BlockPiece], _ allocator: ByteBufferAllocator
    ) -> Result<ByteBuffer, ChunkStoreError> {
        let header = DataPortBulk.readDataHeaderLength
        let total = pieces.reduce(0) { $0 + header + $1.size }
        var buffer = allocator.buffer(capacity: total)
        var failure: ChunkStoreError?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { raw in
            var spaces: [UnsafeMutableRawBufferPointer] = []
            var at = 0
            for piece in pieces {
                spaces.append(UnsafeMutableRawBufferPointer(rebasing: raw[at + header..<at + header + piece.size]))
                at += header + piece.size
            }
            do throws(ChunkStoreError) {
                let crcs = try store.read(id, version: version, pieces: pieces, into: spaces)
                at = 0
                for (piece, crc) in zip(pieces, crcs) {
                    DataPortBulk.writeReadDataHeader(
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[at..<at + header]), chunkID: id, block: UInt16(piece.block),
                        offset: UInt16(piece.offset), size: piece.size, crc: crc)
                    at += header + piece.size
                }
                return total
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { return .failure(failure) }
        return .success(buffer)
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

    /// Runs a query on the disk pool, sends its answer, then takes the next frames.
    private func answerFromDisk(_ body: @escaping @Sendable () -> [UInt8]) {
        guard let context = channelContext else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        shared.onDisk(context.eventLoop, body).whenComplete { result in
            let handler = bound.value
            guard case .querying = handler.state else { return }
            guard case .success(let answer) = result else { return handler.close("the disk pool did not answer a chunk query") }
            handler.send(answer)
            handler.state = .idle
            // The client's next request could not come before this answer: idle from now.
            handler.lastInput = .now()
            handler.processFrames()
        }
    }

    private func reply(_ bytes: [UInt8]) { send(bytes) }

    @discardableResult
    private func send(_ bytes: [UInt8]) -> EventLoopFuture<Void> {
        guard let context = channelContext else { return shared.group.next().makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return send(context.channel.allocator.buffer(bytes: bytes))
    }

    @discardableResult
    private func send(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context = channelContext else { return shared.group.next().makeFailedFuture(ChannelError.ioOnClosedChannel) }
        lastOutput = .now()
        return context.writeAndFlush(wrapOutboundOut(buffer))
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
        case .reading, .querying, .closing: break
        }
        if waiting, quiet > .milliseconds(ChunkserverLimits.dataIdleTimeout.milliseconds) {
            return close("no input for \(quiet.nanoseconds / 1_000_000) ms")
        }
        if case .idle = state, now - lastOutput >= .milliseconds(ChunkserverLimits.dataNopInterval.milliseconds) {
            send(Nop().encode())
        }
    }
}
