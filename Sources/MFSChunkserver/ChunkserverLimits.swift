import MooseWire

/// Every bound the chunkserver puts on its peers and itself, named after what it bounds. Where
/// MooseFS 3.0.117 has its own number (docs/research/moosefs-3.0-chunkserver-protocol.md §1.5)
/// the comment gives it.
public enum ChunkserverLimits {
    // MARK: master link (9420)

    /// The first wait before connecting again after a link was lost or refused; doubled at each
    /// failure up to `reconnectMaximum`. MooseFS waits a fixed 5 s (MASTER_RECONNECTION_DELAY);
    /// after a failover the new master is usually there within tens of milliseconds.
    public static let reconnectMinimum: Duration = .milliseconds(20)
    /// The longest wait between connection attempts.
    public static let reconnectMaximum: Duration = .seconds(2)
    /// TCP connect timeout to a master (MooseFS: 1 s). Short, as the peer links' (250 ms): a
    /// connect begun while the virtual IP is on no host gets its SYN retransmitted only after
    /// TCP's 1 s initial timeout; giving up sooner and dialling again reaches the new master
    /// within a quarter of a second of its taking the address.
    public static let masterConnectTimeout: Duration = .milliseconds(250)
    /// Input quiet for this long (or a quarter of `MASTER_SILENCE_TIMEOUT`, if shorter) makes
    /// the link probe the master (ANTOAN_GET_VERSION, answered at once): after a silent host
    /// death the probe reaches whoever holds the virtual IP now, whose reset ends the dead
    /// connection, so the chunkserver registers with the new master within tens of
    /// milliseconds instead of at its next NOP.
    public static let masterProbeQuiet: Duration = .milliseconds(100)
    /// While the link's probe is unanswered, a side probe (`SideProbe`: a new connection to the
    /// same address) starts this often, at most `maxSideProbes` at once, each given up after
    /// `sideProbeTimeout`.
    public static let sideProbeInterval: Duration = .milliseconds(100)
    public static let maxSideProbes = 4
    public static let sideProbeTimeout: Duration = .seconds(1)
    /// A NOP goes to the master after this long with nothing sent (MooseFS: 1 s).
    public static let masterNopInterval: Duration = .seconds(1)
    /// How often the link checks timers, space and the store's reports.
    public static let masterTick: Duration = .milliseconds(100)
    /// CSTOMA_CURRENT_LOAD interval (MooseFS: 5 s).
    public static let loadReportInterval: Duration = .seconds(5)
    /// The space is re-read at least this often (MooseFS: 60 s), and sent when it changed.
    public static let spaceRefreshInterval: Duration = .seconds(1)
    /// The master's timeout before its ACK says otherwise (MooseFS: 10 s).
    public static let defaultMasterTimeout: Duration = .seconds(10)
    /// Chunk commands waiting for or in the disk pool; past it a command is answered NOTDONE at
    /// once, as MooseFS does when its job queue is full.
    public static let maxQueuedCommands = 10_000
    /// Threads doing disk I/O for the master's commands, reads and writes.
    public static let diskThreads = 8

    // MARK: data port (9422)

    /// The longest frame read on the data port: MooseFS's 100,000 bytes.
    public static let dataPortFrame = MooseWireLimits.dataPortFrame
    /// An idle data connection (no request running) with no input for this long is closed
    /// (MooseFS: 5 s); clients keep theirs alive with a NOP every 0.5 s.
    public static let dataIdleTimeout: Duration = .seconds(5)
    /// A NOP goes to an idle data connection this often (MooseFS: 5/3 s).
    public static let dataNopInterval: Duration = .milliseconds(1_667)
    /// WRITE_DATA pieces of one write session received and not yet answered (each up to 64 KiB):
    /// past it the connection stops reading until answers go out, so a session holds at most
    /// this many blocks (16 MiB) in memory whatever the writer sends. It also bounds the pieces
    /// one fsync covers (those that queued while the disk was busy): with 64, a sequential
    /// write did one fsync per ~2 MiB and ran at half the disk's speed (docs/BENCHMARKS.md).
    public static let maxWritesInFlight = 256
    /// Blocks a streaming read takes from the disk in one disk job (the chunk file opened once,
    /// each block read with one `pread` straight into the outgoing frames: 512 KiB).
    public static let readBlocksPerJob = 8
    /// A read's batches read and not yet written to the socket: the next batches are read from
    /// the disk while this many go out, so the socket never waits for the disk nor the disk
    /// for the socket.
    public static let readBatchesQueued = 2
    /// Disk jobs one read runs at once. With one, the disk idled while each batch was checked
    /// and handed to the event loop and the next job reached a disk thread; with two, one is
    /// reading while the other is handed over (docs/BENCHMARKS-DATA.md). A read connection
    /// holds at most (`readBatchesQueued` + this) × `readBlocksPerJob` blocks: 2 MiB.
    public static let readJobsInFlight = 2
    /// The most bytes one socket read on the data port takes (NIO grows its reads up to this
    /// while they come back full): a write's 64 KiB pieces arrive several per read instead of
    /// one read per part of a piece (issue #12). A connection's frame decoder holds at most
    /// one such read and one incomplete frame.
    public static let dataReceiveBuffer = 256 * 1_024
    /// A write session reads again once its pieces in flight fall to this.
    public static let resumeWritesAt = 128
    /// Tries to connect to the next chunkserver of a write chain (MooseFS: 10).
    public static let forwardConnectAttempts = 5
    /// Timeout of each of those tries.
    public static let forwardConnectTimeout: Duration = .seconds(1)

    // MARK: replication (destination)

    /// Connect, send and receive timeouts towards the source chunkserver (MooseFS: 5 s each).
    public static let replicationTimeout: Duration = .seconds(5)
    /// NOPs a replication source may send in a row while an answer is awaited (an idle data
    /// connection sends one every 5/3 s: 6 are 10 s): past them the replication fails, so a
    /// source that only keeps the connection alive cannot hold a disk thread for ever.
    public static let replicationNopsInARow = 6
    /// The longest frame read from a replication source: one whole block of READ_DATA.
    public static let replicationSourceFrame = MooseWireLimits.replicationSourceFrame
}
