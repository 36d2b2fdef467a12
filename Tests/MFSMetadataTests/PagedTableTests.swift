import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

/// A paged table's memory follows its live elements: chunk ids are never reused, so a table that
/// kept a page for every id ever used would grow with every chunk a cluster made.
@Suite struct PagedTableTests {
    static let page = PagedTable<ChunkRecord>.pageSize

    static func record(_ n: Int) -> ChunkRecord { ChunkRecord(version: 1, inode: UInt32(n), index: 0) }

    @Test func aPageWhoseLastElementGoesIsReleasedButTheLastPageStays() {
        var table = PagedTable<ChunkRecord>()
        for id in 1..<(10 * Self.page) { table.set(id, Self.record(id)) }
        #expect(table.pageCount == 10)
        for id in 1..<(10 * Self.page) where id != 5 * Self.page + 7 { table.set(id, .empty) }
        #expect(table.pageCount == 2, "page 5 holds one element; the last page stays for the next ids")
        #expect(table[5 * Self.page + 7].inode == UInt32(5 * Self.page + 7))
        #expect(table[3 * Self.page].isEmpty && table[10 * Self.page - 1].isEmpty)
        table.set(5 * Self.page + 7, .empty)
        #expect(table.pageCount == 1)
        // Clearing where no page is makes none; a new page lets the kept empty one go.
        table.set(3, .empty)
        #expect(table.pageCount == 1)
        table.set(3, Self.record(3))
        #expect(table.pageCount == 1 && table[3].inode == 3)
        table.modify(4 * Self.page) { _ in }
        #expect(table.pageCount == 1, "a page made by a change that stored nothing goes again")
        var seen: [Int] = []
        table.forEach { id, _ in seen.append(id) }
        #expect(seen == [3])
    }

