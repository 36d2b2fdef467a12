import MFSChunkRegistry
import MFSCore
import MFSStatus

extension ChunkHub {
    /// What `/status`, `/metrics` and `mfscli` show of the chunk side: every chunkserver the
    /// registry knows, the count of those connected, and the chunk counts (a walk over the
    /// namespace's chunks: for status requests only).
    public func status() -> (servers: [MasterStatus.Chunkserver], connected: Int, chunks: MasterStatus.Chunks) {
        let facts = self.facts
        let (servers, summary) = state.withLock { ($0.registry.serverStatuses(), $0.registry.summary(facts: facts)) }
        let list = servers.map { server in
            MasterStatus.Chunkserver(
                id: Int(server.id.rawValue), address: "\(server.address)", state: Self.name(server.phase),
                usedBytes: server.space.usedBytes + server.space.markedUsedBytes,
                totalBytes: server.space.totalBytes + server.space.markedTotalBytes, chunks: server.copies,
                errors: server.errors + server.damagedReports)
        }
        let chunks = MasterStatus.Chunks(
            total: summary.chunks, underGoal: summary.underGoal, overGoal: summary.overGoal, missing: summary.missing)
        return (list, summary.serversRegistered + summary.serversRegistering, chunks)
    }

    /// The registry's servers and totals as they are, for MooseFS's admin requests (`mfscli`).
    func registryStatus() -> (servers: [ServerStatus], summary: RegistrySummary) {
        let facts = self.facts
        return state.withLock { ($0.registry.serverStatuses(), $0.registry.summary(facts: facts)) }
    }

    static func name(_ phase: ServerPhase) -> String {
        switch phase {
        case .registering: "registering"
        case .registered: "registered"
        case .disconnected: "disconnected"
        }
    }
}
