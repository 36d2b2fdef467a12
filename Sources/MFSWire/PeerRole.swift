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
    /// A client asking who answers at an address (`MasterClient`'s probe while its requests
    /// wait on a silent connection): the master replies with its `HelloReply` and closes; no
    /// session is opened and nothing is logged as a problem.
    case probe = 6

    public var description: String {
        switch self {
        case .client: "client"
        case .chunkserver: "chunkserver"
        case .metalogger: "metalogger"
        case .follower: "follower"
        case .master: "master"
        case .probe: "probe"
        }
    }
}
