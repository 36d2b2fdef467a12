import Foundation

/// What `/status` on port 9428 answers (DESIGN §1). The announcer's `TRACK_MASTER` reads
/// `healthy`: false, a failed request, or an answer slower than 200 ms means unhealthy.
public struct MasterStatus: Codable, Equatable, Sendable {
    /// `active`, `follower`, `fenced` or `starting`.
    public var role: String
    /// Whether changes are accepted now.
    public var writable: Bool
    /// Metadata loaded and the changelog writable.
    public var healthy: Bool
    public var metaid: String
    public var epoch: UInt64
    public var version: UInt64
    public var epochStartVersion: UInt64
    public var sessions: Int
    public var chunkservers: Int
    public var peers: [Peer]
    public var changelog: Changelog
    public var inodes: Int
    public var lastDump: Dump?
    /// `SYNC_REPLICAS` and why fewer acknowledgements are awaited now, if so.
    public var replication: Replication?
    /// The master this one follows (a follower, or a fenced master rejoining).
    public var following: Following?
    /// Every chunkserver the chunk registry knows (connected or not); absent from masters
    /// before the chunk registry, and on a master that is not active (it keeps none).
    public var chunkserverList: [Chunkserver]?
    /// Chunk counts over the namespace and the registry; absent as `chunkserverList`.
    public var chunks: Chunks?

    /// One chunkserver (`chunkservers` stays the count of those connected).
    public struct Chunkserver: Codable, Equatable, Sendable {
        public var id: Int
        /// `a.b.c.d:port`, its data port.
        public var address: String
        /// `registering`, `registered`, `disconnected`, or `not seen` (named by the metadata,
        /// not registered since this master became active).
        public var state: String
        public var usedBytes: UInt64
        public var totalBytes: UInt64
        /// Copies the registry knows on it.
        public var chunks: Int
        /// I/O errors and damaged chunks it reported since it registered.
        public var errors: Int

        public init(id: Int, address: String, state: String, usedBytes: UInt64, totalBytes: UInt64, chunks: Int, errors: Int) {
            (self.id, self.address, self.state, self.usedBytes, self.totalBytes, self.chunks, self.errors) = (
                id, address, state, usedBytes, totalBytes, chunks, errors
            )
        }
    }

    public struct Chunks: Codable, Equatable, Sendable {
        /// Chunks files hold.
        public var total: Int
        /// With a valid copy, but fewer valid copies than their goal.
        public var underGoal: Int
        /// More valid copies than their goal.
        public var overGoal: Int
        /// No valid copy on a connected chunkserver.
        public var missing: Int

        public init(total: Int, underGoal: Int, overGoal: Int, missing: Int) {
            (self.total, self.underGoal, self.overGoal, self.missing) = (total, underGoal, overGoal, missing)
        }
    }

    public struct Replication: Codable, Equatable, Sendable {
        public var syncReplicas: Int
        /// Why fewer acknowledgements than `syncReplicas` are awaited (`SYNC_DEGRADE = 1`).
        public var degraded: String?
        /// Why a change has waited longer than `SYNC_TIMEOUT` for too few peers: no change is
        /// acknowledged until enough follow (with no peer at all: never).
        public var waitingForPeers: String?
        /// An active master's voters (the peers whose acknowledgements count, slow or not) that
        /// it heard within `PEER_SILENCE_TIMEOUT` (each answers the idle master's heartbeats).
        public var peersHeard: Int?
        /// Active, `SYNC_REPLICAS` above 0, and fewer peers heard than that: this master cannot
        /// acknowledge a change now (a partition cut it off, or its peers are down; with
        /// `SYNC_DEGRADE = 1` it goes on alone after `SYNC_TIMEOUT`, as the operator chose), and its
        /// announcer runs at priority 1 so that a master elected meanwhile keeps the address
        /// when they meet again (DESIGN §7.6). Absent from masters before this field.
        public var isolated: Bool?

        public init(syncReplicas: Int, degraded: String?, waitingForPeers: String? = nil, peersHeard: Int? = nil, isolated: Bool? = nil) {
            (self.syncReplicas, self.degraded, self.waitingForPeers) = (syncReplicas, degraded, waitingForPeers)
            (self.peersHeard, self.isolated) = (peersHeard, isolated)
        }
    }

    public struct Following: Codable, Equatable, Sendable {
        public var master: String?
        public var connected: Bool
        /// The last version stored here and acknowledged.
        public var ackedVersion: UInt64
        /// The last version the active master announced.
        public var masterVersion: UInt64
        /// Versions behind the active master.
        public var lag: UInt64
        public var error: String?

        public init(master: String?, connected: Bool, ackedVersion: UInt64, masterVersion: UInt64, lag: UInt64, error: String?) {
            (self.master, self.connected, self.ackedVersion, self.masterVersion, self.lag, self.error) = (
                master, connected, ackedVersion, masterVersion, lag, error
            )
        }
    }

    public struct Peer: Codable, Equatable, Sendable {
        public var role: String
        public var address: String
        public var ackedVersion: UInt64
        /// Versions appended but not acknowledged by the peer.
        public var lag: UInt64
        /// Milliseconds from a change's append to the peer's acknowledgement, over its recent
        /// acknowledgements.
        public var lagP50Milliseconds: Int64?
        public var lagP99Milliseconds: Int64?
        /// Counted for `SYNC_REPLICAS` (false: too slow, counted out until it catches up).
        public var inStep: Bool = true

        public init(role: String, address: String, ackedVersion: UInt64, lag: UInt64) {
            (self.role, self.address, self.ackedVersion, self.lag) = (role, address, ackedVersion, lag)
        }
    }

    public struct Changelog: Codable, Equatable, Sendable {
        /// `CHANGELOG_SAVE_MODE`: 0, 1 or 2.
        public var mode: Int
        public var durableVersion: UInt64
        public var fsyncs: Int
        public var lastFsyncSeconds: Double?
        /// Set once a write failed: the master accepts no more changes.
        public var error: String?

        public init(mode: Int, durableVersion: UInt64, fsyncs: Int, lastFsyncSeconds: Double?, error: String?) {
            (self.mode, self.durableVersion, self.fsyncs, self.lastFsyncSeconds, self.error) = (
                mode, durableVersion, fsyncs, lastFsyncSeconds, error
            )
        }
    }

    public struct Dump: Codable, Equatable, Sendable {
        public var version: UInt64
        public var seconds: Double

        public init(version: UInt64, seconds: Double) { (self.version, self.seconds) = (version, seconds) }
    }

    public init(
        role: String, writable: Bool, healthy: Bool, metaid: String, epoch: UInt64, version: UInt64, epochStartVersion: UInt64,
        sessions: Int, chunkservers: Int, peers: [Peer], changelog: Changelog, inodes: Int, lastDump: Dump?
    ) {
        self.role = role
        self.writable = writable
        self.healthy = healthy
        self.metaid = metaid
        self.epoch = epoch
        self.version = version
        self.epochStartVersion = epochStartVersion
        self.sessions = sessions
        self.chunkservers = chunkservers
        self.peers = peers
        self.changelog = changelog
        self.inodes = inodes
        self.lastDump = lastDump
    }

    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0A]
    }
}
