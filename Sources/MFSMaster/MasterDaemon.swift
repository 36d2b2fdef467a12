import Foundation
import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSPeer
import MFSReplication
import MFSStatus
import MFSStorage
import MFSWire
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Why the master did not start: each names the file or setting and what is wrong.
public struct MasterStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The running master: data directory, metadata, changelog, client port, status port, dumps,
/// session expiry. `start` does everything that can fail before serving; `run` serves until
/// SIGTERM or SIGINT, then dumps the metadata one last time.
public final class MasterDaemon: Sendable {
    public let settings: MasterSettings
    public let service: MetadataService
    public let clients: ClientServerContext
    public let roles: RoleBox
    let peers: PeerServerContext
    let promotion: Promotion
    /// The link to the active master while this master follows one.
    let follower = Mutex<(link: PeerLink, store: FollowerStore, finished: DispatchSemaphore)?>(nil)
    let lock: DataPathLock
    let logger: Logger
    let registry = PrometheusCollectorRegistry()
    public static let softwareVersion = "swift-mfs 0.1"

    /// Locks `DATA_PATH`, loads the metadata (restoring newer changelogs first with
    /// `autoRestore`), opens the changelog and, for a new cluster, makes its metaid.
    public static func start(_ settings: MasterSettings, autoRestore: Bool, logger: Logger) throws(MasterStartError) -> MasterDaemon {
        let exports: Exports
        do {
            let bytes = try FileIO.read(settings.exportsFile)
            exports = try Exports.parse(bytes: bytes, file: settings.exportsFile)
        } catch let error as ConfigErrors {
            throw MasterStartError("\(error)")
        } catch {
            throw MasterStartError("cannot read EXPORTS_FILENAME \(settings.exportsFile): \(error)")
        }
        guard FileIO.isDirectory(settings.dataPath) else {
            throw MasterStartError("DATA_PATH \(settings.dataPath) is not a directory (create it, owned by the user mfsmaster runs as)")
        }
        let directory = DataDirectory(settings.dataPath)
        let lock: DataPathLock
        do { lock = try DataPathLock(directory: directory, daemon: "mfsmaster") } catch {
            throw MasterStartError("\(error)")
        }
        // The hellos to MASTER_HOST go out while the metadata loads (a silently dead host costs
        // the connect timeout, which a cold standby's takeover would otherwise wait for).
        let early = EarlyHello.start(settings)
        let loaded: MasterStartup.Loaded
        do {
            // A master of an HA pair (MASTER_HOST set) that crashed replays its own changelogs
            // by itself, as -a does (DESIGN §7.7): no one has to run mfsmetarestore first.
            loaded = try MasterStartup.load(dataPath: settings.dataPath, autoRestore: autoRestore || !settings.masters.isEmpty) {
                logger.warning("\($0)")
            }
        } catch {
            throw MasterStartError("\(error)")
        }
        if let summary = loaded.restoreSummary { logger.notice("restored from changelogs: \(summary)") }
        var namespace = loaded.namespace
        let now = ClientServerContext.now()
        var first: ChangelogRecord?
        // DESIGN §7.7, decided by the role machine: an active master at MASTER_HOST makes this
        // one its follower, whatever MASTER_ROLE says; a master that restarts with other voters
        // goes through the quorum rule before it acknowledges anything (DESIGN §7.2): it never
        // reuses an acknowledged version of its old epoch, so it starts as a follower and stands
        // for a new epoch at once.
        let facts = RoleMachine.StartFacts(
            configuredFollower: settings.startAsFollower, hasMasterHost: !settings.masters.isEmpty, newCluster: loaded.isNewCluster,
            otherVoters: !namespace.voters.followers.isEmpty, metaID: namespace.metaID, epoch: namespace.epoch,
            replies: startReplies(settings, namespace: namespace, early: early))
        let (decision, notes) = RoleMachine.start(facts)
        for (level, message) in notes { Self.log(level, message, logger) }
        if case .refuse(let reason) = decision { throw MasterStartError(reason) }
        let mustElect = decision == .stand
        let startAsFollower = decision != .active && decision != .newCluster
        if decision == .downloadAndFollow {
            // A new follower has no cluster of its own: it downloads the active master's.
            namespace = try bootstrap(settings, directory: directory, logger: logger)
            try writeMetadata(namespace, directory: directory, keep: settings.keepPreviousMetadata)
        } else if decision == .newCluster {
            namespace = Namespace(
                parameters: NamespaceParameters(
                    inodeReuseDelaySeconds: settings.inodeReuseDelaySeconds, requestMemory: settings.requestMemory))
            var random = SystemRandomNumberGenerator()
            var id: UInt64 = 0
            while id == 0 { id = random.next() }
            first = try! namespace.setMetaID(MetaID(id), now: now)
            logger.notice("new cluster", metadata: ["metaid": "\(namespace.metaID.hex)", "dataPath": "\(settings.dataPath)"])
        }
        let writer: ChangelogWriter
        do {
            writer = try ChangelogWriter(
                directory: directory, metaID: namespace.metaID, mode: settings.saveMode, backLogs: settings.backLogs,
                lastVersion: first == nil ? namespace.version : .zero,
                preallocate: settings.preallocateChangelog,
                onFailure: { reason in
                    logger.critical(
                        "changelog write failed: no change is accepted any more; fix the disk and restart the master",
                        metadata: ["reason": "\(reason)"])
                })
            if let first { try writer.append(first) }
        } catch {
            throw MasterStartError("\(error)")
        }
        let roles = RoleBox(startAsFollower ? .follower : .active)
        roles.clientPort.store(settings.clientPort, ordering: .relaxed)
        let replication = ReplicationHub(
            settings: settings.replication, after: writer.status.appendedVersion, epoch: namespace.epoch,
            epochStart: namespace.epochStartVersion,
            onDegraded: { reason in
                guard roles.role == .active else { return }
                if let reason {
                    logger.warning("synchronous replication degraded: acknowledging with fewer peers", metadata: ["reason": "\(reason)"])
                } else {
                    logger.notice(
                        "synchronous replication in step again", metadata: ["syncReplicas": "\(settings.replication.syncReplicas)"])
                }
            },
            onWaiting: { reason in
                guard roles.role == .active else { return }
                if let reason {
                    logger.warning(
                        "no change is acknowledged: too few peers follow this master; \(Self.fewPeersAdvice)",
                        metadata: ["reason": "\(reason)"])
                } else {
                    logger.notice("changes are acknowledged again: enough peers have them")
                }
            })
        // A restarted master keeps what its changelogs hold (up to the memory bound) for peers
        // that are behind, so they stream from it instead of downloading everything.
        if let paths = try? directory.changelogs(prefix: "changelog") {
            let lines = ChangelogTail.recentLines(
                paths, through: writer.status.appendedVersion, maxBytes: settings.replication.maxPreservedBytes / 4)
            replication.preload(lines)
            if let first = lines.first?.0 { logger.info("changes kept for peers from the changelogs", metadata: ["from": "\(first)"]) }
        }
        let service = MetadataService(
            namespace: namespace, writer: writer, directory: directory, checksumInterval: settings.checksumInterval,
            keepPreviousMetadata: settings.keepPreviousMetadata, replication: replication)
        service.takeChanges(!startAsFollower)
        let chunks = ChunkHub(
            service: service, settings: settings.registry, timeoutSeconds: settings.chunkserverTimeoutSeconds, logger: logger)
        let processor = ClientRequestProcessor(service: service, chunks: chunks) {
            let (role, active) = roles.current
            return (role == .active, active)
        }
        let clients = ClientServerContext(
            processor: processor, exports: exports, softwareVersion: softwareVersion, logger: logger,
            maxConnections: settings.maxClientConnections, helloTimeoutSeconds: settings.clientHelloTimeoutSeconds)
        chunks.whenServersChange { [moose = clients.moose] in moose.invalidateChunkCaches() }
        logger.notice(
            "metadata loaded",
            metadata: [
                "metaid": "\(namespace.metaID.hex)", "version": "\(namespace.version)", "epoch": "\(namespace.epoch)",
                "inodes": "\(namespace.inodeCount)", "changelogSaveMode": "\(settings.saveMode.rawValue)",
            ])
        let peers = PeerServerContext(
            service: service, authCode: settings.authCode, softwareVersion: softwareVersion, logger: logger,
            heartbeatMilliseconds: settings.peerHeartbeatMilliseconds, role: { roles.current })
        let promotion = try Promotion(settings: settings, service: service, roles: roles, peers: peers, logger: logger)
        peers.promotion.withLock { $0 = promotion }
        // Only the voters' acknowledgements count (DESIGN §7.2).
        replication.countVoters(Set(namespace.voters.members.keys), me: promotion.me)
        if startAsFollower {
            logger.notice("starting as a follower", metadata: ["masters": "\(settings.masters.map { "\($0.host):\($0.port)" })"])
        } else {
            warnIfWaitingForPeers(settings.replication, logger: logger)
        }
        let daemon = MasterDaemon(
            settings: settings, service: service, clients: clients, roles: roles, peers: peers, promotion: promotion, lock: lock,
            logger: logger, electAtStart: mustElect, dumpAfterStart: loaded.needsDump && !loaded.isNewCluster)
        if mustElect {
            logger.notice(
                "restarting with voters: no change is acknowledged before the voters grant this master a new epoch (the quorum rule)",
                metadata: ["voters": "\(namespace.voters.followers.map(\.hex).joined(separator: ","))"])
        }
        return daemon
    }

