import MFSConfig
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// What a connection on the poll loop tells its owner, on the loop's thread.
protocol PollConnectionDelegate: AnyObject {
    /// Bytes read from the socket (valid during the call only).
    func received(_ bytes: UnsafeRawBufferPointer)
    /// The connection has ended, closed by either side or failed (`error` says how): told
    /// once, after which the connection neither reads nor sends.
    func ended(error: String?)
    /// The replies queued went down to `PollLoopLimits.resumeOutputBytes` after they had
    /// passed `maxQueuedOutputBytes` (`isOutputFull`): requests may be taken again.
    func outputDrained()
}

/// One accepted TCP connection of the client port on a `PollLoop`: reads into the loop's
/// buffer and hands the bytes to its delegate; buffers what is written and sends it in one
/// `send` when the loop flushes (`flush` asks for that at the end of the iteration). A reply
/// the socket cannot take at once waits for `POLLOUT`, in order. Loop thread only.
final class PollConnection: PollSocket {
    let descriptor: Int32
    let loop: PollLoop
    /// The peer's address and port.
    let remoteAddress: IPv4Address
    let remotePort: Int
    /// The handler; dropped when the connection ends (the two refer to each other till then).
    var delegate: (any PollConnectionDelegate)?
    private(set) var isOpen = true
    /// No reads while set (backpressure: the handler has too many replies waiting).
    var readingPaused = false
    private var outbound = ByteBuffer()
    private var flushQueued = false
    /// The last `send` could not take everything: the rest waits for `POLLOUT`.
    private var sendBlocked = false
    /// More than `PollLoopLimits.maxQueuedOutputBytes` wait to be sent: no reads, and the
    /// handler takes no more requests, until they are down to `resumeOutputBytes`.
    private(set) var isOutputFull = false
    /// No reads while set: the handler holds enough it cannot take yet (a session opening).
    var inputHeld = false
    /// Bytes handed to the socket since the connection opened (whether the peer takes any).
    private(set) var bytesSent: UInt64 = 0
    /// Bytes written and not yet handed to the socket.
    var bytesQueued: Int { outbound.readableBytes }
    /// Bytes the peer has taken: those handed to the socket, less what the kernel still holds
    /// for it (unsent or unacknowledged, `SIOCOUTQ`). Unlike `bytesSent` it moves whenever the
    /// peer reads, not only when the socket has room for a third of its buffer again.
    var bytesTaken: UInt64 {
        var held: Int32 = 0
        guard ioctl(descriptor, UInt(TIOCOUTQ), &held) == 0, held > 0 else { return bytesSent }
        return bytesSent &- UInt64(held)
    }
    /// `close` is sending what is left: nothing more is taken.
    private var closing = false

    init(descriptor: Int32, loop: PollLoop, remoteAddress: IPv4Address, remotePort: Int) {
        self.descriptor = descriptor
        self.loop = loop
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
    }

    var interest: Int16 {
        var events: Int16 = 0
        if !readingPaused, !isOutputFull, !inputHeld { events |= Int16(POLLIN) }
        if sendBlocked { events |= Int16(POLLOUT) }
        return events
    }

    /// Appends to what goes out at the next send.
    func write(_ buffer: ByteBuffer) {
        guard isOpen else { return }
        if outbound.readableBytes == 0 {
            outbound = buffer  // a reply written alone (a listing) is sent as it is, not copied
        } else {
            outbound.writeImmutableBuffer(buffer)
        }
        noteQueued()
    }

    func write(_ bytes: [UInt8]) {
        guard isOpen else { return }
        outbound.writeBytes(bytes)
        noteQueued()
    }

    private func noteQueued() {
        if outbound.readableBytes > PollLoopLimits.maxQueuedOutputBytes { isOutputFull = true }
    }

    /// What was written goes out at the end of this iteration of the loop.
    func flush() {
        guard isOpen, !flushQueued, !sendBlocked, outbound.readableBytes > 0 else { return }
        flushQueued = true
        loop.flushSoon(self)
    }

    /// Sends what was written, as far as the socket takes it now.
    func sendNow() {
        flushQueued = false
        guard isOpen else { return }
        while outbound.readableBytes > 0 {
            let sent = outbound.withUnsafeReadableBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                outbound.moveReaderIndex(forwardBy: sent)
                bytesSent &+= UInt64(sent)
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                sendBlocked = true
                if isOutputFull, outbound.readableBytes <= PollLoopLimits.resumeOutputBytes { resumeTakingRequests() }
                return
            default:
                return end(error: "send: \(String(cString: strerror(errno)))")
            }
        }
        sendBlocked = false
        if outbound.capacity > PollLoopLimits.readSize {
            outbound = ByteBuffer()  // a listing's megabyte is not kept for every connection
        } else {
            outbound.clear()
        }
        // Last: what the handler then writes goes into the emptied buffer.
        if isOutputFull { resumeTakingRequests() }
    }

    func ready(_ events: Int16) {
        if events & Int16(POLLOUT) != 0 { sendNow() }
        guard isOpen else { return }
        if readingPaused || isOutputFull || inputHeld {
            // Reads wait; a connection gone entirely (reset, both sides shut) ends now, or
            // `poll` would report it on every pass.
            if events & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { end(error: "the connection was lost") }
            return
        }
        guard events & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 else { return }
        let buffer = loop.readBuffer
        let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
        if count > 0 {
            delegate?.received(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            flush()
        } else if count == 0 {
            end(error: nil)
        } else if errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
            end(error: "recv: \(String(cString: strerror(errno)))")
        }
    }

    /// The queue is down to `resumeOutputBytes`: requests are read and taken again (the
    /// handler goes on with those it had read already; what it writes goes out at this pass).
    private func resumeTakingRequests() {
        isOutputFull = false
        guard !closing else { return }
        delegate?.outputDrained()
        flush()
    }

    /// Sends what it can of what was written, then closes; the delegate is told. Requests
    /// held back by a full queue are not taken now (`closing`).
    func close() {
        guard isOpen else { return }
        closing = true
        sendNow()
        end(error: nil)
    }

    private func end(error: String?) {
        guard isOpen else { return }
        isOpen = false
        _ = Glibc.close(descriptor)
        outbound = ByteBuffer()
        loop.unregistered()
        let delegate = self.delegate
        self.delegate = nil
        delegate?.ended(error: error)
    }
}

/// A connection as `ConnectionRegistry` flushes and closes it from another thread.
struct LoopConnection: RegisteredConnection {
    let connection: NIOLoopBound<PollConnection>

    init(_ connection: PollConnection) {
        self.connection = NIOLoopBound(connection, eventLoop: connection.loop)
    }

    func flushOnLoop() async {
        let connection = self.connection
        try? await connection.eventLoop.submit { connection.value.sendNow() }.get()
    }

    func closeOnLoop() async {
        let connection = self.connection
        try? await connection.eventLoop.submit { connection.value.close() }.get()
    }
}
