import MFSChunkRegistry
import MFSConfig
import MFSStorage

/// The keys of `mfsmaster.cfg`. Keys MooseFS also has keep its name, meaning and default unit
/// (`METADATA_SAVE_FREQ = 1` is one hour in both); `config/mfsmaster.cfg.sample` is rendered
/// from this table, so the sample and the code cannot disagree.
public enum MasterKeys {
    public static let dataPath = ConfigKey.path(
        "DATA_PATH", default: "/var/lib/mfs",
        doc: "Where metadata.mfs, the changelogs and the lock file live.")
    public static let exportsFilename = ConfigKey.path(
        "EXPORTS_FILENAME", default: "/etc/mfs/mfsexports.cfg",
        doc: "Which clients may mount what (MooseFS mfsexports.cfg syntax).")
    public static let clientListenHost = ConfigKey.host(
        "MATOCL_LISTEN_HOST", default: "*", allowsWildcard: true, doc: "Address the client port listens on.")
    public static let clientListenPort = ConfigKey.port(
        "MATOCL_LISTEN_PORT", default: 9421, listening: true, doc: "The client port (mfsmount, mfs).")
    public static let statusListenHost = ConfigKey.host(
        "STATUS_LISTEN_HOST", default: "*", allowsWildcard: true,
        doc: "Address of the status and admin HTTP server (/status, /metrics).")
    public static let statusListenPort = ConfigKey.port(
        "STATUS_LISTEN_PORT", default: 9428, listening: true,
        doc: "Port of the status and admin HTTP server (not 9425: that is MooseFS's mfscgiserv, often run on master hosts).")
    public static let changelogSaveMode = ConfigKey.integer(
        "CHANGELOG_SAVE_MODE", default: 2, range: 0...2,
        doc: "When a change counts as stored before the client hears of it: 0 written in the background, "
            + "1 handed to the kernel, 2 fsynced (one fsync serves every change that arrived during the previous one).")
    public static let changelogPreallocate = ConfigKey.boolean(
        "CHANGELOG_PREALLOCATE", default: true,
        doc: "In CHANGELOG_SAVE_MODE 2, write zeros ahead of the last line of changelog.0.mfs (1 MiB at a time), so an fsync "
            + "overwrites blocks that exist and commits no new file size (a third faster a change here). Cut off at rotation "
            + "and stop; after a crash every reader skips them. 0: append (for tools that follow the file with tail -f).")
    public static let backLogs = ConfigKey.integer(
        "BACK_LOGS", default: 50, range: 1...10_000,
        doc: "How many rotated changelogs (changelog.N.mfs) to keep; at least 1, which holds what the dump being written covers.")
    public static let backMetaKeepPrevious = ConfigKey.integer(
        "BACK_META_KEEP_PREVIOUS", default: 1, range: 0...99,
        doc: "How many previous metadata files to keep as metadata.mfs.back.N.")
    public static let metadataSaveFrequency = ConfigKey.duration(
        "METADATA_SAVE_FREQ", default: .seconds(3_600), range: .seconds(1)...(.seconds(86_400)), plainHours: true,
        doc: "How often the metadata is dumped to metadata.mfs (and the changelog rotated); a plain number is hours, as in MooseFS.")
    public static let checksumInterval = ConfigKey.integer(
        "METADATA_CHECKSUM_INTERVAL", default: 10_000, range: 100...100_000_000,
        doc: "Every this many changes a CHECKSUM change records the namespace checksum for followers and restores to verify.")
    public static let sessionSustainTime = ConfigKey.duration(
        "SESSION_SUSTAIN_TIME", default: .seconds(86_400), range: .seconds(1)...(.seconds(7 * 86_400)), wholeSeconds: true,
        doc: "How long a disconnected client's session (and the files it holds open) is kept for it to come back.")
    public static let sessionClaimTime = ConfigKey.duration(
        "SESSION_CLAIM_TIME", default: .seconds(60), range: .seconds(1)...(.seconds(86_400)), wholeSeconds: true,
        doc: "How long the active master waits for a client to come back to a session no connection of its own speaks for "
            + "(after a failover, or a register cut short) before marking it lost; SESSION_SUSTAIN_TIME then runs.")
    public static let inodeReuseDelay = ConfigKey.duration(
        "INODE_REUSE_DELAY", default: .seconds(86_400), range: .seconds(0)...(.seconds(30 * 86_400)), wholeSeconds: true,
        doc: "How long a freed inode number rests before reuse, so a stale client handle never reaches a new file. "
            + "Takes effect for a new cluster (it is stored in the metadata).")
    public static let requestMemory = ConfigKey.integer(
        "REQUEST_MEMORY", default: 1_024, range: 16...1_000_000,
        doc: "How many recent mutating requests per session are remembered, so a retry gets its first result. "
            + "Takes effect for a new cluster (it is stored in the metadata).")