    private init(
        settings: MasterSettings, service: MetadataService, clients: ClientServerContext, roles: RoleBox, peers: PeerServerContext,
        promotion: Promotion, lock: DataPathLock, logger: Logger, electAtStart: Bool, dumpAfterStart: Bool
    ) {
        self.electAtStart = electAtStart
        self.dumpAfterStart = dumpAfterStart
        self.settings = settings
        self.service = service
        self.clients = clients
        self.roles = roles
        self.peers = peers
        self.promotion = promotion
        self.lock = lock
        self.logger = logger
        promotion.hooks = Promotion.Hooks(
            stopFollowing: { [unowned self] in stopFollowing(wait: false) },
            hearing: { [unowned self] in hearing() },
            activeVersion: { [unowned self] in follower.withLock { $0?.link.status.masterVersion } ?? .zero },
            fence: { [unowned self] reason in fence(reason) },
            becameActive: { [unowned self] in clients.processor.chunks?.becameActive() })
    }

    /// The active master this one still hears through its follower link.
    private func hearing() -> ActiveContact? {
        guard let status = follower.withLock({ $0?.link.status }), status.connected, let master = status.master else { return nil }
        return ActiveContact(address: master, epoch: status.masterEpoch, lastHeard: status.lastHeard)
    }

    /// Takes no change from now on (demoted, or a higher epoch exists); replies still waiting
    /// are answered `notActive`; peers go (to the new active master).
    func fence(_ reason: String) {
        roles.set(.fenced)
        service.takeChanges(false)
        logger.notice("fenced: no write is accepted", metadata: ["reason": "\(reason)", "version": "\(service.namespace.version)"])
        let peers = self.peers
        Task { await peers.openConnections.closeAll(stopping: false) }
    }

