import MFSCore

/// How a registering peer continues (DESIGN §3, §6): decided from what the peer holds and what
/// the master knows of its own history. Pure.
public enum PeerPlan: Equatable, Sendable {
    /// Stream the changes after `resumeAfter`. Below the peer's last version, its changes after
    /// `resumeAfter` belong to an older epoch this master's history superseded (a fork): the
    /// peer moves them aside (`discarded` of them) and continues.
    case stream(resumeAfter: MetaVersion, discarded: UInt64)
    /// The changes the peer needs are no longer kept (or it has none): it downloads the
    /// metadata first.
    case download
    /// The peer must not follow this master; the text says why, for both logs.
    case refuse(PeerRefusal, String)
}

public enum PeerRefusal: Equatable, Sendable {
    /// The peer belongs to another cluster.
    case otherCluster
    /// The peer has seen a higher epoch: this master is stale and must fence itself.
    case staleMaster
    /// The peer holds changes of this master's epoch beyond its last version: this master is
    /// behind its own follower (it lost changes) and must not lead it.
    case peerAhead
}

/// What the master knows when a peer registers.
public struct MasterHistory: Sendable {
    public var metaID: MetaID
    public var epoch: Epoch
    public var version: MetaVersion
    /// Start versions of epochs known to this master (at least the current one's), so a peer's
    /// tail of an older epoch can be cut at the right version.
    public var epochStarts: [Epoch: MetaVersion]
    /// The oldest version kept in memory for streaming.
    public var firstKept: MetaVersion

    public init(metaID: MetaID, epoch: Epoch, version: MetaVersion, epochStarts: [Epoch: MetaVersion], firstKept: MetaVersion) {
        self.metaID = metaID
        self.epoch = epoch
        self.version = version
        self.epochStarts = epochStarts
        self.firstKept = firstKept
    }

    /// Decides for a peer of cluster `metaID` that has seen epoch `highestEpoch` and holds
    /// changes up to `lastVersion` of epoch `tailEpoch` (0: nothing).
    public func plan(metaID peerMetaID: MetaID, highestEpoch: Epoch, lastVersion: MetaVersion, tailEpoch: Epoch) -> PeerPlan {
        if peerMetaID != .unknown, peerMetaID != metaID {
            return .refuse(.otherCluster, "the peer belongs to cluster \(peerMetaID.hex), this master to \(metaID.hex)")
        }
        if highestEpoch > epoch || tailEpoch > epoch {
            return .refuse(
                .staleMaster, "the peer has seen epoch \(max(highestEpoch, tailEpoch)), above this master's \(epoch): this master is stale")
        }
        guard lastVersion > .zero else { return .download }
        var resume = lastVersion
        if tailEpoch < epoch {
            // The first epoch after the peer's starts at the smallest known start above its epoch.
            let later = epochStarts.filter { $0.key > tailEpoch }
            guard later.count == Int(epoch.rawValue - tailEpoch.rawValue), let start = later.values.min() else {
                return .download
            }
            guard start > .zero else { return .download }
            if lastVersion >= start { resume = MetaVersion(start.rawValue - 1) }
        } else if lastVersion > version {
            return .refuse(
                .peerAhead,
                "the peer holds changes up to \(lastVersion) of epoch \(epoch), this master only up to \(version): "
                    + "this master lost changes and must not lead (promote the peer or restore this host)")
        }
        guard resume.next >= firstKept, resume <= version else { return .download }
        return .stream(resumeAfter: resume, discarded: lastVersion.rawValue - resume.rawValue)
    }
}
