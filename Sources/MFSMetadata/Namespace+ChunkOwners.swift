import MFSCore

/// What the master's chunk registry asks the namespace (its `ChunkFacts`): the next chunk id,
/// and for a chunk id the file that holds it (its goal decides how many copies are wanted).
/// Read-only queries; every change to chunks goes through `addChunk`, `bumpChunkVersion`,
/// `setLength` and the removals.
extension Namespace {
    /// The first chunk id never given out (ids at or above it are another cluster's).
    public var nextChunkID: ChunkID { ChunkID(nextChunk) }

    /// The version of a live chunk and the goal of the file that holds it; nil if no file does.
    public func chunkExpectation(_ chunk: ChunkID) -> (version: UInt32, goal: UInt8)? {
        guard chunk.rawValue > 0, chunk.rawValue < nextChunk else { return nil }
        let c = chunks[Int(chunk.rawValue)]
        guard !c.isEmpty else { return nil }
        return (c.version, inodes[Int(c.inode)].goal)
    }

    /// How many of the chunk's bytes lie inside its file: 0 when the file ends before the
    /// chunk, at most a whole chunk. A copy must hold these; anything past them is past the
    /// file's end. Nil for a chunk no file holds.
    public func chunkExtent(_ chunk: ChunkID) -> UInt32? {
        guard chunk.rawValue > 0, chunk.rawValue < nextChunk else { return nil }
        let c = chunks[Int(chunk.rawValue)]
        guard !c.isEmpty else { return nil }
        let start = UInt64(c.index) * NamespaceLimits.chunkSize
        let size = inodes[Int(c.inode)].size
        return UInt32(min(NamespaceLimits.chunkSize, size > start ? size - start : 0))
    }

    /// Whether a session has the file holding the chunk open (false for a chunk no file holds).
    public func chunkIsInOpenFile(_ chunk: ChunkID) -> Bool {
        guard chunk.rawValue > 0, chunk.rawValue < nextChunk else { return false }
        let c = chunks[Int(chunk.rawValue)]
        return !c.isEmpty && inodes[Int(c.inode)].openCount > 0
    }

    /// Every live chunk with its version and its file's goal, in id order (O(chunks): for
    /// status counts, not for a request's path).
    public func forEachChunk(_ body: (ChunkID, _ version: UInt32, _ goal: UInt8) -> Void) {
        chunks.forEach { id, c in body(ChunkID(UInt64(id)), c.version, inodes[Int(c.inode)].goal) }
    }

    /// The chunk at `index` of a file (`ChunkID.none` for a hole or past the end) and the
    /// file's length. ENOENT for no such inode; EISDIR or EINVAL when it is not a file.
    public func chunk(of inode: InodeID, index: UInt32) throws(FSError) -> (chunk: ChunkID, length: UInt64) {
        let r = try existing(inode)
        guard r.typeRaw == NodeType.file.rawValue else { throw r.isDirectory ? .isDirectory : .invalidArgument }
        return (ChunkID(r.chunkList[index]), r.size)
    }
}
