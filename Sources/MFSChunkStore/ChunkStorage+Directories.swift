import MFSCore

/// Space, the choice of a directory for a new chunk, and what an error means for a directory.
extension ChunkStorage {
    /// Re-reads every directory's file system (`statvfs`): the daemon calls it when something
    /// changed and at least every minute, as MooseFS does. A full directory that has room again
    /// takes new chunks again; one whose file system cannot be read is taken out of use.
    public func refreshSpace() {
        for (index, directory) in directories.enumerated() where directory.failure == nil {
            do {
                let space = try FileSystemSpace.of(directory.path)
                directory.usage = DirectoryUsage.of(
                    space: space, limit: directory.entry.sizeLimit, chunkBytes: directory.chunkBytes, leaveFree: options.leaveFree)
                directory.isFull = directory.usage.available == 0
            } catch {
                note(.errorOccurred(directory: directory.path, reason: error.description))
                fail(directory: index, reason: error.description)
            }
        }
    }

    /// The totals for `CSTOMA_REGISTER` and `CSTOMA_SPACE`.
    public var spaceTotals: SpaceTotals {
        var totals = SpaceTotals()
        for directory in directories where directory.failure == nil {
            totals.add(directory.usage, chunks: directory.chunkCount, markedForRemoval: directory.entry.markedForRemoval)
        }
        return totals
    }

    /// The directory for a new chunk: among those that take new chunks, each chosen in
    /// proportion to its total space (smooth weighted round robin), so directories fill evenly.
    func chooseDirectory() throws(ChunkStoreError) -> Int {
        let candidates = directories.indices.filter { directories[$0].takesNewChunks }
        guard !candidates.isEmpty else { throw .noUsableDirectory }
        let weights = candidates.map { Int64(clamping: max(1, directories[$0].usage.total >> 20)) }
        for (index, weight) in zip(candidates, weights) { directories[index].credit += weight }
        let chosen = candidates.max { directories[$0].credit < directories[$1].credit }!
        directories[chosen].credit -= weights.reduce(0, +)
        return chosen
    }

    /// Runs `body` on a chunk of `directory`, and decides what its error means: damage is
    /// reported, a full file system stops new chunks there, other I/O errors count against the
    /// directory, which fails past its tolerance.
    func guarded<T>(_ directory: Int, chunk id: ChunkID?, _ body: () throws(ChunkStoreError) -> T) throws(ChunkStoreError) -> T {
        do {
            return try body()
        } catch {
            throw noted(error, directory: directory, chunk: id)
        }
    }

    /// Records what `error` means for `directory` and returns the error for the caller.
    func noted(_ error: ChunkStoreError, directory index: Int, chunk id: ChunkID?) -> ChunkStoreError {
        let directory = directories[index]
        switch error {
        case .damaged(let damaged, _, _):
            note(.errorOccurred(directory: directory.path, reason: error.description))
            note(.damaged(damaged))
            if table[damaged] != nil { damagedChunks.insert(damaged) }
            return error
        case .io(let posix) where posix.isNoSpace:
            if !directory.isFull { note(.directoryFull(directory.path)) }
            directory.isFull = true
            return .noSpace(directory: directory.path)
        case .io(let posix):
            note(.errorOccurred(directory: directory.path, reason: posix.description))
            if directory.health.record(errno: posix.code, at: options.now()) {
                fail(
                    directory: index,
                    reason: "\(directory.health.recent.count) I/O errors within \(directory.health.tolerancePeriod), last: \(posix)")
            }
            return error
        default:
            return error
        }
    }

    /// Takes a directory out of use: its open chunks are closed without flushing, its chunks
    /// leave the table and are reported lost.
    func fail(directory index: Int, reason: String) {
        let directory = directories[index]
        guard directory.failure == nil else { return }
        directory.failure = reason
        note(.directoryFailed(directory.path, reason: reason))
        let lost = table.values.filter { $0.directory == index }.map(\.name.id).sorted()
        for id in lost {
            closeUnsynced(id)
            forget(id)
            // Gone from the table: its syncs fail as `noChunk` from now on.
            clearMarks(id)
            note(.lost(id))
        }
    }
}
