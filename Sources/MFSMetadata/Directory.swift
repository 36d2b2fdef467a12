import MFSCore

/// One entry of a directory.
struct DirectoryEntry: Sendable {
    /// `Directory.key(of:)` of the name: the order of entries and the readdir cookie.
    var hash: UInt64
    var inode: UInt32
    /// The child's `NodeType.rawValue`, so readdir needs no inode look-ups (d_type).
    var typeRaw: UInt8
    var name: DirectoryName
}

/// The entries of one directory, ordered by (hash of the name, name), in blocks of at most
/// `maxBlockEntries`, each block copy-on-write.
///
/// Why hash order: a readdir cookie is the hash of the last name returned, so it stays valid
/// across inserts, deletes and a failover (every master computes the same hash) and fits the
/// 64-bit offset FUSE gives back. A page never ends inside a run of equal hashes, so a collision
/// cannot hide an entry. Why blocks: a directory of millions of entries inserts in O(block) and
/// a snapshot shares every block it does not change.
struct Directory: Sendable {
    static let maxBlockEntries = 256
    /// Blocks below this merge into a neighbour after a removal, so deletes do not leave many
    /// nearly empty blocks.
    static let mergeBelowEntries = 48

    private(set) var blocks: [ContiguousArray<DirectoryEntry>] = []
    /// The hash of each block's last entry, next to each other: a search steps through these
    /// instead of loading a block's header and last entry per step (two cache misses each, the
    /// largest cost of a lookup in a directory of thousands: `perf annotate`, docs/MASTER.md).
    private var lastHashes: [UInt64] = []
    /// How many entries there are, and the bytes of all their names: a listing is sized from
    /// these without touching every name.
    private(set) var count = 0
    private(set) var nameBytes = 0

    init() {}

    /// The ordering key of a name: 63 bits of its stable hash, never 0 (0 is the start cookie).
    @inline(__always)
    static func key(of name: [UInt8]) -> UInt64 {
        let h = name.withUnsafeBufferPointer { StableHash.bytes($0, seed: 0x6469_7265_6E74) } >> 1
        return h == 0 ? 1 : h
    }

    /// Where an entry is, or would be inserted.
    struct Position {
        var block: Int
        var index: Int
        var found: Bool
    }

    @inline(__always)
    private static func precedes(_ entry: DirectoryEntry, _ hash: UInt64, _ name: [UInt8]) -> Bool {
        if entry.hash != hash { return entry.hash < hash }
        return entry.name.precedes(name)
    }

