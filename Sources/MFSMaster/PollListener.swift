import Logging
import MFSConfig
import MFSStorage
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A listening TCP socket on a `PollLoop`: accepts each connection (non-blocking,
/// `TCP_NODELAY`) and hands it to `accepted` on the loop. Created on any thread by `bind`,
/// then touched only on the loop (`start`, `stop`).
final class PollListener: PollSocket, @unchecked Sendable {
    let descriptor: Int32
    /// The port bound (the one asked for, or the one the system picked for 0).
    let port: Int
    let loop: PollLoop
    private let logger: Logger
    private let name: String
    private let accepted: (PollConnection) -> Void
    private let ending = ListenerEnd()
    private(set) var isOpen = true
    /// Out of descriptors: accepting waits until then (else `poll` reports the queue forever).
    private var pausedUntil: NIODeadline?
    /// Out of descriptors, every pause would warn again: at most once a second.
    private let warnings = ConnectionWarnings()

    /// Binds `host:port` (an IPv4 address, or a name resolved to one), listening with
    /// `backlog`; a failure is a `ListenFailed` naming the port's `name` and its `keys`.
    init(
        host: String, port: Int, backlog: Int32, name: String, keys: String, loop: PollLoop, logger: Logger,
        accepted: @escaping (PollConnection) -> Void
    ) throws {
        func failed(_ code: Int32?, _ why: String) -> ListenFailed {
            ListenFailed(name, host: host, port, keys: keys, errno: code, error: ListenerError(reason: why))
        }
        // An address or a name alike (getaddrinfo takes both), IPv4 as the exports are.
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let resolved = found else {
            throw failed(nil, "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(resolved) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failed(errno, "socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, resolved.pointee.ai_addr, resolved.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw failed(code, "bind")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.descriptor = fd
        self.port = Int(UInt16(bigEndian: local.sin_port))
        self.loop = loop
        self.logger = logger
        self.name = name
        self.accepted = accepted
    }

    var interest: Int16 { pausedUntil == nil ? Int16(POLLIN) : 0 }

    /// Accepts from the next iteration of the loop on.
    func start() {
        loop.execute { self.loop.register(self) }
    }

    /// Stops accepting (connections accepted stay); `run` returns.
    func stop() {
        loop.execute { self.end(nil) }
    }

    /// Returns when the listener stops (`stop`), or throws what ended it.
    func run() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { ending.wait($0) }
        } onCancel: {
            stop()
        }
    }

    func ready(_ events: Int16) {
        for _ in 0..<PollListenerLimits.acceptsPerPass {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(descriptor, $0, &length)
                }
            }
            guard fd >= 0 else {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    let reason = String(cString: strerror(errno))
                    warnings.warn(
                        logger,
                        "\(name) cannot accept a connection: \(reason); accepting again in \(PollListenerLimits.acceptPauseMilliseconds) ms",
                        [:], perSecond: 1)
                    let until = NIODeadline.now() + .milliseconds(PollListenerLimits.acceptPauseMilliseconds)
                    pausedUntil = until
                    loop.scheduleTask(deadline: until) { self.pausedUntil = nil }
                    return
                default:
                    return end(ListenerError(reason: "accept: \(String(cString: strerror(errno)))"))
                }
            }
            setNonBlocking(fd)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let connection = PollConnection(
                descriptor: fd, loop: loop, remoteAddress: IPv4Address(rawValue: UInt32(bigEndian: address.sin_addr.s_addr)),
                remotePort: Int(UInt16(bigEndian: address.sin_port)))
            loop.register(connection)
            accepted(connection)
        }
    }

    private func end(_ error: (any Error)?) {
        guard isOpen else { return }
        isOpen = false
        _ = Glibc.close(descriptor)
        loop.unregistered()
        ending.finish(error)
    }
}

/// Named limits of a listener on the poll loop.
enum PollListenerLimits {
    /// Connections accepted in one pass of the loop (the rest in the next).
    static let acceptsPerPass = 64
    /// How long a listener out of descriptors waits before accepting again.
    static let acceptPauseMilliseconds: Int64 = 100
}

struct ListenerError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// How a listener's `run` learns that it ended, whichever comes first: the end or the wait.
private final class ListenerEnd: Sendable {
    private enum State {
        case running(CheckedContinuation<Void, any Error>?)
        case ended((any Error)?)
    }
    private let state = Mutex(State.running(nil))

    func wait(_ continuation: CheckedContinuation<Void, any Error>) {
        let ended: (any Error)?? = state.withLock { state in
            switch state {
            case .running:
                state = .running(continuation)
                return nil
            case .ended(let error): return .some(error)
            }
        }
        guard let ended else { return }
        if let error = ended { continuation.resume(throwing: error) } else { continuation.resume() }
    }

    func finish(_ error: (any Error)?) {
        let waiting: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard case .running(let continuation) = state else { return nil }
            state = .ended(error)
            return continuation
        }
        if let error { waiting?.resume(throwing: error) } else { waiting?.resume() }
    }
}
