import MooseWire

/// MooseFS 3.0's admin requests on 9421: what `mfscli` and `mfscgiserv` send, on a connection
/// that never registers (MooseFS's master answers them from unregistered connections only).
/// Requests carry no msgid; each reply's type is the request's plus one.
extension MooseMessageType {
    public static let cservList = MooseMessageType(500)
    public static let sessionList = MooseMessageType(508)
    public static let masterInfo = MooseMessageType(510)
    public static let fsTestInfo = MooseMessageType(512)
    public static let chunksTestInfo = MooseMessageType(514)
    public static let chunksMatrix = MooseMessageType(516)
    public static let metaloggerList = MooseMessageType(522)
    public static let memoryInfo = MooseMessageType(528)
    public static let missingChunks = MooseMessageType(544)
}

/// An admin request (`CLTOMA_*`), by type and length as MooseFS's master reads it:
///
/// | type | case | payload |
/// | --- | --- | --- |
/// | 500 | `chunkserverList` | none |
/// | 508 | `sessionList` | `[vmode:8]` (mfscli 3.0.117 sends 4) |
/// | 510 | `info` | none |
/// | 512 | `fsTestInfo` | `[pver:8]` |
/// | 514 | `chunksTestInfo` | none |
/// | 516 | `chunksMatrix` | `[matrixid:8]` |
/// | 522 | `metaloggerList` | none |
/// | 528 | `memoryInfo` | none |
/// | 544 | `missingChunks` | `[mode:8]` |
public enum AdminRequest: Hashable, Sendable {
    case chunkserverList
    case sessionList(vmode: UInt8)
    case info
    case fsTestInfo(withSustained: Bool)
    case chunksTestInfo
    case chunksMatrix(matrix: UInt8?)
    case metaloggerList
    case memoryInfo
    case missingChunks(withType: Bool)

    /// Whether a frame of `type` is one of these requests (so the first frame tells an admin
    /// tool from a mount).
    public static func isAdmin(_ type: MooseMessageType) -> Bool {
        [.cservList, .sessionList, .masterInfo, .fsTestInfo, .chunksTestInfo, .chunksMatrix, .metaloggerList, .memoryInfo, .missingChunks]
            .contains(type)
    }

    private static func withoutPayload(_ type: MooseMessageType) -> AdminRequest {
        switch type {
        case .cservList: .chunkserverList
        case .masterInfo: .info
        case .chunksTestInfo: .chunksTestInfo
        case .metaloggerList: .metaloggerList
        default: .memoryInfo
        }
    }

    /// The request, or the reason MooseFS's master would drop the connection (a wrong length).
    public static func decode(_ frame: MooseFrame) throws(MooseWireError) -> AdminRequest {
        var reader = MooseReader(frame)
        let optionalByte: () throws(MooseWireError) -> UInt8? = {
            try reader.expectLength(0, 1)
            return reader.length == 1 ? try reader.uint8("mode") : nil
        }
        let request: AdminRequest
        switch frame.type {
        case .cservList, .masterInfo, .chunksTestInfo, .metaloggerList, .memoryInfo:
            try reader.expectLength(0)
            request = Self.withoutPayload(frame.type)
        case .sessionList:
            let vmode = try optionalByte() ?? 0
            guard (2...4).contains(vmode) else {
                throw reader.malformed("vmode", "\(vmode) is not served (2, 3 or 4: MooseFS 1.7.8 and later)")
            }
            request = .sessionList(vmode: vmode)
        case .fsTestInfo: request = .fsTestInfo(withSustained: try optionalByte() != nil)
        case .chunksMatrix: request = .chunksMatrix(matrix: try optionalByte())
        case .missingChunks: request = .missingChunks(withType: (try optionalByte() ?? 0) != 0)
        default: throw .unexpectedType(frame.type, expected: "an admin request (CLTOMA_INFO, CLTOMA_CSERV_LIST, ...)")
        }
        try reader.finish()
        return request
    }
}