    public static let clientMaxConnections = ConfigKey.integer(
        "MATOCL_MAX_CONNECTIONS", default: ClientServerLimits.maxConnections, range: 1...1_000_000,
        doc: "Client connections at once; more are closed at accept with a log line (mind the open-files limit).")
    public static let clientHelloTimeout = ConfigKey.duration(
        "MATOCL_HELLO_TIMEOUT", default: .seconds(ClientServerLimits.helloTimeoutSeconds), range: .seconds(1)...(.seconds(3_600)),
        wholeSeconds: true,
        doc: "How long a new client connection has to say hello (and answer a password challenge) before it is closed.")

    public static let role = ConfigKey.choice(
        "MASTER_ROLE", among: ["active", "follower"], default: "active",
        doc: "The role of a new cluster's master, or of one that finds no active master at MASTER_HOST when it starts: "
            + "active, or follower (a hot standby that follows the active master). A master that finds an active one at "
            + "MASTER_HOST starts as its follower whatever this says.")
    public static let masterHost = ConfigKey.hostList(
        "MASTER_HOST", default: [],
        doc: "Where the other master(s) are, for a follower to follow and for the start-up check: host[:port] list "
            + "(port default MASTER_PORT); the virtual IP works too. Empty: this master never follows.")
    public static let masterPort = ConfigKey.port(
        "MASTER_PORT", default: 9419, doc: "The peer port of the masters in MASTER_HOST.")
    public static let peerListenHost = ConfigKey.host(
        "MATOML_LISTEN_HOST", default: "*", allowsWildcard: true, doc: "Address the peer port (metaloggers, followers) listens on.")
    public static let peerListenPort = ConfigKey.port(
        "MATOML_LISTEN_PORT", default: 9419, listening: true, doc: "The peer port: metaloggers and followers follow this master on it.")
    public static let authCode = ConfigKey.string(
        "AUTH_CODE", default: "",
        doc: "A secret that metaloggers and followers must prove on the peer port (an HMAC challenge), and chunkservers "
            + "on the chunkserver port (MooseFS's MD5 challenge, as MooseFS's chunkservers answer it); the same on every "
            + "host of the cluster. It grants no admin request (ADMIN_AUTH_CODE does). Empty: none.")
    public static let adminAuthCode = ConfigKey.string(
        "ADMIN_AUTH_CODE", default: "",
        doc: "A secret that POST /promote, /demote, /dump and /remove-chunkserver/ID from another host must prove (the X-MFS-Auth header: "
            + "mfscli --admin-auth-code); it must differ from AUTH_CODE, which every chunkserver and metalogger holds. "
            + "Empty: those requests are allowed from this host only.")
    public static let syncReplicas = ConfigKey.integer(
        "SYNC_REPLICAS", default: 1, range: 0...8,
        doc: "A change is acknowledged to the client only once this many peers (followers, metaloggers) have it on disk, "
            + "so losing this host loses no acknowledged change. 0: asynchronous (a lone master, with no peer, needs 0).")
    public static let syncTimeout = ConfigKey.duration(
        "SYNC_TIMEOUT", default: .seconds(1), range: .milliseconds(10)...(.seconds(3_600)),
        doc: "A peer that has not acknowledged a waiting change for this long is counted out (with SYNC_DEGRADE) until it catches up.")
    public static let syncDegrade = ConfigKey.boolean(
        "SYNC_DEGRADE", default: false,
        doc: "0: wait for SYNC_REPLICAS peers, however long (a lone master with SYNC_REPLICAS = 1 acknowledges nothing: "
            + "set SYNC_REPLICAS = 0 there). 1: while fewer than SYNC_REPLICAS peers are connected and in step, go on "
            + "with those that are (none: asynchronously), warning loudly and saying so in /status; a partitioned old "
            + "master could then acknowledge changes that a promotion discards, so it is never the default.")
    public static let promoteTimeout = ConfigKey.duration(
        "PROMOTE_TIMEOUT", default: .seconds(2), range: .milliseconds(100)...(.seconds(600)),
        doc: "How long POST /promote waits for enough voters (P - K + 1 of the masters and metaloggers besides the old active "
            + "one) to grant the new epoch before it is refused; voters that still hear the old master are asked again meanwhile.")
    public static let peerHeartbeat = ConfigKey.duration(
        "PEER_HEARTBEAT", default: .milliseconds(100), range: .milliseconds(10)...(.seconds(10)),
        doc: "How often the active master tells an idle peer (follower, metalogger) that it lives. Peers take it for dead "
            + "after PEER_SILENCE_TIMEOUT without a word; keep that at least 2 heartbeats (3 is the default ratio).")
    public static let peerSilence = ConfigKey.duration(
        "PEER_SILENCE_TIMEOUT", default: .milliseconds(300), range: .milliseconds(30)...(.seconds(60)),
        doc: "A follower hearing nothing from the active master for this long reconnects, and as a voter takes it for dead "
            + "(grants a candidate). Keep it below the announcer's Master_Down_Interval (3 adverts and a bit: 0.35 s at "
            + "100 ms adverts), so a silent host death is seen before the standby is told to take over.")
    public static let preserveSeconds = ConfigKey.duration(
        "CHANGELOG_PRESERVE_SECONDS", default: .seconds(1_800), range: .seconds(1)...(.seconds(86_400)),
        doc: "How long recent changes are kept in memory for peers that reconnect (at most 256 MiB of them); a peer further "
            + "behind downloads the metadata first.")

