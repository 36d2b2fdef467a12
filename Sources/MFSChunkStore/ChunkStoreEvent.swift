import MFSCore

/// What the store tells the chunkserver daemon to report to the master, drained with
/// `ChunkStore.takeEvents()` (the shape of MooseFS's damaged/lost/error queues):
public enum ChunkStoreEvent: Hashable, Sendable, CustomStringConvertible {
    /// An I/O error or damaged data in `directory` → one `CSTOMA_ERROR_OCCURRED`.
    case errorOccurred(directory: String, reason: String)
    /// A chunk failed its checks (CRC, header, length) → `CSTOMA_CHUNK_DAMAGED`. The chunk stays
    /// in the table until the master deletes it.
    case damaged(ChunkID)
    /// A chunk is gone with its directory → `CSTOMA_CHUNK_LOST`.
    case lost(ChunkID)
    /// A directory's file system is full; it takes no new chunks until a space refresh finds
    /// room → a `CSTOMA_SPACE` update.
    case directoryFull(String)
    /// A directory was taken out of use (errors past its tolerance, or its file system gone);
    /// its chunks follow as `lost` → `CSTOMA_SPACE` and `CSTOMA_CHUNK_LOST`.
    case directoryFailed(String, reason: String)

    public var description: String {
        switch self {
        case .errorOccurred(let directory, let reason): "error in \(directory): \(reason)"
        case .damaged(let id): "chunk \(hex(id.rawValue, digits: 16)) damaged"
        case .lost(let id): "chunk \(hex(id.rawValue, digits: 16)) lost"
        case .directoryFull(let path): "\(path) is full"
        case .directoryFailed(let path, let reason): "\(path) taken out of use: \(reason)"
        }
    }
}

/// A stored chunk as the store knows it.
public struct ChunkRecord: Hashable, Sendable {
    public var id: ChunkID
    public var version: ChunkVersion
    /// The data directory (as in mfshdd.cfg, ending in `/`).
    public var directory: String
    public var path: String
    public var blocks: Int
    /// The directory is marked for removal: report `version | ChunkVersion.markedForRemovalBit`.
    public var markedForRemoval: Bool

    /// The version field of the registration chunk list and `CSTOMA_CHUNK_NEW`.
    public var reportedVersion: UInt32 { version.rawValue | (markedForRemoval ? ChunkVersion.markedForRemovalBit : 0) }
}

/// A data directory's state, for reports (the daemon's HDD list, the master's space).
public struct DirectoryStatus: Hashable, Sendable {
    public var entry: DataDirectoryEntry
    public var usage: DirectoryUsage
    public var chunkCount: Int
    /// I/O errors seen since start.
    public var errorCount: Int
    /// Full: takes no new chunk until a space refresh finds room.
    public var isFull: Bool
    /// Why the directory was taken out of use; nil while it is in use.
    public var failure: String?
}

/// Settings of a store.
public struct ChunkStoreOptions: Sendable {
    /// Space left free on directories without `-SIZE` (HDD_LEAVE_SPACE_DEFAULT).
    public var leaveFree = DirectoryUsage.defaultLeaveFree
    public var errorToleranceCount = DirectoryHealth.defaultToleranceCount
    public var errorTolerancePeriod = DirectoryHealth.defaultTolerancePeriod
    /// Chunks kept open between writes (a write session each); past it the least recently used
    /// is flushed and closed.
    public var maxOpenChunks = ChunkStoreOptions.defaultMaxOpenChunks
    public static let defaultMaxOpenChunks = 1000
    /// The clock of the error window.
    public var now: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }

    public init() {}
}

/// Why a store could not start.
public enum ChunkStoreOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    case noDirectories
    case locked(DirectoryLock.Refused)
    case unusable(PosixError)

    public var description: String {
        switch self {
        case .noDirectories: "no data directory configured (mfshdd.cfg lists none)"
        case .locked(let refused): refused.description
        case .unusable(let error): "data directory unusable: \(error)"
        }
    }
}
