import Dispatch
import Logging
import MFSCore
import MFSMetadata
import MFSPeer
import MFSReplication
import MFSRestore
import MFSWire
import Synchronization

/// At start a master of an HA pair asks each of `MASTER_HOST` who it is (DESIGN §7.7); the role
/// machine (`RoleMachine.start`) decides from the answers.
extension MasterDaemon {
    /// Asks each of `MASTER_HOST` who it is, in order: each answer, nil where none came in time.
    /// `early`'s replies are used when they were asked as the loaded namespace would ask (same
    /// cluster and epoch); otherwise each is asked again.
    static func startReplies(_ settings: MasterSettings, namespace: Namespace, early: EarlyHello? = nil) -> [RoleMachine.StartReply?] {
        let replies = early?.replies(matching: namespace)
        return settings.masters.enumerated().map { index, master in
            let asked = replies.map { $0[index] } ?? ask(master, metaID: namespace.metaID, epoch: namespace.epoch)
            return asked.map {
                RoleMachine.StartReply(address: "\(master.host):\(master.port)", metaID: $0.metaID, role: $0.role, epoch: $0.epoch)
            }
        }
    }

    /// A role machine's log line in the master's log.
    static func log(_ level: RoleMachine.LogLevel, _ message: String, _ logger: Logger) {
        switch level {
        case .info: logger.info("\(message)")
        case .notice: logger.notice("\(message)")
        case .warning: logger.warning("\(message)")
        case .critical: logger.critical("\(message)")
        }
    }

    /// Says hello to the master at `master` as a master of cluster `metaID` at `epoch`; its
    /// reply (role, cluster, epoch), or nil when it does not answer in time.
    static func ask(
        _ master: (host: String, port: Int), metaID: MetaID, epoch: Epoch, connectSeconds: Double = 0.5, answerSeconds: Double = 1
    ) -> HelloReply? {
        guard let socket = try? FrameSocket(host: master.host, port: master.port, timeout: connectSeconds) else { return nil }
        defer { socket.close() }
        try? socket.send(Hello(role: .master, metaID: metaID, epoch: epoch).encode())
        guard let frame = try? socket.receive(timeout: answerSeconds) else { return nil }
        return try? HelloReply.decode(frame)
    }
}

/// The hellos to `MASTER_HOST`, sent on a thread of their own while the metadata loads, as the
/// newest metadata file's header names cluster and epoch. A silently dead host costs the
/// connect timeout (0.5 s), which a cold standby's takeover would otherwise wait for after the
/// load. The epoch said can only be lower than the loaded one (changelogs raise it, never lower
/// it), and a hello fences its receiver only with a higher epoch than its own; when the load
/// ends at another cluster or epoch, `startReplies` asks again as before.
final class EarlyHello: Sendable {
    let metaID: MetaID
    let epoch: Epoch
    private let replies = Mutex<[HelloReply?]?>(nil)
    private let done = DispatchSemaphore(value: 0)

    private init(metaID: MetaID, epoch: Epoch) {
        self.metaID = metaID
        self.epoch = epoch
    }

    /// Starts the hellos; nil without `MASTER_HOST` or without a metadata file to name the
    /// cluster (a new cluster's master asks after it has one).
    static func start(_ settings: MasterSettings) -> EarlyHello? {
        guard !settings.masters.isEmpty, let header = RestoreCommand.newestMetadataHeader(dataPath: settings.dataPath) else {
            return nil
        }
        let hello = EarlyHello(metaID: header.metaID, epoch: header.epoch)
        let masters = settings.masters
        DispatchQueue.global().async {
            let answers = masters.map { MasterDaemon.ask($0, metaID: header.metaID, epoch: header.epoch) }
            hello.replies.withLock { $0 = answers }
            hello.done.signal()
        }
        return hello
    }

    /// The replies, once all came or timed out; nil when `namespace` would have asked as
    /// another cluster or at another epoch.
    func replies(matching namespace: Namespace) -> [HelloReply?]? {
        done.wait()
        done.signal()
        guard namespace.metaID == metaID, namespace.epoch == epoch else { return nil }
        return replies.withLock { $0 }
    }
}
