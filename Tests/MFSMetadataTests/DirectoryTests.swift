import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

@testable import MFSMetadata

@Suite struct DirectoryTests {
    @Test func readdirPagesThroughEveryEntryOnce() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        for i in 0..<1_000 { try ns.make(d, try EntryName(validating: "file-\(i)")) }
        let listed = try ns.listAll(d, pageSize: 37)
        #expect(listed.count == 1_000)
        #expect(Set(listed.map(\.name)).count == 1_000)
        #expect(listed.map(\.cookie) == listed.map(\.cookie).sorted())
    }

    @Test func cookieStaysValidAcrossInsertsAndDeletes() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        for i in 0..<500 { try ns.make(d, try EntryName(validating: "f\(i)")) }
        let first = try ns.readdir(d, after: 0, limit: 100, as: .root)
        // Remove half of what was already listed and half of what was not; add new names.
        var removedUnlisted = Set<EntryName>()
        let listedNames = Set(first.entries.map(\.name))
        for i in stride(from: 0, to: 500, by: 2) {
            let name = try EntryName(validating: "f\(i)")
            _ = try ns.unlink(d, name, as: .root, now: t0)
            if !listedNames.contains(name) { removedUnlisted.insert(name) }
        }
        for i in 0..<200 { try ns.make(d, try EntryName(validating: "new\(i)")) }
        var rest: [DirectoryListingEntry] = []
        var cookie = first.nextCookie
        while true {
            let page = try ns.readdir(d, after: cookie, limit: 50, as: .root)
            rest += page.entries
            cookie = page.nextCookie
            if page.atEnd { break }
        }
        let restNames = Set(rest.map(\.name))
        // Every entry that existed throughout and was not listed yet is listed exactly once.
        for i in stride(from: 1, to: 500, by: 2) {
            let name = try EntryName(validating: "f\(i)")
            #expect(listedNames.contains(name) != restNames.contains(name), "\(name)")
        }
        #expect(restNames.isDisjoint(with: removedUnlisted))
        #expect(rest.count == restNames.count)
    }

    @Test func cookieIsTheSameOnAnotherMaster() throws {
        var a = newNamespace()
        var b = newNamespace()
        let da = try a.make(.root, "d", .directory)
        let db = try b.make(.root, "d", .directory)
        for i in 0..<100 { try a.make(da, try EntryName(validating: "x\(i)")) }
        for i in (0..<100).reversed() { try b.make(db, try EntryName(validating: "x\(i)")) }
        let page = try a.readdir(da, after: 0, limit: 40, as: .root)
        let nextA = try a.readdir(da, after: page.nextCookie, limit: 1_000, as: .root)
        let nextB = try b.readdir(db, after: page.nextCookie, limit: 1_000, as: .root)
        #expect(nextA.entries.map(\.name) == nextB.entries.map(\.name))
    }

    @Test func pageNeverEndsInsideARunOfEqualHashes() {
        var directory = Directory()
        // Entries with forced equal hashes, as a collision would make them.
        for (i, hash) in [UInt64(5), 7, 7, 7, 9].enumerated() {
            let entry = DirectoryEntry(
                hash: hash, inode: UInt32(10 + i), typeRaw: NodeType.file.rawValue, name: DirectoryName([UInt8(0x61 + i)]))
            directory.insert(entry, at: directory.position(of: entry.name.bytes, hash: hash))
        }
        let first = directory.entries(after: 0, limit: 2)
        #expect(first.entries.map(\.hash) == [5, 7, 7, 7])
        let second = directory.entries(after: 7, limit: 2)
        #expect(second.entries.map(\.hash) == [9] && second.atEnd)
    }

    @Test func blocksSplitAndMergeKeepingOrder() {
        var directory = Directory()
        var names: [[UInt8]] = []
        for i in 0..<5_000 { names.append(Array("entry-\(i)".utf8)) }
        for (i, name) in names.enumerated() {
            let hash = Directory.key(of: name)
            directory.insert(
                DirectoryEntry(hash: hash, inode: UInt32(i + 2), typeRaw: 0x66, name: DirectoryName(name)),
                at: directory.position(of: name, hash: hash))
        }
        #expect(directory.blocks.count > 5_000 / Directory.maxBlockEntries)
        #expect(directory.blocks.allSatisfy { $0.count <= Directory.maxBlockEntries })
        for name in names.prefix(4_900) {
            directory.remove(at: directory.position(of: name, hash: Directory.key(of: name)))
        }
        var order: [UInt64] = []
        directory.forEach { order.append($0.hash) }
        #expect(order.count == 100 && order == order.sorted())
        #expect(directory.blocks.count <= 3)
        for name in names.suffix(100) { #expect(directory.lookup(name, hash: Directory.key(of: name)) != nil) }
    }

    /// Names up to `DirectoryName.inlineCapacity` bytes are held inline, longer ones in an
    /// array; either way the bytes, count, equality and order are those of the plain bytes, at
    /// and past the limit.
    @Test func namesInlineAndLongKeepTheirBytesAndOrder() {
        let limit = DirectoryName.inlineCapacity
        #expect(limit == 23)
        var random = SeededRandom(seed: 0x6E61_6D65)
        var samples: [[UInt8]] = [[], [0], [0xFF], Array(repeating: 0x61, count: limit), Array(repeating: 0x61, count: limit + 1)]
        for length in [1, 5, limit - 1, limit, limit + 1, limit + 2, 64, 255] {
            for _ in 0..<6 { samples.append((0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % 4 + 0x61) }) }
        }
        for bytes in samples {
            let name = DirectoryName(bytes)
            #expect(name.bytes == bytes && name.count == bytes.count, "\(bytes)")
            name.withUnsafeBufferPointer { #expect(Array($0) == bytes) }
            for other in samples {
                #expect(name.equals(other) == (bytes == other), "\(bytes) vs \(other)")
                #expect(name.precedes(other) == bytes.lexicographicallyPrecedes(other), "\(bytes) vs \(other)")
            }
        }
    }

    /// Random inserts and removes against a plain sorted array, with hashes drawn from a small
    /// range so runs of equal hashes cross block boundaries (where the search must compare
    /// names): after every step each name is found exactly when present, a full listing is the
    /// model's order, and the entry count and name bytes a listing is sized by are the model's.
    @Test func searchAgreesWithASortedModelAcrossSplitsMergesAndCollisions() {
        var random = SeededRandom(seed: 0x6469_72)
        var directory = Directory()
        var model: [(hash: UInt64, name: [UInt8])] = []
        func precedes(_ a: (hash: UInt64, name: [UInt8]), _ b: (hash: UInt64, name: [UInt8])) -> Bool {
            a.hash != b.hash ? a.hash < b.hash : a.name.lexicographicallyPrecedes(b.name)
        }
        for step in 0..<6_000 {
            // Short names held in the entry and long ones in an array of their own (a prefix of
            // 21 bytes puts them on both sides of DirectoryName.inlineCapacity), compared across.
            let number = random.next() % 3_000
            let name = Array((number % 3 == 0 ? "long-name-prefix-0123-\(number)" : "n\(number)").utf8)
            let hash = 1 + random.next() % 40  // about 75 names per hash: collisions everywhere
            let key = (hash: hash, name: name)
            let position = directory.position(of: name, hash: hash)
            let present = model.contains { $0.hash == hash && $0.name == name }
            #expect(position.found == present, "step \(step)")
            if present {
                directory.remove(at: position)
                model.removeAll { $0.hash == hash && $0.name == name }
            } else if step < 4_500 {
                directory.insert(
                    DirectoryEntry(hash: hash, inode: UInt32(step + 2), typeRaw: 0x66, name: DirectoryName(name)), at: position)
                model.insert(key, at: model.firstIndex { !precedes($0, key) } ?? model.count)
            }
            if step % 500 == 0 || step == 5_999 {
                for entry in model { #expect(directory.lookup(entry.name, hash: entry.hash) != nil, "step \(step)") }
                var listed: [(UInt64, [UInt8])] = []
                directory.forEach { listed.append(($0.hash, $0.name.bytes)) }
                #expect(listed.map(\.0) == model.map(\.hash) && listed.map(\.1) == model.map(\.name), "step \(step)")
                #expect(directory.entries(after: 20, limit: .max).entries.map(\.hash) == model.map(\.hash).filter { $0 > 20 })
                #expect(directory.count == model.count && directory.nameBytes == model.reduce(0) { $0 + $1.name.count })
            }
        }
        #expect(directory.blocks.count > 1)
    }
}

@Suite struct LargeDirectoryTests {
    /// A directory of 1 M entries lists in pages: every entry exactly once, cookies increasing,
    /// and each page found by cookie without walking the entries before it.
    @Test func millionEntryDirectoryPages() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "big", .directory)
        for i in 0..<1_000_000 { try ns.make(d, try EntryName(validating: "e\(i)")) }
        var cookie: UInt64 = 0
        var seen = 0
        var pages = 0
        var last: UInt64 = 0
        while true {
            let page = try ns.readdir(d, after: cookie, limit: 10_000, as: .root)
            for entry in page.entries {
                #expect(entry.cookie > last)
                last = entry.cookie
            }
            seen += page.entries.count
            pages += 1
            cookie = page.nextCookie
            if page.atEnd { break }
        }
        #expect(seen == 1_000_000)
        #expect(pages == 100)
        #expect(try ns.attributes(of: d).length == 1_000_000)
    }
}

