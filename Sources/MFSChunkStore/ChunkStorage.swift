import MFSCore

/// The chunk storage engine: the data directories of `mfshdd.cfg`, the table of stored chunks
/// (id → version, directory, subdirectory, blocks) and the chunk files kept open for writing.
///
/// **Single owner**: not thread-safe. `ChunkStore` wraps it behind one lock for the daemon's
/// threads; tests and tools may use it directly from one thread.
///
/// Durability: every command (create, delete, set version, duplicate, truncate) is durable when
/// it returns (file and directory fsynced). Data writes are not: `finish(_:)` stores the CRC
/// table and fsyncs data and header, and the chunkserver acknowledges a write only after it
/// (like MooseFS with HDD_FSYNC_BEFORE_CLOSE = 1).
public final class ChunkStorage {
    final class Directory {
        let entry: DataDirectoryEntry
        let lock: DirectoryLock
        var placement = SubdirectoryPlacement()
        var health: DirectoryHealth
        var usage = DirectoryUsage(total: 0, available: 0)
        var chunkCount = 0
        var chunkBytes: UInt64 = 0
        var isFull = false
        var failure: String?
        /// Smooth weighted round robin over the directories, weighted by total space.
        var credit: Int64 = 0

        init(entry: DataDirectoryEntry, lock: DirectoryLock, health: DirectoryHealth) {
            self.entry = entry
            self.lock = lock
            self.health = health
        }

        var path: String { entry.path }
        var takesNewChunks: Bool { failure == nil && !isFull && !entry.markedForRemoval && usage.available > 0 }
    }

    struct Stored {
        var name: ChunkFileName
        var directory: Int
        var subdirectory: ChunkSubdirectory
        var blocks: Int
    }

    let options: ChunkStoreOptions
    var directories: [Directory] = []
    var table: [ChunkID: Stored] = [:]
    /// Chunks open for writing, and when each was last used (for `maxOpenChunks`).
    var open: [ChunkID: (file: ChunkFile, lastUse: UInt64)] = [:]
    var useCounter: UInt64 = 0
    /// Chunks some of whose writes were taken and then dropped before an fsync covered them
    /// (an fsync failed, or the chunk was closed without one: its directory failed). A sync or
    /// finish of such a chunk fails, whether it is open again or not, so no acknowledgement of
    /// the write session that lost them can cover them; the mark goes when the next write
    /// session of the chunk starts (`ChunkStore.beginWrite`: its client sends again what it got
    /// no status for), with the chunk's next version, its deletion or its creation anew.
    var lostWrites: Set<ChunkID> = []
    /// Chunks a read, a test or a command found damaged, until deleted or created anew. The
    /// chunk list a chunkserver registers with cannot say so, and a master it registers with
    /// afresh (a reconnection, a failover) would count such a copy valid, and could trim a good
    /// one for it: each registration reports them again (`MasterSession`).
    var damagedChunks: Set<ChunkID> = []
    /// The replications being received: each chunk's version-0 file and the replication it is
    /// for (`ReplicaTicket`), until completed, abandoned or deleted.
    var replicas: [ChunkID: UInt64] = [:]
    var nextReplicaToken: UInt64 = 0
    /// fsyncs made so far to make writes durable: `ChunkStore.sync`'s (before a write is
    /// acknowledged) and `finish`'s. A command's own fsyncs (create, truncate, version) are not
    /// counted.
    public internal(set) var writeSyncs = 0
    /// What the master is to be told, taken by `takeEvents` at each of the daemon's ticks while
    /// it is registered. While no master is, they wait here, bounded: a damaged chunk is queued
    /// once, and I/O errors past `ChunkStoreLimits.maxQueuedErrors` are only counted.
    private(set) var events: [ChunkStoreEvent] = []
    private var damagedQueued: Set<ChunkID> = []
    private var errorsQueued = 0
    private var errorsNotQueued: (count: Int, directory: String) = (0, "")
    /// What the start-up scan skipped.
    public private(set) var scanProblems: [ScanProblem] = []

    /// Locks and scans every directory (creating it and its 256 subdirectories when missing),
    /// then reads their space. A directory another chunkserver holds refuses the whole start.
    public init(directories entries: [DataDirectoryEntry], options: ChunkStoreOptions = ChunkStoreOptions()) throws(ChunkStoreOpenError) {
        guard !entries.isEmpty else { throw .noDirectories }
        self.options = options
        for entry in entries {
            if !entry.markedForRemoval {
                do { try PosixPath.makeDirectory(String(entry.path.dropLast())) } catch { throw .unusable(error) }
            }
            let lock: DirectoryLock
            do { lock = try DirectoryLock(directory: entry.path) } catch { throw .locked(error) }
            let health = DirectoryHealth(toleranceCount: options.errorToleranceCount, tolerancePeriod: options.errorTolerancePeriod)
            directories.append(Directory(entry: entry, lock: lock, health: health))
        }
        for index in directories.indices { load(directory: index) }
        refreshSpace()
    }

