import MFSCore

/// The data path (port 9422): reads checked block by block, writes with the packet's CRC,
/// `finish` before a write is acknowledged, and replication (whole blocks, version 0 until
/// complete).
extension ChunkStorage {
    /// Reads `size` bytes at `offset`, one piece per block touched, each with the CRC of its
    /// bytes (the `CSTOCL_READ_DATA` packets). Blocks past the chunk's end read as zeros. A
    /// block whose stored CRC does not match is never returned: the whole read fails with
    /// `damaged` and the chunk is reported. For a streaming reply, read piece by piece with
    /// `read(_:version:piece:)` over `BlockPiece.pieces(offset:size:)`.
    public func read(_ id: ChunkID, version: ChunkVersion, offset: Int, size: Int) throws(ChunkStoreError) -> [ReadPiece] {
        let pieces = try BlockPiece.pieces(offset: offset, size: size)
        let stored = try stored(id, version)
        return try withFile(stored, writable: false, durable: false) { (file) throws(ChunkStoreError) in
            try pieces.map { (piece) throws(ChunkStoreError) in try file.read(piece) }
        }
    }

    /// Reads one piece of one block.
    public func read(_ id: ChunkID, version: ChunkVersion, piece: BlockPiece) throws(ChunkStoreError) -> ReadPiece {
        let piece = try BlockPiece.checked(block: piece.block, offset: piece.offset, size: piece.size)
        let stored = try stored(id, version)
        return try withFile(stored, writable: false, durable: false) { (file) throws(ChunkStoreError) in try file.read(piece) }
    }

    /// Reads `pieces` of one chunk in order with its file opened once, each straight into the
    /// memory of the same index in `spaces` (exactly `piece.size` bytes each), and returns the
    /// CRC of each piece: the data port's streaming read (issue #12), consecutive whole blocks
    /// in one `preadv`. The checks are those of `read(_:version:piece:)`; on an error nothing
    /// read is to be used.
    public func read(_ id: ChunkID, version: ChunkVersion, pieces: [BlockPiece], into spaces: [UnsafeMutableRawBufferPointer])
        throws(ChunkStoreError) -> [UInt32]
    {
        precondition(pieces.count == spaces.count, "\(pieces.count) pieces into \(spaces.count) spaces")
        let pieces = try pieces.map { (piece) throws(ChunkStoreError) in
            try BlockPiece.checked(block: piece.block, offset: piece.offset, size: piece.size)
        }
        let stored = try stored(id, version)
        return try withFile(stored, writable: false, durable: false) { (file) throws(ChunkStoreError) in
            try file.read(pieces, into: spaces)
        }
    }

    /// Where a streaming read of a chunk can go on outside the store's lock
    /// (`ChunkStore.read(_:version:pieces:into:)`): the chunk's file, when no write has it open.
    /// Nil for a chunk open for writing: its CRC table in memory is ahead of its file's.
    func unlockedRead(_ id: ChunkID, _ version: ChunkVersion) throws(ChunkStoreError) -> UnlockedRead? {
        let stored = try stored(id, version)
        guard open[id] == nil else { return nil }
        return UnlockedRead(name: stored.name, path: path(of: stored))
    }

    /// Reads blocks `blocks` of a stored chunk and checks each against its stored CRC, for the
    /// background test (`ChunkTestSchedule`); returns how many blocks were read (blocks past
    /// the chunk's end are not). A mismatch throws `damaged` and reports the chunk, as a read
    /// that hits it does.
    public func test(_ id: ChunkID, version: ChunkVersion, blocks: Range<Int>) throws(ChunkStoreError) -> Int {
        let stored = try stored(id, version)
        return try withFile(stored, writable: false, durable: false) { (file) throws(ChunkStoreError) in
            let range = blocks.clamped(to: 0..<file.blocks)
            for block in range { _ = try file.readCheckedBlock(block) }
            return range.count
        }
    }

    /// The chunk's block count (`CSTOAN_CHUNK_BLOCKS`, the first step of a replication).
    public func blocks(_ id: ChunkID, version: ChunkVersion) throws(ChunkStoreError) -> Int {
        try stored(id, version).blocks
    }

