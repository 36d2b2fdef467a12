import MFSChangelog
import MFSCore
import Testing

@testable import MFSMetadata

@Suite struct SnapshotTests {
    /// A snapshot of a 1 M-inode namespace costs later changes at most the pages they touch: each
    /// change copies at most a couple of 4,096-slot pages, never a whole table, and the snapshot
    /// keeps its contents.
    @Test func snapshotOfAMillionInodesCostsAtMostAFewPagesPerChange() throws {
        var ns = newNamespace()
        var dirs: [InodeID] = []
        for d in 0..<100 { dirs.append(try ns.make(.root, try EntryName(validating: "d\(d)"), .directory)) }
        var created = 0
        for dir in dirs {
            for f in 0..<10_000 {
                _ = try ns.make(dir, try EntryName(validating: "f\(f)"))
                created += 1
            }
        }
        #expect(ns.inodeCount >= 1_000_000)
        let snapshot = ns
        let snapshotRoot = try snapshot.attributes(of: .root)
        let copiesBefore = ns.pageCopies
        var worst = 0
        for i in 0..<10_000 {
            let before = ns.pageCopies
            let dir = dirs[i % dirs.count]
            switch i % 4 {
            case 0: _ = try ns.make(dir, try EntryName(validating: "new\(i)"))
            case 1: _ = try ns.setAttributes(InodeID(UInt32(200 + i * 97)), AttributeChanges(mode: 0o600), as: .root, now: t0)
            case 2: _ = try ns.unlink(dir, try EntryName(validating: "f\(i)"), as: .root, now: t0)
            default:
                _ = try ns.rename(
                    dir, try EntryName(validating: "f\((i + 5_000) % 10_000)"), to: dir, try EntryName(validating: "r\(i)"), as: .root,
                    now: t0)
            }
            worst = max(worst, ns.pageCopies - before)
        }
        #expect(worst <= 3, "a single change copied \(worst) pages")
        #expect(worst >= 1 && ns.pageCopies > copiesBefore, "no page was copied: the snapshot shares nothing, or nothing counts copies")
        let pages = (1_000_000 >> 12) + 2
        #expect(ns.pageCopies - copiesBefore <= pages, "copied more pages than the table has")
        #expect(try snapshot.attributes(of: .root) == snapshotRoot)
        #expect(snapshot.inodeCount == created + 101)
        #expect(try snapshot.lookup(dirs[2], "f2", as: .root).mode == 0o644)
        #expect(throws: FSError.noEntry) { try ns.lookup(dirs[2], "f2", as: .root) }
    }
}
