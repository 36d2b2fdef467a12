import Logging
import MFSChunkStore
import MFSConfig
import MFSCore
import MooseWire
import NIOCore
import NIOPosix

/// The chunkserver's side of port 9420: connects to the master (MASTER_HOST, a name, a VIP or a
/// list tried in turn: the next entry after any connection that did not end registered),
/// registers, serves it until the connection is lost or refused, and
/// connects again after a backoff that starts at `ChunkserverLimits.reconnectMinimum` and doubles
/// to `reconnectMaximum` (reset by a registration), registering again with the full chunk list.
/// A redirect (ACK atype 1) is followed at once.
struct MasterLink: Sendable {
    let context: ChunkserverContext

    /// Where the next connection goes.
    private enum Target {
        case configured(Int)
        case redirected(host: String, port: UInt16, fallback: Int)
    }

    /// Runs until the task is cancelled.
    func run() async {
        let masters = context.settings.masters
        var target = Target.configured(0)
        var delay = ChunkserverLimits.reconnectMinimum
        while !Task.isCancelled {
            let (host, port, index) = address(of: target, masters)
            let outcome = await connectOnce(host: host, port: port)
            switch outcome.end {
            case .redirect(let ip, _): target = .redirected(host: ipv4Text(ip), port: port, fallback: index)
            // A master this chunkserver was registered with is tried again first (a blip);
            // one that ended the connection before the registration was done (a fenced master,
            // a follower that knows no leader, anything else) gives way to the next of the list.
            case .resolveAgain, .retry: target = .configured(outcome.registered ? index : (index + 1) % masters.count)
            case .refuseMaster: target = .configured((index + 1) % masters.count)
            case nil: target = .configured((index + 1) % masters.count)
            }
            if outcome.registered { delay = ChunkserverLimits.reconnectMinimum }
            if case .redirect = outcome.end { delay = ChunkserverLimits.reconnectMinimum }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, ChunkserverLimits.reconnectMaximum)
        }
    }

    private func address(of target: Target, _ masters: [HostPort]) -> (String, UInt16, Int) {
        switch target {
        case .configured(let index): (masters[index].host, masters[index].port ?? 9420, index)
        case .redirected(let host, let port, let fallback): (host, port, fallback)
        }
    }

    /// One connection, from connect to close: how it ended (nil: it was never made).
    private func connectOnce(host: String, port: UInt16) async -> (end: MasterLinkEnd?, registered: Bool) {
        let store = context.store
        let snapshot = try? await context.pool.runIfActive { (store.spaceTotals, store.chunks.map(\.listed), store.damagedChunks) }
        guard let snapshot else { return (nil, false) }
        let identity = context.memory.identity
        let settings = context.settings
        let setup = MasterSession.Setup(
            authCode: settings.authCode, labels: settings.labels,
            address: ChunkserverAddress(
                ip: settings.listenHost.flatMap(ipv4Number) ?? 0, port: UInt16(clamping: context.dataPort.load(ordering: .relaxed))),
            timeoutSeconds: settings.masterTimeoutSeconds, chunkserverID: identity.chunkserverID, metaID: identity.metaID,
            highestEpoch: context.memory.highestEpoch, storedEpoch: context.memory.storedEpoch, space: snapshot.0.report,
            chunks: snapshot.1, damaged: snapshot.2,
            chunksPerPacket: settings.chunksPerRegisterPacket)
        let loop = context.group.next()
        let ended = loop.makePromise(of: MasterConnectionHandler.Outcome.self)
        let context = self.context
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(ChunkserverLimits.masterConnectTimeout.milliseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        MasterConnectionHandler(context: context, session: MasterSession(setup), master: "\(host):\(port)", ended: ended))
                }
            }
        if let bind = settings.bindHost, let local = try? SocketAddress(ipAddress: bind, port: 0) { bootstrap = bootstrap.bind(to: local) }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: Int(port)).get()
        } catch {
            context.logger.warning("cannot connect to the master \(host):\(port): \(error)")
            ended.succeed(MasterConnectionHandler.Outcome(end: nil, registered: false))
            return (nil, false)
        }
        let outcome = await withTaskCancellationHandler {
            try? await ended.futureResult.get()
        } onCancel: {
            // A graceful stop: the handler says goodbye (register rver 63) and closes.
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(MasterConnectionHandler.Stop()) }
        }
        return (outcome?.end, outcome?.registered ?? false)
    }
}
