import MooseWire
import NIOCore
import NIOPosix

/// A second look at the master's address while the link's own probe waits (DESIGN §7, a silent
/// host death). The link's connection to a dead master's address learns nothing new: its probe
/// went into the void, and TCP retransmits it only after a backed-off timeout (0.2 s, 0.4 s,
/// ...), even once the virtual IP is on the new master. A new connection sends a new SYN: once
/// the address answers on a new connection (ANTOAN_GET_VERSION, answered at once by MooseFS's
/// master and ours) while the link's probe is still unanswered, the address has moved and the
/// link is dead; the link closes and registers with whoever holds the address now. A master that
/// is merely slow answers neither, and nothing happens.
enum SideProbe {
    /// Starts one side probe to `host:port` on `loop`; the future succeeds when the address
    /// answered, fails when it did not within `ChunkserverLimits.sideProbeTimeout`.
    static func start(host: String, port: Int, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let answered = loop.makePromise(of: Void.self)
        let timeout = loop.scheduleTask(in: .milliseconds(ChunkserverLimits.sideProbeTimeout.milliseconds)) {
            answered.fail(ChannelError.connectTimeout(.milliseconds(ChunkserverLimits.sideProbeTimeout.milliseconds)))
        }
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(ChunkserverLimits.masterConnectTimeout.milliseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(answered: answered)) }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel): answered.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure(let error): answered.fail(error)
                }
            }
        answered.futureResult.whenComplete { _ in timeout.cancel() }
        return answered.futureResult
    }

    /// Sends the version probe; any answer is an answer.
    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let answered: EventLoopPromise<Void>

        init(answered: EventLoopPromise<Void>) { self.answered = answered }

        func channelActive(context: ChannelHandlerContext) {
            let bytes = GetVersion().encode()
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) { answered.succeed(()) }

        func channelInactive(context: ChannelHandlerContext) { answered.fail(ChannelError.eof) }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            answered.fail(error)
            context.close(promise: nil)
        }
    }
}
