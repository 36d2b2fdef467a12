/// When the metalogger writes its next metadata snapshot (`META_DOWNLOAD_FREQ`). Pure: it takes
/// `now` (wall seconds) and never reads a clock, so tests drive it with any time they like.
///
/// A snapshot is due `interval` after the last one written (the metadata file's time at start,
/// so a daemon restarted more often than `interval` still writes one); a failed one is tried
/// again after `retrySeconds` at most.
public struct SnapshotSchedule: Sendable, Equatable {
    /// How long a failed snapshot waits before the next try (when `interval` is longer).
    public static let retrySeconds = 300.0

    public let intervalSeconds: Double
    /// The wall time at or after which the next snapshot is due.
    public private(set) var nextDue: Double

    /// `lastWritten`: when the current metadata file was written, nil when there is none.
    public init(interval: Duration, lastWritten: Double?, now: Double) {
        let components = interval.components
        intervalSeconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        nextDue = (lastWritten ?? now) + intervalSeconds
    }

    public func isDue(now: Double) -> Bool { now >= nextDue }

    /// A snapshot was written (or the metadata replaced by a download) at `now`.
    public mutating func written(now: Double) { nextDue = now + intervalSeconds }

    /// A snapshot could not be made at `now`: try again soon, not at once after every change.
    public mutating func failed(now: Double) { nextDue = now + min(intervalSeconds, Self.retrySeconds) }
}
