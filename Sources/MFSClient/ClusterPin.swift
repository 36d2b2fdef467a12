import MFSCore
import MFSWire

/// The cluster a client belongs to and the newest epoch it has seen (DESIGN §7.6). The first
/// master that answers pins the metaid; a master of another cluster is refused from then on,
/// and one whose epoch is older than one already seen is stale (an old active master cut off
/// by a partition) and is passed over.
public struct ClusterPin: Equatable, Sendable {
    public private(set) var metaID: MetaID = .unknown
    public private(set) var epoch: Epoch = .zero

    public init() {}

    public enum Verdict: Equatable, Sendable {
        case accept
        /// Another cluster's master: `expected` is the pinned metaid.
        case wrongCluster(found: MetaID, expected: MetaID)
        /// A master behind the newest epoch seen.
        case stale(found: Epoch, seen: Epoch)
    }

    /// Checks a master's hello reply; on `accept`, pins its metaid (the first time) and raises
    /// the epoch seen.
    public mutating func check(_ reply: HelloReply) -> Verdict {
        if metaID != .unknown, reply.metaID != metaID { return .wrongCluster(found: reply.metaID, expected: metaID) }
        if reply.epoch < epoch { return .stale(found: reply.epoch, seen: epoch) }
        metaID = reply.metaID
        epoch = reply.epoch
        return .accept
    }
}