    /// Writes `bytes` at chunk offset `offset`; `crc` is the CRC of exactly `bytes`, as the
    /// packet carries it, and is checked first: on a mismatch nothing is written. Parts of
    /// blocks are merged into the stored block (read, checked, modified, written) and the CRC
    /// table is updated in memory. Not durable until `finish(_:)`.
    public func write(_ id: ChunkID, version: ChunkVersion, offset: Int, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        let pieces = try BlockPiece.pieces(offset: offset, size: bytes.count)
        let computed = BlockCRC.checksum(bytes)
        guard computed == crc else { throw .packetCRCMismatch(id, sent: crc, computed: computed) }
        let stored = try stored(id, version)
        let blocks = try guarded(stored.directory, chunk: id) { () throws(ChunkStoreError) in
            let file = try openForWriting(stored)
            for piece in pieces {
                let slice = bytes[piece.chunkOffset - offset..<piece.chunkOffset - offset + piece.size]
                try file.write(piece, slice, crc: pieces.count == 1 ? crc : BlockCRC.checksum(slice))
            }
            return file.blocks
        }
        setBlocks(id, blocks)
    }

    /// Writes one piece of one block, as a `CLTOCS_WRITE_DATA` packet gives it.
    public func write(_ id: ChunkID, version: ChunkVersion, piece: BlockPiece, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        let piece = try BlockPiece.checked(block: piece.block, offset: piece.offset, size: piece.size)
        guard bytes.count == piece.size else { throw .outOfChunk(offset: piece.chunkOffset, size: bytes.count) }
        try write(id, version: version, offset: piece.chunkOffset, bytes: bytes, crc: crc)
    }

    /// Makes a chunk's writes durable: stores its CRC table, fsyncs data and header, and closes
    /// it (at WRITE_FINISH, or when the open-chunk cache makes room: MooseFS's
    /// HDD_FSYNC_BEFORE_CLOSE = 1). A chunk not open for writing has nothing to finish; one
    /// whose every write an fsync already covered (`sync`, which by default each write's
    /// acknowledgement waits for) is closed without another.
    public func finish(_ id: ChunkID) throws(ChunkStoreError) {
        let file = open.removeValue(forKey: id)?.file
        defer { try? file?.close() }
        guard let stored = table[id] else { throw .noChunk(id) }
        if let file, file.needsSync {
            do throws(ChunkStoreError) {
                try guarded(stored.directory, chunk: id) { () throws(ChunkStoreError) in try file.sync() }
                writeSyncs += 1
            } catch {
                lostWrites.insert(id)
                throw error
            }
        }
        if lostWrites.contains(id) { throw .writesLost(id) }
    }

    /// Closes a chunk open for writing without fsyncing it (its fsync failed, or its
    /// directory): writes no fsync covered are lost (`lostWrites`).
    func closeUnsynced(_ id: ChunkID) {
        guard let file = open.removeValue(forKey: id)?.file else { return }
        if file.needsSync { lostWrites.insert(id) }
        try? file.close()
    }

    /// An fsync of the chunk's writes failed: what it was to cover may not be on the disk.
    func syncFailed(_ id: ChunkID) { lostWrites.insert(id) }

    /// Whether a chunk open for writing has writes no fsync covers yet.
    func needsSync(_ id: ChunkID) -> Bool { open[id]?.file.needsSync ?? false }

    /// The first half of `ChunkStore.sync`: stores the CRC table of a chunk open for writing
    /// and returns a second descriptor of its file, which the caller fsyncs (after the lock is
    /// released) and closes; the chunk stays open for the next writes. nil when the chunk is
    /// not open for writing: nothing of it waits for an fsync (`finish` did it).
    func prepareSync(_ id: ChunkID) throws(ChunkStoreError) -> DetachedSync? {
        if lostWrites.contains(id) { throw .writesLost(id) }
        guard let stored = table[id] else { throw .noChunk(id) }
        guard let file = open[id]?.file else { return nil }
        let copy = try guarded(stored.directory, chunk: id) { () throws(ChunkStoreError) in try file.flushForSync() }
        return DetachedSync(file: copy.file, directory: stored.directory, source: file, changes: copy.changes)
    }

    /// The second half of `ChunkStore.sync`, once its fsync succeeded: the chunk's descriptor,
    /// if it is still the one open, knows those changes are durable.
    func synced(_ id: ChunkID, _ detached: DetachedSync) {
        writeSyncs += 1
        guard let file = open[id]?.file, file === detached.source else { return }
        file.covered(upTo: detached.changes)
    }

