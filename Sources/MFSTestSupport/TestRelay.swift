import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on loopback in front of a master's client port, for the client's failure tests:
/// - `cutNextReply()`: the next bytes the master sends are dropped and that connection closed,
///   as when a network fails just after the master did a request;
/// - `silence()`: every connection relayed so far drops all bytes both ways without closing (no
///   FIN, no RST: what a client sees when the master's host dies);
/// - `switchUpstream(to:)`: new connections go to another master (a moved virtual IP).
public final class TestRelay: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var upstreamPort: Int
    private var generation = 0
    private var silencedBelow = 0
    private var sockets: [Int32] = []
    private var stopped = false
    private var armed = false
    public private(set) var cuts = 0
    public private(set) var connections = 0

    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// Drops the next bytes from the master and cuts that connection.
    public func cutNextReply() { lock.withLock { armed = true } }

    /// Every connection relayed so far goes silent (bytes dropped both ways, sockets open).
    public func silence() { lock.withLock { silencedBelow = generation } }

    /// New connections go to `port`.
    public func switchUpstream(to port: Int) { lock.withLock { upstreamPort = port } }

    public func stop() {
        let all = lock.withLock { () -> [Int32] in
            guard !stopped else { return [] }
            stopped = true
            return sockets + [listener]
        }
        for fd in all { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                break
            }
            let (port, number) = lock.withLock { () -> (Int, Int) in
                generation += 1
                return (upstreamPort, generation)
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(port))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            let keep = lock.withLock { () -> Bool in
                guard !stopped, connected else { return false }
                sockets += [client, upstream]
                connections += 1
                return true
            }
            guard keep else {
                close(client)
                close(upstream)
                continue
            }
            Thread { [self] in pump(from: client, to: upstream, number: number, fromMaster: false) }.start()
            Thread { [self] in pump(from: upstream, to: client, number: number, fromMaster: true) }.start()
        }
        close(listener)
    }

    /// Relays until either side closes (or a cut); a silenced connection's bytes are dropped
    /// and its sockets stay open until `stop()` (a dead host sends no FIN).
    private func pump(from source: Int32, to destination: Int32, number: Int, fromMaster: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        relay: while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            if lock.withLock({ number <= silencedBelow }) { continue }
            let cut =
                fromMaster
                && lock.withLock { () -> Bool in
                    guard armed else { return false }
                    armed = false
                    cuts += 1
                    return true
                }
            if cut { break }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break relay }
                offset += written
            }
        }
        if lock.withLock({ number > silencedBelow }) {
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(destination, Int32(SHUT_RDWR))
        }
    }
}
