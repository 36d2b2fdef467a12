import MFSCore

/// One chunkserver as `/status`, `/metrics` and `mfscli` show it.
public struct ServerStatus: Equatable, Sendable {
    public var id: ChunkserverID
    public var address: ChunkserverAddress
    public var labels: UInt32
    public var phase: ServerPhase
    /// As the server last reported it (its own chunk counts included).
    public var space: ServerSpace
    /// Copies the registry knows on it, and how many of them are on disks marked for removal.
    public var copies: Int
    public var copiesMarkedForRemoval: Int
    /// `CSTOMA_ERROR_OCCURRED` frames and damaged chunks it reported since it registered.
    public var errors: Int
    public var damagedReports: Int
    public var replicationsIn: Int
    public var replicationsOut: Int
    public var deletionsInFlight: Int
}

/// Chunks by goal and number of valid copies, as MooseFS's chunk matrix: `counts[goal][copies]`,
/// goal 0…9 (0: chunks with copies that no file holds), copies 0…10 (10: ten or more).
public struct ChunkMatrix: Equatable, Sendable {
    public static let maxCopiesColumn = 10
    public var counts: [[Int]] = Array(
        repeating: Array(repeating: 0, count: maxCopiesColumn + 1), count: Int(RegistryLimits.maxGoal) + 1)

    mutating func add(goal: UInt8, copies: Int) {
        counts[Int(min(goal, RegistryLimits.maxGoal))][min(copies, Self.maxCopiesColumn)] += 1
    }
}

/// Totals over the registry and the namespace's chunks.
public struct RegistrySummary: Equatable, Sendable {
    public var serversRegistered = 0
    public var serversRegistering = 0
    public var serversDisconnected = 0
    public var totalBytes: UInt64 = 0
    public var usedBytes: UInt64 = 0
    /// Chunks files hold.
    public var chunks = 0
    /// Chunks with no valid copy on a connected server.
    public var missing = 0
    /// Chunks with a valid copy but fewer valid copies on normal disks than their goal.
    public var underGoal = 0
    /// Chunks with more valid copies than their goal.
    public var overGoal = 0
    /// Copies of chunks this namespace does not know (kept unless `deleteUnknownChunks`).
    public var unknownCopies = 0
    /// Copies of chunks no file holds (being deleted).
    public var orphanCopies = 0
    /// Owned chunks by goal and valid copies (all valid copies, marked for removal included).
    public var matrix = ChunkMatrix()
    /// Commands in flight: replications and deletions.
    public var replicationsInFlight = 0
    public var deletionsInFlight = 0
}

extension ChunkRegistry {
    /// Every chunkserver known, connected or not, by id.
    public func serverStatuses() -> [ServerStatus] {
        servers.values.sorted { $0.id < $1.id }.map { server in
            let marked = server.chunks.filter { chunks[$0]?.copies[server.id]?.markedForRemoval == true }.count
            return ServerStatus(
                id: server.id, address: server.address, labels: server.labels, phase: server.phase, space: server.space,
                copies: server.chunks.count, copiesMarkedForRemoval: marked, errors: server.errors, damagedReports: server.damagedReports,
                replicationsIn: server.replicationsIn, replicationsOut: server.replicationsOut, deletionsInFlight: server.deletionsInFlight)
        }
    }

    /// Bytes in all and used on the connected chunkservers, disks marked for removal included
    /// (no walk over the chunks: STATFS asks for it). Each sum stops at `UInt64.max`, which
    /// thousands of servers near `RegistryLimits.maxServerBytes` could pass.
    public func space() -> (totalBytes: UInt64, usedBytes: UInt64) {
        var (total, used): (UInt64, UInt64) = (0, 0)
        for server in servers.values where server.isConnected {
            total = Self.saturatingSum(total, server.space.totalBytes + server.space.markedTotalBytes)
            used = Self.saturatingSum(used, server.space.usedBytes + server.space.markedUsedBytes)
        }
        return (total, used)
    }

