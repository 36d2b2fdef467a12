import MFSCore
import MFSMetadata
import MFSWire

/// The chunk requests of the data path (issue #12): where a chunk's replicas are, and the
/// master's leave to write one (a new chunk is created, an existing one has its version bumped
/// first when replicas could diverge), then the end of that write.
extension MasterClient {
    /// Where chunk `index` of the file lives: its id, version and the servers with a valid
    /// copy (chunk 0: a hole, which reads as zeros), and the file's length.
    public func readChunk(_ inode: InodeID, index: UInt32) async throws(ClientError) -> ChunkLocation {
        let reply = try await call { .readChunk($0, inode: inode, index: index) }
        guard case .chunkLocation(_, let location) = reply else { throw Self.unexpected(reply) }
        return location
    }

    /// Leave to write chunk `index` (the session must hold the file open for writing): the
    /// chunk (created if it was a hole), its version and the write chain in order.
    public func writeChunk(_ inode: InodeID, index: UInt32) async throws(ClientError) -> ChunkLocation {
        let who = credentials
        let reply = try await call { .writeChunk($0, who, inode: inode, index: index) }
        guard case .chunkLocation(_, let location) = reply else { throw Self.unexpected(reply) }
        return location
    }

    /// The write through `chunk` is over (done or failed): the master raises the file's
    /// length to `length` if it is longer and releases the chunk.
    public func writeChunkEnd(_ inode: InodeID, chunk: ChunkID, length: UInt64) async throws(ClientError) {
        let who = credentials
        let reply = try await call { .writeChunkEnd($0, who, inode: inode, chunk: chunk, length: length) }
        guard case .status = reply else { throw Self.unexpected(reply) }
    }
}
