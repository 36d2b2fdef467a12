import MFSCore

/// Where a chunkserver is in its life as the registry sees it.
public enum ServerPhase: Equatable, Sendable {
    /// BEGIN received; its chunk list is arriving.
    case registering
    /// END received: it takes commands.
    case registered
    /// Its connection is gone (kept for status and for `REPLICATIONS_DELAY_DISCONNECT`).
    case disconnected(since: Duration)
}

/// One chunkserver's record.
struct ServerEntry: Sendable {
    var id: ChunkserverID
    var address: ChunkserverAddress
    var labels: UInt32
    var space: ServerSpace
    var phase: ServerPhase
    /// Chunks this server has a copy of (in any state).
    var chunks: Set<ChunkID> = []
    var replicationsIn = 0
    var replicationsOut = 0
    var deletionsInFlight = 0
    var deletionsThisTick = 0
    /// New chunks and replicas placed here since its last space report: each is taken as a
    /// whole chunk of space gone, so one second of creations does not all go to one server.
    var placedSinceSpaceReport: UInt64 = 0
    var errors = 0
    var damagedReports = 0

    var isConnected: Bool {
        if case .disconnected = phase { return false }
        return true
    }

    var isRegistered: Bool { phase == .registered }

    /// Free bytes on normal disks, less what was placed since the last report.
    var effectiveFree: UInt64 {
        let free = space.freeBytes
        let placed = placedSinceSpaceReport.multipliedReportingOverflow(by: RegistryLimits.chunkSize)
        return placed.overflow || placed.partialValue >= free ? 0 : free - placed.partialValue
    }

    /// Full: no new chunk and no replica goes here. A server whose disks are all marked for
    /// removal has no normal space, so it is full too.
    func isFull(_ settings: RegistrySettings) -> Bool {
        let free = effectiveFree
        return space.totalBytes == 0 || free < settings.minimumFreeBytes || free <= space.totalBytes / 100 * settings.fullPercent
    }
}

/// A copy's state; whether a present copy is valid depends on its version matching the
/// namespace's, decided when asked (the namespace may have moved on).
enum CopyState: Equatable, Sendable {
    /// On the disk, idle.
    case present
    /// A command that changes it is in flight (create, set version, truncate, duplicate, or a
    /// replication writing it).
    case busy
    /// Damaged, or a command on it failed: deleted once a valid copy exists elsewhere.
    case invalid
    /// A delete was decided (`wasInvalid`: the copy was invalid before): sent at `since`, or
    /// held (`since` nil) until the metadata it was decided on is committed and then checked
    /// again (`releaseHeldDeletion`). A held delete never times out.
    case deleting(since: Duration?, wasInvalid: Bool)
}

struct Copy: Sendable {
    var version: UInt32
    var state: CopyState
    var markedForRemoval: Bool
}

/// A command in flight on a chunk: one at a time per chunk, as in MooseFS.
struct PendingOperation: Sendable {
    var kind: CommandKind
    /// The version the copies have once it succeeds.
    var version: UInt32
    /// For set version and truncate: the version the copies had before.
    var oldVersion: UInt32
    var waiting: Set<ChunkserverID>
    var done: [ChunkserverID] = []
    var failed: [ChunkserverID: ChunkStatus] = [:]
    var deadline: Duration
    /// For a replication: the source server (the target is the only `waiting` one).
    var source: ChunkserverID?
    /// For a duplicate: the chunk copied, locked until the duplicate ends.
    var sourceChunk: ChunkID?
}

/// One chunk's record: its copies, the operation in flight, the write lock.
struct ChunkEntry: Sendable {
    var copies: [ChunkserverID: Copy] = [:]
    var operation: PendingOperation?
    /// Locked for writing (or as a duplicate's source) until then.
    var lockedUntil: Duration?
    /// Something happened to the copies since the last version change (a copy came, went, was
    /// damaged, a write failed): the next write bumps the version first. MooseFS's
    /// `needverincrease`; set for every chunk first learned from a registration.
    var needsVersionIncrease = true
    /// The write holding the lock could leave copies different if it failed: its chain has more
    /// than one server. A write to the only copy cannot (one copy never disagrees with itself),
    /// so its end needs no version bump.
    var writeMayDiverge = true

    var hasDeletions: Bool {
        copies.values.contains { if case .deleting = $0.state { return true } else { return false } }
    }

    func isLocked(now: Duration) -> Bool { lockedUntil.map { now < $0 } ?? false }

    /// Copies that are present at `version`.
    func valid(at version: UInt32) -> [(server: ChunkserverID, copy: Copy)] {
        copies.filter { $0.value.state == .present && $0.value.version == version }.map { ($0.key, $0.value) }
            .sorted { $0.server < $1.server }
    }
}
