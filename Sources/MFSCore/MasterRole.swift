/// What a master is now, as its hello reply and `/status` say (the raw value is its byte on the
/// wire). Only an `active` master accepts writes; the others answer a mutating request with
/// `WireStatus.notActive`.
public enum MasterRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case active = 1
    /// A hot standby following the active master.
    case follower = 2
    /// A master that learned of a higher epoch and accepts no writes until it follows the active
    /// master again (DESIGN §7.6).
    case fenced = 3

    public var description: String {
        switch self {
        case .active: "active"
        case .follower: "follower"
        case .fenced: "fenced"
        }
    }
}
