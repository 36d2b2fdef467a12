import MFSConfig
import MFSCore
import MFSWire
import NIOCore
import NIOPosix

/// Noticing a failover behind a silent connection (issue #11, DESIGN §7): when the active
/// master's host dies without a FIN, the client's connection stays open and its requests wait;
/// TCP would retransmit them (0.2, 0.4, 0.8 s, …) long after the virtual IP moved to the new
/// active master, whose kernel would answer a new connection at once. So while a request has
/// waited `ClientOptions.probeAfter` without a reply, the client asks, on a fresh connection to
/// the same address, who answers there (`PeerRole.probe`: a hello reply, no session). An active
/// master of this cluster at a newer epoch than the connection's means the master changed: the
/// old connection is dropped and the usual reconnect resumes the session there and sends the
/// waiting requests again with their ids. The same master answering (it is only slow) changes
/// nothing. One probe starts at most every `probeAfter` while requests wait, and at most
/// `ClientOptions.maxProbes` run at once: each may take up to `probeTimeout` (a loaded master
/// answers late), its connect up to `probeConnectTimeout` (an address no one holds yet does not
/// answer at all), while the next one started after the virtual IP moved is answered at once.
extension MasterClient {
    /// Starts a probe when a request has waited `probeAfter` on `link` and none is running.
    func probeIfStalled(_ link: Link, now: ContinuousClock.Instant) {
        let start = state.withLock { state -> ClusterPin? in
            guard state.probes < options.maxProbes, state.lastProbe.map({ $0.advanced(by: options.probeAfter) <= now }) ?? true,
                state.table.stalled(now: now, timeout: options.probeAfter)
            else { return nil }
            state.probes += 1
            state.lastProbe = now
            return state.pin
        }
        guard let pin = start else { return }
        Task {
            let reply = await Self.probe(
                link.address, pin: pin, connectTimeout: options.probeConnectTimeout, timeout: options.probeTimeout)
            let changed = state.withLock { state -> Bool in
                state.probes -= 1
                guard case .connected(let current) = state.link, current.number == link.number, let reply else { return false }
                return reply.role == .active && reply.metaID == pin.metaID && reply.epoch > pin.epoch
            }
            if changed, let reply {
                close(
                    link,
                    .lost(
                        "a new active master answers at \(link.address) (epoch \(reply.epoch), this connection's is \(pin.epoch)): "
                            + "the master changed behind a silent connection"))
            }
        }
    }

    /// Who answers at `address` within `timeout` (its connect within `connectTimeout`): its
    /// hello reply, or nil.
    static func probe(_ address: HostPort, pin: ClusterPin, connectTimeout: Duration, timeout: Duration) async -> HelloReply? {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let answered = eventLoop.makePromise(of: HelloReply.self)
        let hello = Hello(role: .probe, metaID: pin.metaID, epoch: pin.epoch).encode()
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(min(connectTimeout, timeout).nanoseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProbeHandler(hello: hello, answered: answered))
                }
            }
        let deadline = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            answered.fail(ChannelError.connectTimeout(.nanoseconds(timeout.nanoseconds)))
        }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: Int(address.port(or: ClientOptions.defaultPort))).get()
        } catch {
            answered.fail(error)
            return nil
        }
        defer { channel.close(promise: nil) }
        return try? await answered.futureResult.get()
    }
}

/// The probe's connection: sends the hello, takes the first frame as the master's reply.
private final class ProbeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var frames = FrameDecoder()
    private let hello: [UInt8]
    private let answered: EventLoopPromise<HelloReply>

    init(hello: [UInt8], answered: EventLoopPromise<HelloReply>) {
        self.hello = hello
        self.answered = answered
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: hello)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data).readableBytesView)
        do throws(WireError) {
            if let frame = try frames.next() {
                answered.succeed(try HelloReply.decode(frame))
                context.close(promise: nil)
            }
        } catch {
            answered.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        answered.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answered.fail(error)
        context.close(promise: nil)
    }
}
