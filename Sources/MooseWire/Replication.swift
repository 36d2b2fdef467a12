import MFSCore

/// MATOCS_REPLICATE (150), sent to the **destination** chunkserver, in two forms:
///
/// ```
/// simple (18 B)     chunkid:64 version:32 srcip:32 srcport:16
/// XOR (28 + 18n B)  chunkid:64 version:32 xormasks:4×32 then n × (srcchunkid:64 srcversion:32 ip:32 port:16), n = 1...8
/// ```
/// Simple: fetch the chunk from the source's data port (`GetChunkBlocks`, then a `ReadRequest`
/// without protover for every block) and store it under `version`. The XOR form builds each
/// quarter block as the XOR of the sources the masks select; the 3.0.117 CE master only sends
/// the simple form. Reply: `ReplicateStatus`.
public struct ReplicateChunk: MooseMessage {
    public enum Sources: Hashable, Sendable {
        case single(ChunkserverAddress)
        /// Four masks (one per quarter block, bit i = source i) and 1...8 sources.
        case xor(masks: [UInt32], parts: [XorSource])
    }

    public var chunkID: ChunkID
    public var version: UInt32
    public var sources: Sources

    public init(chunkID: ChunkID, version: UInt32, sources: Sources) {
        if case .xor(let masks, let parts) = sources {
            precondition(masks.count == 4, "\(masks.count) XOR masks")
            precondition((1...MooseWireLimits.maxXorReplicationSources).contains(parts.count), "\(parts.count) XOR sources")
        }
        self.chunkID = chunkID
        self.version = version
        self.sources = sources
    }

    public init(chunkID: ChunkID, version: UInt32, source: ChunkserverAddress) {
        self.init(chunkID: chunkID, version: version, sources: .single(source))
    }

    public static let messageTypes: [MooseMessageType] = [.matocsReplicate]
    public var messageType: MooseMessageType { .matocsReplicate }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        switch sources {
        case .single(let address): writer.write(address)
        case .xor(let masks, let parts):
            for mask in masks { writer.write(mask) }
            for part in parts {
                writer.write(part.chunkID)
                writer.write(part.version)
                writer.write(part.address)
            }
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ReplicateChunk {
        if reader.length == 18 {
            return ReplicateChunk(chunkID: try reader.chunkID(), version: try reader.version(), source: try reader.address("src"))
        }
        let count = try reader.entryCount(header: 28, entrySize: 18, limit: MooseWireLimits.maxXorReplicationSources, "sources")
        guard count >= 1 else { throw .wrongLength(message: reader.message, length: reader.length, expected: "18, or 28 + 18 × (1...8)") }
        let chunkID = try reader.chunkID()
        let version = try reader.version()
        var masks: [UInt32] = []
        for k in 0..<4 { masks.append(try reader.uint32("xormasks[\(k)]")) }
        var parts: [XorSource] = []
        for _ in 0..<count {
            parts.append(
                XorSource(
                    chunkID: try reader.chunkID("srcchunkid"), version: try reader.version("srcversion"), address: try reader.address("src")
                ))
        }
        return ReplicateChunk(chunkID: chunkID, version: version, sources: .xor(masks: masks, parts: parts))
    }
}

/// One source of an XOR replication.
public struct XorSource: Hashable, Sendable {
    public var chunkID: ChunkID
    public var version: UInt32
    public var address: ChunkserverAddress

    public init(chunkID: ChunkID, version: UInt32, address: ChunkserverAddress) {
        self.chunkID = chunkID
        self.version = version
        self.address = address
    }
}

/// CSTOMA_REPLICATE (151): `chunkid:64 version:32 status:8`. NOTDONE: the job queue was busy;
/// the master queues the chunk again.
public struct ReplicateStatus: MooseMessage {
    public var chunkID: ChunkID
    public var version: UInt32
    public var status: MooseStatus

    public init(chunkID: ChunkID, version: UInt32, status: MooseStatus) {
        self.chunkID = chunkID
        self.version = version
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaReplicate]
    public var messageType: MooseMessageType { .cstomaReplicate }

    public func encode(into writer: inout MooseWriter) {
        writer.write(chunkID)
        writer.write(version)
        writer.write(status)
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ReplicateStatus {
        try reader.expectLength(13)
        return ReplicateStatus(chunkID: try reader.chunkID(), version: try reader.version(), status: try reader.status())
    }
}