    private static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// The totals. Walks every chunk the namespace holds: for status requests, not the event path.
    public func summary(facts: some ChunkFacts) -> RegistrySummary {
        var summary = RegistrySummary()
        (summary.totalBytes, summary.usedBytes) = space()
        for server in servers.values {
            switch server.phase {
            case .registered: summary.serversRegistered += 1
            case .registering: summary.serversRegistering += 1
            case .disconnected: summary.serversDisconnected += 1
            }
            guard server.isConnected else { continue }
            summary.replicationsInFlight += server.replicationsIn
            summary.deletionsInFlight += server.deletionsInFlight
        }
        facts.forEachOwnedChunk { chunk, version, goal in
            let valid = chunks[chunk]?.valid(at: version) ?? []
            let regular = valid.filter { !$0.copy.markedForRemoval }.count
            summary.chunks += 1
            summary.matrix.add(goal: goal, copies: valid.count)
            if valid.isEmpty {
                summary.missing += 1
            } else if regular < Int(goal) {
                summary.underGoal += 1
            }
            if valid.count > Int(goal) { summary.overGoal += 1 }
        }
        for (chunk, entry) in chunks {
            switch facts.standing(of: chunk) {
            case .owned: break
            case .orphan: summary.orphanCopies += entry.copies.count
            case .unknown: summary.unknownCopies += entry.copies.count
            }
        }
        return summary
    }

    /// Where a client may read the chunk: its valid copies on connected servers, normal disks
    /// first. Empty: the chunk is missing.
    public func readLocations(_ chunk: ChunkID, facts: some ChunkFacts) -> [ChunkLocation] {
        guard case .owned(let version, _) = facts.standing(of: chunk) else { return [] }
        return chainOrder((chunks[chunk]?.valid(at: version) ?? []).map(\.server), of: chunk)
    }

    /// The servers holding any copy of `chunk` with its version and whether it is valid, for
    /// `mfscli`'s chunk info and for tests.
    public func copies(of chunk: ChunkID, facts: some ChunkFacts) -> [(server: ChunkserverID, version: UInt32, valid: Bool)] {
        let expected: UInt32? = if case .owned(let version, _) = facts.standing(of: chunk) { version } else { nil }
        return (chunks[chunk]?.copies ?? [:]).sorted { $0.key < $1.key }.map { id, copy in
            (id, copy.version, copy.state == .present && copy.version == expected)
        }
    }

    /// Each copy of `chunk` on a connected server and what MooseFS's CHECK (`mfsfileinfo`)
    /// calls it; copies being deleted are left out, as MooseFS leaves them. A copy a command
    /// is changing counts as valid when it has, or is getting, the namespace's version.
    public func checkedCopies(of chunk: ChunkID, facts: some ChunkFacts) -> [(location: ChunkLocation, state: CopyCheck)] {
        guard let entry = chunks[chunk] else { return [] }
        let expected: UInt32? = if case .owned(let version, _) = facts.standing(of: chunk) { version } else { nil }
        return entry.copies.sorted { $0.key < $1.key }.compactMap { id, copy in
            guard let location = location(id) else { return nil }
            let current: Bool
            switch copy.state {
            case .present: current = copy.version == expected
            case .busy: current = copy.version == expected || (expected != nil && entry.operation?.version == expected)
            case .invalid: return (location, .invalid)
            case .deleting: return nil
            }
            switch (current, copy.markedForRemoval) {
            case (true, false): return (location, .valid)
            case (true, true): return (location, .markedForRemoval)
            case (false, false): return (location, .wrongVersion)
            case (false, true): return (location, .wrongVersionMarkedForRemoval)
            }
        }
    }

    /// Whether a write (or another command) holds the chunk now.
    public func isLocked(_ chunk: ChunkID, now: Duration) -> Bool {
        guard let entry = chunks[chunk] else { return false }
        return entry.operation != nil || entry.isLocked(now: now)
    }
}

/// A copy's state as MooseFS's CHECK reports it (`CHECK_VALID` … `CHECK_INVALID`).
public enum CopyCheck: UInt8, Sendable, Equatable {
    case valid = 0
    case markedForRemoval = 1
    case wrongVersion = 2
    case wrongVersionMarkedForRemoval = 3
    case invalid = 4

    /// Counted among a chunk's copies by CHECK without an index (MooseFS's `allvalidcopies`).
    public var counts: Bool { self == .valid || self == .markedForRemoval }
}
