import MFSCore

/// A master's start and its rejoin (DESIGN §7.7, §7.6), decided here like every other role
/// decision: the shell (`MasterDaemon`) asks each of `MASTER_HOST` who it is, hands the answers
/// and what it loaded to `start`, and does what the decision says; it asks `rejoins` on every
/// tick whether a fenced master should follow again.
extension RoleMachine {
    /// What one of `MASTER_HOST` answered a master's hello at start.
    public struct StartReply: Equatable, Sendable {
        public var address: String
        public var metaID: MetaID
        public var role: MasterRole
        public var epoch: Epoch

        public init(address: String, metaID: MetaID, role: MasterRole, epoch: Epoch) {
            self.address = address
            self.metaID = metaID
            self.role = role
            self.epoch = epoch
        }
    }

    /// What a master knows when it starts.
    public struct StartFacts: Equatable, Sendable {
        /// `MASTER_ROLE = follower`.
        public var configuredFollower: Bool
        /// `MASTER_HOST` names at least one other master.
        public var hasMasterHost: Bool
        /// No metadata here: a new cluster, or a new follower that downloads one.
        public var newCluster: Bool
        /// The metadata names voters besides this master.
        public var otherVoters: Bool
        /// The loaded cluster and epoch (`.unknown` / zero for a new cluster).
        public var metaID: MetaID
        public var epoch: Epoch
        /// One answer per `MASTER_HOST` entry, in order; nil where none came in time.
        public var replies: [StartReply?]

        public init(
            configuredFollower: Bool, hasMasterHost: Bool, newCluster: Bool, otherVoters: Bool, metaID: MetaID, epoch: Epoch,
            replies: [StartReply?]
        ) {
            self.configuredFollower = configuredFollower
            self.hasMasterHost = hasMasterHost
            self.newCluster = newCluster
            self.otherVoters = otherVoters
            self.metaID = metaID
            self.epoch = epoch
            self.replies = replies
        }
    }

    public enum StartDecision: Equatable, Sendable {
        /// Take writes at once: no other master is active and no other voter exists.
        case active
        /// No metadata and nobody to follow: a new cluster, this master its first active one.
        case newCluster
        /// Start as a follower: of the active master that answered (nil: of `MASTER_HOST`, as
        /// configured, when none answered yet).
        case follow(String?)
        /// No metadata, a follower: download the active master's first.
        case downloadAndFollow
        /// Start as a follower and stand for a new epoch at once: a restart with other voters
        /// never reuses an acknowledged version of its old epoch (DESIGN §7.2).
        case stand
        /// The configuration cannot start: why.
        case refuse(String)
    }

    /// DESIGN §7.7: an active master of this cluster at `MASTER_HOST`, of this master's epoch
    /// or later, makes this one its follower whatever `MASTER_ROLE` says; `MASTER_ROLE` decides
    /// only when none answers, and a master with other voters stands for a new epoch instead of
    /// taking writes in its old one. Pure: the answers and what was loaded in, the decision and
    /// what to log out.
    public static func start(_ facts: StartFacts) -> (decision: StartDecision, log: [(LogLevel, String)]) {
        var log: [(LogLevel, String)] = []
        var active: String?
        for reply in facts.replies {
            guard let reply else { continue }
            if facts.metaID != .unknown, reply.metaID != facts.metaID {
                log.append(
                    (
                        .warning,
                        "MASTER_HOST \(reply.address) is a master of another cluster (\(reply.metaID.hex), this one is \(facts.metaID.hex)): ignored"
                    ))
                continue
            }
            // An active master of a lower epoch is stale: this one does not follow it.
            if reply.role == .active, reply.epoch >= facts.epoch {
                log.append((.notice, "an active master answers at MASTER_HOST \(reply.address) (epoch \(reply.epoch))"))
                active = reply.address
                break
            }
        }
        let stand = active == nil && !facts.configuredFollower && !facts.newCluster && facts.otherVoters
        let follower = facts.configuredFollower || active != nil || stand
        if follower, !stand, !facts.hasMasterHost {
            return (.refuse("MASTER_ROLE = follower needs MASTER_HOST: the address of the active master to follow"), log)
        }
        if facts.newCluster { return (follower ? .downloadAndFollow : .newCluster, log) }
        if stand { return (.stand, log) }
        return (follower ? .follow(active) : .active, log)
    }

    /// Whether a master in `role` follows the active master again now (DESIGN §7.6): a fenced
    /// master (demoted, or stale) with `MASTER_HOST` that follows no one yet; it becomes a
    /// follower once it has caught up.
    public static func rejoins(role: MasterRole, hasMasterHost: Bool, following: Bool) -> Bool {
        role == .fenced && hasMasterHost && !following
    }
}
