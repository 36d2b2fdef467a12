import Foundation
import Logging
import MFSCore
import MFSPeer
import MFSStorage
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// The running metalogger: the data directory's lock, the store, and the peer link that fills
/// it from the master (on a thread of its own: one connection, read, store, fsync, ack). The
/// calling thread waits for SIGTERM or SIGINT, then stops the link and closes the changelog.
public final class MetaloggerDaemon: Sendable {
    public let settings: MetaloggerSettings
    public let store: MetaloggerStore
    let link: PeerLink
    /// This metalogger's vote (DESIGN §7.2) and its standing connection to every master.
    let voter: MetaloggerVoter
    let voterLinks: [VoterLink]
    let lock: DataPathLock
    let logger: Logger

    /// The signals the daemon waits for; they must be blocked in every thread (see
    /// `blockSignals`) before any thread starts, so that only `run` receives them.
    static let handledSignals = [SIGTERM, SIGINT, SIGHUP]

    /// Blocks the handled signals in the calling thread and every thread it starts later. The
    /// command calls it first thing.
    public static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handledSignals { sigaddset(&set, signal) }
        return set
    }

    /// Checks `DATA_PATH`, takes `.mfsmetalogger.lock`, loads and verifies the files there.
    public static func start(_ settings: MetaloggerSettings, logger: Logger) throws(MetaloggerStartError) -> MetaloggerDaemon {
        guard FileIO.isDirectory(settings.dataPath) else {
            throw MetaloggerStartError(
                "DATA_PATH \(settings.dataPath) is not a directory (create it, owned by the user mfsmetalogger runs as)")
        }
        let directory = DataDirectory(settings.dataPath)
        let lock: DataPathLock
        do { lock = try DataPathLock(directory: directory, daemon: "mfsmetalogger") } catch {
            throw MetaloggerStartError("\(error)")
        }
        let store = try MetaloggerStore(
            directory: directory,
            options: MetaloggerStore.Options(
                backLogs: settings.backLogs, keepPreviousMetadata: settings.keepPreviousMetadata,
                snapshotInterval: settings.metaDownloadFrequency),
            logger: logger)
        let log: @Sendable (PeerLink.LogLevel, String) -> Void = { level, message in
            switch level {
            case .info: logger.info("\(message)")
            case .warning: logger.warning("\(message)")
            case .error: logger.error("\(message)")
            }
        }
        let memberPath = directory.file(VoterFile.metaloggerName)
        let member: MemberID
        do { member = try VoterFile.loadOrCreate(memberPath).member } catch {
            throw MetaloggerStartError("cannot read or create \(memberPath): \(error)")
        }
        let masters = settings.masters.map { (host: $0.host, port: Int($0.port(or: 9419))) }
        var options = PeerLink.Options(masters: masters, role: .metalogger, authCode: settings.authCode)
        options.silenceTimeout = Double(settings.peerSilenceMilliseconds) / 1_000
        options.member = member
        let link = PeerLink(options: options, log: log)
        let voter: MetaloggerVoter
        do {
            voter = try MetaloggerVoter(
                store: store, link: link, logger: logger, silenceMilliseconds: settings.peerSilenceMilliseconds)
        } catch {
            throw MetaloggerStartError("cannot read or create \(memberPath): \(error)")
        }
        let voterLinks = masters.map {
            var options = VoterLink.Options(host: $0.host, port: $0.port, role: .metalogger, authCode: settings.authCode, member: member)
            options.silenceTimeout = Double(settings.peerSilenceMilliseconds) / 1_000
            return VoterLink(options: options, log: log)
        }
        return MetaloggerDaemon(
            settings: settings, store: store, link: link, voter: voter, voterLinks: voterLinks, lock: lock, logger: logger)
    }

    private init(
        settings: MetaloggerSettings, store: MetaloggerStore, link: PeerLink, voter: MetaloggerVoter, voterLinks: [VoterLink],
        lock: DataPathLock, logger: Logger
    ) {
        self.settings = settings
        self.store = store
        self.link = link
        self.voter = voter
        self.voterLinks = voterLinks
        self.lock = lock
        self.logger = logger
    }

    /// How the run ended.
    public enum Stop: Sendable, Equatable {
        /// SIGTERM or SIGINT.
        case signal
        /// The changelog could not be written: nothing can be stored any more.
        case storageFailed
    }

    /// Follows the masters until SIGTERM or SIGINT (or a changelog write failure), then stops
    /// the link (a batch being stored is finished and acknowledged first), waits for a
    /// snapshot being written, and closes the changelog.
    public func run() -> Stop {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [link, store] in
            link.run(store: store)
            finished.signal()
        }
        thread.name = "peer-link"
        thread.start()
        for (index, voterLink) in voterLinks.enumerated() {
            let voterThread = Thread { [voter] in voterLink.run(backend: voter) }
            voterThread.name = "voter-\(index)"
            voterThread.start()
        }
        logger.notice(
            "following the master",
            metadata: ["masters": "\(settings.masters.map(\.description).joined(separator: ","))", "dataPath": "\(settings.dataPath)"])
        let stop = waitForStop()
        for voterLink in voterLinks { voterLink.stop() }
        link.stop()
        finished.wait()
        store.close()
        logger.notice("stopped", metadata: ["version": "\(store.position.lastVersion)", "reason": "\(stop)"])
        return stop
    }

    private func waitForStop() -> Stop {
        var set = Self.signalSet()
        while true {
            var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            let signal = sigtimedwait(&set, nil, &timeout)
            switch signal {
            case SIGTERM, SIGINT:
                logger.notice("signal \(signal == SIGTERM ? "SIGTERM" : "SIGINT"): stopping")
                return .signal
            case SIGHUP:
                logger.notice("SIGHUP: nothing to reload (restart to apply a changed configuration)")
            default:
                break
            }
            if store.hasFailed { return .storageFailed }
        }
    }
}
