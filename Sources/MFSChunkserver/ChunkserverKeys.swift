import MFSConfig

/// The keys of `mfschunkserver.cfg`. Every key MooseFS 3.0's chunkserver has keeps its name,
/// meaning and unit; `config/mfschunkserver.cfg.sample` is rendered from this table. MooseFS keys
/// this chunkserver has no use for (`ignoredMooseFSKeys`) are accepted so that a MooseFS file
/// works unchanged, and each one set is named in a notice at start.
public enum ChunkserverKeys {
    public static let dataPath = ConfigKey.path(
        "DATA_PATH", default: "/var/lib/mfs",
        doc: "Where chunkserverid.mfs, the highest master epoch seen and the lock file live (not the chunks: see HDD_CONF_FILENAME).")
    public static let hddConfFilename = ConfigKey.path(
        "HDD_CONF_FILENAME", default: "/etc/mfs/mfshdd.cfg", doc: "The file listing the data directories that hold chunks (mfshdd.cfg).")
    public static let hddLeaveSpaceDefault = ConfigKey.size(
        "HDD_LEAVE_SPACE_DEFAULT", default: 256 << 20, range: 0...(1 << 50),
        doc: "Space left free on every data directory without its own -SIZE in mfshdd.cfg.")
    public static let hddErrorToleranceCount = ConfigKey.integer(
        "HDD_ERROR_TOLERANCE_COUNT", default: 2, range: 1...1_000,
        doc: "A data directory with more I/O errors than this within HDD_ERROR_TOLERANCE_PERIOD is taken out of use.")
    public static let hddErrorTolerancePeriod = ConfigKey.duration(
        "HDD_ERROR_TOLERANCE_PERIOD", default: .seconds(600), range: .seconds(1)...(.seconds(86_400)),
        doc: "The window of HDD_ERROR_TOLERANCE_COUNT.")
    public static let hddFsyncBeforeClose = ConfigKey.boolean(
        "HDD_FSYNC_BEFORE_CLOSE", default: true,
        doc: "MooseFS's choice to fsync chunk data before close; swift-mfs always fsyncs a written chunk at its close (0 is ignored).")
    public static let writeAckAfterFsync = ConfigKey.boolean(
        "WRITE_ACK_AFTER_FSYNC", default: true,
        doc: "swift-mfs: 1: a write is acknowledged only once its data is fsynced here (and down the chain), stricter than any "
            + "MooseFS setting. 0: as MooseFS's chunkserver with HDD_FSYNC_BEFORE_CLOSE set to 1: writes and new chunks acknowledged "
            + "before they are fsynced, a chunk fsynced when it is closed, after the client has its answers; a host that loses power "
            + "can lose acknowledged writes.")
    public static let hddTestSpeed = ConfigKey.decimal(
        "HDD_TEST_SPEED", default: 1.0, range: 0...100_000,
        doc: "MB/s (MiB) at which every data directory's chunks are re-read in turn and their block CRCs checked; a damaged chunk "
            + "is reported to the master, which repairs it from a good copy. 0: no background test.")
    public static let labels = ConfigKey.string(
        "LABELS", default: "", doc: "Labels of this chunkserver for storage classes: letters A...Z separated by ',' or ';'.")
    public static let bindHost = ConfigKey.host(
        "BIND_HOST", default: "*", allowsWildcard: true, doc: "The local address connections to the master go out from; * for any.")
    public static let masterHost = ConfigKey.hostList(
        "MASTER_HOST", default: [HostPort(host: "mfsmaster")], allowsEmpty: false,
        doc: "The master (or the VIP of an HA pair): a host name or address, or a comma-separated list tried in turn.")
    public static let masterPort = ConfigKey.port(
        "MASTER_PORT", default: 9420, doc: "The masters' chunkserver port (MATOCS_LISTEN_PORT), for MASTER_HOST entries without :port.")
    public static let masterTimeout = ConfigKey.integer(
        "MASTER_TIMEOUT", default: 0, range: 0...65_535,
        doc: "Seconds without input after which master and chunkserver drop their link, sent to the master; 0: the master chooses, "
            + "1...9 become 10 as in MooseFS.")
    public static let masterSilenceTimeout = ConfigKey.duration(
        "MASTER_SILENCE_TIMEOUT", default: .seconds(2), range: .milliseconds(200)...(.seconds(65_535)),
        doc: "swift-mfs: a master that answered a version probe and then says nothing for this long is taken for gone "
            + "(no FIN needed); the link is made again with backoff. Probes go out after 100 ms of quiet (or a quarter of it, if shorter).")
    public static let authCode = ConfigKey.string(
        "AUTH_CODE", default: "", doc: "The password the master asks chunkservers to prove (its AUTH_CODE); empty: none.")
    public static let chunksPerRegisterPacket = ConfigKey.integer(
        "CHUNKS_PER_REGISTER_PACKET", default: 10_000, range: 1_000...100_000,
        doc: "Chunks per packet of the chunk list sent when registering (each packet waits for the master's ACK).")
    public static let csservListenHost = ConfigKey.host(
        "CSSERV_LISTEN_HOST", default: "*", allowsWildcard: true,
        doc: "The data port's address, announced to the master; * for any (the master then uses the address it sees).")
    public static let csservListenPort = ConfigKey.port(
        "CSSERV_LISTEN_PORT", default: 9422, listening: true, doc: "The data port, for clients and other chunkservers.")

