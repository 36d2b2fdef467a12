import MFSCore

/// The master's chunk registry (DESIGN §12): where every chunk's copies live, and what the
/// chunkservers must do about them. Pure, in the shape of `RoleMachine`: events, the namespace's
/// facts and the time in, directives out; no I/O, no clock. `now` is a monotonic instant as a
/// `Duration` since any fixed origin (the shell's `ContinuousClock` reading minus its start).
///
/// The rules, after MooseFS 3.0.117's `chunks.c` (docs/research/moosefs-3.0-chunkserver-protocol.md §5):
/// - A copy is valid when it is present at the namespace's version. Copies on disks marked for
///   removal are valid (readable, a replication source) but not permanent: only copies on normal
///   disks count towards the goal.
/// - Stale-version and damaged copies are deleted once a valid copy exists elsewhere (with none,
///   they are kept for a manual repair). Orphans (ids the namespace gave out that no file holds)
///   are deleted. Unknown chunks (ids at or above the next chunk id) are never deleted unless
///   `RegistrySettings.deleteUnknownChunks`.
/// - Under-goal chunks are replicated (the fewest valid copies first), over-goal ones trimmed
///   (copies on disks marked for removal first, then on the fullest server), never below the
///   goal: the last valid copy of a chunk a file holds is never deleted.
/// - Nothing is replicated or deleted before `replicationsDelayInit` after `becameActive`, nor
///   while a chunk is locked for writing or has a command in flight; concurrency per server is
///   bounded (`RegistrySettings`).
/// - Writes: see `ChunkRegistry+Writes.swift`; status: `ChunkRegistry+Status.swift`.
public struct ChunkRegistry: Sendable {
    public let settings: RegistrySettings
    var servers: [ChunkserverID: ServerEntry] = [:]
    var chunks: [ChunkID: ChunkEntry] = [:]
    /// When this master became active; nil while it is not.
    public private(set) var activeSince: Duration?
    /// The last time a chunkserver disconnected.
    var lastDisconnect: Duration?
    /// Chunkservers the metadata knows: the write hold ends once they all registered.
    var expectedServers: Set<ChunkserverID> = []
    /// Chunks whose last copy this registry dropped (its server left, or reported it lost, or
    /// it was deleted) and that no server reports again since: they held a copy, so a client
    /// may have had bytes acknowledged there that its end of write has not counted yet. Such a
    /// chunk is never created afresh (`ChunkHub.neverWritten`): it is lost, or absent until its
    /// server is back. A chunkserver that leaves adds the chunks only it held (8 bytes and the
    /// set's overhead each) until it registers them again. Chunks no file holds are dropped
    /// from it once a maintenance round (`forgetEmptiedNoFileHolds`).
    var emptied: Set<ChunkID> = []
    /// Chunks with a command, a lock or a deletion in flight: what `tick` checks for timeouts.
    var watched: Set<ChunkID> = []
    /// The chunks the maintenance pass still has to examine in this round.
    var scanQueue: [ChunkID] = []

    public init(settings: RegistrySettings = RegistrySettings()) {
        self.settings = settings
    }

    /// Applies one event. Throws (changing nothing) when the event as a whole makes no sense
    /// for the registry's state; input it merely does not act on comes back as `.ignored`.
    public mutating func handle(_ event: RegistryEvent, facts: some ChunkFacts, now: Duration) throws(RegistryError) -> [ChunkDirective] {
        switch event {
        case .becameActive:
            activeSince = now
            return []
        case .expectServers(let ids):
            expectedServers = Set(ids)
            return []
        case .registering(let registration):
            try register(registration)
            return []
        case .chunks(let id, let list):
            guard servers[id]?.phase == .registering else {
                throw servers[id]?.isConnected == true ? .notRegistering(id) : .unknownServer(id)
            }
            return try addCopies(list, on: id, facts: facts)
        case .registered(let id):
            guard servers[id]?.phase == .registering else {
                throw servers[id]?.isConnected == true ? .notRegistering(id) : .unknownServer(id)
            }
            servers[id]!.phase = .registered
            return []
        case .space(let id, let space):
            try connected(id)
            guard space.isPlausible else { throw .spaceOutOfRange(space) }
            servers[id]!.space = space
            servers[id]!.placedSinceSpaceReport = 0
            return []
        case .labels(let id, let labels):
            try connected(id)
            servers[id]!.labels = labels & RegistryLimits.labelMask
            return []
        case .disconnected(let id):
            try connected(id)
            return disconnect(id, facts: facts, now: now)
        case .newChunks(let id, let list):
            try connected(id)
            return try addCopies(list, on: id, facts: facts)
        case .lostChunks(let id, let list):
            try connected(id)
            return try removeCopies(list, on: id)
        case .damagedChunks(let id, let list):
            try connected(id)
            return try markDamaged(list, on: id)
        case .errorOccurred(let id):
            try connected(id)
            servers[id]!.errors += 1
            return []
        case .commandFinished(let id, let result):
            try connected(id)
            return finish(result, from: id, facts: facts, now: now)
        case .writeEnded(let chunk, let ok):
            return endWrite(chunk, ok: ok)
        case .tick:
            return tick(facts: facts, now: now)
        }
    }

    /// Throws unless `id` is connected (registering or registered).
    func connected(_ id: ChunkserverID) throws(RegistryError) {
        guard servers[id]?.isConnected == true else { throw .unknownServer(id) }
    }

    /// The address of a connected server, for chains and replication sources.
    func location(_ id: ChunkserverID) -> ChunkLocation? {
        guard let server = servers[id], server.isConnected else { return nil }
        return ChunkLocation(server: id, address: server.address)
    }
}