/// MATOCL_INFO (511), 149 bytes: `version:16/8/8 memusage:64 syscpu:64 usercpu:64 totalspace:64
/// availspace:64 freespace:64 trashspace:64 trashnodes:32 sustainedspace:64 sustainednodes:32
/// inodes:32 dirnodes:32 filenodes:32 chunks:32 chunkcopies:32 regularcopies:32
/// laststore:32 laststoreduration:32 laststorestatus:8 0xFF×4 0:32 0:32 metaversion:64
/// exportschecksum:64 utime:64 0:32`. The four 0xFF bytes say "not a Pro master" (mfscli then
/// takes this one as the leader).
public struct MasterInfoReply: Equatable, Sendable {
    public var version: MooseVersion
    /// Resident memory; the CPU figures MooseFS keeps for its charts are sent as 0.
    public var memoryBytes: UInt64 = 0
    public var totalSpace: UInt64 = 0
    public var availableSpace: UInt64 = 0
    public var inodes: UInt32 = 0
    public var directories: UInt32 = 0
    public var files: UInt32 = 0
    public var chunks: UInt32 = 0
    public var chunkCopies: UInt32 = 0
    /// Valid copies on disks not marked for removal (MooseFS's "regular chunk copies").
    public var regularCopies: UInt32 = 0
    /// Unix time of the last metadata dump, its duration in milliseconds, 0 = fine.
    public var lastStore: UInt32 = 0
    public var lastStoreMilliseconds: UInt32 = 0
    public var lastStoreStatus: UInt8 = 0
    public var metaVersion: UInt64 = 0
    public var exportsChecksum: UInt64 = 0
    /// Wall clock in microseconds.
    public var microseconds: UInt64 = 0

    public static let length = 149

    public init(version: MooseVersion) { self.version = version }

    public func encode() -> [UInt8] {
        var writer = MooseWriter(MooseMessageType.masterInfo.reply, capacity: Self.length)
        writer.write(UInt16(clamping: version.major))
        writer.write(version.mid)
        writer.write(UInt8(truncatingIfNeeded: version.rawValue))  // VERSMIN: minor × 2 (+ 1 for Pro)
        for value in [memoryBytes, 0, 0, totalSpace, availableSpace, availableSpace, 0] { writer.write(value) }
        writer.write(UInt32(0))  // trash nodes
        writer.write(UInt64(0))  // sustained space
        for value in [UInt32(0), inodes, directories, files, chunks, chunkCopies, regularCopies, lastStore, lastStoreMilliseconds] {
            writer.write(value)
        }
        writer.write(lastStoreStatus)
        for _ in 0..<4 { writer.write(UInt8(0xFF)) }
        writer.write(UInt32(0))
        writer.write(UInt32(0))
        for value in [metaVersion, exportsChecksum, microseconds] { writer.write(value) }
        writer.write(UInt32(0))
        return writer.finish()
    }
}

/// One chunkserver of MATOCL_CSERV_LIST (501), 69 bytes each: `flags:8 version:24 ip:32
/// port:16 csid:16 usedspace:64 totalspace:64 chunks:32 tdusedspace:64 tdtotalspace:64
/// tdchunks:32 errorcounter:32 load:32 gracetime:32 labelmask:32 mfrstatus:8`. Flags bit 0:
/// disconnected (MooseFS then sends version 0 and zeros).
public struct ChunkserverListEntry: Equatable, Sendable {
    public var connected: Bool
    public var version: MooseVersion
    public var ip: UInt32
    public var port: UInt16
    public var id: UInt16
    public var usedSpace: UInt64 = 0
    public var totalSpace: UInt64 = 0
    public var chunks: UInt32 = 0
    /// Space and chunks on disks marked for removal.
    public var markedUsedSpace: UInt64 = 0
    public var markedTotalSpace: UInt64 = 0
    public var markedChunks: UInt32 = 0
    public var errors: UInt32 = 0
    public var labels: UInt32 = 0

    public static let length = 69

    public init(connected: Bool, version: MooseVersion, ip: UInt32, port: UInt16, id: UInt16) {
        (self.connected, self.version, self.ip, self.port, self.id) = (connected, version, ip, port, id)
    }

