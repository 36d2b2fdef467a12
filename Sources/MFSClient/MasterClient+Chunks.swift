import MFSCore
import MFSMetadata
import MFSWire

/// The chunk requests of the data path (issue #12): where a chunk's replicas are, and the
/// master's leave to write one (a new chunk is created, an existing one has its version bumped
/// first when replicas could diverge), then the end of that write.
extension MasterClient {
    /// Where chunk `index` of the file lives: its id, version and the servers with a valid
    /// copy (chunk 0: a hole, which reads as zeros), and the file's length.
    /// A chunk that is unavailable for now (`ClientError.chunkUnavailable`) is asked for again.
    public func readChunk(_ inode: InodeID, index: UInt32) async throws(ClientError) -> ChunkLocation {
        let reply = try await Self.untilAvailable(retryFor: options.retryFor) { () async throws(ClientError) -> MasterReply in
            try await call { .readChunk($0, inode: inode, index: index) }
        }
        guard case .chunkLocation(_, let location) = reply else { throw Self.unexpected(reply) }
        return location
    }

    /// Leave to write chunk `index` (the session must hold the file open for writing): the
    /// chunk (created if it was a hole), its version and the write chain in order. A chunk that
    /// is unavailable for now is asked for again, as `readChunk`.
    public func writeChunk(_ inode: InodeID, index: UInt32) async throws(ClientError) -> ChunkLocation {
        let who = credentials
        let reply = try await Self.untilAvailable(retryFor: options.retryFor) { () async throws(ClientError) -> MasterReply in
            try await call { .writeChunk($0, who, inode: inode, index: index) }
        }
        guard case .chunkLocation(_, let location) = reply else { throw Self.unexpected(reply) }
        return location
    }

    /// Runs `ask` again while the master says the chunk is unavailable for now (locked, busy,
    /// writes held after a failover, a chunkserver away), as MooseFS's mfsmount does: after
    /// `ChunkRetry.firstPause`, doubling up to `ChunkRetry.longestPause`, for up to
    /// `retryFor` (`ClientOptions.retryFor`) in all. A lost chunk (no copy anywhere) fails at once.
    public static func untilAvailable<T>(retryFor: Duration, _ ask: () async throws(ClientError) -> T) async throws(ClientError) -> T {
        let deadline = ContinuousClock.now + retryFor
        var pause = ChunkRetry.firstPause
        while true {
            do throws(ClientError) {
                return try await ask()
            } catch .chunkUnavailable(let status) where status != .chunkLost && ContinuousClock.now + pause < deadline {
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, ChunkRetry.longestPause)
            }
        }
    }

    /// The write through `chunk` is over (done or failed): the master raises the file's
    /// length to `length` if it is longer and releases the chunk.
    public func writeChunkEnd(_ inode: InodeID, chunk: ChunkID, length: UInt64) async throws(ClientError) {
        let who = credentials
        let reply = try await call { .writeChunkEnd($0, who, inode: inode, chunk: chunk, length: length) }
        guard case .status = reply else { throw Self.unexpected(reply) }
    }
}

/// The pauses between a chunk request's retries (`MasterClient.untilAvailable`).
public enum ChunkRetry {
    public static let firstPause = Duration.milliseconds(10)
    public static let longestPause = Duration.milliseconds(500)
}
