import MFSCore

/// Where a member's log ends: the epoch of its last change and that change's version. Logs are
/// ordered by (epoch, version) (DESIGN §3): a later epoch wins whatever the versions.
public struct LogPosition: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var epoch: Epoch
    public var version: MetaVersion

    public init(epoch: Epoch, version: MetaVersion) {
        self.epoch = epoch
        self.version = version
    }

    public static let zero = LogPosition(epoch: .zero, version: .zero)

    public static func < (a: Self, b: Self) -> Bool {
        (a.epoch, a.version.rawValue) < (b.epoch, b.version.rawValue)
    }

    public var description: String { "version \(version) of epoch \(epoch)" }
}

/// A voter's promise (DESIGN §7.2): each epoch is granted to one candidate only, and once a
/// voter has promised epoch e it accepts nothing of a lower epoch. The promise must be on disk
/// (fsynced) before the grant leaves, so a voter that restarts cannot grant e twice. Pure: the
/// caller persists when told to and says whether it still hears an active master.
public struct Ballot: Equatable, Sendable {
    /// The highest epoch promised (0: none).
    public private(set) var promised: Epoch
    /// Who it was promised to.
    public private(set) var candidate: MemberID

    public init(promised: Epoch = .zero, candidate: MemberID = .none) {
        self.promised = promised
        self.candidate = candidate
    }

    public enum Answer: Equatable, Sendable {
        /// Granted; with `persist`, the new promise must be fsynced before the grant is sent.
        case grant(persist: Bool)
        case refuse(String)
    }

    /// Answers `candidate`, which asks for `epoch`. `heldEpoch` is the highest epoch of the log
    /// held here; `activeHeard` names the active master this member still hears (nil: none
    /// heard within the silence timeout); `grantHeld` why a grant this member gave another
    /// candidate still holds (`RecentGrant.hold`).
    public mutating func answer(
        candidate: MemberID, epoch: Epoch, heldEpoch: Epoch, activeHeard: String?, grantHeld: String? = nil
    ) -> Answer {
        if epoch <= heldEpoch {
            return .refuse("epoch \(epoch) is not above epoch \(heldEpoch), which this member already holds")
        }
        if let activeHeard {
            return .refuse("this member still hears the active master \(activeHeard)")
        }
        if let grantHeld { return .refuse(grantHeld) }
        if epoch < promised || (epoch == promised && candidate != self.candidate) {
            return .refuse("epoch \(promised) is promised to member \(self.candidate) already")
        }
        if epoch == promised { return .grant(persist: false) }
        promised = epoch
        self.candidate = candidate
        return .grant(persist: true)
    }

    /// Whether changes of a master at `epoch` may still be stored here: not below a promise.
    public func accepts(masterEpoch epoch: Epoch) -> Bool { epoch >= promised }

    /// The lowest epoch whose master a member may follow, for a master member `me` (nil: a
    /// metalogger) that is `promoting` or not. A promise to itself whose candidacy is over
    /// (abandoned, or from before a restart: a new candidacy asks for a higher epoch) stops
    /// nothing of its own: that epoch will never lead. Its earlier promises to others were of
    /// lower epochs, so it still refuses anything below the epoch under it. Without this, a
    /// candidate that lost to a rival of the epoch under its own would refuse to follow the
    /// winner for good.
    public func followFloor(me: MemberID?, promoting: Bool) -> Epoch {
        guard let me, candidate == me, !promoting, promised > .zero else { return promised }
        return Epoch(promised.rawValue - 1)
    }
}

/// The last new promise a voter gave a candidate other than itself. The voter counts it as
/// hearing that candidate lead at the moment of the grant: for the silence timeout after it,
/// it refuses a higher epoch to anyone else, itself included, as it refuses while it hears an
/// active master; once the candidate leads, the voter hears it (its link, nudged by the grant,
/// tries that master every 20 ms), which refuses others anyway.
/// The granted candidate may be winning: it writes its epoch and takes writes when its last
/// grant comes, while the voters' links only then find it. A voter that promised the next epoch
/// to a second candidate meanwhile would refuse the winner's changes for good, and the winner,
/// shown that epoch, would be fenced (Raft's rule in the same place: a server that grants a
/// vote resets its election timer). Seen in loaded runs of two masters promoted at once: one
/// granted the other epoch 1, then its own promotion asked for epoch 2 and took the
/// metalogger's vote. Not longer than the silence timeout: the role simulation, with three
/// masters promoted over and over, took longer to settle with a hold of the whole vote wait
/// (each candidate's grants held the others off). Not persisted: after a restart the voter
/// waits for nobody.
public struct RecentGrant: Equatable, Sendable {
    public var candidate: MemberID
    public var epoch: Epoch
    /// Monotonic milliseconds.
    public var at: Int64

    public init(candidate: MemberID, epoch: Epoch, at: Int64) {
        self.candidate = candidate
        self.epoch = epoch
        self.at = at
    }

    /// Why `candidate`, asking for `epoch` at `now`, is refused while this grant holds; nil
    /// when it does not: the same candidate (a retry, or its next epoch), an epoch not above the
    /// granted one (the promise answers that), or `holdMilliseconds` passed.
    public func hold(against candidate: MemberID, epoch: Epoch, now: Int64, holdMilliseconds: Int64) -> String? {
        guard candidate != self.candidate, epoch > self.epoch, now - at < holdMilliseconds else { return nil }
        return "this member granted epoch \(self.epoch) to candidate \(self.candidate) \(now - at) ms ago, which may be taking over "
            + "(a grant holds \(holdMilliseconds) ms unless that candidate leads)"
    }
}
