import MFSCore

/// The pacing and order of the background CRC test (MooseFS's `HDD_TEST_SPEED`): every data
/// directory is a lane that re-reads its chunks in id order, a few blocks per step, and waits
/// after each step as long as reading those blocks takes at the test speed; so each directory
/// is read at that speed, as in MooseFS's tester. At the end of a pass the lane starts over
/// with the chunks stored then. Pure: it takes `now` and the chunk list and says what to read;
/// the daemon reads it (`ChunkStore.test`) and reports what it found.
public struct ChunkTestSchedule: Sendable {
    /// One step: blocks `blocks` of chunk `id` at `version`.
    public struct Step: Hashable, Sendable {
        public var id: ChunkID
        public var version: ChunkVersion
        public var directory: String
        public var blocks: Range<Int>
    }

    /// Blocks read per step (1 MiB): the store's lock is held for one step at a time, so a
    /// long chunk does not hold up the data path.
    public static let blocksPerStep = 16
    /// The longest and shortest sleep between looks (MooseFS: 0.5 s and 10 ms).
    public static let longestWait: Duration = .milliseconds(500)
    public static let shortestWait: Duration = .milliseconds(10)

    struct Lane: Sendable {
        var queue: [ChunkRecord] = []
        var position = 0
        var nextBlock = 0
        var due: ContinuousClock.Instant
    }

    /// The longest a directory waits after a step, in seconds (30 days), whatever the speed:
    /// `HDD_TEST_SPEED = 0.000001` would otherwise put its next step past what a clock holds.
    static let longestPause: Double = 30 * 86_400

    /// Bytes per second per directory; 0 or less: no test.
    public let bytesPerSecond: Double
    var lanes: [String: Lane] = [:]
    /// Chunks found damaged: not read again while they are stored (the master deletes them).
    public private(set) var damaged: Set<ChunkID> = []

    public init(bytesPerSecond: Double) { self.bytesPerSecond = bytesPerSecond }

    public var isEnabled: Bool { bytesPerSecond > 0 }

    /// The step due at `now`, from the directory due the longest; nil when none is due.
    /// `chunks` gives the store's chunks when a lane starts a pass.
    public mutating func next(now: ContinuousClock.Instant, chunks: () -> [ChunkRecord]) -> Step? {
        guard isEnabled else { return nil }
        var stored: [ChunkRecord]? = nil
        func all() -> [ChunkRecord] {
            if let stored { return stored }
            let list = chunks()
            stored = list
            return list
        }
        if lanes.isEmpty { startPass(all(), now: now) }
        for directory in lanes.keys.sorted(by: { lanes[$0]!.due < lanes[$1]!.due }) where lanes[directory]!.due <= now {
            if let step = advance(directory) { return step }
            // The pass is over: start the next one with the chunks stored now.
            startPass(all(), now: now)
            if let step = advance(directory) { return step }
        }
        return nil
    }

    /// Records that `step` was read starting at `started` (`blocksRead` blocks of it: fewer
    /// when the chunk was shorter or gone); its directory is due again once that much reading
    /// has taken its time at the test speed.
    public mutating func finished(_ step: Step, blocksRead: Int, damaged isDamaged: Bool, started: ContinuousClock.Instant) {
        if isDamaged { damaged.insert(step.id) }
        guard lanes[step.directory] != nil else { return }
        let seconds = min(Double(blocksRead * ChunkLimits.blockSize) / bytesPerSecond, Self.longestPause)
        lanes[step.directory]!.due = started + .nanoseconds(Int64((seconds * 1e9).rounded(.up)))
    }

    /// How long to sleep before looking again: until the next directory is due, within
    /// `shortestWait...longestWait`.
    public func wait(now: ContinuousClock.Instant) -> Duration {
        guard let due = lanes.values.map(\.due).min() else { return Self.longestWait }
        return min(Self.longestWait, max(Self.shortestWait, due - now))
    }

    /// Fills every directory's lane with its chunks (not damaged ones, not replicas being
    /// received, not those of directories marked for removal), keeping each lane's due time.
    mutating func startPass(_ chunks: [ChunkRecord], now: ContinuousClock.Instant) {
        let present = Set(chunks.map(\.id))
        damaged = damaged.filter(present.contains)
        let grouped = Dictionary(grouping: chunks.filter { !$0.markedForRemoval && $0.version != .any && !damaged.contains($0.id) }) {
            $0.directory
        }
        var renewed: [String: Lane] = [:]
        for (directory, list) in grouped {
            let due = lanes[directory]?.due ?? now
            renewed[directory] = Lane(queue: list.sorted { $0.id < $1.id }, due: due)
        }
        lanes = renewed
    }

    /// The next step of `directory`'s pass, or nil at its end.
    mutating func advance(_ directory: String) -> Step? {
        guard var lane = lanes[directory] else { return nil }
        defer { lanes[directory] = lane }
        while lane.position < lane.queue.count {
            let chunk = lane.queue[lane.position]
            if lane.nextBlock < chunk.blocks, !damaged.contains(chunk.id) {
                let end = min(chunk.blocks, lane.nextBlock + Self.blocksPerStep)
                let step = Step(id: chunk.id, version: chunk.version, directory: directory, blocks: lane.nextBlock..<end)
                lane.nextBlock = end
                return step
            }
            lane.position += 1
            lane.nextBlock = 0
        }
        return nil
    }
}
