import Logging
import MFSChunkStore
import NIOCore
import NIOPosix
import Synchronization

/// What the chunkserver's connections share: the store, the disk pool every store call runs on
/// (never an event loop), the cluster files, the settings and the logger.
final class ChunkserverContext: Sendable {
    let settings: ChunkserverSettings
    let store: ChunkStore
    let memory: ClusterMemory
    /// Disk I/O: every `ChunkStore` call from a connection goes through it.
    let pool: NIOThreadPool
    let group: any EventLoopGroup
    let logger: Logger
    /// The data port as bound (CSSERV_LISTEN_PORT 0 picks one), announced in BEGIN.
    let dataPort = Atomic<Int>(0)
    /// The master this chunkserver is registered with, for MODULE_INFO.
    let master = Mutex<(ipv4: UInt32, port: UInt16)>((0, 0))

    init(
        settings: ChunkserverSettings, store: ChunkStore, memory: ClusterMemory, pool: NIOThreadPool, group: any EventLoopGroup,
        logger: Logger
    ) {
        self.settings = settings
        self.store = store
        self.memory = memory
        self.pool = pool
        self.group = group
        self.logger = logger
    }

    var runner: ChunkCommandRunner { ChunkCommandRunner(store: store, logger: logger, durableCreates: settings.ackAfterFsync) }

    /// Runs `body` on the disk pool; its result on `loop`.
    func onDisk<T: Sendable>(_ loop: any EventLoop, _ body: @escaping @Sendable () -> T) -> EventLoopFuture<T> {
        pool.runIfActive(eventLoop: loop, body)
    }
}
