import VRRPCore

/// Everything `mfsannouncer.cfg` says, checked, with the interface resolved. Built only by
/// `AnnouncerSettings.load` / `parse`, so a value here is always within its limits.
public struct AnnouncerSettings: Hashable, Sendable {
    public var configPath: String
    public var interface: String
    /// The interface's index when the configuration was loaded.
    public var interfaceIndex: Int32
    /// The interface's first IPv4 address that is not a virtual IP: the advertisements' source.
    public var primaryAddress: IPv4Address
    public var virtualRouterID: Int
    public var priority: Int
    public var advertisementInterval: Duration
    public var virtualIPs: [VirtualIPAddress]
    public var preempt: Bool
    public var preemptDelay: Duration
    /// Empty: multicast to 224.0.0.18.
    public var unicastPeers: [IPv4Address]
    /// Shell command lines; nil when not configured.
    public var promoteHook: String?
    public var demoteHook: String?
    public var hookTimeout: Duration
    public var trackMaster: TrackMasterSettings?
    public var gratuitousARPCount: Int
    public var gratuitousARPInterval: Duration
    public var statusFile: String

    /// The core's configuration: the checks were done key by key when loading, so this cannot
    /// fail for a loaded `AnnouncerSettings` unless the interface's address is unusable.
    public func vrrpConfiguration() throws(VRRPConfigurationError) -> VRRPConfiguration {
        try VRRPConfiguration(
            virtualRouterID: virtualRouterID, priority: priority, advertisementInterval: advertisementInterval,
            virtualAddresses: virtualIPs.map(\.address), primaryAddress: primaryAddress, preemptMode: preempt,
            preemptDelay: preemptDelay)
    }
}

/// `TRACK_MASTER`: which `/status` to poll and how to judge it (DESIGN §1).
public struct TrackMasterSettings: Hashable, Sendable {
    /// The default URL of `TRACK_MASTER = 1`: the local master's status port (DESIGN §1).
    public static let defaultURL = "http://127.0.0.1:9428/status"
    /// An answer slower than this counts as unhealthy (DESIGN §1).
    public static let answerTimeout: Duration = .milliseconds(200)

    public var host: IPv4Address
    public var port: UInt16
    public var path: String
    public var interval: Duration
    public var fall: Int
    public var rise: Int

    public var url: String { "http://\(host):\(port)\(path)" }

    /// Parses `http://IPV4[:PORT]/PATH` (`localhost` is 127.0.0.1); nil if it is not one. No
    /// name lookups: the announcer must not depend on a resolver to decide a failover.
    public static func parseURL(_ text: String) -> (host: IPv4Address, port: UInt16, path: String)? {
        let scheme = "http://"
        guard text.hasPrefix(scheme) else { return nil }
        let rest = text.dropFirst(scheme.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return nil }
        let hostText = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        guard let host = IPv4Address(hostText) else { return nil }
        var port: UInt16 = 80
        if parts.count == 2 {
            guard let value = UInt16(parts[1]), value > 0 else { return nil }
            port = value
        }
        return (host, port, path)
    }
}
