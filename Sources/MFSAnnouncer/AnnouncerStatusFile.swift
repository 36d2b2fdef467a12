import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// `STATUS_FILE`: the daemon replaces it atomically on every change worth seeing (and flushes
/// counters once a second); `mfsannouncer --status` reads and renders it. A file, rather than a
/// control socket, so the last state and transitions stay readable after a crash, and reading
/// it needs no cooperation from a daemon that may be stuck.
public enum AnnouncerStatusFile {
    public static func write(_ status: AnnouncerStatus, to path: String) throws(SystemCallError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(status) else { return }
        try writeFileAtomically(path, Array(data) + [0x0A])
    }

    public static func read(from path: String) throws(AnnouncerStatusFileError) -> AnnouncerStatus {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw .unreadable("\(error)")
        }
        do {
            return try JSONDecoder().decode(AnnouncerStatus.self, from: Data(text.utf8))
        } catch {
            throw .malformed(path)
        }
    }

    /// Whether the process that wrote the status still runs.
    public static func isRunning(_ status: AnnouncerStatus) -> Bool {
        status.pid > 0 && (kill(status.pid, 0) == 0 || errno == EPERM)
    }

    /// The `--status` text.
    public static func render(_ status: AnnouncerStatus, running: Bool, now: Double = wallClockSeconds()) -> String {
        var lines: [String] = []
        let liveness = running ? (status.stopping ? "stopping" : "running") : "NOT RUNNING (last status left by it)"
        lines.append("mfsannouncer pid \(status.pid): \(liveness)")
        lines.append(
            "VRID \(status.virtualRouterID) on \(status.interface) from \(status.primaryAddress), interval \(status.advertisementIntervalMilliseconds) ms, "
                + (status.unicastPeers.isEmpty ? "multicast" : "unicast to \(status.unicastPeers.joined(separator: ", "))"))
        let since = status.transitions.last.map { " for \(age(now - $0.time))" } ?? ""
        lines.append(
            "state: \(status.state)\(since); virtual IPs \(status.virtualIPs.joined(separator: ", ")) \(status.holdsVirtualIPs ? "held here" : "not held here")"
        )
        lines.append("priority: \(status.priority) (configured \(status.configuredPriority))")
        if let url = status.trackMasterURL {
            let verdict = status.masterHealthy.map { $0 ? "healthy" : "UNHEALTHY" } ?? "no answer yet"
            lines.append("tracked master \(url): \(verdict)\(status.masterHealthDetail.map { " (\($0))" } ?? "")")
            if status.masterIsolated { lines.append("tracked master is ISOLATED: too few peers heard to acknowledge a change") }
        }
        lines.append("transitions (newest last):")
        for transition in status.transitions.suffix(10) {
            lines.append("  \(age(now - transition.time)) ago: \(transition.from) → \(transition.to): \(transition.reason)")
        }
        if !status.hookRuns.isEmpty {
            lines.append("hooks (newest last):")
            for run in status.hookRuns.suffix(5) {
                lines.append("  \(age(now - run.time)) ago: \(run.kind) \(run.result) in \(run.milliseconds) ms")
            }
        }
        let counters = status.counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.append("counters: \(counters.joined(separator: " "))")
        return lines.joined(separator: "\n") + "\n"
    }

    static func age(_ seconds: Double) -> String {
        let whole = max(0, Int(seconds))
        if whole < 120 { return "\(whole) s" }
        if whole < 7200 { return "\(whole / 60) min" }
        return "\(whole / 3600) h"
    }
}

/// Why `--status` could not show anything.
public enum AnnouncerStatusFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .unreadable(let why): "no status: \(why) (is mfsannouncer running with this STATUS_FILE?)"
        case .malformed(let path): "\(path) is not an mfsannouncer status file"
        }
    }
}
