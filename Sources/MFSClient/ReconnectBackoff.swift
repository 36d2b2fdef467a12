/// The wait between rounds of reconnect attempts: `initial`, doubling up to `maximum`, with
/// "equal jitter" (half the step fixed, half random) so that many clients that lost the same
/// master do not all come back in the same millisecond.
///
/// A pure value: the caller passes the random fraction and does the sleeping.
public struct ReconnectBackoff: Equatable, Sendable {
    public static let defaultInitial: Duration = .milliseconds(50)
    public static let defaultMaximum: Duration = .seconds(2)

    public let initial: Duration
    public let maximum: Duration
    /// The step the next delay is drawn from.
    public private(set) var step: Duration

    public init(initial: Duration = defaultInitial, maximum: Duration = defaultMaximum) {
        precondition(initial > .zero && maximum >= initial, "backoff \(initial)...\(maximum)")
        self.initial = initial
        self.maximum = maximum
        self.step = initial
    }

    /// The next delay, between step/2 and step, and doubles the step (up to `maximum`).
    /// `jitter` is a random fraction in 0..<1.
    public mutating func nextDelay(jitter: Double) -> Duration {
        precondition((0..<1).contains(jitter), "jitter \(jitter) is not in 0..<1")
        let delay = step / 2 + (step / 2) * jitter
        step = min(step * 2, maximum)
        return delay
    }

    /// Back to `initial`, after a connection succeeded.
    public mutating func reset() { step = initial }
}
