/// The status as `mfscli` prints it: one aligned line per fact.
public enum StatusTable {
    public static func render(_ s: MasterStatus, address: String) -> String {
        let modes = [0: "background write", 1: "write before reply", 2: "fsync before reply"]
        var rows: [(String, String)] = [
            ("master", address),
            ("role", s.role + (s.writable ? " (writable)" : " (read-only)")),
            ("healthy", s.healthy ? "yes" : "NO"),
            ("metaid", s.metaid),
            ("epoch", "\(s.epoch) (started at version \(s.epochStartVersion))"),
            ("version", "\(s.version)"),
            ("inodes", "\(s.inodes)"),
            ("sessions", "\(s.sessions)"),
            ("chunkservers", "\(s.chunkservers)"),
        ]
        var changelog =
            "mode \(s.changelog.mode) (\(modes[s.changelog.mode] ?? "?")), durable version \(s.changelog.durableVersion), \(s.changelog.fsyncs) fsyncs"
        if let last = s.changelog.lastFsyncSeconds { changelog += ", last fsync \(milliseconds(last)) ms" }
        rows.append(("changelog", changelog))
        if let error = s.changelog.error { rows.append(("CHANGELOG ERROR", error)) }
        rows.append(("last dump", s.lastDump.map { "version \($0.version) in \(milliseconds($0.seconds)) ms" } ?? "none since start"))
        if s.peers.isEmpty {
            rows.append(("peers", "none"))
        } else {
            for peer in s.peers {
                var text = "\(peer.role) \(peer.address): acked \(peer.ackedVersion), lag \(peer.lag)"
                if let p50 = peer.lagP50Milliseconds, let p99 = peer.lagP99Milliseconds { text += " (\(p50) ms p50, \(p99) ms p99)" }
                if !peer.inStep { text += ", COUNTED OUT (too slow)" }
                rows.append(("peer", text))
            }
        }
        if let replication = s.replication {
            var text = "SYNC_REPLICAS \(replication.syncReplicas)"
            if let degraded = replication.degraded { text += ", DEGRADED: \(degraded)" }
            if let waiting = replication.waitingForPeers { text += ", NOTHING ACKNOWLEDGED: \(waiting)" }
            if let heard = replication.peersHeard { text += ", \(heard) voter\(heard == 1 ? "" : "s") heard" }
            if replication.isolated == true { text += " (ISOLATED: too few to acknowledge)" }
            rows.append(("replication", text))
        }
        if let following = s.following {
            var text = "\(following.master ?? "no master yet"): " + (following.connected ? "connected" : "NOT CONNECTED")
            text += ", acked \(following.ackedVersion), lag \(following.lag)"
            if let error = following.error { text += " (last error: \(error))" }
            rows.append(("following", text))
        }
        if let chunks = s.chunks {
            rows.append(
                ("chunks", "\(chunks.total) (\(chunks.missing) missing, \(chunks.underGoal) under goal, \(chunks.overGoal) over goal)"))
        }
        for server in s.chunkserverList ?? [] {
            let used = "\(gibibytes(server.usedBytes))/\(gibibytes(server.totalBytes)) GiB"
            rows.append(
                ("chunkserver", "\(server.id) \(server.address) \(server.state): \(used), \(server.chunks) chunks, \(server.errors) errors")
            )
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }

    /// Bytes as GiB with two decimals.
    static func gibibytes(_ bytes: UInt64) -> String {
        let hundredths = bytes / (1 << 30 / 100)
        return "\(hundredths / 100).\(String(hundredths % 100).count == 1 ? "0" : "")\(hundredths % 100)"
    }

    static func milliseconds(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
