import Foundation
import MFSChunkRegistry
import MFSConfig
import MFSCore
import MFSMetadata
import MooseClientWire
import MooseWire

/// MooseFS's admin requests (`mfscli`, `mfscgiserv`) on a connection that has not registered,
/// answered in MooseFS 3.0.117's layouts from the namespace, the chunk registry and the
/// sessions' admissions. What this master does not keep (CPU charts, per-session operation
/// counters, a missing-chunk log, MooseFS metaloggers) is sent as zeros or empty lists.
extension MooseClientConnection {
    func answerAdmin(_ request: AdminRequest) {
        switch request {
        case .info: send(masterInfo().encode())
        case .chunkserverList: send(ChunkserverListEntry.encodeList(chunkserverList()))
        case .sessionList(let vmode): send(SessionListEntry.encodeList(sessionList(), vmode: vmode))
        case .chunksMatrix(let matrix):
            let counts = registryStatus()?.summary.matrix.counts.map { $0.map { UInt32(clamping: $0) } } ?? []
            // Every valid copy counts as regular: copies on disks marked for removal are not told apart here.
            send(AdminReply.chunksMatrix(all: counts, regular: counts, matrix: matrix))
        case .memoryInfo: send(AdminReply.memoryInfo([(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), nodeMemory()]))
        case .chunksTestInfo: send(AdminReply.chunksTestInfo(now: UInt32(truncatingIfNeeded: time(nil))))
        case .fsTestInfo(let withSustained):
            let summary = registryStatus()?.summary
            let counts = nodeCounts()
            send(
                AdminReply.fsTestInfo(
                    now: UInt32(truncatingIfNeeded: time(nil)), files: counts.files, chunks: UInt32(clamping: summary?.chunks ?? 0),
                    underGoal: UInt32(clamping: summary?.underGoal ?? 0), missing: UInt32(clamping: summary?.missing ?? 0),
                    withSustained: withSustained))
        case .missingChunks: send(AdminReply.empty(.missingChunks))
        case .metaloggerList: send(AdminReply.empty(.metaloggerList))
        }
    }

    static func isConnected(_ server: ServerStatus) -> Bool {
        if case .disconnected = server.phase { return false }
        return true
    }

    private func registryStatus() -> (servers: [ServerStatus], summary: RegistrySummary)? {
        shared.processor.chunks?.registryStatus()
    }

    /// Inodes by kind: a walk over the namespace (admin requests only).
    private func nodeCounts() -> (directories: UInt32, files: UInt32) {
        let namespace = shared.service.namespace
        var directories: UInt32 = 0
        var files: UInt32 = 0
        for inode in namespace.allInodes() {
            switch try? namespace.attributes(of: inode).type {
            case .directory: directories += 1
            case .file: files += 1
            default: break
            }
        }
        return (directories, files)
    }

    /// The namespace's share as MooseFS's "nodes" entry: resident memory, allocated and used.
    private func nodeMemory() -> (allocated: UInt64, used: UInt64) {
        let bytes = Self.residentBytes()
        return (bytes, bytes)
    }

    private func masterInfo() -> MasterInfoReply {
        let namespace = shared.service.namespace
        var info = MasterInfoReply(version: .v3_0_117)
        info.memoryBytes = Self.residentBytes()
        if let status = registryStatus() {
            let (servers, summary) = status
            info.totalSpace = summary.totalBytes
            info.availableSpace = summary.totalBytes - min(summary.usedBytes, summary.totalBytes)
            info.chunks = UInt32(clamping: summary.chunks)
            let connected = servers.filter(Self.isConnected)
            info.chunkCopies = UInt32(clamping: connected.reduce(0) { $0 + $1.copies })
            info.regularCopies = UInt32(clamping: connected.reduce(0) { $0 + $1.copies - $1.copiesMarkedForRemoval })
        }
        let counts = nodeCounts()
        info.inodes = UInt32(clamping: namespace.inodeCount)
        info.directories = counts.directories
        info.files = counts.files
        if let dump = shared.service.lastDump { info.lastStoreMilliseconds = UInt32(clamping: Int(dump.seconds * 1_000)) }
        info.metaVersion = namespace.version.rawValue
        var now = timeval()
        gettimeofday(&now, nil)
        info.microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_usec)
        return info
    }

    private func chunkserverList() -> [ChunkserverListEntry] {
        (registryStatus()?.servers ?? []).map { server in
            var entry = ChunkserverListEntry(
                connected: Self.isConnected(server), version: .v3_0_117, ip: server.address.ip, port: server.address.port,
                id: UInt16(truncatingIfNeeded: server.id.rawValue))
            entry.usedSpace = server.space.usedBytes
            entry.totalSpace = server.space.totalBytes
            entry.chunks = UInt32(clamping: server.copies - server.copiesMarkedForRemoval)
            entry.markedUsedSpace = server.space.markedUsedBytes
            entry.markedTotalSpace = server.space.markedTotalBytes
            entry.markedChunks = UInt32(clamping: server.copiesMarkedForRemoval)
            entry.errors = UInt32(clamping: server.errors + server.damagedReports)
            entry.labels = server.labels
            return entry
        }
    }

    /// Every session the namespace holds; the export it was admitted under where this master
    /// admitted it (sessions of our own dialect, or from before a restart, show the defaults).
    private func sessionList() -> [SessionListEntry] {
        let namespace = shared.service.namespace
        return namespace.sessionIDs.compactMap { id -> SessionListEntry? in
            guard let summary = namespace.session(id) else { return nil }
            let admission = state.admission(of: id)
            let rule = admission?.rule
            let all = rule?.allMapping ?? ExportRule.defaultRootMapping
            let flags = rule.map(Self.sessionFlags) ?? 0
            return SessionListEntry(
                id: id.rawValue, ip: admission?.address.rawValue ?? 0, version: admission?.version ?? MooseVersion(rawValue: 0),
                openFiles: UInt32(clamping: summary.openInodes), connections: summary.lostAt == nil ? 1 : 0,
                expireSeconds: summary.lostAt == nil ? .max : 0, info: summary.info, path: Array((admission?.path ?? "/").utf8),
                flags: flags, rootUID: rule?.rootMapping.uid ?? 0, rootGID: rule?.rootMapping.gid ?? 0, mapAllUID: all.uid,
                mapAllGID: all.gid, goals: (rule?.minGoal ?? 1)...(rule?.maxGoal ?? 9),
                trashTimes: (rule?.minTrashTimeSeconds ?? 0)...(rule?.maxTrashTimeSeconds ?? .max))
        }
    }

    /// This process's resident memory (`/proc/self/statm`), 0 where it cannot be read.
    static func residentBytes() -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