    public static func encodeList(_ entries: [ChunkserverListEntry]) -> [UInt8] {
        var writer = MooseWriter(MooseMessageType.cservList.reply, capacity: entries.count * length)
        for entry in entries { entry.encode(into: &writer) }
        return writer.finish()
    }

    func encode(into writer: inout MooseWriter) {
        let versionBits = connected ? (version.rawValue & 0xFF_FFFF) : 0x0100_0000
        writer.write(versionBits)
        writer.write(ip)
        writer.write(port)
        writer.write(id)
        writer.write(connected ? usedSpace : 0)
        writer.write(connected ? totalSpace : 0)
        writer.write(connected ? chunks : 0)
        writer.write(connected ? markedUsedSpace : 0)
        writer.write(connected ? markedTotalSpace : 0)
        writer.write(connected ? markedChunks : 0)
        writer.write(connected ? errors : 0)
        writer.write(UInt32(0))  // load
        writer.write(UInt32(0))  // grace time: working normally
        writer.write(connected ? labels : 0)
        writer.write(UInt8(0))  // maintenance/removal status
    }
}

/// One session of MATOCL_SESSION_LIST (509), after the reply's `statscount:16` (16): `sessionid:32
/// ip:32 version:32 openfiles:32 nsocks:8 expire:32 ileng:32 info pleng:32 path sesflags:8
/// [umask:16 (vmode 3+)] rootuid:32 rootgid:32 mapalluid:32 mapallgid:32 mingoal:8 maxgoal:8
/// mintrashtime:32 maxtrashtime:32 [disables:32 (vmode 4)] currentstats:32×16 lasthourstats:32×16`.
/// `expire` is 0xFFFFFFFF while connected, else the seconds the session is kept.
public struct SessionListEntry: Equatable, Sendable {
    public var id: UInt32
    public var ip: UInt32
    public var version: MooseVersion
    public var openFiles: UInt32
    public var connections: UInt8
    public var expireSeconds: UInt32
    /// The mount point the client gave (no NUL).
    public var info: [UInt8]
    /// The exported path (`/` or the subfolder).
    public var path: [UInt8]
    public var flags: UInt8
    public var rootUID: UInt32
    public var rootGID: UInt32
    public var mapAllUID: UInt32
    public var mapAllGID: UInt32
    public var goals: ClosedRange<UInt8>
    public var trashTimes: ClosedRange<UInt32>

    /// MooseFS's count of per-session operation counters (all 0 here: none are kept).
    public static let statsCount: UInt16 = 16

    public init(
        id: UInt32, ip: UInt32, version: MooseVersion, openFiles: UInt32, connections: UInt8, expireSeconds: UInt32, info: [UInt8],
        path: [UInt8], flags: UInt8, rootUID: UInt32, rootGID: UInt32, mapAllUID: UInt32, mapAllGID: UInt32, goals: ClosedRange<UInt8>,
        trashTimes: ClosedRange<UInt32>
    ) {
        (self.id, self.ip, self.version, self.openFiles, self.connections, self.expireSeconds) =
            (id, ip, version, openFiles, connections, expireSeconds)
        (self.info, self.path, self.flags, self.rootUID, self.rootGID) = (info, path, flags, rootUID, rootGID)
        (self.mapAllUID, self.mapAllGID, self.goals, self.trashTimes) = (mapAllUID, mapAllGID, goals, trashTimes)
    }

    public static func encodeList(_ entries: [SessionListEntry], vmode: UInt8) -> [UInt8] {
        precondition((2...4).contains(vmode), "session list vmode \(vmode)")
        var writer = MooseWriter(MooseMessageType.sessionList.reply, capacity: 2 + entries.count * 200)
        writer.write(statsCount)
        for entry in entries { entry.encode(into: &writer, vmode: vmode) }
        return writer.finish()
    }

