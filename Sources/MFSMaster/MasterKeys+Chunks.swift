import MFSChunkRegistry
import MFSConfig

/// The keys of the chunkserver port (9420) and of the chunk registry's knobs. Where MooseFS 3.0
/// (or 1.6, for `REPLICATIONS_DELAY_DISCONNECT`) has the setting, the name, meaning and default
/// are MooseFS's; `RegistrySettings` says what each does to the registry.
extension MasterKeys {
    public static let chunkserverListenHost = ConfigKey.host(
        "MATOCS_LISTEN_HOST", default: "*", allowsWildcard: true, doc: "Address the chunkserver port listens on.")
    public static let chunkserverListenPort = ConfigKey.port(
        "MATOCS_LISTEN_PORT", default: 9420, listening: true,
        doc: "The chunkserver port: MooseFS 3.0 chunkservers (and ours) register and take chunk commands on it.")
    public static let chunkserverTimeout = ConfigKey.duration(
        "MATOCS_TIMEOUT", default: .seconds(10), range: .seconds(10)...(.seconds(65_535)), wholeSeconds: true,
        doc: "A chunkserver silent for this long is disconnected (its copies are forgotten until it registers again); "
            + "a chunkserver's own MASTER_TIMEOUT, when it sends one, wins. Idle links get a keep-alive every third of it.")
    public static let replicationsDelayInit = ConfigKey.duration(
        "REPLICATIONS_DELAY_INIT", default: .seconds(60), range: .seconds(0)...(.seconds(86_400)),
        doc: "After this master becomes active it neither replicates nor deletes chunk copies for this long, so "
            + "chunkservers have time to register (a copy not registered yet looks missing).")
    public static let replicationsDelayDisconnect = ConfigKey.duration(
        "REPLICATIONS_DELAY_DISCONNECT", default: .seconds(3_600), range: .seconds(0)...(.seconds(86_400)),
        doc: "After a chunkserver disconnects, chunks that still have two or more valid copies are not replicated for "
            + "this long (it is likely to come back); a chunk left with one valid copy is replicated at once (MooseFS 1.6's key).")
    public static let writeReplicationLimit = ConfigKey.integerOrFirstOf(
        4, "CHUNKS_WRITE_REP_LIMIT", default: 2, range: 1...1_000,
        doc: "Replications one chunkserver receives at once (one limit; MooseFS 3.0's four, one per replication class, "
            + "are accepted and the first, for endangered chunks, is the limit).")
    public static let readReplicationLimit = ConfigKey.integerOrFirstOf(
        4, "CHUNKS_READ_REP_LIMIT", default: 10, range: 1...1_000,
        doc: "Replications one chunkserver serves as the source at once (of MooseFS 3.0's four values, the first).")
    public static let softDeletionLimit = ConfigKey.integer(
        "CHUNKS_SOFT_DEL_LIMIT", default: 10, range: 1...100_000,
        doc: "Deletions sent to one chunkserver per second.")
    public static let hardDeletionLimit = ConfigKey.integer(
        "CHUNKS_HARD_DEL_LIMIT", default: 25, range: 1...100_000,
        doc: "Deletions one chunkserver may have unanswered.")
    public static let writeHoldTime = ConfigKey.duration(
        "WRITE_HOLD_TIME", default: .seconds(5), range: .seconds(0)...(.seconds(3_600)),
        doc: "After this master becomes active, a read or write of a chunk with fewer valid copies than its goal (or a new "
            + "chunk with fewer chunkservers than its goal) waits (it does not fail) until the chunkservers this metadata "
            + "knows registered, at most this long; then it goes on with fewer and the chunk is under goal.")
    public static let deleteUnknownChunks = ConfigKey.boolean(
        "DELETE_UNKNOWN_CHUNKS", default: false,
        doc: "Delete copies of chunks this metadata does not know (another cluster's, or metadata older than the disks). "
            + "Off: they are kept, and logged (MooseFS deletes them after 7 days).")

    static let chunkKeys: [any SchemaKey] = [
        chunkserverListenHost, chunkserverListenPort, chunkserverTimeout, replicationsDelayInit, replicationsDelayDisconnect,
        writeReplicationLimit, readReplicationLimit, softDeletionLimit, hardDeletionLimit, writeHoldTime, deleteUnknownChunks,
    ]
}

extension MasterSettings {
    /// The chunk registry's settings from the configuration; the rest keep their defaults.
    static func registrySettings(_ configuration: Configuration) -> RegistrySettings {
        var settings = RegistrySettings()
        settings.replicationsDelayInit = configuration[MasterKeys.replicationsDelayInit]
        settings.replicationsDelayDisconnect = configuration[MasterKeys.replicationsDelayDisconnect]
        settings.maxReplicationsInPerServer = configuration[MasterKeys.writeReplicationLimit]
        settings.maxReplicationsOutPerServer = configuration[MasterKeys.readReplicationLimit]
        settings.maxDeletionsPerServerPerTick = configuration[MasterKeys.softDeletionLimit]
        settings.maxDeletionsInFlightPerServer = configuration[MasterKeys.hardDeletionLimit]
        settings.writeHoldLimit = configuration[MasterKeys.writeHoldTime]
        settings.deleteUnknownChunks = configuration[MasterKeys.deleteUnknownChunks]
        return settings
    }
}
