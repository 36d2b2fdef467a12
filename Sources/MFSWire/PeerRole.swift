/// What a peer that says hello to the master is. The raw value is its byte on the wire.
///
/// One hello serves every master port (9419 followers and metaloggers, 9420 chunkservers, 9421
/// clients), so a peer that dials the wrong port is told so by role instead of by a garbled
/// message.
public enum PeerRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case client = 1
    case chunkserver = 2
    case metalogger = 3
    case follower = 4
    /// Another master (an active master probing a peer after a partition, say).
    case master = 5

    public var description: String {
        switch self {
        case .client: "client"
        case .chunkserver: "chunkserver"
        case .metalogger: "metalogger"
        case .follower: "follower"
        case .master: "master"
        }
    }
}

/// What the master answering a hello is, as in `/status`. Only an `active` master accepts
/// writes; the others answer a mutating request with `WireStatus.notActive`.
public enum MasterRole: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case active = 1
    /// A hot standby following the active master.
    case follower = 2
    /// A master that learned of a higher epoch and accepts no writes until it resyncs.
    case fenced = 3

    public var description: String {
        switch self {
        case .active: "active"
        case .follower: "follower"
        case .fenced: "fenced"
        }
    }
}
