import MFSCore
import Testing

@testable import MFSMetadata

/// A file's chunk list costs memory by the chunks it holds, never by its highest index: a
/// write at chunk index 2³¹ − 1 (the far end of a 128 PiB file) is one entry, not the 16 GiB
/// array MooseFS's master makes (on the active master and, replayed, on every follower).
@Suite struct ChunkListTests {
    static let last = NamespaceLimits.maxChunkIndex - 1

    @Test func aChunkAtTheLastIndexCostsOneEntry() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let far = try ns.addChunk(f, index: Self.last, now: t0).0
        #expect(throws: FSError.fileTooLarge) { try ns.addChunk(f, index: NamespaceLimits.maxChunkIndex, now: t0) }
        let first = try ns.addChunk(f, index: 0, now: t0).0
        let list = ns.inodes[Int(f.rawValue)].chunkList
        #expect(list.arraySlots == 1, "the array grew to \(list.arraySlots) slots")
        #expect(list.slots == Int(NamespaceLimits.maxChunkIndex) && list.chunkCount == 2)
        #expect(try ns.chunks(of: f).map(\.index) == [0, Self.last])
        #expect(try ns.chunk(of: f, index: Self.last).chunk == far && ns.chunk(of: f, index: 0).chunk == first)
        #expect(try ns.chunk(of: f, index: 5).chunk == .none)
        #expect(throws: FSError.exists) { try ns.addChunk(f, index: Self.last, now: t0) }
        let slots = try ns.chunkSlots(of: f)
        #expect(slots.count == Int(NamespaceLimits.maxChunkIndex) && slots.chunks == [first, far])
    }

    /// Within `denseSlack` of its end the array grows (an ordinary file stays one array); a
    /// chunk past that waits in the side table and moves into the array once the array comes
    /// within the slack of it.
    @Test func theArrayGrowsByTheSlackAndTakesInChunksItReaches() {
        var list = ChunkList()
        let slack = ChunkListLimits.denseSlack
        list.insert(9, at: UInt32(slack - 1))
        #expect(list.arraySlots == slack)
        list.insert(7, at: UInt32(3 * slack))
        #expect(list.arraySlots == slack && list.slots == 3 * slack + 1)
        list.insert(8, at: UInt32(2 * slack - 1))
        #expect(list.arraySlots == 2 * slack, "the chunk at \(3 * slack) is a whole slack past the array: it waits")
        list.insert(6, at: UInt32(2 * slack + 5))
        #expect(list.arraySlots == 3 * slack + 1, "the chunk at \(3 * slack) came within the slack: it moved in")
        list.insert(5, at: UInt32(10 * slack))
        list.insert(4, at: UInt32(20 * slack))
        #expect(list.arraySlots == 3 * slack + 1 && list.slots == 20 * slack + 1)
        var seen: [(UInt32, UInt64)] = []
        list.forEach { seen.append(($0, $1)) }
        #expect(seen.map(\.0) == [slack - 1, 2 * slack - 1, 2 * slack + 5, 3 * slack, 10 * slack, 20 * slack].map(UInt32.init))
        #expect(seen.map(\.1) == [9, 8, 6, 7, 5, 4])
        #expect(list[UInt32(3 * slack)] == 7 && list[UInt32(10 * slack)] == 5 && list[UInt32(10 * slack + 1)] == 0)
        #expect(list[UInt32.max] == 0 && list.chunkCount == 6)
    }

    /// Chunks placed one after the other, each at the far edge of the slack, cost the slack
    /// each: the array's memory follows the chunks held.
    @Test func chunksAtTheEdgeOfTheSlackCostTheSlackEach() {
        var list = ChunkList()
        var index = 0
        for _ in 0..<100 {
            list.insert(UInt64(index + 1), at: UInt32(index))
            index += ChunkListLimits.denseSlack - 1
        }
        #expect(list.arraySlots <= 100 * ChunkListLimits.denseSlack)
        list.insert(1_000_000, at: UInt32(index + 10 * ChunkListLimits.denseSlack))
        #expect(list.arraySlots <= 100 * ChunkListLimits.denseSlack && list.chunkCount == 101)
    }

    /// A write at the edge of the slack and a truncation that cuts it off, again and again:
    /// the holes the truncation leaves at the array's end are trimmed, so the array does not
    /// creep forward with no chunk in it.
    @Test func writesAndTruncationsInTurnDoNotGrowTheArray() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let size = NamespaceLimits.chunkSize
        var index: UInt32 = 0
        for _ in 0..<2_000 {
            index += UInt32(ChunkListLimits.denseSlack - 1)
            _ = try ns.setLength(f, NamespaceLimits.maxFileLength, as: .root, now: t0)
            _ = try ns.addChunk(f, index: index, now: t0)
            _ = try ns.setLength(f, UInt64(index) * size, as: .root, now: t0)
        }
        let list = ns.inodes[Int(f.rawValue)].chunkList
        #expect(list.chunkCount == 0 && list.arraySlots == 0, "the array holds \(list.arraySlots) slots and no chunk")
        #expect(list.slots == Int(index))
        let slots = try ns.chunkSlots(of: f)
        #expect(slots.count == Int(index) && slots.chunks.isEmpty)
    }

    @Test func truncationCutsBothPartsAndFreesTheirChunks() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        let size = NamespaceLimits.chunkSize
        _ = try ns.setLength(f, NamespaceLimits.maxFileLength, as: .root, now: t0)
        let c0 = try ns.addChunk(f, index: 0, now: t0).0
        let mid = try ns.addChunk(f, index: 1 << 20, now: t0).0
        let far = try ns.addChunk(f, index: Self.last, now: t0).0
        #expect(ns.chunkCount == 3)
        // Cut inside the middle chunk: the far one goes, the middle one gets a new version.
        _ = try ns.setLength(f, (1 << 20) * size + 100, as: .root, now: t0)
        #expect(try ns.chunks(of: f).map(\.chunk) == [c0, mid] && ns.chunkVersion(far) == nil)
        #expect(ns.chunkVersion(mid) == 2 && ns.chunkCount == 2)
        #expect(ns.inodes[Int(f.rawValue)].chunkList.slots == (1 << 20) + 1)
        // A place freed can be taken again; removing the file frees every chunk.
        _ = try ns.addChunk(f, index: Self.last, now: t0)
        _ = try ns.unlink(.root, "f", as: .root, now: t0)
        #expect(ns.chunkCount == 0)
    }

    /// The metadata file: a file with more than `denseSlack` holes is recorded as pairs
    /// (`NODES` v3), decided by content, never by the layout in memory, so two equal namespaces
    /// give the same bytes whatever order their chunks came in; every other file keeps the
    /// array form, and a file that needs no pairs stays `NODES` v2.
    @Test func theMetadataFileRecordsPairsOnlyWhenNeededAndStaysCanonical() throws {
        let slack = UInt32(ChunkListLimits.denseSlack)
        var file = InodeID.root
        func namespace(_ order: [UInt32]) throws -> Namespace {
            var ns = newNamespace()
            file = try ns.make(.root, "f")
            _ = try ns.make(.root, "g")
            _ = try ns.setLength(file, NamespaceLimits.maxFileLength, as: .root, now: t0)
            for index in order { _ = try ns.addChunk(file, index: index, now: t0) }
            return ns
        }
        func nodesVersion(_ bytes: [UInt8]) -> UInt16? {
            guard let at = section("NODES", in: bytes) else { return nil }
            return UInt16(bytes[at.header + 8]) << 8 | UInt16(bytes[at.header + 9])
        }
        let holes = UInt32(MetadataFile.Section.maxHolesInArrayForm)
        let dense = try namespace([0, 1, 5, holes + 3])
        #expect(nodesVersion(MetadataFile.encode(dense)) == 2, "a file with \(holes) holes is an array")
        // The same content placed in the opposite order: the same file.
        let ascending = try namespace(Array(0..<600) + [600 + slack / 2, 600 + 3 * slack, Self.last])
        let forward = ascending.inodes[Int(file.rawValue)].chunkList
        var backward = ChunkList()
        var placed: [(UInt32, UInt64)] = []
        forward.forEach { placed.append(($0, $1)) }
        for (index, id) in placed.reversed() { backward.insert(id, at: index) }
        #expect(forward == backward && forward.arraySlots == Int(600 + slack / 2 + 1) && backward.arraySlots == forward.arraySlots)
        var descending = ascending
        descending.inodes.modify(Int(file.rawValue)) { $0.payload = .chunks(backward) }
        let bytes = MetadataFile.encode(ascending)
        #expect(nodesVersion(bytes) == 3)
        let same = bytes == MetadataFile.encode(descending)
        #expect(same, "two layouts of one list gave different files")
        let loaded = try MetadataFile.decode(bytes)
        let again = MetadataFile.encode(loaded) == bytes
        #expect(again, "a loaded file written again differs")
        #expect(try loaded.chunks(of: file) == ascending.chunks(of: file))
        #expect(bytes.count < 64 * 1024, "the file is \(bytes.count) bytes")
        // A list whose holes are within the slack (the array form) after a truncation.
        var cut = ascending
        _ = try cut.setLength(file, 3 * NamespaceLimits.chunkSize, as: .root, now: t0)
        #expect(nodesVersion(MetadataFile.encode(cut)) == 2)
        let cutAgain = try MetadataFile.encode(MetadataFile.decode(MetadataFile.encode(cut))) == MetadataFile.encode(cut)
        #expect(cutAgain)
    }

    /// A list loaded from the array form costs what it costs at runtime: a long run of holes
    /// (up to 1,024 in a v3 file, any number in a file of an older build) is not kept as
    /// 8 bytes a hole.
    @Test func aListLoadedFromTheArrayFormKeepsTheRuntimeBound() {
        var array = ContiguousArray<UInt64>(repeating: 0, count: 1_000)
        array.append(5)
        array.append(contentsOf: repeatElement(0, count: 3))
        let list = ChunkList(dense: array)
        #expect(list.arraySlots == 0 && list.slots == 1_004 && list.chunkCount == 1 && list[1_000] == 5)
        var dense = ContiguousArray<UInt64>(1...100)
        dense.append(contentsOf: repeatElement(0, count: 10))
        let ordinary = ChunkList(dense: dense)
        #expect(ordinary.arraySlots == 100 && ordinary.slots == 110 && ordinary.chunkCount == 100)
    }

    /// Pairs that no list makes, in a file whose CRCs are right, are refused naming `NODES`.
    @Test func malformedPairsAreRefused() throws {
        var ns = newNamespace()
        let f = try ns.make(.root, "f")
        _ = try ns.addChunk(f, index: 0, now: t0)
        _ = try ns.addChunk(f, index: 5_000, now: t0)
        let bytes = MetadataFile.encode(ns)
        let at = try #require(section("NODES", in: bytes))
        let marker = try #require(
            (at.payload..<(at.payload + at.length - 4)).first { bytes[$0..<($0 + 4)].allSatisfy { $0 == 0xFF } })
        // marker | slots | count | index 0 | id | index 5000 | id
        func refused(_ change: (inout [UInt8]) -> Void, _ words: String) {
            var damaged = bytes
            change(&damaged)
            reseal(&damaged, at)
            #expect {
                try MetadataFile.decode(damaged)
            } throws: { error in
                guard case .malformed(let name, let reason) = error as? MetadataFileError else { return false }
                return name == "NODES" && reason.contains(words)
            }
        }
        let slots = marker + 4
        let count = marker + 8
        let secondIndex = marker + 12 + 12
        let secondID = secondIndex + 4
        refused({ put(&$0, UInt32(NamespaceLimits.maxChunkIndex) + 1, at: slots) }, "claims 2 chunks in 2147483649 slots")
        refused({ put(&$0, 1, at: slots) }, "claims 2 chunks in 1 slots")
        refused({ put(&$0, 1_000_000, at: count) }, "claims 1000000 chunks")
        refused({ put(&$0, 0, at: secondIndex) }, "at index 0, out of order")
        refused({ put(&$0, 5_001, at: secondIndex) }, "past 5001 slots")
        refused({ put(&$0, 0, at: secondID + 4) }, "lists chunk 0")
        // Pairs only where the encoder writes them: past 1,024 holes, in a v3 section.
        refused(
            {
                put(&$0, 101, at: slots); put(&$0, 100, at: secondIndex)
            }, "which only files with more than 1024 holes are")
        refused({ $0[at.header + 9] = 2 }, "claims 4294967295 chunks")
    }

    /// In a v3 section a list with more than 1,024 holes is written as pairs: the array form
    /// with that many is refused (the encoding is canonical).
    @Test func aV3SectionRefusesTheArrayFormPastItsHoles() throws {
        var ns = newNamespace()
        let a = try ns.make(.root, "a")
        let b = try ns.make(.root, "b")
        let first = try ns.addChunk(a, index: 0, now: t0).0
        _ = try ns.addChunk(a, index: UInt32(MetadataFile.Section.maxHolesInArrayForm) + 1, now: t0)
        _ = try ns.addChunk(b, index: Self.last, now: t0)
        var bytes = MetadataFile.encode(ns)
        let at = try #require(section("NODES", in: bytes))
        _ = try MetadataFile.decode(bytes)
        // File a's array: its count (1,026 slots), then its first chunk's id, made a hole.
        var pattern: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { pattern.append(UInt8(truncatingIfNeeded: 1_026 >> shift)) }
        for shift in stride(from: 56, through: 0, by: -8) { pattern.append(UInt8(truncatingIfNeeded: first.rawValue >> UInt64(shift))) }
        let where_ = try #require(
            (at.payload..<(at.payload + at.length - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) })
        for i in 4..<12 { bytes[where_ + i] = 0 }
        reseal(&bytes, at)
        #expect {
            try MetadataFile.decode(bytes)
        } throws: { error in
            guard case .malformed("NODES", let reason) = error as? MetadataFileError else { return false }
            return reason.contains("lists 1025 holes as an array")
        }
    }

    /// The NODES-like section `name`: where its header and payload start, and its length.
    private func section(_ name: String, in bytes: [UInt8]) -> (header: Int, payload: Int, length: Int)? {
        var offset = MetadataFile.headerLength
        while offset + MetadataFile.sectionHeaderLength <= bytes.count {
            let length = bytes[(offset + 12)..<(offset + 20)].reduce(0) { $0 << 8 | Int($1) }
            let found = String(decoding: bytes[offset..<(offset + 8)].prefix { $0 != 0 }, as: UTF8.self)
            if found == name { return (offset, offset + MetadataFile.sectionHeaderLength, length) }
            offset += MetadataFile.sectionHeaderLength + length
        }
        return nil
    }

    /// Writes the section's CRC again after its payload was changed.
    private func reseal(_ bytes: inout [UInt8], _ at: (header: Int, payload: Int, length: Int)) {
        let crc = CRC32.checksum(bytes[at.payload..<(at.payload + at.length)])
        for i in 0..<4 { bytes[at.header + 20 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * i)) }
    }

    private func put(_ bytes: inout [UInt8], _ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
    }
}
