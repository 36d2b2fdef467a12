import MFSCore

/// Space as a chunkserver reports it (`CSTOMA_REGISTER` BEGIN and `CSTOMA_SPACE`): bytes and
/// chunk counts on normal disks, and the same on disks marked for removal (`*` in mfshdd.cfg).
public struct ServerSpace: Equatable, Sendable {
    public var usedBytes: UInt64
    public var totalBytes: UInt64
    public var chunkCount: UInt32
    public var markedUsedBytes: UInt64
    public var markedTotalBytes: UInt64
    public var markedChunkCount: UInt32

    public init(
        usedBytes: UInt64, totalBytes: UInt64, chunkCount: UInt32 = 0, markedUsedBytes: UInt64 = 0, markedTotalBytes: UInt64 = 0,
        markedChunkCount: UInt32 = 0
    ) {
        self.usedBytes = usedBytes
        self.totalBytes = totalBytes
        self.chunkCount = chunkCount
        self.markedUsedBytes = markedUsedBytes
        self.markedTotalBytes = markedTotalBytes
        self.markedChunkCount = markedChunkCount
    }

    public static let zero = ServerSpace(usedBytes: 0, totalBytes: 0)

    /// Used within total, on normal and marked disks, and the totals together within
    /// `RegistryLimits.maxServerBytes`.
    var isPlausible: Bool {
        usedBytes <= totalBytes && markedUsedBytes <= markedTotalBytes && totalBytes <= RegistryLimits.maxServerBytes
            && markedTotalBytes <= RegistryLimits.maxServerBytes - totalBytes
    }

    /// Free bytes on normal disks (new chunks never go to disks marked for removal).
    public var freeBytes: UInt64 { totalBytes - usedBytes }
}

/// What a chunkserver says at the start of its registration (`CSTOMA_REGISTER` BEGIN, after the
/// master assigned or confirmed its id).
public struct ServerRegistration: Equatable, Sendable {
    public var id: ChunkserverID
    /// Its data address (9422), the announced one or the TCP peer's.
    public var address: ChunkserverAddress
    /// `CSTOMA_LABELS`: bit i = label letter `A` + i.
    public var labels: UInt32
    public var space: ServerSpace

    public init(id: ChunkserverID, address: ChunkserverAddress, labels: UInt32 = 0, space: ServerSpace) {
        self.id = id
        self.address = address
        self.labels = labels
        self.space = space
    }
}

/// One chunk of a chunkserver's list (CHUNKS batches and `CSTOMA_CHUNK_NEW`).
public struct ReportedChunk: Equatable, Sendable {
    public var chunk: ChunkID
    /// The version on the disk, without the flag bit.
    public var version: UInt32
    /// On a disk marked for removal (bit 31 of the version on the wire).
    public var markedForRemoval: Bool

    public init(chunk: ChunkID, version: UInt32, markedForRemoval: Bool = false) {
        self.chunk = chunk
        self.version = version
        self.markedForRemoval = markedForRemoval
    }

    /// From the wire form, whose bit 31 is the "marked for removal" flag.
    public init(chunk: ChunkID, wireVersion: UInt32) {
        self.init(
            chunk: chunk, version: wireVersion & ~RegistryLimits.versionLimit, markedForRemoval: wireVersion >= RegistryLimits.versionLimit)
    }
}

/// Everything that happens to the registry. Timer expiry is the `tick` event.
public enum RegistryEvent: Equatable, Sendable {
    /// This master became active: `REPLICATIONS_DELAY_INIT` and the write hold start now. A
    /// registry that is not active answers reports but sends no command of its own.
    case becameActive
    /// The chunkservers this master's metadata knows (its chunkserver list): the write hold
    /// ends early once all of them registered.
    case expectServers([ChunkserverID])
    /// BEGIN: a chunkserver starts registering.
    case registering(ServerRegistration)
    /// A CHUNKS batch of a registering chunkserver (there may be many).
    case chunks(ChunkserverID, [ReportedChunk])
    /// END: the chunkserver's list is complete.
    case registered(ChunkserverID)
    /// `CSTOMA_SPACE`.
    case space(ChunkserverID, ServerSpace)
    /// `CSTOMA_LABELS` after a reload.
    case labels(ChunkserverID, UInt32)
    /// The connection is gone (or the chunkserver said DISCONNECT): its copies are forgotten.
    case disconnected(ChunkserverID)
    /// `CSTOMA_CHUNK_NEW`: chunks found after registration; treated like list entries.
    case newChunks(ChunkserverID, [ReportedChunk])
    /// `CSTOMA_CHUNK_LOST`: copies that disappeared.
    case lostChunks(ChunkserverID, [ChunkID])
    /// `CSTOMA_CHUNK_DAMAGED`: copies that failed a CRC or I/O check.
    case damagedChunks(ChunkserverID, [ChunkID])
    /// `CSTOMA_ERROR_OCCURRED`: an I/O error, only counted.
    case errorOccurred(ChunkserverID)
    /// A command's answer (`CSTOMA_CREATE`, `_DELETE`, `_SET_VERSION`, `_DUPLICATE`,
    /// `_TRUNCATE`, `_DUPTRUNC`, `_REPLICATE`).
    case commandFinished(ChunkserverID, CommandResult)
    /// The client ended its write of `chunk` (`CLTOMA_FUSE_WRITE_CHUNK_END`): the lock goes;
    /// `ok: false` makes the next write bump the version.
    case writeEnded(ChunkID, ok: Bool)
    /// Time passed: timeouts, then deletions and replications.
    case tick
}