    /// What to do when too few peers follow an active master that waits for them.
    static let fewPeersAdvice =
        "start a follower or a metalogger that follows this master, or set SYNC_REPLICAS = 0 for a lone master "
        + "(SYNC_DEGRADE = 1 would go on with fewer peers, and could then lose acknowledged changes at a failover)"

    /// An active master that starts waits for `SYNC_REPLICAS` peers before it acknowledges
    /// anything (DESIGN §6: `SYNC_DEGRADE = 0`); none follows it yet, so it says so at once,
    /// rather than leaving a lone master's clients to wonder why nothing is answered.
    static func warnIfWaitingForPeers(_ replication: ReplicationHub.Settings, logger: Logger) {
        guard replication.syncReplicas > 0, !replication.degrade else { return }
        let needed = "SYNC_REPLICAS = \(replication.syncReplicas) peer(s)"
        logger.warning("no change is acknowledged until \(needed) have it on disk, and none follows this master yet; \(fewPeersAdvice)")
    }

    /// A new follower's first download, before anything else starts.
    static func bootstrap(_ settings: MasterSettings, directory: DataDirectory, logger: Logger) throws(MasterStartError) -> Namespace {
        final class Capture: PeerStore, @unchecked Sendable {
            var link: PeerLink?
            var namespace: Namespace?
            var position: PeerPosition { PeerPosition(metaID: .unknown, highestEpoch: .zero, lastVersion: .zero, tailEpoch: .zero) }
            func discard(after version: MetaVersion, count: UInt64) throws(LinkError) {}
            func install(metadata: [UInt8], version: MetaVersion) throws(LinkError) {
                do { namespace = try MetadataFile.decode(metadata) } catch {
                    throw LinkError("the downloaded metadata does not decode: \(error)")
                }
                link?.stop()
            }
            func store(_ records: [ChangelogRecord], text: [UInt8]) throws(LinkError) {}
        }
        logger.notice("new follower: downloading the metadata from the active master")
        let capture = Capture()
        var options = PeerLink.Options(masters: settings.masters, role: .follower, authCode: settings.authCode)
        options.maxBackoff = 2
        let link = PeerLink(options: options, log: logLink(logger))
        capture.link = link
        link.run(store: capture)
        guard let namespace = capture.namespace else { throw MasterStartError("no metadata downloaded") }
        return namespace
    }

