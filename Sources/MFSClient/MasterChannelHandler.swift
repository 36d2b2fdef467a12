import MFSCore
import MFSWire
import NIOCore

/// One connection to the master, on its event loop: cuts the byte stream into frames, runs
/// the `Handshake` and then hands each `MasterReply` to `onReply`. It makes no decisions of its
/// own: a frame that does not decode closes the connection, with the reason kept in `end` for
/// whoever watches the channel's close future.
final class MasterChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var frames = FrameDecoder()
    private var handshake: Handshake?
    private let established: EventLoopPromise<(SessionGrant, ClusterPin)>
    private let onReply: @Sendable (MasterReply) -> Void
    /// Why the connection closed, when this side knows (a decode error, a refused handshake).
    let end: LockedBox<ConnectionEnd?>

    init(
        handshake: Handshake, established: EventLoopPromise<(SessionGrant, ClusterPin)>,
        end: LockedBox<ConnectionEnd?>, onReply: @escaping @Sendable (MasterReply) -> Void
    ) {
        self.handshake = handshake
        self.established = established
        self.end = end
        self.onReply = onReply
    }

    func channelActive(context: ChannelHandlerContext) {
        if let handshake { send(handshake.helloFrame, context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data).readableBytesView)
        do throws(WireError) {
            while let frame = try frames.next() {
                guard context.channel.isActive else { return }
                if handshake != nil {
                    handshakeFrame(frame, context: context)
                } else {
                    onReply(try MasterReply.decode(frame))
                }
            }
        } catch {
            close(context, .violation(error.description), failure: .violation(error.description))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let reason = end.withLock { $0?.reason } ?? "the master closed the connection"
        established.fail(HandshakeFailure.passOver(reason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = connectionErrorText(error)
        close(context, .lost(reason), failure: .passOver(reason))
    }

    private func handshakeFrame(_ frame: Frame, context: ChannelHandlerContext) {
        guard var current = handshake else { return }
        let step = current.received(frame)
        handshake = current
        switch step {
        case .send(let bytes):
            send(bytes, context: context)
        case .wait:
            break
        case .established(let grant):
            handshake = nil
            established.succeed((grant, current.pin))
        case .failed(let failure):
            close(context, .lost(failure.reason), failure: failure)
        }
    }

    private func send(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func close(_ context: ChannelHandlerContext, _ reason: ConnectionEnd, failure: HandshakeFailure) {
        end.withLock { if $0 == nil { $0 = reason } }
        established.fail(failure)
        context.close(promise: nil)
    }
}
