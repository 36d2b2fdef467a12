import MFSCore
import Testing

@testable import MFSMetadata

/// What MooseFS's tools read of a tree (`mfsdirinfo`, `mfscheckfile`, `mfsgetsclass -r`,
/// `mfsfilepaths`), counted as MooseFS's master counts it.
@Suite struct TreeStatisticsTests {
    /// root/ { big (100,000,000 B in 2 chunks, goal 3), d/ { e/ { f (3 B, 1 chunk) } }, hole
    /// (a hole then a chunk: length 64 MiB + 1), link -> "big", fifo }.
    static func tree() throws -> (Namespace, [String: InodeID]) {
        var ns = newNamespace()
        var ids: [String: InodeID] = [:]
        ids["big"] = try ns.make(.root, "big")
        ids["d"] = try ns.make(.root, "d", .directory, mode: 0o755)
        ids["e"] = try ns.make(ids["d"]!, "e", .directory, mode: 0o755)
        ids["f"] = try ns.make(ids["e"]!, "f")
        ids["hole"] = try ns.make(.root, "hole")
        ids["fifo"] = try ns.make(.root, "fifo", .fifo)
        ids["link"] = try ns.symlink(.root, "link", target: Array("big".utf8), as: .root, now: t0).0.inode
        for (file, length, chunks) in [("big", UInt64(100_000_000), [UInt32(0), 1]), ("f", 3, [0]), ("hole", 64 << 20 + 1, [1])] {
            for index in chunks { _ = try ns.addChunk(ids[file]!, index: index, now: t0) }
            _ = try ns.setLength(ids[file]!, length, as: .root, now: t0)
        }
        _ = try ns.setGoal(ids["big"]!, 3, as: .root, now: t0)
        return (ns, ids)
    }

    @Test func directoryTreeCountsEveryNodeAndTheChunksSpace() throws {
        let (ns, ids) = try Self.tree()
        let s = try ns.statistics(of: .root)
        #expect(s.inodes == 8 && s.directories == 3 && s.files == 3 && s.chunks == 4)
        #expect(s.length == 100_000_000 + 3 + (64 << 20) + 1 + 3)  // the link's target counts its length
        // big: a whole first chunk and 502 blocks of the second; f: one block; hole: one block
        // of its second chunk. Each chunk file has an 8 KiB header.
        let big = UInt64(64 << 20) + 8_192 + 502 * 65_536 + 8_192
        let small = UInt64(65_536 + 8_192)
        #expect(s.size == big + 2 * small)
        #expect(s.realSize == 3 * big + 2 * small * UInt64(NamespaceLimits.defaultGoal))
        let d = try ns.statistics(of: ids["d"]!)
        #expect(d.inodes == 3 && d.directories == 2 && d.files == 1 && d.chunks == 1 && d.length == 3 && d.size == small)
        let file = try ns.statistics(of: ids["big"]!)
        #expect(file.inodes == 1 && file.files == 1 && file.size == big && file.realSize == 3 * big)
        #expect(throws: FSError.noEntry) { try ns.statistics(of: InodeID(999)) }
    }

    @Test func aChunkPastTheLengthCountsButTakesNoSpace() throws {
        var (ns, ids) = try Self.tree()
        _ = try ns.setLength(ids["big"]!, 10, as: .root, now: t0)
        let s = try ns.statistics(of: ids["big"]!)
        #expect(s.chunks == (try ns.chunkSlots(of: ids["big"]!)).chunks.count)
        #expect(s.size == 65_536 + 8_192)  // the first chunk's one block; any chunk past the end takes nothing
    }

    @Test func chunkSlotsKeepHolesAndRefuseDirectories() throws {
        let (ns, ids) = try Self.tree()
        let slots = try ns.chunkSlots(of: ids["hole"]!)
        #expect(slots.count == 2 && slots.chunks.count == 1 && slots.chunks[0] != ChunkID(0))
        #expect(throws: FSError.notPermitted) { try ns.chunkSlots(of: ids["d"]!) }
    }

    @Test func goalCountsOfANodeOrItsTree() throws {
        let (ns, ids) = try Self.tree()
        let one = try ns.goalCounts(of: ids["big"]!, recursive: false)
        #expect(one.files == [3: 1] && one.directories.isEmpty)
        let all = try ns.goalCounts(of: .root, recursive: true)
        let goal = NamespaceLimits.defaultGoal
        #expect(all.directories == [goal: 3])
        #expect(all.files == [3: 1, goal: 4])  // big; f, hole, link, fifo
    }