    /// Keys of MooseFS 3.0.117's `mfschunkserver.cfg` that have no effect here: process
    /// settings systemd owns (user, nice level, syslog), the tester's per-chunk interval, rebalancing and
    /// tuning of MooseFS's own threads. Accepted, and named in a notice when set.
    public static let ignoredMooseFSKeys: [ConfigKey<String>] = [
        "WORKING_USER", "WORKING_GROUP", "SYSLOG_IDENT", "LOCK_MEMORY", "LIMIT_GLIBC_MALLOC_ARENAS", "DISABLE_OOM_KILLER",
        "NICE_LEVEL", "FILE_UMASK", "HDD_MIN_TEST_INTERVAL", "HDD_FADVISE_MIN_TIME", "HDD_REBALANCE_UTILIZATION",
        "HDD_HIGH_SPEED_REBALANCE_LIMIT", "HDD_SPARSIFY_ON_WRITE", "HDD_RR_CHUNK_COUNT", "HDD_KEEP_DUPLICATES_HOURS",
        "ALLOW_STARTING_WITH_INVALID_DISKS", "WORKERS_MAX", "WORKERS_MAX_IDLE", "MASTER_RECONNECTION_DELAY",
    ].map { ConfigKey.string($0, default: "", doc: "MooseFS key without effect in swift-mfs: accepted, and a notice says it is ignored.") }

    public static let schema = ConfigSchema(
        keys: [
            dataPath, hddConfFilename, hddLeaveSpaceDefault, hddErrorToleranceCount, hddErrorTolerancePeriod, hddFsyncBeforeClose,
            writeAckAfterFsync, hddTestSpeed,
            labels, bindHost, masterHost, masterPort, masterTimeout, masterSilenceTimeout, authCode, chunksPerRegisterPacket,
            csservListenHost, csservListenPort,
        ] + ignoredMooseFSKeys)

    /// The text of `config/mfschunkserver.cfg.sample`.
    public static var sample: String {
        schema.sample(
            header: """
                mfschunkserver.cfg: configuration of the swift-mfs chunkserver (docs/CHUNKSERVER.md).
                Every key is optional; the commented line shows its default.
                Keys that MooseFS also has keep its name and meaning; a MooseFS mfschunkserver.cfg works as it is.
                Durability: by default a write is acknowledged only once its data is fsynced (WRITE_ACK_AFTER_FSYNC).
                """)
    }

    /// The text of `config/mfshdd.cfg.sample`.
    public static let hardDriveSample = """
        # mfshdd.cfg: the data directories of the swift-mfs chunkserver (docs/CHUNKSERVER.md), MooseFS 3.0's syntax.
        #
        # One directory per line (usually the mount point of one disk); '#' starts a comment.
        # Characters before the path:
        #   *   marked for removal: its chunks are reported so that the master copies them elsewhere
        #   <   move its chunks to other local directories (accepted; moving is not done yet)
        #   >   take chunks from other local directories (accepted; moving is not done yet)
        #   ~   for file systems whose size changes (compressed ones): accepted; no size check is made here anyway
        # An optional size after the path, as MooseFS reads it: bytes, or with k, M, G, T, P, E (powers of 1000)
        # or Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), a fraction and a final B allowed (5G is 5*10^9 bytes, 5GiB 5*2^30):
        #   -SIZE   leave this much free (instead of HDD_LEAVE_SPACE_DEFAULT)
        #   SIZE    use at most this much
        #
        # Examples:
        # /mnt/hd1
        # */mnt/hd2
        # /mnt/hd3 -5GiB
        # /mnt/hd4 1.5TiB

        """
}
