import MFSCore
import MFSStatus

/// The chunk side of the daemon: the chunkserver port, the registry's timer and its part of
/// `/metrics`.
extension MasterDaemon {
    /// Serves port 9420 until the daemon stops.
    func serveChunkservers() async throws {
        guard let hub = clients.processor.chunks else { return }
        let context = ChunkserverServerContext(hub: hub, roles: roles, authCode: settings.authCode, logger: logger) { [weak self] in
            self?.fence($0)
        }
        try await context.serve(host: settings.chunkserverHost, port: settings.chunkserverPort)
    }

    /// `POST /remove-chunkserver/ID` (`mfscli remove-chunkserver ID`).
    func removeChunkserver(_ id: ChunkserverID) async -> AdminAnswer {
        guard let hub = clients.processor.chunks else { return AdminAnswer(ok: false, body: "this master has no chunk registry") }
        switch await hub.remove(id) {
        case .success(let version):
            return AdminAnswer(ok: true, body: "{\"chunkserver\":\(id.rawValue),\"version\":\(version.map { "\($0.rawValue)" } ?? "null")}")
        case .failure(let refused):
            logger.warning("chunkserver removal refused", metadata: ["chunkserver": "\(id)", "reason": "\(refused)"])
            return AdminAnswer(ok: false, body: "chunkserver \(id) not removed: \(refused)")
        }
    }

    /// Follows the role (active: the registry becomes active; otherwise its chunkservers go)
    /// every 100 ms, and ticks the registry every `ChunkHubLimits.tickInterval`.
    func tickChunks() async throws {
        guard let hub = clients.processor.chunks else { return }
        let step = Duration.milliseconds(100)
        var sinceTick = Duration.zero
        while true {
            let role = roles.role
            if role == .active {
                hub.becameActive()
            } else {
                // Not if the role became active since it was read: a promotion activates the
                // hub itself, and a stale read must not undo that.
                hub.stoppedBeingActive("this master is \(role) now", unless: { [roles] in roles.role == .active })
            }
            if sinceTick >= ChunkHubLimits.tickInterval {
                hub.tick()
                sinceTick = .zero
            }
            try await Task.sleep(for: step)
            sinceTick += step
        }
    }

    /// The chunk side's gauges: chunkservers by state, their space, chunk counts.
    static func chunkGauges(_ status: MasterStatus) -> [(String, String, Double)] {
        let servers = status.chunkserverList ?? []
        let chunks = status.chunks
        return [
            ("mfs_master_chunkservers", "Chunkservers connected (registering or registered).", Double(status.chunkservers)),
            (
                "mfs_master_chunkservers_known", "Chunkservers the registry knows or the metadata names, disconnected ones included.",
                Double(servers.count)
            ),
            (
                "mfs_master_chunkserver_used_bytes", "Bytes used on connected chunkservers.",
                Double(servers.filter { $0.state != "disconnected" }.map(\.usedBytes).reduce(0, +))
            ),
            (
                "mfs_master_chunkserver_total_bytes", "Bytes in all on connected chunkservers.",
                Double(servers.filter { $0.state != "disconnected" }.map(\.totalBytes).reduce(0, +))
            ),
            (
                "mfs_master_chunkserver_errors", "I/O errors and damaged chunks reported by chunkservers.",
                Double(servers.map(\.errors).reduce(0, +))
            ),
            ("mfs_master_chunks", "Chunks files hold.", Double(chunks?.total ?? 0)),
            ("mfs_master_chunks_under_goal", "Chunks with fewer valid copies than their goal.", Double(chunks?.underGoal ?? 0)),
            ("mfs_master_chunks_over_goal", "Chunks with more valid copies than their goal.", Double(chunks?.overGoal ?? 0)),
            ("mfs_master_chunks_missing", "Chunks with no valid copy on a connected chunkserver.", Double(chunks?.missing ?? 0)),
        ]
    }
}
