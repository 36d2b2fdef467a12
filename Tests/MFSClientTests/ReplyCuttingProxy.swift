import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay between a client and the master that can lose one reply: once `cutNextReply`
/// is called, the next bytes the master sends are dropped and both sides of that connection
/// closed, as when a network fails just after the master did a request.
final class ReplyCuttingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let upstreamPort: Int
    private let lock = NSLock()
    private var armed = false
    private var sockets: [Int32] = []
    private var stopped = false
    private(set) var cuts = 0
    private(set) var connections = 0

    init(upstreamPort: Int) throws {
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
    func cutNextReply() { lock.withLock { armed = true } }

    func stop() {
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
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(upstreamPort))
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
            let pair = Pair(client: client, upstream: upstream)
            Thread { [self] in pump(from: client, to: upstream, pair: pair, fromMaster: false) }.start()
            Thread { [self] in pump(from: upstream, to: client, pair: pair, fromMaster: true) }.start()
        }
        close(listener)
    }

    /// Both sockets of one relayed connection, closed when both directions are done.
    private final class Pair: @unchecked Sendable {
        let client: Int32
        let upstream: Int32
        private let lock = NSLock()
        private var running = 2
        init(client: Int32, upstream: Int32) { (self.client, self.upstream) = (client, upstream) }
        func finished() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
            let last = lock.withLock { () -> Bool in
                running -= 1
                return running == 0
            }
            if last {
                close(client)
                close(upstream)
            }
        }
    }

    private func pump(from source: Int32, to destination: Int32, pair: Pair, fromMaster: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        relay: while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            if fromMaster {
                let cut = lock.withLock { () -> Bool in
                    guard armed else { return false }
                    armed = false
                    cuts += 1
                    return true
                }
                if cut { break }
            }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes { send(destination, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break relay }
                offset += written
            }
        }
        lock.withLock { sockets.removeAll { $0 == source || $0 == destination } }
        pair.finished()
    }
}