@Suite struct ListingWithAttributesTests {
    @Test func everyEntryWithItsAttributesInCookieOrder() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory)
        for i in 0..<700 { try ns.make(d, try EntryName(validating: "file-\(i)")) }
        try ns.make(d, "sub", .directory)
        try ns.make(d, try EntryName(validating: String(repeating: "n", count: 255)))
        let size = try ns.listingSize(of: d, as: .root)
        let paged = try ns.listAll(d, pageSize: 50)
        #expect(size.entries == paged.count)
        #expect(size.nameBytes == paged.reduce(0) { $0 + $1.name.bytes.count })
        var listed: [(name: [UInt8], attributes: Attributes)] = []
        ns.forEachEntryWithAttributes(of: d) { name, attributes in listed.append((Array(name), attributes)) }
        #expect(listed.map(\.name) == paged.map(\.name.bytes))
        for (entry, page) in zip(listed, paged) {
            #expect(entry.attributes == (try ns.attributes(of: page.inode)))
        }
        #expect(listed.filter { $0.attributes.type == .directory }.map(\.name) == [Array("sub".utf8)])
        // The listing without attributes gives the same names, inodes and types from the
        // entries alone.
        var typed: [(name: [UInt8], inode: InodeID, type: NodeType)] = []
        ns.forEachEntryType(of: d) { name, child, type in typed.append((Array(name), child, type)) }
        #expect(typed.map(\.name) == listed.map(\.name))
        #expect(typed.map(\.inode) == listed.map(\.attributes.inode))
        #expect(typed.map(\.type) == listed.map(\.attributes.type))
        // A namespace read back from its metadata file sizes the listing the same.
        let loaded = try MetadataFile.decode(MetadataFile.encode(ns))
        #expect(try loaded.listingSize(of: d, as: .root) == size)
    }

    @Test func readPermissionAndDirectoryChecked() throws {
        var ns = newNamespace()
        let d = try ns.make(.root, "d", .directory, mode: 0o711)
        let f = try ns.make(d, "f")
        #expect(throws: FSError.accessDenied) { try ns.listingSize(of: d, as: Credentials(uid: 5, gid: 1000)) }
        #expect(throws: FSError.notDirectory) { try ns.listingSize(of: f, as: .root) }
        #expect(throws: FSError.noEntry) { try ns.listingSize(of: InodeID(999), as: .root) }
        var calls = 0
        ns.forEachEntryWithAttributes(of: f) { _, _ in calls += 1 }
        ns.forEachEntryType(of: f) { _, _, _ in calls += 1 }
        #expect(calls == 0)
        let empty = try ns.make(.root, "e", .directory)
        let none = try ns.listingSize(of: empty, as: .root)
        #expect(none.entries == 0 && none.nameBytes == 0)
    }
}
