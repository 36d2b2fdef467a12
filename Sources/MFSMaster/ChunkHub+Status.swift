import MFSChunkRegistry
import MFSCore
import MFSStatus

extension ChunkHub {
    /// What `/status`, `/metrics` and `mfscli` show of the chunk side: every chunkserver the
    /// registry knows, and on the active master those the metadata names that have not
    /// registered since it became active (state `not seen`: `mfscli remove-chunkserver` forgets
    /// one that is gone for good); the count of those connected, and the chunk counts (a walk
    /// over the namespace's chunks: for status requests only).
    public func status() -> (servers: [MasterStatus.Chunkserver], connected: Int, chunks: MasterStatus.Chunks) {
        let facts = self.facts
        let (servers, summary, active) = state.withLock {
            ($0.registry.serverStatuses(), $0.registry.summary(facts: facts), $0.active)
        }
        var list = servers.map { server in
            MasterStatus.Chunkserver(
                id: Int(server.id.rawValue), address: "\(server.address)", state: Self.name(server.phase),
                usedBytes: server.space.usedBytes + server.space.markedUsedBytes,
                totalBytes: server.space.totalBytes + server.space.markedTotalBytes, chunks: server.copies,
                errors: server.errors + server.damagedReports)
        }
        if active {
            let listed = Set(servers.map(\.id))
            list += facts.namespace.chunkservers.filter { !listed.contains($0.key) }.sorted { $0.key < $1.key }.map { id, address in
                MasterStatus.Chunkserver(
                    id: Int(id.rawValue), address: "\(address)", state: "not seen", usedBytes: 0, totalBytes: 0, chunks: 0, errors: 0)
            }
        }
        let chunks = MasterStatus.Chunks(
            total: summary.chunks, underGoal: summary.underGoal, overGoal: summary.overGoal, missing: summary.missing)
        return (list, summary.serversRegistered + summary.serversRegistering, chunks)
    }

    /// The space of the chunkservers connected now (disks marked for removal included; a
    /// disconnected one's last report is left out), as STATFS and `mfs info` report it: cheap,
    /// no walk over the chunks.
    func space() -> (total: UInt64, available: UInt64) {
        let (total, used) = state.withLock { $0.registry.space() }
        return (total, total - min(used, total))
    }

    /// The registry's servers and totals as they are, for MooseFS's admin requests (`mfscli`).
    func registryStatus() -> (servers: [ServerStatus], summary: RegistrySummary) {
        let facts = self.facts
        return state.withLock { ($0.registry.serverStatuses(), $0.registry.summary(facts: facts)) }
    }

    /// Each chunk's copies as MooseFS's CHECK reports them (`mfscheckfile`, `mfsfileinfo`).
    func checkedCopies(of chunks: [ChunkID]) -> [[(location: ChunkLocation, state: CopyCheck)]] {
        let facts = self.facts
        return state.withLock { state in chunks.map { state.registry.checkedCopies(of: $0, facts: facts) } }
    }

    static func name(_ phase: ServerPhase) -> String {
        switch phase {
        case .registering: "registering"
        case .registered: "registered"
        case .disconnected: "disconnected"
        }
    }
}
