/// A member of a cluster that can vote at a promotion (DESIGN §7.2): a master or a metalogger.
/// Random at the member's first start and kept in its data directory, so it survives restarts
/// and address changes. 0 means "none".
public struct MemberID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let none = MemberID(0)
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// Sixteen lowercase hex digits, as in the changelog.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
    public var description: String { hex }
}

/// What a voting member is.
public enum MemberKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case master = 1
    case metalogger = 2

    /// One letter, as in the changelog: `m` or `l`.
    public var letter: Character { self == .master ? "m" : "l" }
    public init?(letter: Character) {
        switch letter {
        case "m": self = .master
        case "l": self = .metalogger
        default: return nil
        }
    }
    public var description: String { self == .master ? "master" : "metalogger" }
}

/// The voters of a cluster (DESIGN §7.2): every member whose acknowledgement counts towards
/// `SYNC_REPLICAS`, and who must be asked before a new epoch begins. Kept in the metadata and
/// changed only through the changelog (`VOTERS`), so every member agrees on it.
///
/// With P voters besides the leader and `syncReplicas = K`, every acknowledged change is on K of
/// them; a candidate that holds grants from P − K + 1 of them therefore hears from at least one
/// that holds every acknowledged change (the two sets must meet).
public struct VoterSet: Equatable, Sendable {
    /// `SYNC_REPLICAS` of the active master that wrote the set: the K of the rule above.
    public var syncReplicas: Int
    /// The active master that wrote the set (it holds everything it acknowledged; the rule
    /// counts the others). `.none` before any master led with voters.
    public var leader: MemberID
    public var members: [MemberID: MemberKind]

    public init(syncReplicas: Int = 0, leader: MemberID = .none, members: [MemberID: MemberKind] = [:]) {
        self.syncReplicas = syncReplicas
        self.leader = leader
        self.members = members
    }

    public static let empty = VoterSet()

    /// The voters besides the leader: the P of the rule.
    public var followers: [MemberID] { members.keys.filter { $0 != leader }.sorted() }

    /// How many grants a candidate needs: P − K + 1, with K taken as at least 1 (with
    /// `SYNC_REPLICAS = 0` nothing was promised; every voter is asked, P), and never fewer than a
    /// majority of the P. P − K + 1 makes a granter hold every acknowledged change; the majority
    /// makes the epoch unique: two candidates for one epoch need grants that overlap, and a
    /// voter grants an epoch once. Without it, with K > P / 2 (K = P = 2: one grant), two
    /// candidates that each grant themselves would both lead the same epoch. With no voter
    /// besides the leader, none: a leader alone acknowledged nothing without degrading.
    public var grantsNeeded: Int {
        let p = followers.count
        guard p > 0 else { return 0 }
        return max(p - max(1, syncReplicas) + 1, p / 2 + 1)
    }

    /// Members in a stable order, for the changelog and the metadata file.
    public var sortedMembers: [(id: MemberID, kind: MemberKind)] {
        members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