    func encode(into writer: inout MooseWriter, vmode: UInt8) {
        for value in [id, ip, version.rawValue, openFiles] { writer.write(value) }
        writer.write(connections)
        writer.write(expireSeconds)
        writer.write(UInt32(info.count))
        writer.write(bytes: info)
        writer.write(UInt32(path.count))
        writer.write(bytes: path)
        writer.write(flags)
        if vmode >= 3 { writer.write(UInt16(0)) }  // umask
        for value in [rootUID, rootGID, mapAllUID, mapAllGID] { writer.write(value) }
        writer.write(goals.lowerBound)
        writer.write(goals.upperBound)
        writer.write(trashTimes.lowerBound)
        writer.write(trashTimes.upperBound)
        if vmode >= 4 { writer.write(UInt32(0)) }  // disables
        for _ in 0..<(2 * Int(Self.statsCount)) { writer.write(UInt32(0)) }
    }
}

/// The replies of the requests that `mfscli -SIN` sends beside INFO, in MooseFS 3.0's layouts.
public enum AdminReply {
    /// MATOCL_CHUNKS_MATRIX (517): with a matrix id, 484 bytes (`counts[goal 0…10][copies 0…10]`,
    /// 32 bits each); without, `progress:8` then matrix 0 (all valid copies) and matrix 1
    /// (regular copies), 969 bytes.
    public static func chunksMatrix(all: [[UInt32]], regular: [[UInt32]], matrix: UInt8?) -> [UInt8] {
        var writer = MooseWriter(MooseMessageType.chunksMatrix.reply, capacity: 969)
        func put(_ counts: [[UInt32]]) {
            for goal in 0...10 {
                for copies in 0...10 {
                    writer.write(goal < counts.count && copies < counts[goal].count ? counts[goal][copies] : 0)
                }
            }
        }
        switch matrix {
        case nil:
            writer.write(UInt8(0))  // no counting in progress
            put(all)
            put(regular)
        case 0: put(all)
        default: put(regular)
        }
        return writer.finish()
    }

    /// MATOCL_MEMORY_INFO (529), 176 bytes: allocated and used bytes for MooseFS's 11 structures.
    public static func memoryInfo(_ pairs: [(allocated: UInt64, used: UInt64)]) -> [UInt8] {
        var writer = MooseWriter(MooseMessageType.memoryInfo.reply, capacity: 176)
        for index in 0..<11 {
            let pair: (allocated: UInt64, used: UInt64) = index < pairs.count ? pairs[index] : (0, 0)
            writer.write(pair.allocated)
            writer.write(pair.used)
        }
        return writer.finish()
    }

    /// MATOCL_CHUNKSTEST_INFO (515), 72 bytes: the chunk loop's times and counters (no loop here: 0).
    public static func chunksTestInfo(now: UInt32) -> [UInt8] {
        var writer = MooseWriter(MooseMessageType.chunksTestInfo.reply, capacity: 72)
        writer.write(now)
        writer.write(now)
        for _ in 0..<16 { writer.write(UInt32(0)) }
        return writer.finish()
    }

    /// MATOCL_FSTEST_INFO (513): `loopstart:32 loopend:32 files:32 ugfiles:32 mfiles:32
    /// [mtfiles:32 msfiles:32] chunks:32 ugchunks:32 mchunks:32 msgleng:32 msg`.
    public static func fsTestInfo(now: UInt32, files: UInt32, chunks: UInt32, underGoal: UInt32, missing: UInt32, withSustained: Bool)
        -> [UInt8]
    {
        var writer = MooseWriter(MooseMessageType.fsTestInfo.reply, capacity: 44)
        for value in [now, now, files, 0, 0] { writer.write(value) }
        if withSustained { for _ in 0..<2 { writer.write(UInt32(0)) } }
        for value in [chunks, underGoal, missing, 0] { writer.write(value) }
        return writer.finish()
    }

    /// MATOCL_MISSING_CHUNKS (545) and MATOCL_MLOG_LIST (523), empty: no missing-chunk log is
    /// kept, and metaloggers follow on our peer port, not MooseFS's.
    public static func empty(_ request: MooseMessageType) -> [UInt8] {
        var writer = MooseWriter(request.reply, capacity: 0)
        return writer.finish()
    }
}
