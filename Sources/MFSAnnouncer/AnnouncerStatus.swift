/// What `mfsannouncer --status` shows: written by the daemon to `STATUS_FILE` as JSON.
public struct AnnouncerStatus: Codable, Hashable, Sendable {
    /// One state change and its reason.
    public struct Transition: Codable, Hashable, Sendable {
        /// Wall-clock seconds since 1970.
        public var time: Double
        public var from: String
        public var to: String
        public var reason: String
    }

    /// One finished hook run.
    public struct HookRun: Codable, Hashable, Sendable {
        public var kind: HookKind
        public var time: Double
        public var milliseconds: Int64
        public var result: String
    }

    /// How many transitions and hook runs the file keeps.
    public static let historyLength = 32

    public var pid: Int32
    public var startedAt: Double
    public var updatedAt: Double
    public var interface: String
    public var virtualRouterID: Int
    public var primaryAddress: String
    public var virtualIPs: [String]
    public var unicastPeers: [String]
    public var advertisementIntervalMilliseconds: Int64
    public var configuredPriority: Int
    /// The priority the router runs at (0 while the tracked master is unhealthy).
    public var priority: Int
    /// `initialize`, `backup` or `master`.
    public var state: String
    public var holdsVirtualIPs: Bool
    public var trackMasterURL: String?
    /// nil: not tracking, or no answer yet.
    public var masterHealthy: Bool?
    public var masterHealthDetail: String?
    /// The tracked master is active but hears too few peers to acknowledge a change (its
    /// `/status` says `isolated`): the router runs at `AnnouncerShell.isolatedPriority`.
    public var masterIsolated: Bool = false
    /// True from SIGTERM until exit.
    public var stopping: Bool
    /// Oldest first.
    public var transitions: [Transition]
    public var hookRuns: [HookRun]
    public var counters: [String: Int]

    mutating func record(_ transition: Transition) {
        transitions.append(transition)
        if transitions.count > Self.historyLength { transitions.removeFirst(transitions.count - Self.historyLength) }
    }

    mutating func record(_ run: HookRun) {
        hookRuns.append(run)
        if hookRuns.count > Self.historyLength { hookRuns.removeFirst(hookRuns.count - Self.historyLength) }
    }
}
