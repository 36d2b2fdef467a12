import MFSCore

/// Named limits of a file's chunk list.
public enum ChunkListLimits {
    /// How far past the end of a file's array of chunk slots a new chunk may land and still
    /// grow the array (64 slots, a hole of 4 GiB): files written from the start, or at random
    /// within a few GiB, stay one array. A chunk farther out goes into the list's sorted side
    /// table, so a write at chunk index 2³¹ − 1 costs one entry, not 16 GiB, and the array never
    /// holds more than this many slots per chunk it holds.
    public static let denseSlack = 64
}

/// A file's chunk ids by chunk index, 0 for a hole.
///
/// MooseFS keeps one array as long as the file's highest chunk index: a write at the far end
/// of the 128 PiB a file may have (chunk index 2³¹ − 1) makes it 16 GiB, on the active master
/// and, when the change is replayed, on every follower too: one user's `dd seek=` could stop
/// the whole pair. Here the array (`dense`) grows at most `ChunkListLimits.denseSlack` slots
/// past its end for one new chunk and never ends in a hole (a truncation trims the holes it
/// leaves at the end); a chunk farther out goes into a side table sorted by index (`tail`) and
/// moves into the array once the array reaches it. So every run of holes in the array is
/// shorter than the slack and followed by a chunk: the array holds at most `denseSlack` slots
/// (512 bytes) per chunk, whatever the indices and however writes and truncations alternate.
///
/// `slots` is the length MooseFS's array would have: one past the highest chunk ever placed,
/// cut by truncations. It counts the holes (MooseFS's CHECK reports them) and is what the
/// metadata file records.
struct ChunkList: Sendable, Equatable {
    /// Slots 0..<dense.count, holes as 0; empty or ending in a chunk.
    private var dense: ContiguousArray<UInt64> = []
    /// Chunks at or past `dense.count`, by ascending index.
    private var tail: ContiguousArray<Entry> = []
    /// One past the highest slot, at least `dense.count` and past every entry of `tail`.
    private(set) var slots = 0

    private struct Entry: Sendable, Equatable {
        var index: UInt32
        var id: UInt64
    }

    init() {}

    /// A list read as one array (the metadata file's array form): its chunks placed one by one
    /// in index order, so a long run of holes in it costs what it costs at runtime (the chunk
    /// after it goes into the side table), not 8 bytes a hole.
    init(dense array: ContiguousArray<UInt64>) {
        dense.reserveCapacity(array.count)
        for (index, id) in array.enumerated() where id != 0 { insert(id, at: UInt32(index)) }
        slots = array.count
        if dense.capacity > 2 * dense.count + ChunkListLimits.denseSlack { releaseSpareCapacity() }
    }

    /// Slots the array holds: what the list costs in memory, beside one entry per chunk past it.
    var arraySlots: Int { dense.count }

    /// Chunks held (holes left out). O(slots of the array).
    var chunkCount: Int { dense.count { $0 != 0 } + tail.count }

    /// The chunk at `index`, 0 for a hole or past the end.
    subscript(index: UInt32) -> UInt64 {
        if Int(index) < dense.count { return dense[Int(index)] }
        let at = tailPosition(of: index)
        return at < tail.count && tail[at].index == index ? tail[at].id : 0
    }

    /// Where `index` is in `tail`, or where it would go.
    private func tailPosition(of index: UInt32) -> Int {
        var low = 0
        var high = tail.count
        while low < high {
            let middle = (low + high) / 2
            if tail[middle].index < index { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Places chunk `id` (not 0) at `index`, which must be a hole.
    mutating func insert(_ id: UInt64, at index: UInt32) {
        let slot = Int(index)
        slots = max(slots, slot + 1)
        if slot < dense.count {
            dense[slot] = id
        } else if slot < dense.count + ChunkListLimits.denseSlack {
            dense.append(contentsOf: repeatElement(0, count: slot - dense.count + 1))
            dense[slot] = id
            absorbTail()
        } else {
            tail.insert(Entry(index: index, id: id), at: tailPosition(of: index))
        }
    }

    /// Moves into the array the side table's chunks it now reaches, and those within the slack
    /// of its new end, in index order.
    private mutating func absorbTail() {
        var taken = 0
        while taken < tail.count, Int(tail[taken].index) < dense.count + ChunkListLimits.denseSlack {
            let entry = tail[taken]
            if Int(entry.index) >= dense.count { dense.append(contentsOf: repeatElement(0, count: Int(entry.index) - dense.count + 1)) }
            dense[Int(entry.index)] = entry.id
            taken += 1
        }
        if taken > 0 { tail.removeFirst(taken) }
    }

    /// Raises the slot count to `slots` (trailing holes), as the metadata file recorded it.
    mutating func extendSlots(to slots: Int) { self.slots = max(self.slots, slots) }

    /// Cuts the list to its first `keep` slots; returns the chunks cut off, by index.
    mutating func truncate(keeping keep: Int) -> [UInt64] {
        guard slots > keep else { return [] }
        slots = keep
        var removed: [UInt64] = []
        if dense.count > keep {
            removed = dense[keep...].filter { $0 != 0 }
            dense.removeSubrange(keep...)
            trimTrailingHoles()
        }
        let cut = tailPosition(of: UInt32(clamping: keep))
        if cut < tail.count {
            removed += tail[cut...].map(\.id)
            tail.removeSubrange(cut...)
        }
        return removed
    }

    /// Drops the holes at the array's end (the slot count keeps them), and the spare capacity
    /// of an array that was cut to much less than it held.
    private mutating func trimTrailingHoles() {
        let end = (dense.lastIndex { $0 != 0 } ?? -1) + 1
        if end < dense.count { dense.removeSubrange(end...) }
        if dense.capacity > 2 * dense.count + ChunkListLimits.denseSlack { releaseSpareCapacity() }
    }

    /// Moves the array into storage of its own size (`removeSubrange` and
    /// `ContiguousArray(_:)` keep the old buffer).
    private mutating func releaseSpareCapacity() {
        var fitted = ContiguousArray<UInt64>()
        fitted.reserveCapacity(dense.count)
        fitted.append(contentsOf: dense)
        dense = fitted
    }

    /// The chunks held, holes left out, in index order.
    func forEach<E: Error>(_ body: (_ index: UInt32, _ id: UInt64) throws(E) -> Void) throws(E) {
        for (index, id) in dense.enumerated() where id != 0 { try body(UInt32(index), id) }
        for entry in tail { try body(entry.index, entry.id) }
    }

    /// Same slot count and the same chunk at every index, however the two are laid out.
    static func == (a: ChunkList, b: ChunkList) -> Bool {
        guard a.slots == b.slots else { return false }
        if a.tail.isEmpty, b.tail.isEmpty { return a.dense == b.dense }
        var left: [Entry] = []
        var right: [Entry] = []
        a.forEach { left.append(Entry(index: $0, id: $1)) }
        b.forEach { right.append(Entry(index: $0, id: $1)) }
        return left == right
    }
}