    static func writeMetadata(_ namespace: Namespace, directory: DataDirectory, keep: Int) throws(MasterStartError) {
        do throws(StorageError) {
            try FileIO.writeMetadata(namespace, to: directory.file(DataDirectory.metadataName), keepPrevious: keep)
        } catch {
            throw MasterStartError("cannot write the downloaded metadata: \(error)")
        }
    }

    /// Serves until SIGTERM or SIGINT; then closes every client connection, stops taking
    /// changes, dumps the metadata and closes the changelog, so the dump is the last word and
    /// the next start needs no `-a`. A service that fails (a port that cannot be bound) stops
    /// the master the same way, and `run` then throws its error. A new cluster is dumped at
    /// once, so `metadata.mfs` always exists beside its changelog.
    public func run(
        clientPortBound: @escaping @Sendable (Int) -> Void = { _ in }, peerPortBound: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        if !dumpAfterStart, !FileIO.exists(service.directory.file(DataDirectory.metadataName)) { await dump(reason: "first start") }
        if roles.role == .active {
            markSessionsLost()
            promotion.claim()
        }
        let daemon = self
        let status = StatusServer(
            host: settings.statusHost, port: settings.statusPort, registry: registry, logger: logger,
            refreshMetrics: { daemon.refreshMetrics() }, dump: { await daemon.dump(reason: "POST /dump", always: true) },
            roleChange: { promote, force in await daemon.changeRole(promote: promote, force: force) },
            removeChunkserver: { id in await daemon.removeChunkserver(ChunkserverID(id)) },
            adminAuthCode: settings.adminAuthCode, peerAuthCode: settings.authCode, status: { daemon.status() })
        let client = ClientServer(host: settings.clientHost, port: settings.clientPort, context: clients)
        let peerServer = PeerServer(host: settings.peerHost, port: settings.peerPort, context: peers)
        if roles.role == .follower, !settings.masters.isEmpty { startFollowing() }
        if electAtStart { Task { await daemon.standAfterRestart() } }
        let services: [any Service] = [
            TaskService(name: "client port") {
                try await client.run { port in
                    daemon.roles.clientPort.store(port, ordering: .relaxed)
                    clientPortBound(port)
                }
            },
            TaskService(name: "peer port") { try await peerServer.run(bound: peerPortBound) },
            TaskService(name: "chunkserver port") { try await daemon.serveChunkservers() },
            TaskService(name: "chunks") { try await daemon.tickChunks() },
            TaskService(name: "replication") { try await daemon.tickReplication() },
            TaskService(name: "status port") { try await status.run() },
            TaskService(name: "dumps") { try await daemon.dumpPeriodically() },
            TaskService(name: "sessions") { try await daemon.closeExpiredSessions() },
            TaskService(name: "exports reload") { await daemon.reloadExportsOnSIGHUP() },
        ]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            logger.error("stopping: \(error)")
            failure = error
        }
        stopFollowing()
        service.stopChanges()
        await dump(reason: "shutdown")
        service.writer.close()
        logger.notice("stopped", metadata: ["version": "\(service.namespace.version)"])
        if let failure { throw failure }
    }

    /// Set by `start` for a master that restarts with other voters: it stands for a new epoch.
    let electAtStart: Bool
    /// Set by `start` when `metadata.mfs` does not hold the loaded namespace (it was replayed
    /// in memory from changelogs or a metalogger's files): dumped `restoredDumpDelay` after
    /// the master serves, off the failover's path (docs/FAILOVER.md). Until then the files it
    /// was replayed from, with this master's own changelog, hold every change.
    let dumpAfterStart: Bool
    /// Long enough for a cold standby to promote itself and serve its first writes before the
    /// dump's encoding takes a core.
    static let restoredDumpDelay: Duration = .seconds(2)

    /// A restarted master with voters stands for a new epoch until it wins, until an active
    /// master is found (it follows it), or until it is stopped; a refusal is retried after
    /// `PROMOTE_TIMEOUT`.
    private func standAfterRestart() async {
        while roles.role == .follower {
            if let status = follower.withLock({ $0?.link.status }), status.connected { return }
            switch await promotion.promote(force: false) {
            case .promoted(let epoch, _, _):
                logger.notice("restarted master leads again", metadata: ["epoch": "\(epoch)"])
                return
            case .refused(let reason, _):
                if roles.role == .active { return }
                logger.warning(
                    "restarted master not yet granted a new epoch (mfscli promote --force takes over without the voters): \(reason)")
            }
            try? await Task.sleep(for: .milliseconds(max(100, settings.promoteWaitMilliseconds)))
        }
    }

    /// The status `/status` shows.
    public func status() -> MasterStatus {
        // Only an active master keeps a chunk registry (chunkservers register with it alone):
        // elsewhere every chunk would count as missing, so the chunk side is left out.
        let active = roles.role == .active
        let chunks = active ? clients.processor.chunks?.status() : nil
        var status = service.status(
            role: "\(roles.role)", sessions: service.namespace.sessionIDs.count, chunkservers: chunks?.connected ?? 0,
            peers: service.replication.peers)
        status.chunkserverList = chunks?.servers
        status.chunks = chunks?.chunks
        // Only an active master acknowledges changes, so only it can be degraded.
        let required = settings.replication.syncReplicas
        let heard = active ? service.replication.votersHeard(within: settings.peerSilenceMilliseconds) : nil
        status.replication = MasterStatus.Replication(
            syncReplicas: required, degraded: active ? service.replication.degradedReason : nil,
            waitingForPeers: active ? service.replication.waitingForPeers : nil, peersHeard: heard,
            isolated: heard.map { required > 0 && $0 < required })
        if let link = follower.withLock({ $0?.link }) {
            let link = link.status
            let version = service.namespace.version.rawValue
            status.following = MasterStatus.Following(
                master: link.master, connected: link.connected, ackedVersion: link.ackedVersion.rawValue,
                masterVersion: link.masterVersion.rawValue, lag: link.masterVersion.rawValue - min(link.masterVersion.rawValue, version),
                error: link.lastError)
        }
        return status
    }

    private func tickReplication() async throws {
        while true {
            try await Task.sleep(for: .milliseconds(ReplicationLimits.tickMilliseconds))
            let expired = service.replication.tick()
            if !expired.isEmpty {
                logger.warning(
                    "peers counted out of synchronous replication: no acknowledgement within SYNC_TIMEOUT",
                    metadata: ["peers": "\(expired.joined(separator: ", "))"])
            }
            if promotion.isPromoting { promotion.handle(.tick) }
            rejoinIfFenced()
        }
    }

    /// Dumps and logs the outcome. Without `always`, a dump is skipped when nothing changed
    /// since the last one (rotating would only add an empty changelog).
    @discardableResult
    private func dump(reason: String, always: Bool = false) async -> Result<(version: UInt64, seconds: Double), StatusServer.DumpRefused> {
        if !always, let last = service.lastDump, last.version == service.namespace.version {
            return .success((last.version.rawValue, last.seconds))
        }
        do {
            let version = try await service.dump()
            logger.info("metadata dumped", metadata: ["version": "\(version)", "reason": "\(reason)"])
            return .success((version.rawValue, service.lastDump?.seconds ?? 0))
        } catch {
            logger.error("metadata dump failed: \(error)", metadata: ["reason": "\(reason)"])
            return .failure(StatusServer.DumpRefused(error.description))
        }
    }

    /// SIGHUP re-reads `EXPORTS_FILENAME`: new connections are admitted by the new rules
    /// (sessions already open keep theirs). A file with errors is refused, with them logged, and
    /// the rules in force stay.
    private func reloadExportsOnSIGHUP() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            let file = settings.exportsFile
            do {
                clients.exports = try Exports.parse(bytes: try FileIO.read(file), file: file)
                logger.notice("exports reloaded", metadata: ["file": "\(file)", "rules": "\(clients.exports.rules.count)"])
            } catch {
                logger.error("exports not reloaded, the previous rules stay: \(error)", metadata: ["file": "\(file)"])
            }
        }
    }

    private func dumpPeriodically() async throws {
        if dumpAfterStart {
            try await Task.sleep(for: Self.restoredDumpDelay)
            await dump(reason: "restored at start")
        }
        while true {
            try await Task.sleep(for: settings.metadataSaveFrequency)
            await dump(reason: "METADATA_SAVE_FREQ")
        }
    }

    /// Every session still connected when the last master stopped (or crashed) has no
    /// connection now: it is marked lost, so it expires after `SESSION_SUSTAIN_TIME` unless its
    /// client comes back and resumes it.
    private func markSessionsLost() {
        let now = ClientServerContext.now()
        var marked = 0
        for id in service.namespace.sessionIDs {
            let changed = try? service.perform { (namespace: inout Namespace) throws(FSError) -> (Bool, ChangelogRecord?) in
                guard let known = namespace.session(id), known.lostAt == nil else { return (false, nil) }
                return (true, try namespace.sessionLost(id, now: now))
            }
            if changed?.0 == true { marked += 1 }
        }
        if marked > 0 {
            logger.info("sessions of the last run marked lost until their clients come back", metadata: ["sessions": "\(marked)"])
        }
    }

    /// Closes sessions whose client has been gone for `SESSION_SUSTAIN_TIME`, releasing what
    /// they held open.
    private func closeExpiredSessions() async throws {
        var unclaimed = UnclaimedSessions()
        let start = ContinuousClock.now
        while true {
            try await Task.sleep(for: .seconds(5))
            // On a follower too: what a demoted master kept must not outlive the sessions and
            // files the active master's changes end (an inode number is reused a day later).
            clients.moose.prune { service.namespace }
            guard roles.role == .active else {
                unclaimed.reset()
                continue
            }
            let now = ClientServerContext.now()
            for id in unclaimed.due(
                connected: service.namespace.connectedSessionIDs, claimed: clients.ownedSessions, now: ContinuousClock.now - start,
                after: settings.sessionClaimTime)
            {
                let marked = try? service.perform { (namespace: inout Namespace) throws(FSError) -> (Bool, ChangelogRecord?) in
                    // Checked again under the lock a claim is taken under.
                    guard namespace.session(id)?.lostAt == nil, !clients.isOwned(id) else { return (false, nil) }
                    return (true, try namespace.sessionLost(id, now: now))
                }
                if marked?.0 == true { logger.info("session claimed by no connection: marked lost", metadata: ["session": "\(id)"]) }
            }
            for id in service.namespace.sessionsToClose(now: now, sustainSeconds: settings.sessionSustainSeconds) {
                _ = try? service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                    ((), try namespace.closeSession(id, now: now))
                }
                logger.info("session expired", metadata: ["session": "\(id)"])
            }
            // Expired sessions' locks went with them: what waited for them may go on.
            clients.moose.wakeWaiters(service: service, now: now)
        }
    }

    private func refreshMetrics() {
        let status = self.status()
        let gauges: [(String, String, Double)] =
            [
                ("mfs_master_version", "The last metadata version applied.", Double(status.version)),
                ("mfs_master_epoch", "The master epoch.", Double(status.epoch)),
                ("mfs_master_inodes", "Inodes in the namespace.", Double(status.inodes)),
                ("mfs_master_sessions", "Client sessions known.", Double(status.sessions)),
                ("mfs_master_client_connections", "Client connections open now.", Double(clients.connections)),
                ("mfs_master_healthy", "1 when the changelog is writable and the metadata loaded.", status.healthy ? 1 : 0),
                ("mfs_master_changelog_durable_version", "The last version on disk.", Double(status.changelog.durableVersion)),
                ("mfs_master_changelog_fsyncs", "fsyncs of the changelog since start.", Double(status.changelog.fsyncs)),
                ("mfs_master_last_dump_seconds", "How long the last metadata dump took.", status.lastDump?.seconds ?? 0),
                ("mfs_master_active", "1 when this master is active (takes writes).", status.role == "active" ? 1 : 0),
                ("mfs_master_peers", "Followers and metaloggers connected.", Double(status.peers.count)),
                ("mfs_master_peer_lag_max", "The largest peer lag, in versions.", Double(status.peers.map(\.lag).max() ?? 0)),
                (
                    "mfs_master_sync_degraded", "1 while fewer peers than SYNC_REPLICAS are in step.",
                    status.replication?.degraded == nil ? 0 : 1
                ),
                (
                    "mfs_master_sync_waiting", "1 while a change has waited past SYNC_TIMEOUT for too few peers (nothing is acknowledged).",
                    status.replication?.waitingForPeers == nil ? 0 : 1
                ),
                (
                    "mfs_master_peers_heard",
                    "Voters (followers and metaloggers that vote) this active master heard within PEER_SILENCE_TIMEOUT.",
                    Double(status.replication?.peersHeard ?? 0)
                ),
                (
                    "mfs_master_isolated",
                    "1 while this active master hears fewer voters than SYNC_REPLICAS (it cannot acknowledge a change).",
                    status.replication?.isolated == true ? 1 : 0
                ),
                ("mfs_master_following_lag", "A follower's lag behind the active master, in versions.", Double(status.following?.lag ?? 0)),
            ] + Self.chunkGauges(status)
        for (name, help, value) in gauges { registry.makeGauge(name: name, help: help).set(to: value) }
    }
}

/// A long-running task as a service: cancelled at graceful shutdown.
struct TaskService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    init(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch is CancellationError {
            return
        }
    }
}
