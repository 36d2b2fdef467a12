import MFSConfig
import MFSStorage

/// The keys of `mfsmetalogger.cfg`. Every key MooseFS's metalogger has keeps its name, meaning
/// and unit (`META_DOWNLOAD_FREQ = 24` is a day in both); `config/mfsmetalogger.cfg.sample` is
/// rendered from this table.
public enum MetaloggerKeys {
    public static let dataPath = ConfigKey.path(
        "DATA_PATH", default: "/var/lib/mfs",
        doc: "Where metadata_ml.mfs.back, the changelog_ml files and the lock file live; may be the master's own DATA_PATH.")
    public static let masterHost = ConfigKey.hostList(
        "MASTER_HOST", default: [HostPort(host: "mfsmaster")], allowsEmpty: false,
        doc: "The master to follow: a host name or address, or a comma-separated list of them (each may carry :port), tried in turn.")
    public static let masterPort = ConfigKey.port(
        "MASTER_PORT", default: 9419, doc: "The masters' metalogger port (MATOML_LISTEN_PORT), for MASTER_HOST entries without :port.")
    public static let metaDownloadFrequency = ConfigKey.duration(
        "META_DOWNLOAD_FREQ", default: .seconds(86_400), range: .seconds(1)...(.seconds(7 * 86_400)), plainHours: true,
        doc: "How often metadata_ml.mfs.back is written from the verified namespace (and changelog_ml rotated); "
            + "a plain number is hours, as in MooseFS.")
    public static let backLogs = ConfigKey.integer(
        "BACK_LOGS", default: 50, range: 1...10_000, doc: "How many rotated changelogs (changelog_ml.N.mfs) to keep.")
    public static let backMetaKeepPrevious = ConfigKey.integer(
        "BACK_META_KEEP_PREVIOUS", default: 3, range: 0...99,
        doc: "How many previous metadata files to keep as metadata_ml.mfs.back.N.")
    public static let authCode = ConfigKey.string(
        "AUTH_CODE", default: "", doc: "The password the master asks peers to prove (its AUTH_CODE); empty: none.")

    public static let peerSilence = ConfigKey.duration(
        "PEER_SILENCE_TIMEOUT", default: .milliseconds(300), range: .milliseconds(30)...(.seconds(60)),
        doc: "Hearing nothing from the active master for this long (it sends a heartbeat every PEER_HEARTBEAT, 100 ms by "
            + "default), the metalogger reconnects and, as a voter, takes it for dead (grants a candidate). Keep it below the "
            + "announcer's Master_Down_Interval and at least twice the masters' PEER_HEARTBEAT.")

    public static let schema = ConfigSchema(
        keys: [dataPath, masterHost, masterPort, metaDownloadFrequency, backLogs, backMetaKeepPrevious, authCode, peerSilence],
        unused: unusedMooseFSKeys)

    /// MooseFS 3.0.117's `mfsmetalogger.cfg` keys this metalogger reads and does not use, with
    /// the reason each is logged with at start, so an existing MooseFS file loads unchanged (a key
    /// in neither this list nor the schema is still an error).
    static let unusedMooseFSKeys = MooseFSProcessKeys.unused(
        by: "metalogger",
        [
            (["BIND_HOST"], "the connection to the master goes out from the address the route gives"),
            (
                ["MASTER_RECONNECTION_DELAY"],
                "the metalogger tries the next address of MASTER_HOST after 0.1 s, the wait doubling up to 5 s"
            ),
            (["MASTER_TIMEOUT"], "PEER_SILENCE_TIMEOUT says when a silent master is left (0.3 s by default)"),
        ])

    /// The text of `config/mfsmetalogger.cfg.sample`.
    public static var sample: String {
        schema.sample(
            header: """
                mfsmetalogger.cfg: configuration of the swift-mfs metalogger.
                Every key is optional; the commented line shows its default.
                Keys that MooseFS also has keep its name and meaning.
                """)
    }
}

/// The metalogger's configuration, read and checked.
public struct MetaloggerSettings: Sendable {
    public var configFile: String?
    public var dataPath: String
    /// The masters in the order they are tried, each with its port.
    public var masters: [HostPort]
    public var metaDownloadFrequency: Duration
    public var backLogs: Int
    public var keepPreviousMetadata: Int
    /// nil when `AUTH_CODE` is empty.
    public var authCode: String?
    /// `PEER_SILENCE_TIMEOUT`.
    public var peerSilenceMilliseconds: Int64
    /// MooseFS keys the file set that this metalogger does not use (logged at start).
    public var ignoredSettings: [IgnoredSetting]

    public init(_ configuration: Configuration, file: String?) {
        configFile = file
        ignoredSettings = configuration.ignored
        dataPath = configuration[MetaloggerKeys.dataPath]
        let port = configuration[MetaloggerKeys.masterPort]
        masters = configuration[MetaloggerKeys.masterHost].map { HostPort(host: $0.host, port: $0.port(or: port)) }
        metaDownloadFrequency = configuration[MetaloggerKeys.metaDownloadFrequency]
        backLogs = configuration[MetaloggerKeys.backLogs]
        keepPreviousMetadata = configuration[MetaloggerKeys.backMetaKeepPrevious]
        let code = configuration[MetaloggerKeys.authCode]
        authCode = code.isEmpty ? nil : code
        let silence = configuration[MetaloggerKeys.peerSilence].components
        peerSilenceMilliseconds = silence.seconds * 1_000 + silence.attoseconds / 1_000_000_000_000_000
    }

    public static let defaultConfigPath = "/etc/mfs/mfsmetalogger.cfg"

    /// Reads the configuration: `-c FILE` must exist; the default file may be missing (all
    /// defaults then), as with MooseFS.
    public static func load(_ path: String?) throws(MetaloggerStartError) -> MetaloggerSettings {
        do throws(ConfigLoadError) {
            let loaded = try MetaloggerKeys.schema.load(path, defaultPath: defaultConfigPath, read: FileIO.readIfPresent)
            return MetaloggerSettings(loaded.configuration, file: loaded.file)
        } catch {
            throw MetaloggerStartError(error.description)
        }
    }
}
