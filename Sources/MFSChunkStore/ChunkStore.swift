import MFSCore
import Synchronization

/// The chunkserver's chunk storage, safe to call from any thread (the daemon calls it from NIO
/// event loops through a thread pool): a `ChunkStorage` behind one lock. Every call holds the
/// lock for its whole duration, including its disk I/O, so calls run one at a time; that keeps
/// the table, the open files and the directories' state consistent without per-chunk locks.
/// The one exception is the data port's streaming read of a chunk that no write has open
/// (`read(_:version:pieces:into:)`): it takes the file's path under the lock and reads on a
/// descriptor of its own outside it, falling back to the locked read for anything it cannot
/// settle. See `ChunkStorage` for what each call does and when it is durable.
public final class ChunkStore: Sendable {
    private let storage: Mutex<ChunkStorage>

    /// Locks and scans the directories; see `ChunkStorage.init`.
    public init(directories: [DataDirectoryEntry], options: ChunkStoreOptions = ChunkStoreOptions()) throws(ChunkStoreOpenError) {
        storage = Mutex(try ChunkStorage(directories: directories, options: options))
    }

    /// Runs `body` with the storage under the lock: for several calls that must see one state.
    public func withStorage<T: Sendable>(_ body: (ChunkStorage) throws(ChunkStoreError) -> T) throws(ChunkStoreError) -> T {
        try storage.withLock { (storage) throws(ChunkStoreError) -> T in try body(storage) }
    }

    private func locked<T: Sendable>(_ body: (ChunkStorage) -> T) -> T { storage.withLock { body($0) } }

    public var scanProblems: [ScanProblem] { locked { $0.scanProblems } }
    public func chunk(_ id: ChunkID) -> ChunkRecord? { locked { $0.chunk(id) } }
    public var chunks: [ChunkRecord] { locked { $0.chunks } }
    /// The chunks found damaged (`ChunkStorage.damagedChunks`), in id order.
    public var damagedChunks: [ChunkID] { locked { $0.damagedChunks.sorted() } }
    public var directoryStatuses: [DirectoryStatus] { locked { $0.directoryStatuses } }
    public var spaceTotals: SpaceTotals { locked { $0.spaceTotals } }
    /// fsyncs made so far to make writes durable, by `sync` and `finish` (not by commands).
    public var writeSyncs: Int { locked { $0.writeSyncs } }
    public func takeEvents() -> [ChunkStoreEvent] { locked { $0.takeEvents() } }
    public func refreshSpace() { locked { $0.refreshSpace() } }

    @discardableResult
    public func create(_ id: ChunkID, version: ChunkVersion, durable: Bool = true) throws(ChunkStoreError) -> ChunkRecord {
        try withStorage { (s) throws(ChunkStoreError) in try s.create(id, version: version, durable: durable) }
    }

