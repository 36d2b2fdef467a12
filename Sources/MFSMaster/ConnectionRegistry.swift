import Logging
import MFSStorage
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The open connections of one port (client or peer), so that a stopping master can close
/// them all before its last dump (no change may come after it), and a demoted one can drop
/// its peers. Accepts none once stopping.
final class ConnectionRegistry: Sendable {
    /// `nil` once stopping.
    private let open = Mutex<[ObjectIdentifier: any RegisteredConnection]?>([:])

    /// Records an open connection; false once stopping (the caller closes it).
    func opened(_ connection: any RegisteredConnection, by owner: ObjectIdentifier) -> Bool {
        open.withLock { open in
            guard open != nil else { return false }
            open?[owner] = connection
            return true
        }
    }

    func opened(_ channel: any Channel, by owner: ObjectIdentifier) -> Bool { opened(ChannelConnection(channel: channel), by: owner) }

    func closed(by connection: ObjectIdentifier) { open.withLock { _ = $0?.removeValue(forKey: connection) } }

    /// Returns once every connection open now has flushed on its event loop, after whatever
    /// that loop was running when this was called. A reply a handler wrote before (released
    /// before a fence) is then handed to the socket; a connection opened later has made no
    /// change before the call.
    func flushAll() async {
        let connections = open.withLock { Array(($0 ?? [:]).values) }
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.flushOnLoop() } }
        }
    }

    /// Closes every connection open now and returns once each has finished closing (its
    /// handler told). `stopping`: none is accepted after.
    func closeAll(stopping: Bool) async {
        let connections = open.withLock { open in
            defer { if stopping { open = nil } }
            return Array((open ?? [:]).values)
        }
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.closeOnLoop() } }
        }
    }

    /// Runs a port's accept loop (`serve`) until it returns or throws, then closes every
    /// connection (`stopping`) before returning or rethrowing: no change follows the last dump.
    func closingAll(after serve: () async throws -> Void) async throws {
        var failure: (any Error)?
        do {
            try await serve()
        } catch {
            failure = error
        }
        await closeAll(stopping: true)
        if let failure { throw failure }
    }
}

/// How many of something a port has open at once, against its limit: its connections, the
/// peer port's metadata downloads.
final class LimitedCount: Sendable {
    let limit: Int
    private let count = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Open now.
    var current: Int { count.load(ordering: .relaxed) }

    /// Counts one more; false when that is past the limit. It stays counted all the same: the
    /// caller closes it, and `remove`s it when it ends, as any other.
    func add() -> Bool { count.add(1, ordering: .relaxed).newValue <= limit }

    /// Counts one more only when that stays within the limit.
    func addWithinLimit() -> Bool {
        guard add() else {
            remove()
            return false
        }
        return true
    }

    func remove() { count.subtract(1, ordering: .relaxed) }
}

/// A connection as `ConnectionRegistry` flushes and closes it from any thread, whatever loop
/// it runs on (NIO's for the peer port, the client port's `PollLoop`).
protocol RegisteredConnection: Sendable {
    /// Hands what was written to the socket, after whatever its loop runs now.
    func flushOnLoop() async
    /// Closes it and returns once it has ended (its handler told).
    func closeOnLoop() async
}

struct ChannelConnection: RegisteredConnection {
    let channel: any Channel

    func flushOnLoop() async {
        let channel = self.channel
        try? await channel.eventLoop.submit { channel.flush() }.get()
    }

    func closeOnLoop() async {
        try? await channel.close()
        try? await channel.closeFuture.get()
    }
}

extension ListenFailed {
    /// Runs `bind`, turning its error into a `ListenFailed` that names the port and its keys.
    static func naming<T>(_ port: String, host: String, _ number: Int, keys: String, _ bind: () async throws -> T) async throws -> T {
        do {
            return try await bind()
        } catch {
            throw ListenFailed(port, host: host, number, keys: keys, errno: (error as? IOError)?.errnoCode, error: error)
        }
    }
}

/// A TCP port of the master: binds, logs "`port` listening" with `address=HOST:PORT` (tests
/// and scripts read the port from that line), runs each connection through a new
/// `handler()`, and serves until the task is cancelled or the listening socket fails. Then
/// (stopping or failed) every connection in `connections` is closed before it returns or
/// rethrows, so no change follows the last dump. `bound` gets the port (0 picks one); a bind
/// that fails throws `ListenFailed` naming `port` and the configuration `keys`.
func serveConnections(
    host: String, port: Int, backlog: Int32? = nil, name: String, keys: String, logger: Logger, connections: ConnectionRegistry,
    bound: (Int) -> Void, handler: @escaping @Sendable () -> any ChannelHandler
) async throws {
    var bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    if let backlog { bootstrap = bootstrap.serverChannelOption(.backlog, value: backlog) }
    let server = try await ListenFailed.naming(name, host: host, port, keys: keys) {
        try await bootstrap
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler()) }
            }
            .bind(host: host, port: port).get()
    }
    let actualPort = server.localAddress?.port ?? port
    bound(actualPort)
    logger.info("\(name) listening", metadata: ["address": "\(host):\(actualPort)"])
    try await connections.closingAll {
        try await withTaskCancellationHandler {
            try await server.closeFuture.get()
        } onCancel: {
            server.close(promise: nil)
        }
    }
}

/// Warnings about bad connections, at most a number per second: the first one logged after
/// some were dropped says how many (a flood of bad input cannot flood the log).
final class ConnectionWarnings: Sendable {
    private let state = Mutex<(second: Int, logged: Int, suppressed: Int)>((0, 0, 0))

    func warn(_ logger: Logger, _ message: Logger.Message, _ metadata: Logger.Metadata, perSecond: Int) {
        let now = Int(time(nil))
        let suppressed: Int? = state.withLock { state in
            if state.second != now { state = (now, 0, state.suppressed) }
            guard state.logged < perSecond else {
                state.suppressed += 1
                return nil
            }
            state.logged += 1
            defer { state.suppressed = 0 }
            return state.suppressed
        }
        guard let suppressed else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressedBefore"] = "\(suppressed)" }
        logger.warning(message, metadata: metadata)
    }
}
