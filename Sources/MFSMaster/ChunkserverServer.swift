import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MooseWire
import NIOCore
import NIOPosix
import Synchronization

/// Named limits of the chunkserver port.
public enum ChunkserverServerLimits {
    /// Chunkserver connections at once (MooseFS's `MAXCSCOUNT`); more are closed at accept.
    public static let maxConnections = 10_000
    /// Warnings about bad chunkserver connections logged per second at most.
    public static let warningsPerSecond = 20
    /// The shortest timeout a chunkserver may ask for (MooseFS kills a link asking for less).
    public static let minTimeoutSeconds: UInt16 = 10
}

/// What every chunkserver connection shares.
public final class ChunkserverServerContext: Sendable {
    public let hub: ChunkHub
    let roles: RoleBox
    let authCode: String?
    let logger: Logger
    /// Called when a chunkserver tells of an epoch above this master's: it is stale (DESIGN §7.6).
    let fence: @Sendable (String) -> Void
    let openConnections = ConnectionRegistry()
    /// Connections open now (`ChunkserverServerLimits.maxConnections`).
    let connectionCount = LimitedCount(limit: ChunkserverServerLimits.maxConnections)
    private let warnings = ConnectionWarnings()

    /// Serves port 9420 (MooseFS 3.0.117's protocol through MooseWire) on `host:port` until the
    /// task is cancelled.
    public func serve(host: String, port: Int) async throws {
        try await serveConnections(
            host: host, port: port, backlog: 1_024, name: "chunkserver port", keys: "MATOCS_LISTEN_HOST, MATOCS_LISTEN_PORT",
            logger: logger,
            connections: openConnections, bound: { _ in }
        ) { ChunkserverConnectionHandler(context: self) }
    }

    public init(hub: ChunkHub, roles: RoleBox, authCode: String?, logger: Logger, fence: @escaping @Sendable (String) -> Void) {
        self.hub = hub
        self.roles = roles
        self.authCode = authCode
        self.logger = logger
        self.fence = fence
    }

    var service: MetadataService { hub.service }

    /// Logs a warning about one connection, at most `warningsPerSecond` a second.
    func warn(_ message: String, _ metadata: Logger.Metadata) {
        warnings.warn(logger, "\(message)", metadata, perSecond: ChunkserverServerLimits.warningsPerSecond)
    }

    /// The chunkserver id for a registration: the one it sent if the metadata knows it (moved
    /// to `address` if it changed), else the one recorded for `address`, else the lowest free
    /// one; a new or moved record goes through the changelog (`CHUNKSERVER`). Returns the id
    /// and the version to wait for before the chunkserver may be told it.
    func assignID(_ requested: ChunkserverID, at address: ChunkserverAddress) throws(MasterError) -> (ChunkserverID, MetaVersion) {
        try service.perform { (namespace: inout Namespace) throws(FSError) -> (ChunkserverID, ChangelogRecord?) in
            var id = requested
            if id == .none {
                guard let found = namespace.chunkserver(at: address) ?? namespace.freeChunkserverID else { throw .noSpace }
                id = found
            }
            if namespace.chunkservers[id] == address { return (id, nil) }
            // Another chunkserver's address (a second server on one address, or an id file
            // copied between hosts): refused, and the records stay as they are.
            if namespace.chunkserver(at: address) != nil { throw .exists }
            return (id, try namespace.setChunkserver(id, at: address, now: ClientServerContext.now()))
        }
    }

    /// The active master's IPv4 address for a redirect (ACK atype 1); 0 when unknown (the
    /// chunkserver then looks its MASTER_HOST up again).
    var activeMasterIPv4: UInt32 {
        guard let master = roles.current.1 else { return 0 }
        let host = master.split(separator: ":").dropLast().joined(separator: ":")
        return IPv4Address(host)?.rawValue ?? 0
    }
}

/// A chunkserver connection as the hub sends to it: from any thread.
final class ChannelLink: ChunkserverLink {
    let channel: any Channel
    let peer: String
    let context: ChunkserverServerContext

    init(channel: any Channel, peer: String, context: ChunkserverServerContext) {
        self.channel = channel
        self.peer = peer
        self.context = context
    }

    func send(_ bytes: [UInt8]) { channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil) }

    func close(_ reason: String) {
        context.warn("closing chunkserver connection", ["chunkserver": "\(peer)", "reason": "\(reason)"])
        channel.close(promise: nil)
    }
}