    @Test func pathsOfEveryLinkInsideTheExport() throws {
        var (ns, ids) = try Self.tree()
        #expect(try ns.paths(of: ids["f"]!, under: .root) == [Array("d/e/f".utf8)])
        #expect(try ns.paths(of: ids["f"]!, under: ids["d"]!) == [Array("e/f".utf8)])
        #expect(try ns.paths(of: ids["e"]!, under: .root) == [Array("d/e".utf8)])
        #expect(try ns.paths(of: .root, under: .root) == [Array("/".utf8)])
        #expect(try ns.paths(of: ids["big"]!, under: ids["d"]!).isEmpty)  // outside the export
        // Hard links: one in the first link's directory, one elsewhere.
        _ = try ns.link(ids["f"]!, into: ids["e"]!, as: "g", who: .root, now: t0)
        _ = try ns.link(ids["f"]!, into: .root, as: "top", who: .root, now: t0)
        let paths = try ns.paths(of: ids["f"]!, under: .root).map { String(decoding: $0, as: UTF8.self) }
        #expect(Set(paths) == ["d/e/f", "d/e/g", "top"] && paths.count == 3)
        #expect(Set(try ns.linkDirectories(of: ids["f"]!)) == [ids["e"]!, .root])
        #expect(throws: FSError.noEntry) { try ns.paths(of: InodeID(999), under: .root) }
    }
}

/// Every node records a directory that holds one of its links, so a session rooted in a
/// subdirectory reaches the files under it by inode (an export of `/sub`).
@Suite struct LinkDirectoryTests {
    @Test func filesAreInsideTheTreeOfTheirDirectory() throws {
        var (ns, ids) = try TreeStatisticsTests.tree()
        #expect(ns.isInside(ids["f"]!, tree: ids["d"]!) && ns.isInside(ids["f"]!, tree: ids["e"]!))
        #expect(!ns.isInside(ids["big"]!, tree: ids["d"]!) && ns.isInside(ids["big"]!, tree: .root))
        // Moved out of d: no longer inside it.
        _ = try ns.rename(ids["e"]!, "f", to: .root, "f2", as: .root, now: t0)
        #expect(!ns.isInside(ids["f"]!, tree: ids["d"]!) && ns.isInside(ids["f"]!, tree: .root))
    }

    @Test func theRecordedDirectoryFollowsTheLinks() throws {
        var (ns, ids) = try TreeStatisticsTests.tree()
        let big = ids["big"]!
        _ = try ns.link(big, into: ids["e"]!, as: "big2", who: .root, now: t0)
        #expect(ns.record(big.rawValue)!.parent == InodeID.root.rawValue)
        // The link in the recorded directory goes, the other is elsewhere: that one is recorded
        // (as when rotated hard-linked backups drop the oldest tree, where the file was made).
        _ = try ns.unlink(.root, "big", as: .root, now: t0)
        #expect(ns.record(big.rawValue)!.parent == ids["e"]!.rawValue)
        #expect(ns.isInside(big, tree: ids["d"]!) && ns.isInside(big, tree: ids["e"]!))
        #expect(try ns.paths(of: big, under: .root) == [Array("d/e/big2".utf8)])
        #expect(try ns.linkDirectories(of: big) == [ids["e"]!])
        // Another link in the same directory keeps it recorded.
        let f = ids["f"]!
        _ = try ns.link(f, into: ids["e"]!, as: "g", who: .root, now: t0)
        _ = try ns.unlink(ids["e"]!, "f", as: .root, now: t0)
        #expect(ns.record(f.rawValue)!.parent == ids["e"]!.rawValue && ns.isInside(f, tree: ids["d"]!))
        // The last link goes: so does the file.
        _ = try ns.unlink(ids["e"]!, "g", as: .root, now: t0)
        #expect(ns.record(f.rawValue) == nil)
    }

