import MFSChangelog
import MFSCore

/// The cluster's voter set (DESIGN §7.2) is metadata like any other: it changes only through a
/// `VOTERS` change, so every master, follower, metalogger and restore that reaches a version
/// agrees on who the voters were at that version. The namespace only records the set and checks
/// that it is well formed; who may propose one and when it takes effect (once acknowledged under
/// the old set) is the promotion machinery's business.
extension Namespace {
    /// Makes `set` the cluster's voter set (`VOTERS`). EINVAL if the set is not valid
    /// (`VoterSet.validationProblem` says why).
    public mutating func setVoters(_ set: VoterSet, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.voters(set), now: now, request: nil)
    }

    mutating func performSetVoters(_ set: VoterSet) throws(FSError) {
        guard set.validationProblem == nil else { throw .invalidArgument }
        checksum = checksum &- Self.votersContribution(voters, version: votersVersion)
        voters = set
        votersVersion = version.next
        checksum = checksum &+ Self.votersContribution(voters, version: votersVersion)
    }

    /// The voter set's share of the namespace checksum: nothing before the first `VOTERS`
    /// change (so metadata from before voters existed keeps its checksum), else a hash of the
    /// version it was set at, `k`, the leader and the members in id order.
    static func votersContribution(_ set: VoterSet, version: MetaVersion) -> UInt64 {
        guard version != .zero else { return 0 }
        var h = StableHash.combine(0x5_07E5_0000_0004, version.rawValue)
        h = StableHash.combine(h, UInt64(truncatingIfNeeded: set.syncReplicas))
        h = StableHash.combine(h, set.leader.rawValue)
        for member in set.sortedMembers {
            h = StableHash.combine(StableHash.combine(h, member.id.rawValue), UInt64(member.kind.rawValue))
        }
        return StableHash.mix(h)
    }
}

extension VoterSet {
    /// Why this set cannot be a cluster's voter set, or nil if it can: at most
    /// `ChangelogLimits.maxVoters` members, `syncReplicas` in 0…`ChangelogLimits.maxSyncReplicas`,
    /// no member with id 0 (`MemberID.none`), and a leader, if any, that is a member and a
    /// master. The namespace refuses such a set (EINVAL) and the metadata file decoder names the
    /// problem.
    public var validationProblem: String? {
        if members.count > ChangelogLimits.maxVoters {
            return "\(members.count) members, more than the limit of \(ChangelogLimits.maxVoters)"
        }
        if syncReplicas < 0 || syncReplicas > ChangelogLimits.maxSyncReplicas {
            return "syncReplicas \(syncReplicas) is outside 0...\(ChangelogLimits.maxSyncReplicas)"
        }
        if members[.none] != nil { return "a member has id 0, which means none" }
        if leader != .none {
            guard let kind = members[leader] else { return "leader \(leader) is not a member" }
            guard kind == .master else { return "leader \(leader) is a \(kind), not a master" }
        }
        return nil
    }
}