    public func delete(_ id: ChunkID, version: ChunkVersion) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.delete(id, version: version) }
    }

    public func setVersion(_ id: ChunkID, from old: ChunkVersion, to new: ChunkVersion) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.setVersion(id, from: old, to: new) }
    }

    public func truncate(_ id: ChunkID, version: ChunkVersion, to length: Int, newVersion: ChunkVersion) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.truncate(id, version: version, to: length, newVersion: newVersion) }
    }

    @discardableResult
    public func duplicate(_ id: ChunkID, version: ChunkVersion, to newID: ChunkID, newVersion: ChunkVersion) throws(ChunkStoreError)
        -> ChunkRecord
    {
        try withStorage { (s) throws(ChunkStoreError) in try s.duplicate(id, version: version, to: newID, newVersion: newVersion) }
    }

    @discardableResult
    public func duplicateTruncate(_ id: ChunkID, version: ChunkVersion, to newID: ChunkID, newVersion: ChunkVersion, length: Int)
        throws(ChunkStoreError) -> ChunkRecord
    {
        try withStorage { (s) throws(ChunkStoreError) in
            try s.duplicateTruncate(id, version: version, to: newID, newVersion: newVersion, length: length)
        }
    }

    public func read(_ id: ChunkID, version: ChunkVersion, offset: Int, size: Int) throws(ChunkStoreError) -> [ReadPiece] {
        try withStorage { (s) throws(ChunkStoreError) in try s.read(id, version: version, offset: offset, size: size) }
    }

    public func read(_ id: ChunkID, version: ChunkVersion, piece: BlockPiece) throws(ChunkStoreError) -> ReadPiece {
        try withStorage { (s) throws(ChunkStoreError) in try s.read(id, version: version, piece: piece) }
    }

    /// The data port's streaming read. A chunk that no write has open is read outside the
    /// lock (`UnlockedRead`): the disk jobs of reads run side by side instead of one at a time
    /// behind the lock (docs/BENCHMARKS-DATA.md). Whatever that read cannot settle (a CRC
    /// that does not match, an error, a chunk that changed meanwhile) is read again under the
    /// lock, which reports damage as before.
    public func read(_ id: ChunkID, version: ChunkVersion, pieces: [BlockPiece], into spaces: [UnsafeMutableRawBufferPointer])
        throws(ChunkStoreError) -> [UInt32]
    {
        precondition(pieces.count == spaces.count, "\(pieces.count) pieces into \(spaces.count) spaces")
        let checked = try pieces.map { (piece) throws(ChunkStoreError) in
            try BlockPiece.checked(block: piece.block, offset: piece.offset, size: piece.size)
        }
        if let unlocked = try withStorage({ (s) throws(ChunkStoreError) in try s.unlockedRead(id, version) }),
            let crcs = unlocked.read(checked, into: spaces)
        {
            return crcs
        }
        return try withStorage { (s) throws(ChunkStoreError) in try s.read(id, version: version, pieces: checked, into: spaces) }
    }

    public func test(_ id: ChunkID, version: ChunkVersion, blocks: Range<Int>) throws(ChunkStoreError) -> Int {
        try withStorage { (s) throws(ChunkStoreError) in try s.test(id, version: version, blocks: blocks) }
    }

    public func blocks(_ id: ChunkID, version: ChunkVersion) throws(ChunkStoreError) -> Int {
        try withStorage { (s) throws(ChunkStoreError) in try s.blocks(id, version: version) }
    }

    public func write(_ id: ChunkID, version: ChunkVersion, offset: Int, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.write(id, version: version, offset: offset, bytes: bytes, crc: crc) }
    }

    public func write(_ id: ChunkID, version: ChunkVersion, piece: BlockPiece, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.write(id, version: version, piece: piece, bytes: bytes, crc: crc) }
    }

    public func finish(_ id: ChunkID) throws(ChunkStoreError) {
        // Its writes are fsynced outside the lock first, as `sync` does: a chunk closed with a
        // whole chunk's writes unsynced (WRITE_ACK_AFTER_FSYNC = 0) held every other chunk's
        // writes and commands for the length of that fsync. The close then has nothing left to
        // fsync, unless a write came in between.
        if locked({ $0.needsSync(id) }) {
            do throws(ChunkStoreError) {
                try sync(id)
            } catch {
                // Closed all the same, without another fsync: after a failed one the kernel
                // reports the next as a success, which would count the writes as durable.
                locked { $0.closeUnsynced(id) }
                throw error
            }
        }
        try withStorage { (s) throws(ChunkStoreError) in try s.finish(id) }
    }

    /// Makes every write of a chunk open for writing durable, as `finish` does (its CRC table
    /// stored, data and header fsynced), but keeps it open, and fsyncs **outside** the lock:
    /// the next writes (of this chunk or another) go on meanwhile, and an acknowledgement may
    /// cover exactly the writes that returned before this call (a write session's pipeline,
    /// issue #12). An fsync error counts against the chunk's directory as any I/O error does.
    public func sync(_ id: ChunkID) throws(ChunkStoreError) {
        guard let detached = try withStorage({ (s) throws(ChunkStoreError) in try s.prepareSync(id) }) else { return }
        do throws(PosixError) {
            try detached.file.sync()
            try? detached.file.close()
            locked { $0.synced(id, detached) }
        } catch {
            throw locked {
                $0.syncFailed(id)
                return $0.noted(.io(error), directory: detached.directory, chunk: id)
            }
        }
    }

    public func finishAll() -> [ChunkID: ChunkStoreError] { locked { $0.finishAll() } }

    /// A client's write of the chunk starts (a write session, whose acknowledgements cover its
    /// own writes only): writes an earlier session lost no longer fail its syncs.
    public func beginWrite(_ id: ChunkID) { locked { $0.lostWrites.remove(id) } }

    public func beginReplication(_ id: ChunkID) throws(ChunkStoreError) -> ReplicaTicket {
        try withStorage { (s) throws(ChunkStoreError) in try s.beginReplication(id) }
    }

    public func writeReplica(_ ticket: ReplicaTicket, piece: BlockPiece, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.writeReplica(ticket, piece: piece, bytes: bytes, crc: crc) }
    }

    public func completeReplication(_ ticket: ReplicaTicket, version: ChunkVersion) throws(ChunkStoreError) {
        try withStorage { (s) throws(ChunkStoreError) in try s.completeReplication(ticket, version: version) }
    }

    public func abandonReplication(_ ticket: ReplicaTicket) { locked { $0.abandonReplication(ticket) } }
}

/// One replication being received (`ChunkStore.beginReplication`): the chunk and which of its
/// replications, so that a replication the master gave up on (its version-0 file deleted as
/// stale, another replication of the chunk begun) cannot write, finish or delete the next one's.
public struct ReplicaTicket: Hashable, Sendable {
    public let chunk: ChunkID
    let token: UInt64
}
