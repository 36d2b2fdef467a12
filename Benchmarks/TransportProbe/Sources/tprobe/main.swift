// What a request costs the transport alone (docs/BENCHMARKS-METADATA.md): frames of
// (type:32 BE, length:32 BE, payload), each answered with a 100-byte reply, nothing else done.
// `tprobe nio PORT` serves with SwiftNIO as the master's client port did (one inbound handler
// that buffers and splits frames, writes each reply, flushes at read complete); `tprobe poll
// PORT` with a plain poll loop on one thread, as MooseFS's master serves. run.sh drives both
// with client.c (one connection, one request in flight) and reads the server's CPU time.
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

let reply = [UInt8](repeating: 7, count: 100)

@inline(__always) func frameLength(_ p: [UInt8], _ s: Int) -> Int {
    let a = Int(p[s + 4]) << 24
    let b = Int(p[s + 5]) << 16
    let c = Int(p[s + 6]) << 8
    return a | b | c | Int(p[s + 7])
}

final class Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var pending: [UInt8] = []
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        pending.append(contentsOf: buffer.readableBytesView)
        var start = 0
        while pending.count - start >= 8 {
            let length = frameLength(pending, start)
            guard pending.count - start >= 8 + length else { break }
            start += 8 + length
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
        }
        pending.removeFirst(start)
    }
    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
}

func serveNIO(_ port: Int) throws {
    let group = MultiThreadedEventLoopGroup.singleton
    let channel = try ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Handler()) } }
        .bind(host: "127.0.0.1", port: port).wait()
    try channel.closeFuture.wait()
}

func servePoll(_ port: Int) {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, 4)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, 16) } }
    listen(listener, 128)
    // A poll loop, as MooseFS's master runs (one thread, poll over every descriptor).
    var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
    var buffers: [Int32: [UInt8]] = [:]
    var input = [UInt8](repeating: 0, count: 65536)
    var out: [UInt8] = []
    while true {
        let n = poll(&fds, nfds_t(fds.count), -1)
        if n <= 0 { continue }
        var added: [Int32] = []
        for i in 0..<fds.count where fds[i].revents != 0 {
            let fd = fds[i].fd
            if fd == listener {
                let c = accept(listener, nil, nil)
                setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, 4)
                added.append(c)
                buffers[c] = []
                continue
            }
            let got = input.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got <= 0 { close(fd); buffers[fd] = nil; fds[i].fd = -1; continue }
            var pending = buffers[fd]!
            pending.append(contentsOf: input[0..<got])
            var start = 0
            out.removeAll(keepingCapacity: true)
            while pending.count - start >= 8 {
                let length = frameLength(pending, start)
                guard pending.count - start >= 8 + length else { break }
                start += 8 + length
                out.append(contentsOf: reply)
            }
            pending.removeFirst(start)
            buffers[fd] = pending
            _ = out.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        fds.removeAll { $0.fd < 0 }
        for c in added { fds.append(pollfd(fd: c, events: Int16(POLLIN), revents: 0)) }
    }
}

let args = CommandLine.arguments
let port = Int(args[2])!
if args[1] == "nio" { try serveNIO(port) } else { servePoll(port) }
