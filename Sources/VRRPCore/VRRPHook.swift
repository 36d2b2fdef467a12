/// Identifies one run of the promote hook, so that the result of a run the core no longer waits
/// for (it stepped down or shut down meanwhile) is recognised and ignored.
public struct VRRPPromotionID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "promotion#\(rawValue)" }
}

/// How a hook run ended, as the shell reports it.
public enum VRRPHookResult: Hashable, Sendable, CustomStringConvertible {
    case success
    /// The hook failed, timed out or could not be started; the text says why, for the log.
    case failure(String)
    /// The promote hook says "not yet, ask again" (it exited `VRRPLimits.notYetExitStatus`,
    /// EX_TEMPFAIL): the router resigns for now without counting a failure, so it stands again
    /// after the usual Master_Down_Interval rather than after a growing back-off. A master that
    /// cannot take over *yet* (its voters still hear the old master for a moment) is not broken.
    /// After `VRRPLimits.notYetBeforeBackoff` in a row it counts as a failure after all.
    case notYet(String)

    public var description: String {
        switch self {
        case .success: "success"
        case .failure(let why): "failure: \(why)"
        case .notYet(let why): "not yet: \(why)"
        }
    }
}
