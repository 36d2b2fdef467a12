/// Conversions between `Duration` and the centiseconds VRRPv3 puts on the wire (RFC 5798 §5.2.7).
extension Duration {
    /// `count` hundredths of a second.
    static func centiseconds(_ count: some BinaryInteger) -> Duration { .milliseconds(Int64(count) * 10) }

    /// The duration as a whole number of centiseconds, or nil if it has a finer part (15 ms) or
    /// is negative: the wire cannot carry it, so configuration must refuse it rather than round.
    var exactCentiseconds: Int64? {
        let attosecondsPerCentisecond: Int64 = 10_000_000_000_000_000
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0, attoseconds % attosecondsPerCentisecond == 0 else { return nil }
        let (total, overflow) = seconds.multipliedReportingOverflow(by: 100)
        guard !overflow, total <= Int64.max - 99 else { return nil }
        return total + attoseconds / attosecondsPerCentisecond
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero (log lines, the announcer's status).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
