import MFSCore

/// Named limits of a file's chunk list.
public enum ChunkListLimits {
    /// How far past the end of a file's array of chunk slots a new chunk may land and still
    /// grow the array (1,024 slots, a hole of 64 GiB): ordinary files, written from the start
    /// or at random within a few dozen GiB, stay one array. A chunk past that goes into the
    /// list's side table, so a write at chunk index 2³¹ − 1 costs one entry, not 16 GiB.
    public static let denseSlack = 1_024
}

/// A file's chunk ids by chunk index, 0 for a hole.
///
/// MooseFS keeps one array as long as the file's highest chunk index: a write at the far end
/// of the 128 PiB a file may have (chunk index 2³¹ − 1) makes it 16 GiB, on the active master
/// and, when the change is replayed, on every follower too: one user's `dd seek=` could stop
/// the whole pair. Here the array (`dense`) grows at most `ChunkListLimits.denseSlack` slots
/// past its end for one new chunk; a chunk farther out goes into a side table (`tail`) and
/// moves into the array once the array reaches it. The memory a list takes is bounded by the
/// chunks it holds (at most 8 KiB of array per chunk), never by the highest index.
///
/// `slots` is the length MooseFS's array would have: one past the highest chunk ever placed,
/// cut by truncations. It counts the holes (MooseFS's CHECK reports them) and is what the
/// metadata file records.
struct ChunkList: Sendable, Equatable {
    /// Slots 0..<dense.count, holes as 0.
    private var dense: ContiguousArray<UInt64> = []
    /// Chunks at or past `dense.count`, and the slot count when it is above `dense.count`; nil
    /// when there are neither (the slot count is then `dense.count`).
    private var tail: Tail?

    private struct Tail: Sendable, Equatable {
        var slots: Int
        var chunks: [UInt32: UInt64] = [:]
    }

    init() {}

    /// A list read as one array (the metadata file's dense form).
    init(dense: ContiguousArray<UInt64>) { self.dense = dense }

    /// One past the highest slot, holes included.
    var slots: Int { tail?.slots ?? dense.count }

    /// Slots the array holds: what the list costs in memory, beside one entry per chunk past it.
    var arraySlots: Int { dense.count }

    /// Chunks held (holes left out). O(slots of the array).
    var chunkCount: Int { dense.count { $0 != 0 } + (tail?.chunks.count ?? 0) }

    /// The chunk at `index`, 0 for a hole or past the end.
    subscript(index: UInt32) -> UInt64 {
        Int(index) < dense.count ? dense[Int(index)] : tail?.chunks[index] ?? 0
    }

    /// Places chunk `id` (not 0) at `index`, which must be a hole.
    mutating func insert(_ id: UInt64, at index: UInt32) {
        let slot = Int(index)
        if slot < dense.count {
            dense[slot] = id
        } else if slot < dense.count + ChunkListLimits.denseSlack {
            let slots = self.slots
            dense.append(contentsOf: repeatElement(0, count: slot - dense.count + 1))
            dense[slot] = id
            if var tail {
                self.tail = nil
                // Chunks the array now reaches move into it.
                for (at, chunk) in tail.chunks where Int(at) < dense.count {
                    dense[Int(at)] = chunk
                    tail.chunks[at] = nil
                }
                tail.slots = max(slots, dense.count)
                if !tail.chunks.isEmpty || tail.slots > dense.count { self.tail = tail }
            }
        } else {
            var tail = self.tail ?? Tail(slots: dense.count)
            self.tail = nil
            tail.chunks[index] = id
            tail.slots = max(tail.slots, slot + 1)
            self.tail = tail
        }
    }

    /// Raises the slot count to `slots` (trailing holes), as the metadata file recorded it.
    mutating func extendSlots(to slots: Int) {
        guard slots > self.slots else { return }
        var tail = self.tail ?? Tail(slots: dense.count)
        self.tail = nil
        tail.slots = slots
        self.tail = tail
    }

    /// Cuts the list to its first `keep` slots; returns the chunks cut off, by index.
    mutating func truncate(keeping keep: Int) -> [UInt64] {
        guard slots > keep else { return [] }
        var removed: [UInt64] = []
        if dense.count > keep {
            removed = dense[keep...].filter { $0 != 0 }
            dense.removeSubrange(keep...)
        }
        if var tail {
            self.tail = nil
            for (index, chunk) in tail.chunks.sorted(by: { $0.key < $1.key }) where Int(index) >= keep {
                removed.append(chunk)
                tail.chunks[index] = nil
            }
            tail.slots = min(tail.slots, keep)
            if !tail.chunks.isEmpty || tail.slots > dense.count { self.tail = tail }
        }
        return removed
    }

    /// The chunks held, holes left out, in index order.
    func forEach<E: Error>(_ body: (_ index: UInt32, _ id: UInt64) throws(E) -> Void) throws(E) {
        for (index, id) in dense.enumerated() where id != 0 { try body(UInt32(index), id) }
        guard let tail else { return }
        for (index, id) in tail.chunks.sorted(by: { $0.key < $1.key }) { try body(index, id) }
    }

    /// Same slot count and the same chunk at every index, however the two are laid out.
    static func == (a: ChunkList, b: ChunkList) -> Bool {
        guard a.slots == b.slots else { return false }
        if a.tail == nil, b.tail == nil { return a.dense == b.dense }
        var left: [(UInt32, UInt64)] = []
        var right: [(UInt32, UInt64)] = []
        a.forEach { left.append(($0, $1)) }
        b.forEach { right.append(($0, $1)) }
        return left.elementsEqual(right) { $0 == $1 }
    }
}
