import Foundation
import MFSAnnouncer
import MFSChunkStore
import MFSChunkserver
import MFSConfig
import MFSMetalogger
import Testing
import VRRPCore

@testable import MFSMaster

/// `config/ha-example`: every file loaded by the parser of the daemon that reads it (so the
/// samples cannot rot), and the hosts' files checked against each other.
@Suite struct HAExampleConfigTests {
    static let directory = Repository.path("config/ha-example")
    static let addresses = ["mfs-a": "169.254.10.1", "mfs-b": "169.254.10.2", "mfs-c": "169.254.10.3"]
    static let virtualIP = "169.254.10.100"
    static let secret = "CHANGE-ME-cluster-secret"

    static func file(_ host: String, _ name: String) -> String { "\(directory)/\(host)/\(name)" }

    /// The example's hosts have exactly the files OPERATIONS.md and the README there list.
    @Test func eachHostHasTheFilesOfWhatItRuns() throws {
        let master = ["mfsannouncer.cfg", "mfschunkserver.cfg", "mfsexports.cfg", "mfshdd.cfg", "mfsmaster.cfg"]
        for (host, files) in [("mfs-a", master), ("mfs-b", master), ("mfs-c", ["mfschunkserver.cfg", "mfshdd.cfg", "mfsmetalogger.cfg"])] {
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(Self.directory)/\(host)").sorted() == files, "\(host)")
        }
    }

    @Test(arguments: ["mfs-a", "mfs-b"]) func theMastersFollowEachOther(_ host: String) throws {
        let settings = try MasterCommand.loadSettings(Self.file(host, "mfsmaster.cfg"))
        let other = host == "mfs-a" ? "mfs-b" : "mfs-a"
        #expect(settings.masters.map { "\($0.host):\($0.port)" } == ["\(Self.addresses[other]!):9419"])
        #expect(settings.startAsFollower == (host == "mfs-b"))
        #expect(settings.replication.syncReplicas == 1 && !settings.replication.degrade)
        #expect(settings.authCode == Self.secret)
        #expect(settings.adminAuthCode != nil && settings.adminAuthCode != settings.authCode)
        // Peers notice a silent master before a standby's announcer takes over.
        #expect(.milliseconds(settings.peerSilenceMilliseconds) < (try Self.shortestMasterDownInterval()))
        #expect(settings.peerSilenceMilliseconds >= 2 * settings.peerHeartbeatMilliseconds)
        // The exports the master reads at start: the cluster's network may write.
        let exports = try Exports.parse(
            bytes: Array(try Repository.text("config/ha-example/\(host)/mfsexports.cfg").utf8), file: "mfsexports.cfg")
        #expect(exports.rules.count == 2)
        #expect(try Repository.text("config/ha-example/mfs-a/mfsexports.cfg") == Repository.text("config/ha-example/mfs-b/mfsexports.cfg"))
    }

    static func announcer(_ host: String) throws -> AnnouncerSettings {
        try AnnouncerSettings.load(path: file(host, "mfsannouncer.cfg"), interfaces: HostInterfaces(address: addresses[host]!))
    }

    /// RFC 5798 §6.1: Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, Skew_Time =
    /// (256 − Priority) / 256 × Advertisement_Interval; the shorter of the two announcers'.
    static func shortestMasterDownInterval() throws -> Duration {
        try ["mfs-a", "mfs-b"].map { host in
            let settings = try announcer(host)
            return settings.advertisementInterval * 3 + settings.advertisementInterval * (Double(256 - settings.priority) / 256)
        }.min()!
    }

