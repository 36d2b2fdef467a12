import MFSCore
import MFSNet
import MooseWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking connection to a chunkserver's data port (9422), MooseFS 3.0 frames: one per
/// chunk transfer, on the thread that does it.
final class DataSocket {
    let server: ChunkserverAddress
    private let socket: BlockingSocket
    /// Received bytes, reused for the connection's life: the socket reads straight into its
    /// free tail and frames are decoded in place (`DataPortBulk`); a read's READ_DATA bytes are
    /// lent from here to whoever takes them (`receive(timeout:expecting:pieces:)`), not copied.
    private let buffer: UnsafeMutableRawBufferPointer
    /// The first byte not yet decoded, and the end of the received bytes.
    private var start = 0
    private var end = 0
    /// After a bad frame the stream's framing is lost: every later call throws this.
    private var failure: DataPathError?
    /// The receive buffer's size: room for several whole frames per `recv`.
    static let bufferSize = 1 << 20

    init(_ server: ChunkserverAddress, timeout: Double) throws(DataPathError) {
        self.server = server
        do throws(SocketError) {
            socket = try BlockingSocket(host: Self.dotted(server.ip), port: Int(server.port), timeout: timeout)
        } catch {
            throw .connection(error.description)
        }
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func close() { socket.close() }

    func send(_ bytes: [UInt8], timeout: Double) throws(DataPathError) {
        do throws(SocketError) { try socket.send(bytes, timeout: timeout) } catch { throw .connection(error.description) }
    }

    /// The most bytes a read lets queue in the kernel before it wakes (SO_RCVLOWAT): one
    /// wake-up and one `recv` per this many bytes instead of per segment or two (a streaming
    /// read got about 100 KiB per `recv`, issue #12).
    static let lowWaterMax = 256 * 1_024
    /// How long a wait for `lowWaterMax` bytes lasts before it takes what is there (the socket
    /// is non-blocking, so a read returns it whatever the low-water mark): a short answer (an
    /// error status) may be all that comes, and a slow sender is not waited for longer.
    static let lowWaterWait = 0.002

    /// The next reply that is not a NOP, waiting at most `timeout` seconds for each frame.
    /// `expecting`: bytes certain to come before the reply is whole (a read's data not yet
    /// received), so the wait may let that many queue first.
    func receive(timeout: Double, expecting: Int = 0) throws(DataPathError) -> DataPortReply {
        try receive(timeout: timeout, expecting: { expecting }, lends: false) { _ in }
    }

    /// The next reply that is not a NOP or a well-formed READ_DATA, as `receive(timeout:expecting:)`;
    /// each well-formed READ_DATA before it is lent to `piece` in place, its bytes still in
    /// this socket's buffer (valid only during the call), so a read's data is copied once in
    /// user space, by the kernel into the buffer, instead of twice. `expecting` is asked
    /// before each wait, as the pieces handed on change it.
    func receive(
        timeout: Double, expecting: () -> Int, pieces piece: (ReadDataView) throws(DataPathError) -> Void
    ) throws(DataPathError) -> DataPortReply {
        try receive(timeout: timeout, expecting: expecting, lends: true, piece)
    }

    private func receive(
        timeout: Double, expecting: () -> Int, lends: Bool, _ piece: (ReadDataView) throws(DataPathError) -> Void
    ) throws(DataPathError) -> DataPortReply {
        while true {
            if let reply = try decoded(lends: lends, piece) {
                if case .nop = reply { continue }
                return reply
            }
            let batch = min(Self.lowWaterMax, expecting() - (end - start))
            if batch > 1 {
                socket.setReceiveLowWater(batch)
                _ = socket.wait(for: Int16(POLLIN), seconds: Self.lowWaterWait)
                if try fill() > 0 { continue }
            }
            socket.setReceiveLowWater(1)
            guard socket.wait(for: Int16(POLLIN), seconds: timeout) else {
                throw .connection("chunkserver \(server) sent nothing for \(Int(timeout * 1000)) ms")
            }
            try fill()
        }
    }

    /// A reply already here or readable at once (NOPs skipped); nil when none is.
    func receiveNow() throws(DataPathError) -> DataPortReply? {
        while true {
            if let reply = try decoded(lends: false, { _ in }) {
                if case .nop = reply { continue }
                return reply
            }
            guard socket.wait(for: Int16(POLLIN), seconds: 0) else { return nil }
            try fill()
        }
    }

    /// The next whole frame in the buffer, decoded; nil until more bytes arrive. When it `lends`,
    /// the well-formed READ_DATA frames before it are lent to `piece` instead (and an error it
    /// throws is rethrown). The announced length is checked against
    /// `MooseWireLimits.dataPortFrame` as soon as the header is in.
    private func decoded(lends: Bool, _ piece: (ReadDataView) throws(DataPathError) -> Void) throws(DataPathError) -> DataPortReply? {
        while true {
            if let failure { throw failure }
            let header = MooseWireLimits.frameHeaderLength
            guard end - start >= header else { return nil }
            let (type, length) = DataPortBulk.frameHeader(UnsafeRawBufferPointer(rebasing: buffer[start..<start + header]))
            guard length <= MooseWireLimits.dataPortFrame else {
                try fail("\(MooseWireError.lengthTooLarge(length: UInt32(length), limit: MooseWireLimits.dataPortFrame))")
            }
            guard end - start >= header + length else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[start + header..<start + header + length])
            start += header + length
            if lends, type == .cstoclReadData, let view = DataPortBulk.readDataView(payload) {
                // Lent before the next `fill`, which is the only thing that moves these bytes.
                try piece(view)
                continue
            }
            do throws(MooseWireError) {
                return try DataPortBulk.decodeReply(type: type, payload: payload)
            } catch {
                try fail("\(error)")
            }
        }
    }

    private func fail(_ reason: String) throws(DataPathError) -> Never {
        let error = DataPathError.protocolViolation(server, reason)
        failure = error
        throw error
    }

    /// Reads what the socket has into the buffer's free tail, first moving the undecoded bytes
    /// to the front when the tail has less room than a whole frame; returns the bytes read.
    @discardableResult
    private func fill() throws(DataPathError) -> Int {
        if start == end {
            start = 0
            end = 0
        } else if buffer.count - end < MooseWireLimits.frameHeaderLength + MooseWireLimits.dataPortFrame {
            let kept = end - start
            memmove(buffer.baseAddress!, buffer.baseAddress! + start, kept)
            start = 0
            end = kept
        }
        do throws(SocketError) {
            let received = try socket.receive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            end += received
            return received
        } catch {
            throw .connection(error.description)
        }
    }

    static func dotted(_ ip: UInt32) -> String { "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF)" }
}
