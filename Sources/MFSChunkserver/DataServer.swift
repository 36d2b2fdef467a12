import MFSStorage
import NIOCore
import NIOPosix

/// The data port (9422): clients read and write chunks, other chunkservers forward writes and
/// fetch replicas. Each connection gets a `DataConnectionHandler`.
struct DataServer: Sendable {
    let context: ChunkserverContext

    /// Binds CSSERV_LISTEN_HOST:CSSERV_LISTEN_PORT; the channel, whose port is in the context.
    func bind() async throws -> any Channel {
        let context = self.context
        let host = context.settings.listenHost ?? "0.0.0.0"
        let bootstrap = ServerBootstrap(group: context.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2_048, maximum: ChunkserverLimits.dataReceiveBuffer)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DataConnectionHandler(context: context))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: context.settings.listenPort).get()
        } catch {
            throw ListenFailed(
                "data port", host: host, context.settings.listenPort, keys: "CSSERV_LISTEN_HOST, CSSERV_LISTEN_PORT",
                errno: (error as? IOError)?.errnoCode, error: error)
        }
        let port = channel.localAddress?.port ?? context.settings.listenPort
        context.dataPort.store(port, ordering: .relaxed)
        context.logger.notice("data port listening", metadata: ["address": "\(host):\(port)"])
        return channel
    }
}