    public static let schema = ConfigSchema(
        keys: [
            dataPath, exportsFilename, clientListenHost, clientListenPort, statusListenHost, statusListenPort, changelogSaveMode,
            changelogPreallocate, backLogs, backMetaKeepPrevious, metadataSaveFrequency, checksumInterval, sessionSustainTime,
            sessionClaimTime, inodeReuseDelay,
            requestMemory, clientMaxConnections, clientHelloTimeout, role, masterHost, masterPort, peerListenHost, peerListenPort,
            authCode, adminAuthCode, syncReplicas, syncTimeout, syncDegrade, promoteTimeout, peerHeartbeat, peerSilence,
            preserveSeconds,
        ] + chunkKeys, unused: unusedMooseFSKeys)

    /// The text of `config/mfsmaster.cfg.sample`.
    public static var sample: String {
        schema.sample(
            header: """
                mfsmaster.cfg: configuration of the swift-mfs metadata master.
                Every key is optional; the commented line shows its default.
                Keys that MooseFS also has keep its name and meaning.
                """)
    }
}

/// The master's configuration, read and checked.
public struct MasterSettings: Sendable {
    public var configFile: String?
    public var dataPath: String
    public var exportsFile: String
    public var clientHost: String
    public var clientPort: Int
    public var statusHost: String
    public var statusPort: Int
    public var saveMode: ChangelogSaveMode
    public var backLogs: Int
    /// `CHANGELOG_PREALLOCATE`.
    public var preallocateChangelog: Bool
    public var keepPreviousMetadata: Int
    public var metadataSaveFrequency: Duration
    public var checksumInterval: Int
    public var sessionSustainSeconds: UInt32
    /// `SESSION_CLAIM_TIME` (`UnclaimedSessions`).
    public var sessionClaimTime: Duration
    public var inodeReuseDelaySeconds: UInt32
    public var requestMemory: UInt32
    public var maxClientConnections: Int
    public var clientHelloTimeoutSeconds: Int64
    public var startAsFollower: Bool
    public var masters: [(host: String, port: Int)]
    public var peerHost: String
    public var peerPort: Int
    /// `AUTH_CODE`, the peers' secret; nil when empty.
    public var authCode: String?
    /// `ADMIN_AUTH_CODE`, the admin requests' secret; nil when empty.
    public var adminAuthCode: String?
    public var replication: ReplicationHub.Settings
    /// `PROMOTE_TIMEOUT`.
    public var promoteWaitMilliseconds: Int64
    /// `PEER_HEARTBEAT`.
    public var peerHeartbeatMilliseconds: Int64
    /// `PEER_SILENCE_TIMEOUT`.
    public var peerSilenceMilliseconds: Int64
    /// `MATOCS_LISTEN_HOST`, `MATOCS_LISTEN_PORT`: the chunkserver port.
    public var chunkserverHost: String
    public var chunkserverPort: Int
    /// `MATOCS_TIMEOUT`, whole seconds (10…65,535).
    public var chunkserverTimeoutSeconds: UInt16
    /// The chunk registry's knobs (`REPLICATIONS_DELAY_INIT` and the others).
    public var registry: RegistrySettings
    /// MooseFS keys the file set that this master does not use (logged at start).
    public var ignoredSettings: [IgnoredSetting]

