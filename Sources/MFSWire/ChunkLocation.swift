import MFSCore

/// Where a client reads or writes one chunk of a file: the answer to `ClientRequest.readChunk`
/// and `ClientRequest.writeChunk` (`MasterReply.chunkLocation`).
///
/// Layout (`LOCATION`): `fileLength:64 chunk:64 version:32 count:8 count*[ip:32 port:16]`, at
/// most `WireLimits.maxChunkLocations` servers. Chunk 0 is a hole: a read returns zeros there,
/// and it has no servers (a write never gets a hole: the master creates the chunk first).
public struct ChunkLocation: Equatable, Sendable {
    /// Which request this answers; it decides the frame type (`MasterToClient.readChunk` or
    /// `MasterToClient.writeChunk`), since the two layouts are the same.
    public enum Access: Equatable, Sendable {
        case read
        case write
    }

    public var access: Access
    /// The file's length when the master answered; a read past it returns nothing.
    public var fileLength: UInt64
    /// The chunk's id; `ChunkID(0)` for a hole.
    public var chunk: ChunkID
    /// The version the chunkservers hold (and check: a copy at another version refuses).
    public var version: UInt32
    /// For a read: the chunkservers with a valid copy, any one will do. For a write: the chain
    /// in order; the client connects to the first, which forwards to the next.
    public var servers: [ChunkserverAddress]

    public init(access: Access, fileLength: UInt64, chunk: ChunkID, version: UInt32, servers: [ChunkserverAddress]) {
        self.access = access
        self.fileLength = fileLength
        self.chunk = chunk
        self.version = version
        self.servers = servers
    }

    /// Whether the chunk is a hole (no chunk at that index yet).
    public var isHole: Bool { chunk == .none }
}

extension FrameWriter {
    mutating func write(_ location: ChunkLocation) {
        precondition(location.servers.count <= WireLimits.maxChunkLocations, "\(location.servers.count) chunk locations")
        precondition(!location.isHole || location.servers.isEmpty, "a hole with chunkservers")
        write(location.fileLength)
        write(location.chunk.rawValue)
        write(location.version)
        write(UInt8(location.servers.count))
        for server in location.servers {
            write(server.ip)
            write(server.port)
        }
    }
}

extension PayloadReader {
    mutating func chunkLocation(_ access: ChunkLocation.Access) throws(WireError) -> ChunkLocation {
        let fileLength = try uint64()
        let chunk = ChunkID(try uint64())
        let version = try uint32()
        let count = Int(try uint8())
        guard count <= WireLimits.maxChunkLocations else {
            throw malformed("servers", "\(count) chunkservers; the limit is \(WireLimits.maxChunkLocations)")
        }
        guard chunk != .none || count == 0 else { throw malformed("servers", "\(count) chunkservers for a hole (chunk 0)") }
        var servers: [ChunkserverAddress] = []
        servers.reserveCapacity(count)
        for _ in 0..<count { servers.append(ChunkserverAddress(ip: try uint32(), port: try uint16())) }
        return ChunkLocation(access: access, fileLength: fileLength, chunk: chunk, version: version, servers: servers)
    }
}
