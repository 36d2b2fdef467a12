import MooseWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP connection that reads MooseFS frames, with a timeout on connect and on every
/// send and receive: what a replication runs on a disk-pool thread (MooseFS's replicator works
/// the same way, 5 s each).
final class BlockingConnection {
    private let fd: Int32
    private var frames: MooseFrameDecoder
    let peer: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to `ipv4:port` within `timeout`.
    init(ipv4: UInt32, port: UInt16, timeout: Duration, maxFrame: Int) throws(Failure) {
        peer = "\(ipv4Text(ipv4)):\(port)"
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        frames = MooseFrameDecoder(maxPayloadLength: maxFrame)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = ipv4.bigEndian
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        // SO_SNDTIMEO also bounds a blocking connect on Linux.
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect to \(peer): \(reason)")
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "send to \(peer): \(n < 0 ? String(cString: strerror(errno)) : "closed")") }
            sent += n
        }
    }

    /// The next frame (NOPs included).
    func receive() throws(Failure) -> MooseFrame {
        var buffer = [UInt8](repeating: 0, count: 65_536 + 64)
        while true {
            do throws(MooseWireError) {
                if let frame = try frames.next() { return frame }
            } catch {
                throw Failure(description: "from \(peer): \(error)")
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = n == 0 ? "connection closed" : (errno == EAGAIN ? "timed out" : String(cString: strerror(errno)))
                throw Failure(description: "receive from \(peer): \(reason)")
            }
            frames.append(buffer[..<n])
        }
    }
}
