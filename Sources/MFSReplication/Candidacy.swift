import MFSCore

/// A candidate's count of votes for a new epoch (DESIGN §7.2). With P voters besides the
/// leader and `SYNC_REPLICAS = K`, P − K + 1 grants guarantee that one granter holds every
/// acknowledged change; the candidate then takes the log of the granter with the highest
/// (epoch, version) before it writes `EPOCH(n+1)`. Pure: the caller sends the requests,
/// passes the answers in, and asks for the outcome with the time.
public struct Candidacy: Sendable {
    public let epoch: Epoch
    /// The candidate itself.
    public let me: MemberID
    /// The candidate's own log: as at `POST /promote`, then as it grew until the candidate
    /// granted itself (see `ownLogAdvanced`).
    public private(set) var ownPosition: LogPosition
    /// The newest voter set known (the candidate's own, or a newer one a granter reported).
    public private(set) var voters: VoterSet
    public private(set) var votersVersion: MetaVersion
    public private(set) var grants: [MemberID: LogPosition] = [:]
    public private(set) var refusals: [MemberID: String] = [:]
    /// When the candidacy gives up (monotonic milliseconds).
    public let deadline: Int64

    public init(epoch: Epoch, me: MemberID, ownPosition: LogPosition, voters: VoterSet, votersVersion: MetaVersion, deadline: Int64) {
        self.epoch = epoch
        self.me = me
        self.ownPosition = ownPosition
        self.voters = voters
        self.votersVersion = votersVersion
        self.deadline = deadline
    }

    public enum Outcome: Equatable, Sendable {
        case waiting
        /// Enough grants. `from` is the granter whose log is newer than the candidate's (nil:
        /// the candidate's own log is the newest), `position` where that log ends.
        case won(from: MemberID?, position: LogPosition)
        /// The deadline passed without enough grants; the text names who refused and who was
        /// not heard.
        case lost(String)
    }

    /// The voters whose grant counts: every member but the leader that wrote the set.
    public var electorate: [MemberID] { voters.followers }

    /// The voters not heard from yet (neither grant nor refusal).
    public var unheard: [MemberID] { electorate.filter { grants[$0] == nil && refusals[$0] == nil } }

    /// Voters to ask (again): those that did not grant.
    public var toAsk: [MemberID] { electorate.filter { grants[$0] == nil && $0 != me } }

    /// A grant from `voter`, whose log ends at `position`, and who knows the voter set `set`
    /// as of `setVersion` (a newer set than the candidate's replaces it).
    public mutating func granted(by voter: MemberID, position: LogPosition, set: VoterSet, setVersion: MetaVersion) {
        grants[voter] = position
        refusals[voter] = nil
        if setVersion > votersVersion {
            voters = set
            votersVersion = setVersion
        }
    }

    /// The candidate stored more changes of the active master it still follows (it does not
    /// grant itself while it hears that master, and acknowledges them meanwhile). Its own grant,
    /// cast later, must name the log as it is then: with the position of `POST /promote`, an
    /// older granter's log looked newer, and taking it would cut changes this candidate had
    /// acknowledged. Frozen once the candidate granted itself (it stores nothing of a lower
    /// epoch after that promise).
    public mutating func ownLogAdvanced(to position: LogPosition) {
        guard grants[me] == nil, position > ownPosition else { return }
        ownPosition = position
    }

    /// A refusal from `voter`, with its reason; a later grant replaces it (voters that still
    /// heard the old master are asked again).
    public mutating func refused(by voter: MemberID, reason: String) {
        guard grants[voter] == nil else { return }
        refusals[voter] = reason
    }

    /// The grants that count: from the current electorate.
    public var counted: [MemberID: LogPosition] {
        let electorate = Set(electorate)
        return grants.filter { electorate.contains($0.key) }
    }

    public func outcome(now: Int64) -> Outcome {
        let counted = self.counted
        if counted.count >= voters.grantsNeeded {
            let best = counted.max { ($0.value, $0.key) < ($1.value, $1.key) }
            if let best, best.value > ownPosition { return .won(from: best.key, position: best.value) }
            return .won(from: nil, position: ownPosition)
        }
        guard now >= deadline else { return .waiting }
        return .lost(summary)
    }

    /// Why the candidacy has not won: the count, the refusals and the voters not heard.
    public var summary: String {
        var parts = [
            "\(counted.count) of \(voters.grantsNeeded) grants needed from the voters \(electorate.map(\.hex).joined(separator: ", "))"
        ]
        for (voter, reason) in refusals.sorted(by: { $0.key < $1.key }) { parts.append("\(voter.hex) refused: \(reason)") }
        let silent = unheard
        if !silent.isEmpty { parts.append("not heard: \(silent.map(\.hex).joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }
}
