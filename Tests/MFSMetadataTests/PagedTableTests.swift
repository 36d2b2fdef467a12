import MFSCore
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
}