    /// Finishes every chunk open for writing (at shutdown); returns the errors, by chunk.
    public func finishAll() -> [ChunkID: ChunkStoreError] {
        var errors: [ChunkID: ChunkStoreError] = [:]
        for id in open.keys.sorted() {
            do { try finish(id) } catch { errors[id] = error }
        }
        return errors
    }

    // MARK: - Replication (notes §2.8)

    /// Starts receiving a replica: an empty chunk at version 0, as MooseFS writes it
    /// (`…_00000000.mfs`), filled with `write(_:version:piece:bytes:crc:)` (each block's CRC is
    /// checked as it arrives) and completed with `completeReplication`.
    public func beginReplication(_ id: ChunkID) throws(ChunkStoreError) -> ReplicaTicket {
        try create(id, version: .any)
        nextReplicaToken += 1
        replicas[id] = nextReplicaToken
        return ReplicaTicket(chunk: id, token: nextReplicaToken)
    }

    /// Writes a block of the replica `ticket` is receiving; `noChunk` once that replica is gone.
    public func writeReplica(_ ticket: ReplicaTicket, piece: BlockPiece, bytes: [UInt8], crc: UInt32) throws(ChunkStoreError) {
        try checkReplica(ticket)
        try write(ticket.chunk, version: .any, piece: piece, bytes: bytes, crc: crc)
    }

    /// Makes the received replica durable and gives it its final version.
    public func completeReplication(_ ticket: ReplicaTicket, version: ChunkVersion) throws(ChunkStoreError) {
        try checkReplica(ticket)
        try finish(ticket.chunk)
        try setVersion(ticket.chunk, from: .any, to: version)
        replicas[ticket.chunk] = nil
    }

    /// Drops a replica that could not be completed (nothing when it is gone already).
    public func abandonReplication(_ ticket: ReplicaTicket) {
        guard (try? checkReplica(ticket)) != nil else { return }
        replicas[ticket.chunk] = nil
        try? delete(ticket.chunk, version: .any)
    }

    /// Throws `noChunk` unless the version-0 file of `ticket.chunk` is still that replication's:
    /// the master may have deleted it (a version-0 copy is stale to it) and started another
    /// replication of the chunk, whose file the first must neither write, finish nor delete.
    private func checkReplica(_ ticket: ReplicaTicket) throws(ChunkStoreError) {
        guard replicas[ticket.chunk] == ticket.token, table[ticket.chunk]?.name.version == .any else { throw .noChunk(ticket.chunk) }
    }

    /// The chunk's file kept open for writing, opening it (and closing the least recently used
    /// one past `maxOpenChunks`, fsynced so its writes stay durable for a later `finish`).
    private func openForWriting(_ stored: Stored) throws(ChunkStoreError) -> ChunkFile {
        useCounter += 1
        if let file = open[stored.name.id]?.file {
            open[stored.name.id] = (file, useCounter)
            return file
        }
        if open.count >= options.maxOpenChunks, let oldest = open.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            try? finish(oldest)
        }
        let file = try ChunkFile.open(stored.name, at: path(of: stored), writable: true)
        open[stored.name.id] = (file, useCounter)
        return file
    }
}

/// A chunk file's second descriptor, handed out of the store's lock to be fsynced
/// (`ChunkStore.sync`); owned by that one caller.
struct DetachedSync: @unchecked Sendable {
    let file: PosixFile
    /// The chunk's data directory, for what an fsync error means for it.
    let directory: Int
    /// The open chunk file it was taken from (held, so no later file can take its identity;
    /// compared under the store's lock only), and how many of its changes the fsync covers.
    let source: ChunkFile
    let changes: Int
}

/// A chunk's file read outside the store's lock, by the data port's streaming read: opened on
/// a descriptor of its own, its header and CRC table read from the file, the pieces checked
/// against that table. Nothing of the store is touched, so reads of many chunks (and the
/// disk jobs of one read) reach the disk at once. Any failure, a mismatched CRC included,
/// gives nil: the caller then reads under the lock, where a concurrent change of the chunk
/// (a write that began since, a new version, a delete) is settled and real damage is
/// reported, as before.
struct UnlockedRead: Sendable {
    let name: ChunkFileName
    let path: String

    func read(_ pieces: [BlockPiece], into spaces: [UnsafeMutableRawBufferPointer]) -> [UInt32]? {
        guard let file = try? ChunkFile.open(name, at: path, writable: false) else { return nil }
        defer { try? file.close() }
        return try? file.read(pieces, into: spaces)
    }
}
