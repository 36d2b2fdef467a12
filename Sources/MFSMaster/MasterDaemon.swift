import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSStatus
import MFSStorage
import Prometheus
import ServiceLifecycle
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
        let loaded: MasterStartup.Loaded
        do {
            loaded = try MasterStartup.load(dataPath: settings.dataPath, autoRestore: autoRestore) { logger.warning("\($0)") }
        } catch {
            throw MasterStartError("\(error)")
        }
        if let summary = loaded.restoreSummary { logger.notice("restored from changelogs: \(summary)") }
        var namespace = loaded.namespace
        let now = ClientServerContext.now()
        var first: ChangelogRecord?
        if loaded.isNewCluster {
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
                onFailure: { reason in
                    logger.critical(
                        "changelog write failed: no change is accepted any more; fix the disk and restart the master",
                        metadata: ["reason": "\(reason)"])
                })
            if let first { try writer.append(first) }
        } catch {
            throw MasterStartError("\(error)")
        }
        let service = MetadataService(
            namespace: namespace, writer: writer, directory: directory, checksumInterval: settings.checksumInterval,
            keepPreviousMetadata: settings.keepPreviousMetadata)
        let processor = ClientRequestProcessor(service: service)
        let clients = ClientServerContext(
            processor: processor, exports: exports, softwareVersion: softwareVersion, logger: logger,
            maxConnections: settings.maxClientConnections, helloTimeoutSeconds: settings.clientHelloTimeoutSeconds)
        logger.notice(
            "metadata loaded",
            metadata: [
                "metaid": "\(namespace.metaID.hex)", "version": "\(namespace.version)", "epoch": "\(namespace.epoch)",
                "inodes": "\(namespace.inodeCount)", "changelogSaveMode": "\(settings.saveMode.rawValue)",
            ])
        return MasterDaemon(settings: settings, service: service, clients: clients, lock: lock, logger: logger)
    }

    private init(settings: MasterSettings, service: MetadataService, clients: ClientServerContext, lock: DataPathLock, logger: Logger) {
        self.settings = settings
        self.service = service
        self.clients = clients
        self.lock = lock
        self.logger = logger
    }

    /// Serves until SIGTERM or SIGINT; then closes every client connection, stops taking
    /// changes, dumps the metadata and closes the changelog, so the dump is the last word and
    /// the next start needs no `-a`. A service that fails (a port that cannot be bound) stops
    /// the master the same way, and `run` then throws its error. A new cluster is dumped at
    /// once, so `metadata.mfs` always exists beside its changelog.
    public func run(clientPortBound: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        if !FileIO.exists(service.directory.file(DataDirectory.metadataName)) { await dump(reason: "first start") }
        markSessionsLost()
        let daemon = self
        let status = StatusServer(
            host: settings.statusHost, port: settings.statusPort, registry: registry, logger: logger,
            refreshMetrics: { daemon.refreshMetrics() }, dump: { await daemon.dump(reason: "POST /dump", always: true) },
            status: { daemon.status() })
        let client = ClientServer(host: settings.clientHost, port: settings.clientPort, context: clients)
        let services: [any Service] = [
            TaskService(name: "client port") { try await client.run(bound: clientPortBound) },
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
        service.stopChanges()
        await dump(reason: "shutdown")
        service.writer.close()
        logger.notice("stopped", metadata: ["version": "\(service.namespace.version)"])
        if let failure { throw failure }
    }

    /// The status `/status` shows.
    public func status() -> MasterStatus {
        service.status(sessions: service.namespace.sessionIDs.count)
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
        while true {
            try await Task.sleep(for: .seconds(5))
            let now = ClientServerContext.now()
            for id in service.namespace.sessionsToClose(now: now, sustainSeconds: settings.sessionSustainSeconds) {
                _ = try? service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                    ((), try namespace.closeSession(id, now: now))
                }
                logger.info("session expired", metadata: ["session": "\(id)"])
            }
        }
    }

    private func refreshMetrics() {
        let status = self.status()
        let gauges: [(String, String, Double)] = [
            ("mfs_master_version", "The last metadata version applied.", Double(status.version)),
            ("mfs_master_epoch", "The master epoch.", Double(status.epoch)),
            ("mfs_master_inodes", "Inodes in the namespace.", Double(status.inodes)),
            ("mfs_master_sessions", "Client sessions known.", Double(status.sessions)),
            ("mfs_master_client_connections", "Client connections open now.", Double(clients.connections)),
            ("mfs_master_healthy", "1 when the changelog is writable and the metadata loaded.", status.healthy ? 1 : 0),
            ("mfs_master_changelog_durable_version", "The last version on disk.", Double(status.changelog.durableVersion)),
            ("mfs_master_changelog_fsyncs", "fsyncs of the changelog since start.", Double(status.changelog.fsyncs)),
            ("mfs_master_last_dump_seconds", "How long the last metadata dump took.", status.lastDump?.seconds ?? 0),
        ]
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
