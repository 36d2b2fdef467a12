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
    /// heard within the silence timeout).
    public mutating func answer(candidate: MemberID, epoch: Epoch, heldEpoch: Epoch, activeHeard: String?) -> Answer {
        if epoch <= heldEpoch {
            return .refuse("epoch \(epoch) is not above epoch \(heldEpoch), which this member already holds")
        }
        if let activeHeard {
            return .refuse("this member still hears the active master \(activeHeard)")
        }
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
