import MFSCore

#if canImport(Glibc)
    import Glibc
#endif

/// The master's chunk commands (notes §2.7): create, delete, set version, duplicate, truncate,
/// duplicate and truncate. Each is durable when it returns: the file and its directory are
/// fsynced (a create only when asked: `durable`).
extension ChunkStorage {
    /// Creates an empty chunk (header and an unwritten CRC table, no block) in a directory that
    /// takes new chunks, trying the next one when a file system turns out full. `durable`: the
    /// file and its directory are fsynced before it returns; else (`WRITE_ACK_AFTER_FSYNC = 0`,
    /// as MooseFS's chunkserver) the file is fsynced with its first writes, when they are
    /// finished, and the directory entry when the file system commits it.
    @discardableResult
    public func create(_ id: ChunkID, version: ChunkVersion, durable: Bool = true) throws(ChunkStoreError) -> ChunkRecord {
        try version.checkStorable(for: id)
        guard table[id] == nil else { throw .chunkExists(id) }
        let name = ChunkFileName(id: id, version: version)
        while true {
            let directory = try chooseDirectory()
            let subdirectory = directories[directory].placement.current
            let path = path(name, in: directory, subdirectory)
            do throws(ChunkStoreError) {
                try guarded(directory, chunk: id) { () throws(ChunkStoreError) in
                    do throws(ChunkStoreError) {
                        let file = try io { () throws(PosixError) in try ChunkFile.create(name, at: path) }
                        if durable { try file.sync() }
                        try file.close()
                        if durable { try io { () throws(PosixError) in try PosixPath.syncDirectory(PosixPath.directory(of: path)) } }
                    } catch {
                        _ = unlinkQuietly(path)
                        throw error
                    }
                }
            } catch .noSpace {
                continue
            }
            let stored = Stored(name: name, directory: directory, subdirectory: subdirectory, blocks: 0)
            remember(stored)
            clearMarks(id)
            return record(stored)
        }
    }

    /// Deletes a chunk (version 0: whatever version is stored). A file already gone is not an
    /// error: the chunk leaves the table either way.
    public func delete(_ id: ChunkID, version: ChunkVersion) throws(ChunkStoreError) {
        let stored = try stored(id, version)
        let path = path(of: stored)
        try guarded(stored.directory, chunk: id) { () throws(ChunkStoreError) in
            if let file = open.removeValue(forKey: id)?.file { try? file.close() }
            if let error = unlinkQuietly(path) { throw .io(error) }
            try io { () throws(PosixError) in try PosixPath.syncDirectory(PosixPath.directory(of: path)) }
        }
        forget(id)
        clearMarks(id)
    }

    /// Renames a chunk to a new version and rewrites the version in its header.
    public func setVersion(_ id: ChunkID, from old: ChunkVersion, to new: ChunkVersion) throws(ChunkStoreError) {
        try new.checkStorable(for: id)
        var stored = try stored(id, old)
        guard stored.name.version != new else {
            lostWrites.remove(id)
            return
        }
        let oldPath = path(of: stored)
        let newName = ChunkFileName(id: id, version: new)
        let newPath = path(newName, in: stored.directory, stored.subdirectory)
        try guarded(stored.directory, chunk: id) { () throws(ChunkStoreError) in
            let (file, kept) = try file(of: stored, writable: true)
            defer { if !kept { try? file.close() } }
            try io { () throws(PosixError) in try PosixPath.rename(oldPath, newPath) }
            do throws(ChunkStoreError) {
                try file.rename(to: newName, path: newPath)
                try file.sync()
            } catch {
                try? PosixPath.rename(newPath, oldPath)
                throw error
            }
            // The file has its new name from here on, whether or not the directory's fsync
            // works: the table follows it, so that the delete that follows a failure finds the
            // file (before, the table kept the old name, the delete found nothing there, and the
            // copy at the new version, without the write that failed, came back at the next
            // start as valid).
            stored.name = newName
            table[id] = stored
            do throws(ChunkStoreError) {
                try io { () throws(PosixError) in try PosixPath.syncDirectory(PosixPath.directory(of: newPath)) }
            } catch {
                // The master counts this copy failed, at its old version, and writes on without
                // it; under its new name it would pass for valid at the next registration (before
                // its delete): each registration reports it damaged instead.
                damagedChunks.insert(id)
                throw error
            }
        }
        lostWrites.remove(id)
    }

