/// Why a virtual router changed state. The description is the log line's explanation.
public enum VRRPTransitionReason: Hashable, Sendable, CustomStringConvertible {
    /// Initialize → Backup at startup (§6.4.1).
    case started
    /// Initialize → Master at startup: priority 255 owns the addresses (§6.4.1).
    case startedAsAddressOwner
    /// Backup → Master: no advertisement for Master_Down_Interval (§6.4.2).
    case masterDown
    /// Backup → Master: the master resigned with priority 0 and Skew_Time passed (§6.4.2).
    case masterResigned(IPv4Address)
    /// Backup → Master: this router ignored a lower-priority master's advertisements because
    /// Preempt_Mode is on, and its Master_Down_Timer ran out (§6.4.2).
    case preemptedLowerPriorityMaster(IPv4Address, priority: UInt8)
    /// Master → Backup: an advertisement with a higher priority arrived (§6.4.3).
    case higherPriorityMaster(IPv4Address, priority: UInt8)
    /// Master → Backup: same priority, higher primary address (§6.4.3).
    case equalPriorityHigherAddress(IPv4Address)
    /// Master → Backup: the promote hook failed, so this router resigned.
    case promoteHookFailed(String)
    case promoteHookNotYet(String)
    /// Master → Backup: the priority dropped to 0 (the tracked master is unhealthy).
    case priorityDroppedToZero
    /// Master → Backup: without Preempt_Mode, the carrier came back after being gone this
    /// long, at least Master_Down_Interval (see `VRRPInstance`, "Carrier").
    case carrierWasGone(Duration)
    /// Any → Initialize: shutdown (§6.4.2, §6.4.3).
    case shutdown

    public var description: String {
        switch self {
        case .started: "started (RFC 5798 §6.4.1)"
        case .startedAsAddressOwner: "started as address owner, priority 255 (RFC 5798 §6.4.1)"
        case .masterDown: "no advertisement for Master_Down_Interval (RFC 5798 §6.4.2)"
        case .masterResigned(let master): "master \(master) resigned with priority 0 (RFC 5798 §6.4.2)"
        case .preemptedLowerPriorityMaster(let master, let priority):
            "preempted master \(master) of lower priority \(priority) (RFC 5798 §6.4.2, Preempt_Mode)"
        case .higherPriorityMaster(let master, let priority):
            "master \(master) has higher priority \(priority) (RFC 5798 §6.4.3)"
        case .equalPriorityHigherAddress(let master):
            "master \(master) has the same priority and a higher address (RFC 5798 §6.4.3)"
        case .promoteHookFailed(let why): "promote hook failed, resigned: \(why)"
        case .promoteHookNotYet(let why): "promote hook says not yet, resigned for now (no back-off): \(why)"
        case .priorityDroppedToZero: "priority dropped to 0 (tracked master unhealthy), resigned"
        case .carrierWasGone(let gone):
            "the carrier was gone for \(gone.milliseconds) ms, at least Master_Down_Interval: another router may have "
                + "taken over meanwhile, so this one comes back as a backup (PREEMPT = 0), resigned"
        case .shutdown: "shutdown"
        }
    }
}
