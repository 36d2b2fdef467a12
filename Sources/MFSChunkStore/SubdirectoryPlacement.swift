/// Which of the 256 subdirectories a new chunk goes to, the MooseFS 3.0 way (notes §4.3): all new
/// chunks go to a "current" subdirectory, starting at `00`; once it holds
/// `roundRobinChunkCount` chunks more than the emptiest one, the emptiest becomes current. So a
/// small installation has every chunk in `00`, and readers never derive a subdirectory from a
/// chunk id. Pure: counts in, choice out.
public struct SubdirectoryPlacement: Hashable, Sendable {
    /// How far ahead of the emptiest subdirectory the current one may get
    /// (`HDD_RR_CHUNK_COUNT` in MooseFS).
    public static let roundRobinChunkCount = 10_000

    public private(set) var counts = [Int](repeating: 0, count: ChunkSubdirectory.count)
    /// Where the next new chunk goes.
    public private(set) var current = ChunkSubdirectory(0)

    public init() {}

    /// A chunk was added to `subdirectory` (new, or found by the scan).
    public mutating func added(to subdirectory: ChunkSubdirectory) {
        counts[subdirectory.index] += 1
        let emptiest = counts.indices.min { counts[$0] < counts[$1] }!
        if subdirectory == current, counts[current.index] >= counts[emptiest] + Self.roundRobinChunkCount {
            current = ChunkSubdirectory(emptiest)
        }
    }

    /// A chunk left `subdirectory` (deleted, or lost with its directory).
    public mutating func removed(from subdirectory: ChunkSubdirectory) {
        counts[subdirectory.index] = max(0, counts[subdirectory.index] - 1)
    }
}