    /// Truncates a chunk to `length` bytes (see `ChunkFile.truncate`) and sets its version to
    /// `newVersion` (MATOCS_TRUNCATE). The data is cut first, so a damaged last block refuses the
    /// whole command before anything changed.
    public func truncate(_ id: ChunkID, version: ChunkVersion, to length: Int, newVersion: ChunkVersion) throws(ChunkStoreError) {
        guard (0...ChunkLimits.chunkSize).contains(length) else { throw .outOfChunk(offset: length, size: 0) }
        try newVersion.checkStorable(for: id)
        let stored = try stored(id, version)
        let blocks = try withFile(stored, writable: true, durable: true) { (file) throws(ChunkStoreError) in
            try file.truncate(to: length)
            return file.blocks
        }
        setBlocks(id, blocks)
        try setVersion(id, from: stored.name.version, to: newVersion)
    }

    /// Copies chunk `id` (at `version`) to a new chunk `newID` at `newVersion`; the source is
    /// unchanged. Every block is checked against its CRC on the way: a damaged source gives a
    /// `damaged` error and no copy. The source's blocks are read before the copy is created (up
    /// to 64 MiB in memory), so an error is always the source's or the copy's, never mixed.
    @discardableResult
    public func duplicate(_ id: ChunkID, version: ChunkVersion, to newID: ChunkID, newVersion: ChunkVersion) throws(ChunkStoreError)
        -> ChunkRecord
    {
        try newVersion.checkStorable(for: newID)
        let source = try stored(id, version)
        guard table[newID] == nil else { throw .chunkExists(newID) }
        let blocks = try withFile(source, writable: false, durable: false) { (file) throws(ChunkStoreError) in
            try (0..<file.blocks).map { (block) throws(ChunkStoreError) in try file.readCheckedBlock(block) }
        }
        try create(newID, version: newVersion)
        do throws(ChunkStoreError) {
            let target = try stored(newID, newVersion)
            let count = try withFile(target, writable: true, durable: true) { (file) throws(ChunkStoreError) in
                for (index, block) in blocks.enumerated() {
                    try file.write(BlockPiece(block: index, offset: 0, size: ChunkLimits.blockSize), block.bytes[...], crc: block.crc)
                }
                return file.blocks
            }
            setBlocks(newID, count)
        } catch {
            try? delete(newID, version: newVersion)
            throw error
        }
        return chunk(newID)!
    }

    /// Duplicates then truncates the copy to `length` (MATOCS_DUPTRUNC).
    @discardableResult
    public func duplicateTruncate(_ id: ChunkID, version: ChunkVersion, to newID: ChunkID, newVersion: ChunkVersion, length: Int)
        throws(ChunkStoreError) -> ChunkRecord
    {
        guard (0...ChunkLimits.chunkSize).contains(length) else { throw .outOfChunk(offset: length, size: 0) }
        try duplicate(id, version: version, to: newID, newVersion: newVersion)
        do throws(ChunkStoreError) {
            try truncate(newID, version: newVersion, to: length, newVersion: newVersion)
        } catch {
            try? delete(newID, version: newVersion)
            throw error
        }
        return chunk(newID)!
    }

    /// Runs `body` on a chunk's file: the one open for writing, or one opened for this call
    /// and closed after it (fsynced first when `durable`).
    func withFile<T>(_ stored: Stored, writable: Bool, durable: Bool, _ body: (ChunkFile) throws(ChunkStoreError) -> T)
        throws(ChunkStoreError)
        -> T
    {
        try guarded(stored.directory, chunk: stored.name.id) { () throws(ChunkStoreError) in
            let (file, kept) = try file(of: stored, writable: writable)
            defer { if !kept { try? file.close() } }
            let result = try body(file)
            if durable { try file.sync() }
            return result
        }
    }

    /// The chunk's file open for writing (`kept`), or one opened now that the caller closes.
    private func file(of stored: Stored, writable: Bool) throws(ChunkStoreError) -> (file: ChunkFile, kept: Bool) {
        if let file = open[stored.name.id]?.file { return (file, true) }
        return (try ChunkFile.open(stored.name, at: path(of: stored), writable: writable), false)
    }

    /// Unlinks a file; nil when it is gone (or was never there), else the error.
    func unlinkQuietly(_ path: String) -> PosixError? {
        do { try PosixPath.unlink(path) } catch  where error.code == ENOENT { return nil } catch { return error }
        return nil
    }
}