    private func load(directory index: Int) {
        let directory = directories[index]
        let scan = DirectoryScan.scan(directory.path, createSubdirectories: !directory.entry.markedForRemoval)
        scanProblems += scan.problems
        for chunk in scan.chunks {
            let found = Stored(name: chunk.name, directory: index, subdirectory: chunk.subdirectory, blocks: chunk.blocks)
            if let existing = table[chunk.name.id] {
                // The same chunk twice: keep the newer version, report the other, delete nothing.
                guard chunk.name.version > existing.name.version else {
                    scanProblems.append(.duplicate(kept: path(of: existing), ignored: chunk.path))
                    continue
                }
                scanProblems.append(.duplicate(kept: chunk.path, ignored: path(of: existing)))
                forget(chunk.name.id)
            }
            remember(found)
        }
    }

    // MARK: - Lookup

    /// The stored chunk `id`, or nil.
    public func chunk(_ id: ChunkID) -> ChunkRecord? { table[id].map(record) }

    /// Every stored chunk, ordered by id: the registration chunk list.
    public var chunks: [ChunkRecord] { table.values.sorted { $0.name.id < $1.name.id }.map(record) }

    /// The directories with their space, chunks, errors and state.
    public var directoryStatuses: [DirectoryStatus] {
        directories.map {
            DirectoryStatus(
                entry: $0.entry, usage: $0.usage, chunkCount: $0.chunkCount, errorCount: $0.health.total, isFull: $0.isFull,
                failure: $0.failure)
        }
    }

    /// Everything to report since the last call, in order.
    public func takeEvents() -> [ChunkStoreEvent] {
        if errorsNotQueued.count > 0 {
            events.append(
                .errorOccurred(
                    directory: errorsNotQueued.directory,
                    reason: "\(errorsNotQueued.count) more I/O errors, past the \(ChunkStoreLimits.maxQueuedErrors) queued for the master"))
        }
        defer {
            events = []
            damagedQueued = []
            errorsQueued = 0
            errorsNotQueued = (0, "")
        }
        return events
    }

    /// Queues `event` for the master, within the bounds above.
    func note(_ event: ChunkStoreEvent) {
        switch event {
        case .damaged(let id):
            guard damagedQueued.insert(id).inserted else { return }
        case .errorOccurred(let directory, _):
            guard errorsQueued < ChunkStoreLimits.maxQueuedErrors else {
                errorsNotQueued = (errorsNotQueued.count + 1, directory)
                return
            }
            errorsQueued += 1
        default:
            break
        }
        events.append(event)
    }

    func record(_ stored: Stored) -> ChunkRecord {
        let directory = directories[stored.directory]
        return ChunkRecord(
            id: stored.name.id, version: stored.name.version, directory: directory.path, path: path(of: stored), blocks: stored.blocks,
            markedForRemoval: directory.entry.markedForRemoval)
    }

    func path(of stored: Stored) -> String { path(stored.name, in: stored.directory, stored.subdirectory) }

    func path(_ name: ChunkFileName, in directory: Int, _ subdirectory: ChunkSubdirectory) -> String {
        directories[directory].path + subdirectory.description + "/" + name.description
    }

    /// The stored chunk `id` at `version` (0: any), or the error a request for it gets.
    func stored(_ id: ChunkID, _ version: ChunkVersion) throws(ChunkStoreError) -> Stored {
        guard let stored = table[id] else { throw .noChunk(id) }
        guard version.accepts(stored.name.version) else { throw .wrongVersion(id, requested: version, stored: stored.name.version) }
        return stored
    }

    // MARK: - Table bookkeeping

    func remember(_ stored: Stored) {
        table[stored.name.id] = stored
        let directory = directories[stored.directory]
        directory.placement.added(to: stored.subdirectory)
        directory.chunkCount += 1
        directory.chunkBytes += UInt64(ChunkFileLayout(blocks: stored.blocks).fileLength)
    }

    /// A chunk left the table or starts afresh: its lost writes, its damage and its replica
    /// ticket go with it.
    func clearMarks(_ id: ChunkID) {
        lostWrites.remove(id)
        damagedChunks.remove(id)
        replicas[id] = nil
    }

    func forget(_ id: ChunkID) {
        guard let stored = table.removeValue(forKey: id) else { return }
        let directory = directories[stored.directory]
        directory.placement.removed(from: stored.subdirectory)
        directory.chunkCount -= 1
        directory.chunkBytes -= min(directory.chunkBytes, UInt64(ChunkFileLayout(blocks: stored.blocks).fileLength))
    }

    /// Updates the block count (after a write or truncate) in the table and the space.
    func setBlocks(_ id: ChunkID, _ blocks: Int) {
        guard var stored = table[id], stored.blocks != blocks else { return }
        forget(id)
        stored.blocks = blocks
        remember(stored)
    }
}
