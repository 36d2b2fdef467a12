import Foundation
import MFSConfig
import MFSCore
import MFSMetadata
import MFSTestSupport
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client connection that speaks raw frames, so tests can send exactly the bytes
/// they mean (including wrong ones) and see exactly what comes back.
final class WireConnection: @unchecked Sendable {
    let fd: Int32
    private var frames = FrameDecoder()
    private var nextID: UInt64 = 1

    struct Closed: Error {}

    /// Connects to `host:port`, from the loopback address `source` when given (127.0.0.2 is
    /// another client address on the same host).
    init(port: Int, host: String = "127.0.0.1", source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw POSIXError(.EADDRNOTAVAIL)
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends bytes; false once the master has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// The next frame, or nil when the master closed the connection.
    func receive() throws -> Frame? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let frame = try frames.next() { return frame }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return nil }
            if n < 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            frames.append(buffer[0..<n])
        }
    }

    /// How long `receive` waits for bytes before it throws `EAGAIN`.
    func setTimeout(_ seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Every whole frame already received, without waiting for more.
    func framesNow() throws -> [Frame] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { break }
            frames.append(buffer[0..<n])
        }
        var all: [Frame] = []
        while let frame = try frames.next() { all.append(frame) }
        return all
    }

    /// True when the master closes the connection (reading whatever it sent first).
    func isClosedByMaster() -> Bool {
        while true {
            do {
                guard try receive() != nil else { return true }
            } catch let error as POSIXError where error.code == .EAGAIN {
                return false  // still open after the receive timeout
            } catch {
                return true
            }
        }
    }

    /// Hello and session; returns the hello reply and the session reply.
    func handshake(
        mountPath: String = "/", metaID: MetaID = .unknown, epoch: Epoch = .zero, resume: SessionID? = nil,
        password: String? = nil
    ) throws -> (HelloReply, SessionReply) {
        let hello = Hello(
            role: .client, metaID: metaID, epoch: epoch,
            client: ClientHello(clientVersion: "test", mountPath: mountPath, resumeSession: resume))
        send(hello.encode())
        guard let replyFrame = try receive() else { throw Closed() }
        let reply = try HelloReply.decode(replyFrame)
        if !reply.challenge.isEmpty {
            let response = passwordResponse(secretDigest: passwordDigest(password ?? ""), challenge: reply.challenge)
            send(AuthResponse(response: response).encode())
        }
        guard let sessionFrame = try receive() else { throw Closed() }
        return (reply, try SessionReply.decode(sessionFrame))
    }

    /// A session or a failed test.
    func open(mountPath: String = "/", resume: SessionID? = nil, password: String? = nil) throws -> SessionGrant {
        let (_, session) = try handshake(mountPath: mountPath, resume: resume, password: password)
        guard case .established(let grant) = session else { throw Refused(reply: session) }
        return grant
    }

    struct Refused: Error { var reply: SessionReply }

    func newID() -> RequestID {
        defer { nextID += 1 }
        return RequestID(nextID)
    }

    /// Sends one request and waits for its reply.
    func call(_ request: ClientRequest) throws -> MasterReply {
        send(request.encode())
        guard let frame = try receive() else { throw Closed() }
        return try MasterReply.decode(frame)
    }
}

/// The caller of most test requests: root, which the test exports leave unmapped.
let rootCaller = Credentials(uid: 0, gid: 0)

extension MasterReply {
    /// The status of a `.status` reply, `.ok` for any other.
    var wireStatus: WireStatus {
        if case .status(_, let status, _) = self { return status }
        return .ok
    }
}

extension MasterProcess {
    /// A raw-frame connection to the client port.
    func connect() throws -> WireConnection { try WireConnection(port: clientPort) }
}