    /// With links in three directories: a rename of the recorded link moves the record with
    /// it, the recorded directory keeps it while it holds another link, and with one link left
    /// its directory is recorded (`aLoadedNamespaceMovesTheRecordAsTheOneThatWroteIt` has the
    /// lowest-numbered of two left).
    @Test func theLowestNumberedDirectoryLeftIsRecorded() throws {
        var (ns, ids) = try TreeStatisticsTests.tree()
        let (d, e, big) = (ids["d"]!, ids["e"]!, ids["big"]!)
        _ = try ns.link(big, into: e, as: "in-e", who: .root, now: t0)
        _ = try ns.link(big, into: d, as: "in-d", who: .root, now: t0)
        #expect(try ns.linkDirectories(of: big) == [InodeID.root, d, e].sorted { $0.rawValue < $1.rawValue })
        // Recorded at the root, linked in d and e too: inside both trees (a session of either
        // export reaches it), as MooseFS follows every parent of a node.
        #expect(ns.record(big.rawValue)!.parent == InodeID.root.rawValue && ns.isInside(big, tree: d) && ns.isInside(big, tree: e))
        _ = try ns.rename(.root, "big", to: e, "moved", as: .root, now: t0)
        #expect(ns.record(big.rawValue)!.parent == e.rawValue)
        _ = try ns.unlink(e, "moved", as: .root, now: t0)
        #expect(ns.record(big.rawValue)!.parent == e.rawValue, "e still holds a link")
        _ = try ns.unlink(e, "in-e", as: .root, now: t0)
        #expect(ns.record(big.rawValue)!.parent == d.rawValue && ns.record(big.rawValue)!.nlink == 1)
        #expect(try ns.paths(of: big, under: d) == [Array("in-d".utf8)])
        #expect(try ns.paths(of: big, under: e).isEmpty)
    }

    /// The table of link directories is rebuilt when a metadata file loads: the record moves on
    /// exactly as in the namespace that wrote the file (to d, the lower-numbered of d and e).
    @Test func aLoadedNamespaceMovesTheRecordAsTheOneThatWroteIt() throws {
        var (ns, ids) = try TreeStatisticsTests.tree()
        let (d, e, big) = (ids["d"]!, ids["e"]!, ids["big"]!)
        _ = try ns.link(big, into: e, as: "in-e", who: .root, now: t0)
        _ = try ns.link(big, into: d, as: "in-d", who: .root, now: t0)
        #expect(d.rawValue < e.rawValue)
        var loaded = try MetadataFile.decode(MetadataFile.encode(ns))
        for var namespace in [ns, loaded] {
            _ = try namespace.unlink(.root, "big", as: .root, now: t0)
            #expect(namespace.record(big.rawValue)!.parent == d.rawValue)
        }
        _ = try loaded.unlink(.root, "big", as: .root, now: t0)
        _ = try ns.unlink(.root, "big", as: .root, now: t0)
        #expect(loaded.checksum == ns.checksum)
    }

    /// A metadata file written before files recorded their directory (0 there) loads with the
    /// directories filled in, its checksum checked as written.
    @Test func anOlderMetadataFileGetsTheDirectoriesFilledIn() throws {
        var (ns, ids) = try TreeStatisticsTests.tree()
        for name in ["big", "f", "hole", "fifo", "link"] { ns.updateInode(ids[name]!.rawValue) { $0.parent = 0 } }
        // As such a build wrote it: NODES version 1 (the section header's version field).
        var bytes = MetadataFile.encode(ns)
        let name = Array("NODES".utf8) + [0, 0, 0]
        let at = try #require((0..<(bytes.count - 10)).first { Array(bytes[$0..<($0 + 8)]) == name })
        #expect(bytes[at + 8] == 0 && bytes[at + 9] == 2)
        bytes[at + 9] = 1
        let loaded = try MetadataFile.decode(bytes)
        #expect(loaded.record(ids["f"]!.rawValue)!.parent == ids["e"]!.rawValue)
        #expect(loaded.record(ids["big"]!.rawValue)!.parent == InodeID.root.rawValue)
        #expect(loaded.isInside(ids["f"]!, tree: ids["d"]!))
        let (fresh, _) = try TreeStatisticsTests.tree()
        #expect(loaded.checksum == fresh.checksum, "the filled-in namespace is the one the changes build")
        // Written by the build before this one (NODES v2), a linked file could record no
        // directory: it gets one at load, after the checksum is checked as written.
        var lost = fresh
        lost.updateInode(ids["big"]!.rawValue) { $0.parent = 0 }
        let filled = try MetadataFile.decode(MetadataFile.encode(lost))
        #expect(filled.record(ids["big"]!.rawValue)!.parent == InodeID.root.rawValue && filled.checksum == fresh.checksum)
    }
}
