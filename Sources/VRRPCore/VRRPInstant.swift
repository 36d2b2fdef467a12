/// A point in time for the VRRP core: the time elapsed since an origin the shell chose.
///
/// The core never reads a clock. The shell passes `now` with every event and turns the deadlines
/// in `VRRPDirective.armTimer` back into its own clock, e.g. with `ContinuousClock`:
/// `VRRPInstant(sinceOrigin: clock.now - origin)` and `origin + deadline.sinceOrigin`.
/// Only differences matter, so any origin works as long as one instance keeps the same one.
public struct VRRPInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    /// Time elapsed since the shell's origin.
    public var sinceOrigin: Duration

    public init(sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }

    /// The origin itself; handy in tests and simulations that start their clock at zero.
    public static let origin = VRRPInstant(sinceOrigin: .zero)

    public func advanced(by duration: Duration) -> VRRPInstant {
        VRRPInstant(sinceOrigin: sinceOrigin + duration)
    }

    public func duration(to other: VRRPInstant) -> Duration { other.sinceOrigin - sinceOrigin }

    public static func < (a: Self, b: Self) -> Bool { a.sinceOrigin < b.sinceOrigin }

    public static func + (instant: Self, duration: Duration) -> Self { instant.advanced(by: duration) }

    public static func - (later: Self, earlier: Self) -> Duration { earlier.duration(to: later) }

    public var description: String { "t+\(sinceOrigin)" }
}
