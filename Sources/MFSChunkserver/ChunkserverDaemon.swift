import Logging
import MFSChunkStore
import MFSStorage
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// The running chunkserver: `DATA_PATH`'s lock, the chunk store over mfshdd.cfg's directories,
/// the data port and the master link, until SIGTERM or SIGINT. On the way out the master hears a
/// graceful goodbye (register rver 63) and every chunk open for writing is fsynced and closed.
public final class ChunkserverDaemon: Sendable {
    let context: ChunkserverContext
    let lock: DataPathLock

    /// Checks DATA_PATH, takes `.mfschunkserver.lock`, reads mfshdd.cfg and scans the data
    /// directories (each locked with its own `.lock`).
    public static func start(_ settings: ChunkserverSettings, logger: Logger) throws(ChunkserverStartError) -> ChunkserverDaemon {
        for notice in settings.notices { logger.notice("\(notice)") }
        guard FileIO.isDirectory(settings.dataPath) else {
            throw ChunkserverStartError(
                "DATA_PATH \(settings.dataPath) is not a directory (create it, owned by the user mfschunkserver runs as)")
        }
        let lock: DataPathLock
        do { lock = try DataPathLock(directory: DataDirectory(settings.dataPath), daemon: "mfschunkserver") } catch {
            throw ChunkserverStartError("\(error)")
        }
        let entries = try settings.dataDirectories()
        var options = ChunkStoreOptions()
        options.leaveFree = settings.leaveFreeBytes
        options.errorToleranceCount = settings.errorToleranceCount
        options.errorTolerancePeriod = settings.errorTolerancePeriod
        let store: ChunkStore
        do { store = try ChunkStore(directories: entries, options: options) } catch { throw ChunkserverStartError(error.description) }
        for problem in store.scanProblems { logger.warning("data directory scan: \(problem)") }
        let memory = try ClusterMemory(dataPath: settings.dataPath, directories: entries.map(\.path))
        let space = store.spaceTotals
        logger.notice(
            "chunks loaded",
            metadata: [
                "chunks": "\(store.chunks.count)", "directories": "\(entries.count)", "usedBytes": "\(space.usedSpace)",
                "totalBytes": "\(space.totalSpace)", "csid": "\(memory.identity.chunkserverID)", "highestEpoch": "\(memory.highestEpoch)",
            ])
        let pool = NIOThreadPool(numberOfThreads: ChunkserverLimits.diskThreads)
        pool.start()
        let context = ChunkserverContext(
            settings: settings, store: store, memory: memory, pool: pool, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return ChunkserverDaemon(context: context, lock: lock)
    }

    private init(context: ChunkserverContext, lock: DataPathLock) {
        self.context = context
        self.lock = lock
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        let context = self.context
        let server = try await DataServer(context: context).bind()
        var services: [any Service] = [
            TaskService(name: "data port") {
                try await withTaskCancellationHandler {
                    try await server.closeFuture.get()
                } onCancel: {
                    server.close(promise: nil)
                }
            },
            TaskService(name: "master link") { await MasterLink(context: context).run() },
            TaskService(name: "reload") {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    context.logger.notice("SIGHUP: nothing is reloaded (restart to apply a changed configuration)")
                }
            },
        ]
        // A service that returns ends the whole group: the tester runs only when it has work.
        if context.settings.testBytesPerSecond > 0 {
            services.append(TaskService(name: "chunk tester") { await ChunkTester(context: context).run() })
        } else {
            context.logger.notice("HDD_TEST_SPEED = 0: chunks are not tested in the background (not recommended)")
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: context.logger))
        try await group.run()
        let failures = try await context.pool.runIfActive { context.store.finishAll() }
        for (id, error) in failures { context.logger.error("chunk \(chunkName(id)) could not be synced at shutdown: \(error)") }
        try await context.pool.shutdownGracefully()
        context.logger.notice("stopped")
    }
}

/// A task run as a service of the daemon's group: cancelled at graceful shutdown.
struct TaskService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    init(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await body() }
    }
}
