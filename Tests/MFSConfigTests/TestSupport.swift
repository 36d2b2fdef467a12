import MFSConfig
import MFSTestSupport

/// A schema with one key of every kind, declared the way a daemon declares its own.
enum TestConfig {
    enum Personality: String, CaseIterable, Sendable {
        case active, follower
    }

    static let saveFreq = ConfigKey.integer(
        "METADATA_SAVE_FREQ", default: 1, range: 1...24, doc: "Hours between metadata dumps.")
    static let niceLevel = ConfigKey.integer("NICE_LEVEL", default: -19, range: -20...19, doc: "Scheduling priority.")
    static let listenPort = ConfigKey.port("MATOCL_LISTEN_PORT", default: 9421, doc: "Port for clients.")
    static let lockMemory = ConfigKey.boolean("LOCK_MEMORY", default: false, doc: "Whether to mlockall().")
    static let authCode = ConfigKey.string("AUTH_CODE", default: "", doc: "Shared secret; empty means none.")
    static let dataPath = ConfigKey.path("DATA_PATH", default: "/var/lib/mfs", doc: "Where metadata lives.")
    static let listenHost = ConfigKey.host(
        "MATOCL_LISTEN_HOST", default: "*", allowsWildcard: true, doc: "Address to listen on for clients.")
    static let masterHost = ConfigKey.host("MASTER_HOST", default: "mfsmaster", doc: "The master's host.")
    static let personality = ConfigKey.choice("PERSONALITY", default: Personality.active, doc: "Role at start.")
    static let mode = ConfigKey.choice(
        "CHANGELOG_SAVE_MODE", among: ["fsync", "flush", "none"], default: "fsync", doc: "How changes reach disk.")
    static let syncTimeout = ConfigKey.duration(
        "SYNC_TIMEOUT", default: .seconds(1), range: .milliseconds(100) ... .seconds(3600), doc: "Follower ack wait.")
    static let leaveSpace = ConfigKey.size(
        "HDD_LEAVE_SPACE_DEFAULT", default: 256 << 20, range: 0...(1 << 40), doc: "Space left free per disk.")
    static let trackMaster = ConfigKey.hostPort(
        "TRACK_MASTER", default: HostPort(host: "127.0.0.1", port: 9428), doc: "Status endpoint to watch.")
    static let peers = ConfigKey.hostList("PEERS", default: [], doc: "Other masters.")
    static let virtualIPs = ConfigKey.ipv4PrefixList(
        "VIRTUAL_IPS", default: [IPv4Prefix(address: IPv4Address(169, 254, 0, 100), length: 16)], doc: "VIPs held.")

    static let schema = ConfigSchema(
        saveFreq, niceLevel, listenPort, lockMemory, authCode, dataPath, listenHost, masterHost, personality, mode,
        syncTimeout, leaveSpace, trackMaster, peers, virtualIPs)

    static let file = "mfstest.cfg"

    static func parse(_ text: String) throws(ConfigErrors) -> Configuration {
        try schema.parse(text, file: file)
    }

    /// The errors parsing `text` gives; empty if it parses.
    static func errors(_ text: String) -> [ConfigError] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.errors
        }
    }

    static func at(_ line: Int) -> ConfigLocation { ConfigLocation(file: file, line: line) }
}

/// The shared seeded generator (MFSTestSupport.SeededRandom, SplitMix64).
typealias SeededGenerator = SeededRandom

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

func bytes(hex text: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        result.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return result
}
