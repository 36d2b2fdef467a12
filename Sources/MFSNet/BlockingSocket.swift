import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a blocking connection could not be made or went wrong, in words for a log line.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP connection with deadlines, for code that owns a thread per connection (a
/// metalogger's link, a client's transfer of one chunk): connect within a time, send all,
/// wait for input, read what came. Framing is the caller's (`FrameSocket`, `DataSocket`).
public final class BlockingSocket {
    private var fd: Int32
    public let address: String
    /// The largest read `receiveSome` does at once.
    public static let readSize = 256 * 1024

    /// Connects to `host:port` (an IPv4 address or a name) within `timeout` seconds.
    public init(host: String, port: Int, timeout: Double) throws(SocketError) {
        address = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw SocketError("\(host): not an IPv4 address or a host name that resolves")
        }
        defer { freeaddrinfo(result) }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket: \(String(cString: strerror(errno)))") }
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                close()
                throw SocketError("cannot connect to \(address): \(reason)")
            }
            guard wait(for: Int16(POLLOUT), seconds: timeout) else {
                close()
                throw SocketError("cannot connect to \(address): no answer within \(Int(timeout * 1000)) ms")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close()
                throw SocketError("cannot connect to \(address): \(String(cString: strerror(error)))")
            }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// The SO_RCVLOWAT in force (1, the kernel's default, until set).
    private var lowWater = 1

    /// Sets SO_RCVLOWAT: from now on `wait(for: POLLIN)` returns only once `bytes` are queued
    /// (or the peer closed, or an error). A caller that knows that many will come saves a
    /// wake-up per segment. Set only when it changes.
    public func setReceiveLowWater(_ bytes: Int) {
        let bytes = max(1, bytes)
        guard bytes != lowWater, fd >= 0 else { return }
        var value = Int32(clamping: bytes)
        if setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 { lowWater = bytes }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// The descriptor, for `shutdown(2)` from another thread (-1 once closed): the owner must
    /// keep it from being closed meanwhile.
    public var descriptor: Int32 { fd }

    /// Whether `events` (POLLIN, POLLOUT) came within `seconds`; an error counts as ready (the
    /// next call then says what it is).
    public func wait(for events: Int16, seconds: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000).rounded(.up))
            let n = poll(&entry, 1, left)
            if n > 0 { return true }
            if n == 0 { return false }
            if errno != EINTR { return true }
        }
    }

    /// Sends all of `bytes` within `timeout` seconds.
    public func send(_ bytes: [UInt8], timeout: Double = 10) throws(SocketError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
            } else if n < 0, errno == EAGAIN || errno == EINTR {
                guard wait(for: Int16(POLLOUT), seconds: timeout) else { throw SocketError("\(address): send timed out") }
            } else {
                throw SocketError("\(address): send failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads what is there (at most `readSize` bytes) and hands it to `take`; nothing when
    /// nothing was ready. Throws when the peer closed or the read failed.
    public func receiveSome(_ take: (ArraySlice<UInt8>) -> Void) throws(SocketError) {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        let n = buffer.withUnsafeMutableBytes { (space) in Result { () throws(SocketError) in try receive(into: space) } }
        if try n.get() > 0 { take(buffer[0..<(try n.get())]) }
    }

    /// Reads what is there straight into `space` (no buffer of its own: a caller that reads a
    /// stream keeps one and reuses it) and returns the byte count, 0 when nothing was ready.
    /// Throws when the peer closed or the read failed.
    public func receive(into space: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        precondition(!space.isEmpty, "a receive into no space")
        let n = recv(fd, space.baseAddress, space.count, 0)
        if n > 0 { return n }
        if n == 0 { throw SocketError("\(address) closed the connection") }
        guard errno == EAGAIN || errno == EINTR else {
            throw SocketError("\(address): receive failed: \(String(cString: strerror(errno)))")
        }
        return 0
    }
}
