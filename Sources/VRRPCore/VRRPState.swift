/// The states of a virtual router (RFC 5798 §6.4).
public enum VRRPState: Hashable, Sendable, CustomStringConvertible {
    /// Not running: before `start` and after `shutdown` (§6.4.1).
    case initialize
    /// Watching the master's advertisements, ready to take over (§6.4.2).
    case backup
    /// Advertising; holds the virtual addresses once the promote hook succeeded (§6.4.3).
    case master

    public var description: String {
        switch self {
        case .initialize: "initialize"
        case .backup: "backup"
        case .master: "master"
        }
    }
}

/// A change of state and why it happened, for the log and for `/status`.
public struct VRRPTransition: Hashable, Sendable, CustomStringConvertible {
    public var from: VRRPState
    public var to: VRRPState
    public var reason: VRRPTransitionReason

    public init(from: VRRPState, to: VRRPState, reason: VRRPTransitionReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }

    public var description: String { "\(from) → \(to): \(reason)" }
}
