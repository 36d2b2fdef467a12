import Foundation
import MFSCore
import MFSStorage

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
    }

    public struct Changelog: Codable, Equatable, Sendable {
        /// `CHANGELOG_SAVE_MODE`: 0, 1 or 2.
        public var mode: Int
        public var durableVersion: UInt64
        public var fsyncs: Int
        public var lastFsyncSeconds: Double?
        /// Set once a write failed: the master accepts no more changes.
        public var error: String?
    }

    public struct Dump: Codable, Equatable, Sendable {
        public var version: UInt64
        public var seconds: Double
    }

    public func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0A]
    }
}

extension MetadataService {
    /// The status of an active master serving this metadata.
    public func status(role: String = "active", sessions: Int? = nil, chunkservers: Int = 0, peers: [MasterStatus.Peer] = [])
        -> MasterStatus
    {
        let writerStatus = writer.status
        let healthy = writerStatus.error == nil
        return MasterStatus(
            role: role, writable: healthy && role == "active", healthy: healthy, metaid: namespace.metaID.hex,
            epoch: namespace.epoch.rawValue, version: namespace.version.rawValue, epochStartVersion: namespace.epochStartVersion.rawValue,
            sessions: sessions ?? namespace.sessionIDs.count, chunkservers: chunkservers, peers: peers,
            changelog: MasterStatus.Changelog(
                mode: writerStatus.mode.rawValue, durableVersion: writerStatus.durableVersion.rawValue, fsyncs: writerStatus.fsyncs,
                lastFsyncSeconds: writerStatus.lastFsyncSeconds, error: writerStatus.error),
            inodes: namespace.inodeCount,
            lastDump: lastDump.map { MasterStatus.Dump(version: $0.version.rawValue, seconds: $0.seconds) })
    }
}
