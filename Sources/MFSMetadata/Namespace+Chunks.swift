import MFSChangelog
import MFSCore

extension Namespace {
    /// Gives a file a new chunk (version 1) at a hole, for a write there. Returns its id.
    public mutating func addChunk(_ inode: InodeID, index: UInt32, now: UnixTime, request: RequestTag? = nil) throws(FSError) -> (
        ChunkID, ChangelogRecord
    ) {
        let record = try commit(.addChunk(inode: inode, index: index), now: now, request: request)
        return (ChunkID(record.result!), record)
    }

    /// Bumps a chunk's version before a write that could leave its replicas different.
    public mutating func bumpChunkVersion(_ chunk: ChunkID, now: UnixTime) throws(FSError) -> (UInt32, ChangelogRecord) {
        let record = try commit(.bumpChunkVersion(chunk: chunk), now: now, request: nil)
        return (UInt32(record.result!), record)
    }

    mutating func performAddChunk(inode: InodeID, index: UInt32) throws(FSError) -> ChunkID {
        let r = try existing(inode)
        guard r.typeRaw == NodeType.file.rawValue else { throw r.isDirectory ? .isDirectory : .invalidArgument }
        guard index < NamespaceLimits.maxChunkIndex else { throw .fileTooLarge }
        guard r.chunkList[index] == 0 else { throw .exists }
        guard nextChunk < UInt64(Int.max) else { throw .noSpace }
        let id = nextChunk
        nextChunk += 1
        let chunk = ChunkRecord(version: 1, inode: inode.rawValue, index: index)
        chunks.set(Int(id), chunk)
        chunkCount += 1
        checksum &+= chunk.checksumContribution(id: id)
        updateInode(inode.rawValue) { r in
            guard case .chunks(var list) = r.payload else { return }
            r.payload = .none
            list.insert(id, at: index)
            r.payload = .chunks(list)
        }
        return ChunkID(id)
    }

    mutating func performBumpVersion(_ id: UInt64) throws(FSError) -> UInt32 {
        guard id < UInt64(Int.max), !chunks[Int(id)].isEmpty else { throw .noEntry }
        var delta: UInt64 = 0
        let version = chunks.modify(Int(id)) { (c: inout ChunkRecord) -> UInt32 in
            let before = c.checksumContribution(id: id)
            c.version = c.version == UInt32.max ? 1 : c.version + 1
            delta = c.checksumContribution(id: id) &- before
            return c.version
        }
        checksum &+= delta
        return version
    }

    /// Forgets a chunk; chunkservers that report it later are told to delete it.
    mutating func freeChunk(_ id: UInt64) {
        let chunk = chunks[Int(id)]
        guard !chunk.isEmpty else { return }
        checksum &-= chunk.checksumContribution(id: id)
        chunks.set(Int(id), .empty)
        chunkCount -= 1
    }
}
