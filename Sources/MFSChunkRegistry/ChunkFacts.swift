import MFSCore

/// What the namespace says about a chunk id: the registry's only source of truth about which
/// chunks exist, at which version and with which goal. The master owns ids and versions
/// (DESIGN §12); the registry never invents either.
public enum ChunkStanding: Equatable, Sendable {
    /// A file holds the chunk: its copies must be at `version`, and `goal` of them are wanted.
    case owned(version: UInt32, goal: UInt8)
    /// The id was given out by this namespace (below its next chunk id) but no file holds it any
    /// more: its copies are deleted.
    case orphan
    /// Not this namespace's: 0, or at or above its next chunk id (another cluster's chunk, or
    /// metadata older than the disks). Its copies are kept unless
    /// `RegistrySettings.deleteUnknownChunks`.
    case unknown
}

/// The namespace as the registry asks it. The master implements it over its `Namespace`
/// (`chunkVersion`, the owning file's goal, the next chunk id); tests use `ChunkFactsSnapshot`.
///
/// The rule for ids: 0 and every id at or above `nextChunkID` are `.unknown`; below it an id is
/// `.owned` if a file holds it, else `.orphan`. `standing(of:)` must follow it; the default
/// `classify` does.
public protocol ChunkFacts {
    /// The first chunk id never given out.
    var nextChunkID: ChunkID { get }
    /// The version and goal of a chunk a file holds, nil if none holds it.
    func expectation(of chunk: ChunkID) -> (version: UInt32, goal: UInt8)?
    /// How many of the chunk's bytes lie inside its file (0 to a whole chunk): what a copy must
    /// hold when the registry cuts it to the file; nil if no file holds the chunk.
    func extent(of chunk: ChunkID) -> UInt32?
    /// Every chunk a file holds, for the status counts (missing chunks, the goal × copies
    /// matrix). Called only by status queries, never on the event path.
    func forEachOwnedChunk(_ body: (ChunkID, _ version: UInt32, _ goal: UInt8) -> Void)
    /// Whether the file holding the chunk is open by some session (a client may be writing it
    /// under a grant an earlier master gave).
    func isInOpenFile(_ chunk: ChunkID) -> Bool
}

extension ChunkFacts {
    /// The chunk's standing by the rule above; goals are clamped into 1…`RegistryLimits.maxGoal`.
    public func standing(of chunk: ChunkID) -> ChunkStanding {
        guard chunk != .none, chunk < nextChunkID else { return .unknown }
        guard let found = expectation(of: chunk) else { return .orphan }
        return .owned(version: found.version, goal: min(max(found.goal, 1), RegistryLimits.maxGoal))
    }
}

/// A value that answers `ChunkFacts` from a table: for tests, and for a shell that copies the
/// facts it needs.
public struct ChunkFactsSnapshot: ChunkFacts, Equatable, Sendable {
    public var nextChunkID: ChunkID
    /// Chunks held by files: version and goal.
    public var owned: [ChunkID: Expectation]
    /// Bytes of a chunk inside its file, where not a whole chunk.
    public var extents: [ChunkID: UInt32] = [:]
    /// Chunks of files some session has open.
    public var inOpenFiles: Set<ChunkID> = []

    public struct Expectation: Equatable, Sendable {
        public var version: UInt32
        public var goal: UInt8
        public init(version: UInt32, goal: UInt8) {
            self.version = version
            self.goal = goal
        }
    }

    public init(nextChunkID: ChunkID = ChunkID(1), owned: [ChunkID: Expectation] = [:]) {
        self.nextChunkID = nextChunkID
        self.owned = owned
    }

    public func expectation(of chunk: ChunkID) -> (version: UInt32, goal: UInt8)? {
        owned[chunk].map { ($0.version, $0.goal) }
    }

    public func extent(of chunk: ChunkID) -> UInt32? {
        owned[chunk] == nil ? nil : extents[chunk] ?? UInt32(RegistryLimits.chunkSize)
    }

    public func forEachOwnedChunk(_ body: (ChunkID, UInt32, UInt8) -> Void) {
        for (id, expectation) in owned { body(id, expectation.version, expectation.goal) }
    }

    public func isInOpenFile(_ chunk: ChunkID) -> Bool { inOpenFiles.contains(chunk) }

    /// Adds (or changes) a chunk held by a file, moving `nextChunkID` past it.
    public mutating func own(_ chunk: ChunkID, version: UInt32 = 1, goal: UInt8) {
        owned[chunk] = Expectation(version: version, goal: goal)
        if chunk >= nextChunkID { nextChunkID = ChunkID(chunk.rawValue + 1) }
    }
}
