import Foundation

/// What `/status` on port 9425 answers (DESIGN §1). The announcer's `TRACK_MASTER` reads
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

    public struct Peer: Codable, Equatable, Sendable {
        public var role: String
        public var address: String
        public var ackedVersion: UInt64
        public var lag: UInt64

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