    /// Chunk after chunk made and deleted (a cluster's churn of temporary files): the table
    /// holds two pages at most, whatever the ids reach.
    @Test func churnOfNewIdsKeepsTheTableSmall() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        for round in 0..<(3 * Self.page) {
            _ = try ns.addChunk(f, index: 0, now: t0)
            _ = try ns.setLength(f, UInt64(1 + round % 7), as: .root, now: t0)
            _ = try ns.setLength(f, 0, as: .root, now: t0)
        }
        #expect(ns.nextChunkID.rawValue > UInt64(3 * Self.page))
        #expect(ns.chunks.pageCount <= 2, "\(ns.chunks.pageCount) pages for no live chunk")
    }

    /// An id far past the directory (a 64-bit chunk id) costs one page, not a directory entry for
    /// every page below it; the elements still come in index order.
    @Test func aFarIdCostsOnePage() {
        var table = PagedTable<ChunkRecord>()
        let far = 1 << 60
        table.set(far, Self.record(1))
        table.set(far + 1, Self.record(2))
        table.set(7, Self.record(3))
        table.set(PagedTableLimits.directPages << PagedTable<ChunkRecord>.pageShift, Self.record(4))
        #expect(table.pageCount == 3)
        #expect(table[far].inode == 1 && table[far + 2].isEmpty && table[far - Self.page].isEmpty)
        var seen: [Int] = []
        table.forEach { id, _ in seen.append(id) }
        #expect(seen == [7, PagedTableLimits.directPages << PagedTable<ChunkRecord>.pageShift, far, far + 1])
        table.set(far, .empty)
        table.set(far + 1, .empty)
        #expect(table.pageCount == 3, "the highest page stays for the next ids")
        table.set(PagedTableLimits.directPages << PagedTable<ChunkRecord>.pageShift, .empty)
        #expect(table.pageCount == 2)
        table.set(far + 2 * Self.page, Self.record(5))
        #expect(table.pageCount == 2, "the empty page kept as the highest goes once a higher one is made")
    }

    /// Chunk ids near `Int.max` (a metadata file may name any id below its next chunk id) load
    /// and dump like any other, one page for them, where the directory once had to reach them.
    @Test func aChunkIdNearIntMaxRoundTripsThroughAMetadataFile() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        _ = try ns.addChunk(f, index: 0, now: t0)
        ns.nextChunk = UInt64(Int.max) - 2
        let far = try ns.addChunk(f, index: 1, now: t0).0
        #expect(far.rawValue == UInt64(Int.max) - 2 && ns.chunks.pageCount == 2)
        let loaded = try MetadataFile.decode(MetadataFile.encode(ns))
        #expect(firstDifference(ns, loaded) == nil)
        #expect(try loaded.chunk(of: f, index: 1).chunk == far && loaded.chunks.pageCount == 2)
        #expect(throws: FSError.noSpace) {
            var full = loaded
            _ = try full.addChunk(f, index: 2, now: t0)
            _ = try full.addChunk(f, index: 3, now: t0)
        }
    }

    /// A copy (a snapshot being dumped) keeps what it saw: a change copies the page it touches
    /// and a page released in one copy stays in the other.
    @Test func aSnapshotKeepsItsPages() {
        var table = PagedTable<ChunkRecord>()
        for id in 1..<(3 * Self.page) { table.set(id, Self.record(id)) }
        let snapshot = table
        for id in 1..<Self.page { table.set(id, .empty) }
        table.set(Self.page + 1, Self.record(9))
        #expect(table.pageCount == 2 && snapshot.pageCount == 3)
        #expect(snapshot[1].inode == 1 && snapshot[Self.page + 1].inode == UInt32(Self.page + 1))
        #expect(table[Self.page + 1].inode == 9 && table.pageCopies == 2)
    }

    /// The same for pages past the directory array, and in both directions: a change to the
    /// copy leaves the original as it was.
    @Test func aSnapshotKeepsItsFarPages() {
        var table = PagedTable<ChunkRecord>()
        let far = 1 << 60
        table.set(far, Self.record(1))
        table.set(far + 1, Self.record(2))
        var snapshot = table
        table.set(far, .empty)
        #expect(snapshot[far].inode == 1 && table[far].isEmpty && table.pageCopies == 1)
        // The original copied the page it changed: the snapshot's is its own now.
        snapshot.set(far + 1, .empty)
        #expect(snapshot[far].inode == 1 && snapshot[far + 1].isEmpty && snapshot.pageCopies == 0)
        #expect(table[far + 1].inode == 2)
    }

    /// Chunks left a few to a page after years of churn cost their elements, not a dense page
    /// (48 KiB) each: a page holding at most `sparseAtMost` elements is sparse.
    @Test func elementsSpreadOnePerPageKeepTheirPagesSparse() throws {
        var table = PagedTable<ChunkRecord>()
        let ids = (0..<200).map { $0 * Self.page + ($0 * 37) % Self.page }
        for id in ids.reversed() { table.set(id, Self.record(id)) }
        #expect(table.pageCount == 200 && table.densePageCount == 0)
        for id in ids {
            #expect(table[id].inode == UInt32(id) && table[id + 1].isEmpty)
            #expect(table.read(id) { $0.inode } == UInt32(id))
            #expect(table.read(id + 1) { $0.isEmpty } == true, "an empty slot of a sparse page reads as empty")
        }
        var seen: [Int] = []
        table.forEach { id, record in
            seen.append(id)
            #expect(record.inode == UInt32(id))
        }
        #expect(seen == ids)

        // The same through a metadata file: a namespace whose chunks lie one to a page loads
        // into sparse pages.
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        for index in 0..<64 {
            _ = try ns.addChunk(f, index: UInt32(index), now: t0)
            ns.nextChunk += UInt64(Self.page)
        }
        let loaded = try MetadataFile.decode(MetadataFile.encode(ns))
        #expect(firstDifference(ns, loaded) == nil)
        #expect(loaded.chunks.pageCount >= 64 && loaded.chunks.densePageCount == 0)
    }

    /// A page turns dense once it holds more than `sparseAtMost` elements and sparse again below
    /// `denseAtLeast`; its elements read the same in both forms, at the thresholds and past them.
    @Test func aPageTurnsDenseAndSparseAtItsThresholds() {
        var table = PagedTable<ChunkRecord>()
        let base = 3 * Self.page
        let slots = (0..<Self.page).map { ($0 * 1_031) % Self.page }  // every slot, out of order
        for (n, slot) in slots.prefix(PagedTableLimits.sparseAtMost).enumerated() {
            table.set(base + slot, Self.record(n))
        }
        #expect(table.densePageCount == 0, "\(PagedTableLimits.sparseAtMost) elements stay sparse")
        table.set(base + slots[PagedTableLimits.sparseAtMost], Self.record(PagedTableLimits.sparseAtMost))
        #expect(table.densePageCount == 1, "one more turns the page dense")
        for (n, slot) in slots.prefix(PagedTableLimits.sparseAtMost + 1).enumerated() {
            #expect(table[base + slot].inode == UInt32(n))
        }
        // Down to denseAtLeast the page stays dense; one fewer and it is sparse.
        for slot in slots[PagedTableLimits.denseAtLeast...PagedTableLimits.sparseAtMost] { table.set(base + slot, .empty) }
        #expect(table.densePageCount == 1)
        table.set(base + slots[PagedTableLimits.denseAtLeast - 1], .empty)
        #expect(table.densePageCount == 0 && table.pageCount == 1)
        for (n, slot) in slots.prefix(PagedTableLimits.denseAtLeast - 1).enumerated() {
            #expect(table[base + slot].inode == UInt32(n))
        }
        #expect(table[base + slots[PagedTableLimits.denseAtLeast - 1]].isEmpty)
    }

    /// Sets and clears at random over a few pages, with snapshots taken and changed on both
    /// sides, against a dictionary: every read, `read`, `forEach` and page count agrees, in
    /// dense and sparse pages alike, and a snapshot keeps what it saw.
    @Test func randomChangesAgreeWithADictionary() {
        var random = SeededRandom(seed: 0x5A_A45E)
        var table = PagedTable<ChunkRecord>()
        var model: [Int: UInt32] = [:]
        var snapshots: [(PagedTable<ChunkRecord>, [Int: UInt32])] = []
        var (sawDense, sawSparse) = (false, false)
        let span = 4 * Self.page
        for step in 0..<40_000 {
            // Each page's fill drifts up and down, so pages cross both thresholds many times.
            let page = Int.random(in: 0..<4, using: &random)
            let phase = (step / 5_000 + page) % 2 == 0
            let id = page * Self.page + Int.random(in: 0..<(phase ? Self.page : 400), using: &random)
            if Int.random(in: 0..<10, using: &random) < (phase ? 6 : 3) {
                let value = UInt32(step + 1)
                table.set(id, ChunkRecord(version: 1, inode: value, index: 0))
                model[id] = value
            } else {
                table.set(id, .empty)
                model[id] = nil
            }
            if step % 4_000 == 0 { snapshots.append((table, model)) }
            if step % 1_000 == 0 {
                sawDense = sawDense || table.densePageCount > 0
                sawSparse = sawSparse || table.densePageCount < table.pageCount
            }
        }
        #expect(sawDense && sawSparse, "both forms in use")
        for (t, m) in snapshots + [(table, model)] {
            var mismatches = 0
            for id in 0..<span {
                let expected = m[id] ?? 0
                if t[id].inode != expected || t[id].isEmpty != (m[id] == nil) { mismatches += 1 }
                if let read = t.read(id, { $0.inode }), read != expected { mismatches += 1 }
            }
            #expect(mismatches == 0)
            var listed: [Int] = []
            t.forEach { id, record in
                listed.append(id)
                if m[id] != record.inode { mismatches += 1 }
            }
            #expect(listed == m.keys.sorted() && mismatches == 0)
            let pagesLive = Set(m.keys.map { $0 / Self.page }).count
            #expect(t.pageCount >= pagesLive && t.pageCount <= pagesLive + 1)
        }
    }
}
