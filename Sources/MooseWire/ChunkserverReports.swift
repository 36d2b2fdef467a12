import MFSCore

/// CSTOMA_SPACE (101): the chunkserver's space, sent whenever it changed (at most once a second)
/// and at least about once a minute. Layout: `SpaceReport` (40 bytes). 3.0.117 always sends 40
/// bytes; the 16- and 32-byte forms of older chunkservers are refused.
public struct SpaceMessage: MooseMessage {
    public var space: SpaceReport

    public init(_ space: SpaceReport) { self.space = space }

    public static let messageTypes: [MooseMessageType] = [.cstomaSpace]
    public var messageType: MooseMessageType { .cstomaSpace }

    public func encode(into writer: inout MooseWriter) { space.encode(into: &writer) }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> SpaceMessage {
        try reader.expectLength(SpaceReport.encodedSize)
        return SpaceMessage(try SpaceReport.decode(from: &reader))
    }
}

/// CSTOMA_CHUNK_DAMAGED (102) and CSTOMA_CHUNK_LOST (105): `n × chunkid:64`.
/// Damaged: a copy failed its CRC or could not be read; the master marks it invalid, deletes it
/// (`DeleteChunk` with version 0) and replicates. Lost: copies that disappeared with a disk.
/// A "changed" chunk (its disk switched to or from marked-for-removal) comes as LOST + NEW.
public struct ChunkIDReport: MooseMessage {
    public enum Kind: Sendable {
        case damaged, lost

        var type: MooseMessageType { self == .damaged ? .cstomaChunkDamaged : .cstomaChunkLost }
        var limit: Int { self == .damaged ? MooseWireLimits.maxDamagedChunksPerReport : MooseWireLimits.maxChunkReportEntries }
    }

    public var kind: Kind
    public var chunkIDs: [ChunkID]

    public init(_ kind: Kind, chunkIDs: [ChunkID]) {
        precondition(chunkIDs.count <= kind.limit, "\(chunkIDs.count) chunks in one report")
        self.kind = kind
        self.chunkIDs = chunkIDs
    }

    /// `chunkIDs` as reports of `kind`, each within its limit (none for none).
    public static func reports(_ kind: Kind, _ chunkIDs: [ChunkID]) -> [ChunkIDReport] {
        stride(from: 0, to: chunkIDs.count, by: kind.limit).map { start in
            ChunkIDReport(kind, chunkIDs: Array(chunkIDs[start..<min(chunkIDs.count, start + kind.limit)]))
        }
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaChunkDamaged, .cstomaChunkLost]
    public var messageType: MooseMessageType { kind.type }

    public func encode(into writer: inout MooseWriter) {
        for id in chunkIDs { writer.write(id) }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkIDReport {
        let kind: Kind = reader.message == .cstomaChunkDamaged ? .damaged : .lost
        let count = try reader.entryCount(header: 0, entrySize: 8, limit: kind.limit, "chunkids")
        var ids: [ChunkID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try reader.chunkID()) }
        return ChunkIDReport(kind, chunkIDs: ids)
    }
}

/// CSTOMA_CHUNK_NEW (107): `n × (chunkid:64 version:32)`, bit 31 of the version = disk marked
/// for removal (`ListedChunk`). Chunks found after registration began, often the whole disk
/// right after END when the startup scan was still running: the master treats them exactly as
/// register CHUNKS entries.
public struct ChunkNewReport: MooseMessage {
    public var chunks: [ListedChunk]

    public init(chunks: [ListedChunk]) {
        precondition(chunks.count <= MooseWireLimits.maxChunkReportEntries, "\(chunks.count) chunks in one report")
        self.chunks = chunks
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaChunkNew]
    public var messageType: MooseMessageType { .cstomaChunkNew }

    public func encode(into writer: inout MooseWriter) {
        for chunk in chunks { chunk.encode(into: &writer) }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkNewReport {
        ChunkNewReport(chunks: try ListedChunk.decodeList(from: &reader, header: 0, limit: MooseWireLimits.maxChunkReportEntries))
    }
}

/// CSTOMA_CURRENT_LOAD (103): `load:32 hlstatus:8` (5 bytes), or `load:32` alone (4 bytes) when
/// the master is older than 3.0.7 (`MooseVersion.loadStatus`). `load` = queued and running jobs.
/// Sent every 5 s once registered, and at once when the heavy-load status changes.
public struct CurrentLoad: MooseMessage {
    public var load: UInt32
    /// nil in the 4-byte form.
    public var status: HeavyLoadStatus?

    public init(load: UInt32, status: HeavyLoadStatus?) {
        self.load = load
        self.status = status
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaCurrentLoad]
    public var messageType: MooseMessageType { .cstomaCurrentLoad }

    public func encode(into writer: inout MooseWriter) {
        writer.write(load)
        if let status { writer.write(status.rawValue) }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> CurrentLoad {
        try reader.expectLength(4, 5)
        let load = try reader.uint32("load")
        let status = reader.length == 5 ? HeavyLoadStatus(rawValue: try reader.uint8("hlstatus")) : nil
        return CurrentLoad(load: load, status: status)
    }
}

/// The heavy-load status byte of CURRENT_LOAD. A struct so an unknown value survives.
public struct HeavyLoadStatus: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let unknown = HeavyLoadStatus(rawValue: 0)
    public static let ok = HeavyLoadStatus(rawValue: 1)
    public static let overloaded = HeavyLoadStatus(rawValue: 2)
    /// Internal rebalancing at low speed (masters ≥ 3.0.62 only; older ones get `overloaded`).
    public static let rebalance = HeavyLoadStatus(rawValue: 3)
}

/// CSTOMA_ERROR_OCCURRED (106): empty; one frame per disk I/O error since the last report.
public struct ErrorOccurred: MooseEmptyMessage {
    public init() {}
    public var messageType: MooseMessageType { .cstomaErrorOccurred }
}

/// CSTOMA_LABELS (109): `labelmask:32`. Sent after the BEGIN ACK (to masters ≥ 2.1.0) and again
/// when a reload changes LABELS.
public struct LabelsMessage: MooseMessage {
    public var labels: LabelMask

    public init(_ labels: LabelMask) { self.labels = labels }

    public static let messageTypes: [MooseMessageType] = [.cstomaLabels]
    public var messageType: MooseMessageType { .cstomaLabels }

    public func encode(into writer: inout MooseWriter) { writer.write(labels.rawValue) }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> LabelsMessage {
        try reader.expectLength(4)
        return LabelsMessage(LabelMask(rawValue: try reader.uint32("labelmask")))
    }
}
