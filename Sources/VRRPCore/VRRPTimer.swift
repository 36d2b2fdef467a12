/// The two timers of a virtual router (RFC 5798 §6.2).
public enum VRRPTimerKind: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Adver_Timer: a master sends an advertisement when it fires.
    case advertisement
    /// Master_Down_Timer: a backup takes over when it fires.
    case masterDown

    public var description: String {
        switch self {
        case .advertisement: "Adver_Timer"
        case .masterDown: "Master_Down_Timer"
        }
    }
}

/// One arming of a timer. The shell hands it back in `VRRPEvent.timerFired`; the generation
/// lets the core ignore an expiry of a timer it has since re-armed or cancelled, which a shell
/// cannot always prevent (the expiry may already be queued when the cancel arrives).
public struct VRRPTimer: Hashable, Sendable, CustomStringConvertible {
    public var kind: VRRPTimerKind
    /// Distinct for every arming within one `VRRPInstance`.
    public var generation: UInt64

    public init(kind: VRRPTimerKind, generation: UInt64) {
        self.kind = kind
        self.generation = generation
    }

    public var description: String { "\(kind)#\(generation)" }
}
