import MFSCore
import MFSMetadata
import MFSWire

/// A truncate that cuts inside a chunk: the namespace bumps that chunk's version (`LENGTH`),
/// and its copies must be cut to `length` bytes at the new version.
struct ChunkCut: Sendable {
    var chunk: ChunkID
    /// Bytes kept in the chunk (1…64 MiB − 1).
    var length: UInt32
    var oldVersion: UInt32
    /// Filled in after the change.
    var version: UInt32 = 0
}

extension ClientRequestProcessor {
    /// A chunk request through the hub, or EIO without one.
    func chunkRequest(_ id: RequestID, _ start: @escaping @Sendable (ChunkHub, @escaping ChunkHub.Reply) -> Void) -> RequestOutcome {
        guard let chunks else { return .now(.failure(id, .ioError)) }
        return .later { reply in start(chunks, reply) }
    }

    /// The chunk a `setLength` would cut inside, if any: a shrink to a length that is not a
    /// whole number of chunks, where that chunk exists.
    static func chunkCut(_ request: ClientRequest, in namespace: Namespace) -> ChunkCut? {
        guard case .setLength(_, _, let inode, let length, _) = request, length % NamespaceLimits.chunkSize != 0,
            let current = try? namespace.attributes(of: inode), length < current.length,
            let found = try? namespace.chunk(of: inode, index: UInt32(length / NamespaceLimits.chunkSize)), found.chunk != .none,
            let version = namespace.chunkVersion(found.chunk)
        else { return nil }
        return ChunkCut(chunk: found.chunk, length: UInt32(length % NamespaceLimits.chunkSize), oldVersion: version)
    }

    /// While a write or a command holds the chunk a truncate would cut, the truncate waits
    /// (the client retries on `chunkBusy`): cutting under a write would lose it.
    func truncationRefusal(_ request: ClientRequest) -> WireStatus? {
        guard let chunks, let cut = Self.chunkCut(request, in: service.namespace) else { return nil }
        return chunks.truncationRefusal(cut.chunk)
    }
}
