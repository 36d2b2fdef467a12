/// The chunk registry's tunables, each named after the MooseFS 3.0 setting it stands for where
/// there is one (`mfsmaster.cfg`), with MooseFS's default unless said otherwise.
public struct RegistrySettings: Equatable, Sendable {
    /// `REPLICATIONS_DELAY_INIT`: after the master becomes active it neither replicates nor
    /// deletes for this long, so chunkservers have time to register (a copy not registered yet
    /// looks missing, and a chunk looks over-goal until every server has told what it holds).
    /// MooseFS: 60 s.
    public var replicationsDelayInit: Duration
    /// `REPLICATIONS_DELAY_DISCONNECT` (MooseFS 1.6–2.0; 3.0 replaced it with a maintenance
    /// mode): after a chunkserver disconnects, chunks that still have two or more valid copies
    /// are not replicated for this long (the server is likely to come back, and copying its
    /// chunks elsewhere would be wasted). A chunk left with a single valid copy is replicated at
    /// once. MooseFS 1.6: 3600 s.
    public var replicationsDelayDisconnect: Duration
    /// `CHUNKS_WRITE_REP_LIMIT`: replications a server receives at once (MooseFS's class
    /// "under goal": 1, "endangered": 2; one limit here, 2).
    public var maxReplicationsInPerServer: Int
    /// `CHUNKS_READ_REP_LIMIT`: replications a server serves as the source at once (MooseFS: 10
    /// for endangered chunks).
    public var maxReplicationsOutPerServer: Int
    /// `CHUNKS_SOFT_DEL_LIMIT`: deletions sent to one server in one tick. MooseFS: 10.
    public var maxDeletionsPerServerPerTick: Int
    /// `CHUNKS_HARD_DEL_LIMIT`: deletions a server may have unanswered. MooseFS: 25.
    public var maxDeletionsInFlightPerServer: Int
    /// MooseFS's `LOCKTIMEOUT`: a chunk granted for writing stays locked (no replication, no
    /// deletion, no other writer) until the client ends the write or this passes. 120 s.
    public var writeLockTimeout: Duration
    /// How long a command (create, set version, truncate, duplicate, replicate, delete) may go
    /// unanswered before it counts as failed. MooseFS locks a replicating chunk for 120 s.
    public var operationTimeout: Duration
    /// The longest a write is held after the master becomes active while the chunk has fewer
    /// valid copies than its goal and chunkservers may still be registering (DESIGN §12; MooseFS
    /// answers EAGAIN for 10 s after start). 5 s by default (`WRITE_HOLD_TIME`): our chunkservers
    /// register again within tens of milliseconds of a failover; a MooseFS chunkserver retries its
    /// master every 5 s (`MASTER_RECONNECTION_DELAY`) and then sends its whole chunk list.
    public var writeHoldLimit: Duration
    /// Whether copies of chunks the master does not know (ids at or above the namespace's next
    /// chunk id: another cluster's chunks, or metadata older than the disks) are deleted. Off:
    /// DESIGN §8 says never by default (MooseFS deletes them after 7 days).
    public var deleteUnknownChunks: Bool
    /// Chunks examined per `tick`; a full pass over a large registry spreads over several ticks
    /// (MooseFS's `CHUNKS_LOOP_MAX_CPS` is 100,000 per second at 50 ticks per second).
    public var chunksExaminedPerTick: Int
    /// A server with less free space than this (or than `fullPercent` of its total) is full:
    /// it gets no new chunk and no replica. One chunk, 64 MiB (MooseFS: free ≤ 1 % is full, and
    /// creation wants 64 MiB per write in progress).
    public var minimumFreeBytes: UInt64
    /// See `minimumFreeBytes`. MooseFS: 1 %.
    public var fullPercent: UInt64

    public init(
        replicationsDelayInit: Duration = .seconds(60), replicationsDelayDisconnect: Duration = .seconds(3_600),
        maxReplicationsInPerServer: Int = 2, maxReplicationsOutPerServer: Int = 10, maxDeletionsPerServerPerTick: Int = 10,
        maxDeletionsInFlightPerServer: Int = 25, writeLockTimeout: Duration = .seconds(120), operationTimeout: Duration = .seconds(120),
        writeHoldLimit: Duration = .seconds(5), deleteUnknownChunks: Bool = false, chunksExaminedPerTick: Int = 100_000,
        minimumFreeBytes: UInt64 = RegistryLimits.chunkSize, fullPercent: UInt64 = 1
    ) {
        self.replicationsDelayInit = replicationsDelayInit
        self.replicationsDelayDisconnect = replicationsDelayDisconnect
        self.maxReplicationsInPerServer = maxReplicationsInPerServer
        self.maxReplicationsOutPerServer = maxReplicationsOutPerServer
        self.maxDeletionsPerServerPerTick = maxDeletionsPerServerPerTick
        self.maxDeletionsInFlightPerServer = maxDeletionsInFlightPerServer
        self.writeLockTimeout = writeLockTimeout
        self.operationTimeout = operationTimeout
        self.writeHoldLimit = writeHoldLimit
        self.deleteUnknownChunks = deleteUnknownChunks
        self.chunksExaminedPerTick = chunksExaminedPerTick
        self.minimumFreeBytes = minimumFreeBytes
        self.fullPercent = fullPercent
    }
}

/// Fixed limits of the registry's input: past them an event is refused (`RegistryError`).
public enum RegistryLimits {
    /// Chunkservers known at once (MooseFS's `MAXCSCOUNT`).
    public static let maxServers = 10_000
    /// Chunks in one report (a CHUNKS batch, CHUNK_NEW, LOST or DAMAGED). A MooseFS chunkserver
    /// sends about 10,000 per CHUNKS packet; this is far above anything honest and bounds the
    /// work one event can cause.
    public static let maxChunksPerReport = 1_000_000
    /// Goals run 1…9 (as `NamespaceLimits`); a fact outside is clamped into it.
    public static let maxGoal: UInt8 = 9
    /// Bytes in a chunk.
    public static let chunkSize: UInt64 = 64 << 20
    /// Chunk versions are below this: on the wire bit 31 of a version is the "on a disk marked
    /// for removal" flag.
    public static let versionLimit: UInt32 = 1 << 31
    /// Bytes one chunkserver may report in all (its disks, marked ones included): 16 PiB, far
    /// above any real server. A server's figures never wrap when added; the sums over all
    /// servers stop at `UInt64.max` (`ChunkRegistry.space`).
    public static let maxServerBytes: UInt64 = 1 << 54
    /// Labels are letters A…Z, one bit each.
    public static let labelMask: UInt32 = (1 << 26) - 1
}