    public init(_ configuration: Configuration, file: String?) {
        configFile = file
        ignoredSettings = configuration.ignored
        dataPath = configuration[MasterKeys.dataPath]
        exportsFile = configuration[MasterKeys.exportsFilename]
        clientHost = Self.listenAddress(configuration[MasterKeys.clientListenHost])
        clientPort = Int(configuration[MasterKeys.clientListenPort])
        statusHost = Self.listenAddress(configuration[MasterKeys.statusListenHost])
        statusPort = Int(configuration[MasterKeys.statusListenPort])
        saveMode = ChangelogSaveMode(rawValue: configuration[MasterKeys.changelogSaveMode])!
        backLogs = configuration[MasterKeys.backLogs]
        preallocateChangelog = configuration[MasterKeys.changelogPreallocate]
        keepPreviousMetadata = configuration[MasterKeys.backMetaKeepPrevious]
        metadataSaveFrequency = configuration[MasterKeys.metadataSaveFrequency]
        checksumInterval = configuration[MasterKeys.checksumInterval]
        sessionSustainSeconds = UInt32(configuration[MasterKeys.sessionSustainTime].components.seconds)
        sessionClaimTime = configuration[MasterKeys.sessionClaimTime]
        inodeReuseDelaySeconds = UInt32(configuration[MasterKeys.inodeReuseDelay].components.seconds)
        requestMemory = UInt32(configuration[MasterKeys.requestMemory])
        maxClientConnections = configuration[MasterKeys.clientMaxConnections]
        clientHelloTimeoutSeconds = configuration[MasterKeys.clientHelloTimeout].components.seconds
        startAsFollower = configuration[MasterKeys.role] == "follower"
        let masterPort = Int(configuration[MasterKeys.masterPort])
        masters = configuration[MasterKeys.masterHost].map { ($0.host, Int($0.port(or: UInt16(masterPort)))) }
        peerHost = Self.listenAddress(configuration[MasterKeys.peerListenHost])
        peerPort = Int(configuration[MasterKeys.peerListenPort])
        let code = configuration[MasterKeys.authCode]
        authCode = code.isEmpty ? nil : code
        let adminCode = configuration[MasterKeys.adminAuthCode]
        adminAuthCode = adminCode.isEmpty ? nil : adminCode
        promoteWaitMilliseconds = configuration[MasterKeys.promoteTimeout].milliseconds
        peerHeartbeatMilliseconds = configuration[MasterKeys.peerHeartbeat].milliseconds
        peerSilenceMilliseconds = configuration[MasterKeys.peerSilence].milliseconds
        chunkserverHost = Self.listenAddress(configuration[MasterKeys.chunkserverListenHost])
        chunkserverPort = Int(configuration[MasterKeys.chunkserverListenPort])
        chunkserverTimeoutSeconds = UInt16(configuration[MasterKeys.chunkserverTimeout].components.seconds)
        registry = Self.registrySettings(configuration)
        replication = ReplicationHub.Settings(
            syncReplicas: configuration[MasterKeys.syncReplicas],
            syncTimeoutMilliseconds: configuration[MasterKeys.syncTimeout].milliseconds,
            degrade: configuration[MasterKeys.syncDegrade],
            preserveMilliseconds: configuration[MasterKeys.preserveSeconds].milliseconds)
    }

    /// Checks what no single key can: `ADMIN_AUTH_CODE` must not be `AUTH_CODE`, or every
    /// chunkserver's and metalogger's configuration could promote or demote a master.
    public static func check(_ configuration: Configuration) throws(MasterStartError) {
        let heartbeat = configuration[MasterKeys.peerHeartbeat]
        let silence = configuration[MasterKeys.peerSilence]
        if silence < heartbeat * 2 {
            let location = configuration.location(of: MasterKeys.peerSilence) ?? configuration.location(of: MasterKeys.peerHeartbeat)
            throw MasterStartError(
                "\(location.map { "\($0): " } ?? "")PEER_SILENCE_TIMEOUT (\(silence.milliseconds) ms) must be at least twice "
                    + "PEER_HEARTBEAT (\(heartbeat.milliseconds) ms): a peer would take a live master for dead between two heartbeats")
        }
        let admin = configuration[MasterKeys.adminAuthCode]
        guard !admin.isEmpty, admin == configuration[MasterKeys.authCode] else { return }
        let location = configuration.location(of: MasterKeys.adminAuthCode).map { "\($0): " } ?? ""
        throw MasterStartError(
            "\(location)ADMIN_AUTH_CODE must differ from AUTH_CODE: every chunkserver and metalogger holds AUTH_CODE, "
                + "and it must not be able to promote, demote or dump a master")
    }

    /// `*` listens on every address.
    private static func listenAddress(_ host: String) -> String { host == "*" ? "0.0.0.0" : host }
}
