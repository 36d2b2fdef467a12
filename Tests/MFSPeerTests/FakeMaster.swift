import Foundation
import MFSCore
import MFSWire
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why a fake master's script stopped.
struct FakeMasterError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A master that says exactly what a test scripts, bad input included: a blocking listener on
/// 127.0.0.1 (port 0) with one thread that takes connections one at a time and runs the script
/// on each. After the script, the connection is held (and what the peer sends is recorded)
/// until the peer closes it, the script closed it, or the test is over.
final class FakeMaster: Sendable {
    typealias Script = @Sendable (FakeConnection) throws -> Void

    let port: Int
    private let listener: Int32
    private let stopping = Atomic<Bool>(false)
    private let done = Atomic<Bool>(false)
    private let accepted = Mutex<[FakeConnection]>([])

    /// Listens on `port` (0: any free one) of 127.0.0.1.
    init(port: Int = 0, _ script: @escaping Script) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        precondition(fd >= 0, "socket: \(errno)")
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        precondition(bound, "cannot listen on 127.0.0.1: \(errno)")
        self.port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread { [self] in serve(script) }.start()
    }

    /// `host:port`, as the link names this master in its messages.
    var address: String { "127.0.0.1:\(port)" }
    var endpoint: (host: String, port: Int) { ("127.0.0.1", port) }
    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    /// Every connection taken so far, in order.
    var connections: [FakeConnection] { accepted.withLock { $0 } }

    /// Ends the script in progress (its next wait throws), closes the connection and the
    /// listener, and returns once the master's thread is done.
    func stop() {
        stopping.store(true, ordering: .releasing)
        while !done.load(ordering: .acquiring) { usleep(5_000) }
        Glibc.close(listener)
    }

    private func serve(_ script: Script) {
        var index = 0
        while !isStopping {
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 20) > 0 else { continue }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { continue }
            let connection = FakeConnection(fd: fd, index: index) { [self] in isStopping }
            index += 1
            accepted.withLock { $0.append(connection) }
            do { try script(connection) } catch { connection.note("script: \(error)") }
            connection.holdUntilClosed()
            connection.close()
        }
        done.store(true, ordering: .releasing)
    }
}

/// One connection of the fake master. The script uses it on the master's thread; the test reads
/// what it recorded (frames received, notes) from its own.
final class FakeConnection: @unchecked Sendable {
    /// 0 for the first connection the master took, 1 for the next...
    let index: Int
    private var fd: Int32
    private var frames = FrameDecoder()
    private let isStopping: @Sendable () -> Bool
    private let record = Mutex<(frames: [Frame], notes: [String], peerClosed: Bool)>(([], [], false))

    init(fd: Int32, index: Int, isStopping: @escaping @Sendable () -> Bool) {
        self.fd = fd
        self.index = index
        self.isStopping = isStopping
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Every frame the peer sent on this connection.
    var received: [Frame] { record.withLock { $0.frames } }
    var notes: [String] { record.withLock { $0.notes } }
    /// Whether the peer closed the connection (rather than the script or the end of the test).
    var peerClosed: Bool { record.withLock { $0.peerClosed } }
    var types: [MessageType] { received.map(\.type) }
    /// The versions of the peer's acknowledgements, in order.
    var acks: [UInt64] { received.filter { $0.type == PeerToMaster.ack }.compactMap { try? PeerAck.decode($0).version.rawValue } }
    var registers: [PeerRegister] { received.filter { $0.type == PeerToMaster.register }.compactMap { try? PeerRegister.decode($0) } }

    func note(_ text: String) { record.withLock { $0.notes.append(text) } }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends bytes as they are; throws once the peer is gone.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw FakeMasterError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// The next frame from the peer, nil when none came within `timeout`. Throws when the peer
    /// closed the connection or the test is over.
    func receive(timeout: Double) throws -> Frame? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let frame = try frames.next() {
                record.withLock { $0.frames.append(frame) }
                return frame
            }
            if isStopping() { throw FakeMasterError("the test is over") }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32((min(left, 0.02) * 1000).rounded(.up))) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                record.withLock { $0.peerClosed = true }
                throw FakeMasterError("the peer closed the connection")
            }
            frames.append(buffer[0..<n])
        }
    }

    /// The next frame, decoded as `M`.
    func expect<M: WireMessage>(_: M.Type, timeout: Double = 3) throws -> M {
        guard let frame = try receive(timeout: timeout) else { throw FakeMasterError("no \(M.self) within \(timeout) s") }
        return try M.decode(frame)
    }

    /// Reads the peer's hello and answers `reply`.
    @discardableResult
    func hello(_ reply: HelloReply) throws -> Hello {
        let hello = try expect(Hello.self)
        try send(reply.encode())
        return hello
    }

    /// Hello, reply, the peer's register, then `start`: the peer is past the handshake.
    @discardableResult
    func handshake(_ reply: HelloReply = Fixture.reply(), start: PeerStart) throws -> PeerRegister {
        try hello(reply)
        let register = try expect(PeerRegister.self)
        try send(start.encode())
        return register
    }

    /// Reads until the peer acknowledges `version` (or more).
    func waitForAck(_ version: UInt64, timeout: Double = 5) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            guard let frame = try receive(timeout: deadline.timeIntervalSinceNow) else { break }
            if frame.type == PeerToMaster.ack, let ack = try? PeerAck.decode(frame), ack.version.rawValue >= version { return }
        }
        throw FakeMasterError("no ack of \(version) within \(timeout) s; acks: \(acks)")
    }

    /// Records what the peer sends for `seconds`; throws if it closes the connection meanwhile.
    func idle(_ seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 { _ = try receive(timeout: deadline.timeIntervalSinceNow) }
    }

    /// Records what the peer sends until it closes the connection or the test is over.
    func holdUntilClosed(atMost seconds: Double = 30) {
        guard fd >= 0 else { return }
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            do { _ = try receive(timeout: deadline.timeIntervalSinceNow) } catch { return }
        }
    }
}
