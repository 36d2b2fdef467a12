import VRRPCore

/// At most one log line per key (e.g. a source address and a rejection reason) per interval,
/// counting what it held back, as keepalived does for rejected advertisements. A flood of bad
/// packets from one sender must not flood the journal, nor hide another sender's problem.
public struct LogRateLimiter: Sendable {
    public let interval: Duration
    /// Beyond this many keys the oldest are forgotten (a spoofed-source flood stays bounded).
    public let maximumKeys: Int
    private var entries: [String: (lastLogged: VRRPInstant, suppressed: Int)] = [:]

    public init(interval: Duration = .seconds(10), maximumKeys: Int = 1024) {
        self.interval = interval
        self.maximumKeys = maximumKeys
    }

    /// Whether to log an event of `key` now: nil to stay silent, or how many events of this key
    /// were held back since its last line.
    public mutating func admit(_ key: String, now: VRRPInstant) -> Int? {
        if var entry = entries[key] {
            guard now - entry.lastLogged >= interval else {
                entry.suppressed += 1
                entries[key] = entry
                return nil
            }
            entries[key] = (now, 0)
            return entry.suppressed
        }
        if entries.count >= maximumKeys, let oldest = entries.min(by: { $0.value.lastLogged < $1.value.lastLogged }) {
            entries[oldest.key] = nil
        }
        entries[key] = (now, 0)
        return 0
    }
}