    @Test func theAnnouncersShareTheirVirtualRouterAndHookIntoTheInstalledScripts() throws {
        let (a, b) = (try Self.announcer("mfs-a"), try Self.announcer("mfs-b"))
        #expect(a.virtualRouterID == b.virtualRouterID)
        #expect(a.virtualIPs == b.virtualIPs && a.virtualIPs.map { "\($0.address)" } == [Self.virtualIP])
        #expect(a.priority > b.priority)
        #expect(!a.preempt && !b.preempt, "a master stays where it took over (docs/FAILOVER.md)")
        #expect(a.advertisementInterval == b.advertisementInterval)
        for settings in [a, b] {
            #expect(settings.trackMaster?.url == "http://127.0.0.1:9428/status")
            // Where install.sh puts the hooks (the default prefix); the unit gives them MFS_BIN.
            #expect(settings.promoteHook == "/usr/local/lib/mfs/mfs-promote" && settings.demoteHook == "/usr/local/lib/mfs/mfs-demote")
            #expect(settings.hookTimeout <= .seconds(50), "below the unit's TimeoutStopSec=60, which must outlast the demote hook")
        }
        #expect(FileManager.default.isExecutableFile(atPath: Repository.path("scripts/mfs-promote")))
    }

    @Test func theMetaloggerFollowsBothMasters() throws {
        let settings = try MetaloggerSettings.load(Self.file("mfs-c", "mfsmetalogger.cfg"))
        #expect(settings.masters.map(\.host) == [Self.addresses["mfs-a"]!, Self.addresses["mfs-b"]!])
        #expect(settings.authCode == Self.secret)
        #expect(.milliseconds(settings.peerSilenceMilliseconds) < (try Self.shortestMasterDownInterval()))
    }

    @Test(arguments: ["mfs-a", "mfs-b", "mfs-c"]) func theChunkserversRegisterThroughTheVirtualIP(_ host: String) throws {
        let settings = try ChunkserverSettings.load(Self.file(host, "mfschunkserver.cfg"))
        #expect(settings.masters.map(\.host) == [Self.virtualIP])
        #expect(settings.authCode == Self.secret)
        #expect(settings.notices.isEmpty, "\(settings.notices)")
        let entries = try HardDriveConfig.parse(try Repository.text("config/ha-example/\(host)/mfshdd.cfg"), file: "mfshdd.cfg")
        #expect(entries.map(\.path) == ["/mnt/hd1/", "/mnt/hd2/"])
        // Under the chunkserver unit's ReadWritePaths (-/mnt -/srv -/data).
        #expect(entries.allSatisfy { $0.path.hasPrefix("/mnt/") || $0.path.hasPrefix("/srv/") || $0.path.hasPrefix("/data/") })
    }

    /// The samples install.sh puts beside an operator's files load too (the exports sample,
    /// all comments, admits nobody).
    @Test func theSamplesLoad() throws {
        _ = try MasterCommand.loadSettings(Repository.path("config/mfsmaster.cfg.sample"))
        _ = try MetaloggerSettings.load(Repository.path("config/mfsmetalogger.cfg.sample"))
        _ = try ChunkserverSettings.load(Repository.path("config/mfschunkserver.cfg.sample"))
        _ = try AnnouncerSettings.load(
            path: Repository.path("config/mfsannouncer.cfg.sample"), interfaces: HostInterfaces(address: "169.254.10.1"))
        #expect(try HardDriveConfig.parse(try Repository.text("config/mfshdd.cfg.sample"), file: "mfshdd.cfg").isEmpty)
        let exports = try Exports.parse(bytes: Array(try Repository.text("config/mfsexports.cfg.sample").utf8), file: "mfsexports.cfg")
        #expect(exports.rules.isEmpty)
        // Its commented examples are valid lines once uncommented.
        let examples = try Repository.text("config/mfsexports.cfg.sample").split(separator: "\n")
            .filter { $0.hasPrefix("# *") || $0.hasPrefix("# 1") }.map { $0.dropFirst(2) }.joined(separator: "\n")
        #expect(try Exports.parse(bytes: Array(examples.utf8), file: "examples").rules.count == 3)
    }
}

/// The interfaces of an example host: eth0 with its address (the configuration is checked as
/// on that host; the test machine has no such interface).
struct HostInterfaces: InterfaceDirectory {
    var address: String

    func index(of interface: String) -> Int32? { interface == "eth0" ? 2 : nil }
    func ipv4Addresses(of interface: String) -> [VRRPCore.IPv4Address] { interface == "eth0" ? [VRRPCore.IPv4Address(address)!] : [] }
}