    func position(of name: [UInt8], hash: UInt64) -> Position {
        guard !blocks.isEmpty else { return Position(block: 0, index: 0, found: false) }
        // The first block whose last entry is not before the key (its name is read only when
        // the hashes are equal).
        var low = 0
        var high = blocks.count - 1
        lastHashes.withUnsafeBufferPointer { last in
            while low < high {
                let mid = (low + high) / 2
                let before = last[mid] != hash ? last[mid] < hash : Self.precedes(blocks[mid][blocks[mid].count - 1], hash, name)
                if before { low = mid + 1 } else { high = mid }
            }
        }
        let block = blocks[low]
        var lo = 0
        var hi = block.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.precedes(block[mid], hash, name) { lo = mid + 1 } else { hi = mid }
        }
        let found = lo < block.count && block[lo].hash == hash && block[lo].name.equals(name)
        return Position(block: low, index: lo, found: found)
    }

    func lookup(_ name: [UInt8], hash: UInt64) -> DirectoryEntry? {
        let p = position(of: name, hash: hash)
        return p.found ? blocks[p.block][p.index] : nil
    }

    /// Inserts an entry that is not present yet.
    mutating func insert(_ entry: DirectoryEntry, at p: Position) {
        precondition(!p.found, "inserting an entry that exists")
        count += 1
        nameBytes += entry.name.count
        if blocks.isEmpty {
            blocks.append([entry])
            lastHashes.append(entry.hash)
            return
        }
        blocks[p.block].insert(entry, at: p.index)
        if blocks[p.block].count > Self.maxBlockEntries {
            let half = blocks[p.block].count / 2
            let upper = ContiguousArray(blocks[p.block][half...])
            blocks[p.block].removeSubrange(half...)
            blocks.insert(upper, at: p.block + 1)
            lastHashes.insert(upper[upper.count - 1].hash, at: p.block + 1)
        }
        lastHashes[p.block] = blocks[p.block][blocks[p.block].count - 1].hash
    }

    /// Appends an entry that sorts after every entry present (the caller checks the order: a
    /// decoder reading a file). Blocks are filled to `maxBlockEntries` and allocated once each,
    /// instead of an insert per entry that splits a block every 128 entries. `expectedCount`:
    /// how many entries the directory will have.
    mutating func appendInOrder(_ entry: DirectoryEntry, expectedCount: Int) {
        count += 1
        nameBytes += entry.name.count
        if let last = blocks.indices.last, blocks[last].count < Self.maxBlockEntries {
            blocks[last].append(entry)
            lastHashes[last] = entry.hash
            return
        }
        if blocks.isEmpty {
            let blockCount = (expectedCount + Self.maxBlockEntries - 1) / Self.maxBlockEntries
            blocks.reserveCapacity(blockCount)
            lastHashes.reserveCapacity(blockCount)
        }
        // Every block before this one is full: what is left of the directory, at most a block
        // (most directories are small: a block's worth each would be 6 KB apiece).
        var block = ContiguousArray<DirectoryEntry>()
        block.reserveCapacity(min(Self.maxBlockEntries, max(1, expectedCount - blocks.count * Self.maxBlockEntries)))
        block.append(entry)
        blocks.append(block)
        lastHashes.append(entry.hash)
    }

    @discardableResult
    mutating func remove(at p: Position) -> DirectoryEntry {
        precondition(p.found, "removing an entry that is not there")
        let entry = blocks[p.block].remove(at: p.index)
        count -= 1
        nameBytes -= entry.name.count
        let left = blocks[p.block].count
        if left == 0 {
            blocks.remove(at: p.block)
            lastHashes.remove(at: p.block)
            return entry
        }
        if left < Self.mergeBelowEntries, p.block + 1 < blocks.count, left + blocks[p.block + 1].count <= Self.maxBlockEntries {
            let next = blocks.remove(at: p.block + 1)
            lastHashes.remove(at: p.block + 1)
            blocks[p.block].append(contentsOf: next)
        }
        lastHashes[p.block] = blocks[p.block][blocks[p.block].count - 1].hash
        return entry
    }

    /// Changes the entry at `p` in place (its name and hash stay).
    mutating func update(at p: Position, _ body: (inout DirectoryEntry) -> Void) {
        body(&blocks[p.block][p.index])
    }

    var isEmpty: Bool { blocks.isEmpty }

    /// Entries whose hash is above `cookie`, at least `limit` of them unless the directory ends,
    /// and never ending inside a run of equal hashes. The cookie of the next page is the hash of
    /// the last entry returned.
    func entries(after cookie: UInt64, limit: Int) -> (entries: [DirectoryEntry], atEnd: Bool) {
        guard !blocks.isEmpty else { return ([], true) }
        // First block with its last hash above the cookie.
        var low = 0
        var high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if lastHashes[mid] <= cookie { low = mid + 1 } else { high = mid }
        }
        var result: [DirectoryEntry] = []
        result.reserveCapacity(min(limit, 1024))
        var b = low
        var i = b < blocks.count ? firstIndex(in: blocks[b], above: cookie) : 0
        while b < blocks.count {
            let block = blocks[b]
            while i < block.count {
                let entry = block[i]
                if result.count >= limit, let last = result.last, last.hash != entry.hash {
                    return (result, false)
                }
                result.append(entry)
                i += 1
            }
            b += 1
            i = 0
        }
        return (result, true)
    }

    private func firstIndex(in block: ContiguousArray<DirectoryEntry>, above cookie: UInt64) -> Int {
        var lo = 0
        var hi = block.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if block[mid].hash <= cookie { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Every child inode in order, without copying entries (names stay untouched).
    func forEachChild(_ body: (UInt32) -> Void) {
        for block in blocks {
            block.withUnsafeBufferPointer { entries in
                for i in entries.indices { body(entries[i].inode) }
            }
        }
    }

    /// Every entry in order.
    func forEach(_ body: (DirectoryEntry) throws -> Void) rethrows {
        for block in blocks { for entry in block { try body(entry) } }
    }
}
