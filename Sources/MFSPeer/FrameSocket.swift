import Foundation
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// Why a peer connection to the master ended or could not start.
public struct LinkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP connection that sends and receives whole frames, with deadlines. A peer
/// (metalogger, follower) has one connection and one thread: read what came, store it, fsync,
/// acknowledge; no event loop needed.
public final class FrameSocket {
    private var fd: Int32
    private var frames = FrameDecoder()
    public let address: String

    /// Connects to `host:port` within `timeout` seconds.
    public init(host: String, port: Int, timeout: Double) throws(LinkError) {
        address = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw LinkError("\(host): not an IPv4 address or a host name that resolves")
        }
        defer { freeaddrinfo(result) }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw LinkError("socket: \(String(cString: strerror(errno)))") }
        if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                close()
                throw LinkError("cannot connect to \(address): \(reason)")
            }
            guard wait(for: Int16(POLLOUT), seconds: timeout) else {
                close()
                throw LinkError("cannot connect to \(address): no answer within \(Int(timeout * 1000)) ms")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close()
                throw LinkError("cannot connect to \(address): \(String(cString: strerror(error)))")
            }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func wait(for events: Int16, seconds: Double) -> Bool {
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
    public func send(_ bytes: [UInt8], timeout: Double = 10) throws(LinkError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
            } else if n < 0, errno == EAGAIN || errno == EINTR {
                guard wait(for: Int16(POLLOUT), seconds: timeout) else { throw LinkError("\(address): send timed out") }
            } else {
                throw LinkError("\(address): send failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The next frame, waiting at most `timeout` seconds; nil when none came in time.
    public func receive(timeout: Double) throws(LinkError) -> Frame? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do throws(WireError) {
                if let frame = try frames.next() { return frame }
            } catch {
                throw LinkError("\(address) sent a bad frame: \(error)")
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, wait(for: Int16(POLLIN), seconds: left) else { return nil }
            try fill()
        }
    }

    /// A frame already received or readable at once, without waiting.
    public func receiveNow() throws(LinkError) -> Frame? {
        do throws(WireError) {
            if let frame = try frames.next() { return frame }
        } catch {
            throw LinkError("\(address) sent a bad frame: \(error)")
        }
        guard wait(for: Int16(POLLIN), seconds: 0) else { return nil }
        try fill()
        do throws(WireError) { return try frames.next() } catch { throw LinkError("\(address) sent a bad frame: \(error)") }
    }

    private func fill() throws(LinkError) {
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            frames.append(buffer[0..<n])
        } else if n == 0 {
            throw LinkError("\(address) closed the connection")
        } else if errno != EAGAIN, errno != EINTR {
            throw LinkError("\(address): receive failed: \(String(cString: strerror(errno)))")
        }
    }
}
