import MFSConfig

/// MooseFS 3.0.117's `mfsmaster.cfg` keys this master reads and does not use, with the reason
/// each is logged with at start, so an existing MooseFS file loads unchanged (a key in neither
/// this list nor the schema is still an error). MooseFS's keys this master does use keep their
/// names and meanings in `MasterKeys`.
extension MasterKeys {
    static let unusedMooseFSKeys = MooseFSProcessKeys.unused(
        by: "master",
        [
            (
                ["TOPOLOGY_FILENAME", "REPLICATIONS_RESPECT_TOPOLOGY", "CREATIONS_RESPECT_TOPOLOGY"],
                "there is no rack topology: copies are placed by free space"
            ),
            (["MISSING_LOG_CAPACITY"], "missing chunks are counted in /status, not kept in a log"),
            (["REMAP_BITS", "REMAP_SOURCE_IP_CLASS", "REMAP_DESTINATION_IP_CLASS"], "chunkserver addresses are not remapped"),
            (["CHUNKS_UNIQUE_MODE"], "there are no labels: a chunk's copies go to distinct chunkservers"),
            (
                ["CHUNKS_LOOP_MAX_CPS", "CHUNKS_LOOP_MIN_TIME", "CHUNKS_LOOP_TIME"],
                "the chunk registry acts on events (registrations, losses, goal changes), not in a timed loop over all chunks"
            ),
            (
                ["CS_HEAVY_LOAD_THRESHOLD", "CS_HEAVY_LOAD_RATIO_THRESHOLD", "CS_HEAVY_LOAD_GRACE_PERIOD"],
                "chunkservers have no heavy-load state"
            ),
            (["ACCEPTABLE_PERCENTAGE_DIFFERENCE", "ACCEPTABLE_DIFFERENCE"], "chunks are not rebalanced between chunkservers"),
            (["PRIORITY_QUEUES_LENGTH"], "replications are not queued by priority"),
            (["CS_MAINTENANCE_MODE_TIMEOUT", "CS_TEMP_MAINTENANCE_MODE_TIMEOUT"], "there is no maintenance mode"),
            (["CS_DAYS_TO_REMOVE_UNUSED"], "a disconnected chunkserver is not kept in a server list"),
            (["QUOTA_DEFAULT_GRACE_PERIOD"], "there are no quotas"),
            (["ATIME_MODE"], "access times are not recorded (as MooseFS's ATIME_MODE = 4)"),
            (["RESERVE_SPACE"], "no space is held back from STATFS"),
            (["MAX_ALLOWED_HARD_LINKS"], "the namespace's own limit applies (NamespaceLimits.maxLinks, 65,000 links)"),
        ])
}
