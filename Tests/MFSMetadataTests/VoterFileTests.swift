import MFSChangelog
import MFSCore
import Testing

@testable import MFSMetadata

/// The `VOTERS` section of `metadata.mfs`.
@Suite struct VoterFileTests {
    let voters = VoterSet(
        syncReplicas: 2, leader: MemberID(0xAA), members: [MemberID(0xAA): .master, MemberID(0xBB): .master, MemberID(0xCC): .metalogger])

    func withVoters() throws -> Namespace {
        var ns = newNamespace()
        _ = try ns.make(.root, "a")
        _ = try ns.setVoters(voters, now: t0)
        _ = try ns.make(.root, "b")
        return ns
    }

    /// Where section `name` (header and payload) sits in a file, or nil.
    func sectionRange(_ name: String, in bytes: [UInt8]) -> Range<Int>? {
        var offset = MetadataFile.headerLength
        while offset + MetadataFile.sectionHeaderLength <= bytes.count {
            let found = String(decoding: bytes[offset..<(offset + 8)].prefix { $0 != 0 }, as: UTF8.self)
            let length = bytes[(offset + 12)..<(offset + 20)].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + MetadataFile.sectionHeaderLength + length
            if found == name { return offset..<end }
            if found == "END" { return nil }
            offset = end
        }
        return nil
    }

    /// The file with the `VOTERS` section's payload replaced (its CRC made right).
    func replacingVoters(in bytes: [UInt8], with payload: [UInt8]) throws -> [UInt8] {
        var out = bytes
        let range = try #require(sectionRange("VOTERS", in: bytes))
        out.replaceSubrange(range, with: MetadataFile.sectionHeader("VOTERS", version: 1, payload: payload) + payload)
        return out
    }

    /// A section payload as the encoder lays it out.
    func payload(version: UInt64, k: UInt8, leader: UInt64, members: [(UInt64, UInt8)], count: UInt16? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.write(version)
        w.write(k)
        w.write(leader)
        w.write(count ?? UInt16(members.count))
        for (id, kind) in members {
            w.write(id)
            w.write(kind)
        }
        return w.bytes
    }

    @Test func roundTripKeepsTheVotersAndTheirVersion() throws {
        let ns = try withVoters()
        let bytes = MetadataFile.encode(ns)
        let loaded = try MetadataFile.decode(bytes)
        #expect(loaded.voters == voters && loaded.votersVersion == MetaVersion(3))
        #expect(firstDifference(loaded, ns) == nil)
        #expect(MetadataFile.encode(loaded) == bytes)
        let range = try #require(sectionRange("VOTERS", in: bytes))
        let expected = payload(version: 3, k: 2, leader: 0xAA, members: [(0xAA, 1), (0xBB, 1), (0xCC, 2)])
        #expect(Array(bytes[(range.lowerBound + MetadataFile.sectionHeaderLength)...].prefix(expected.count)) == expected)
        #expect(range.count == MetadataFile.sectionHeaderLength + expected.count)
    }

    /// A file written before voters existed: the same bytes without the section (the encoder
    /// wrote every other section exactly as now). It loads with no voters, at version 0.
    @Test func fileWithoutTheSectionLoadsWithNoVoters() throws {
        var ns = newNamespace()
        _ = try ns.make(.root, "a")
        let bytes = MetadataFile.encode(ns)
        var old = bytes
        old.removeSubrange(try #require(sectionRange("VOTERS", in: bytes)))
        let loaded = try MetadataFile.decode(old)
        #expect(loaded.voters == .empty && loaded.votersVersion == .zero)
        #expect(firstDifference(loaded, ns) == nil)
        // Written again, it gains the section.
        #expect(MetadataFile.encode(loaded) == bytes)
    }

    @Test func droppingTheSectionOfASetIsCaughtByTheChecksum() throws {
        let bytes = MetadataFile.encode(try withVoters())
        var stripped = bytes
        stripped.removeSubrange(try #require(sectionRange("VOTERS", in: bytes)))
        #expect {
            try MetadataFile.decode(stripped)
        } throws: { error in
            if case .namespaceChecksumMismatch = error as? MetadataFileError { return true }
            return false
        }
    }

    @Test func corruptSectionIsRefusedByItsCRC() throws {
        var bytes = MetadataFile.encode(try withVoters())
        let range = try #require(sectionRange("VOTERS", in: bytes))
        bytes[range.upperBound - 1] ^= 0x01
        #expect {
            try MetadataFile.decode(bytes)
        } throws: { error in
            guard case .sectionChecksumMismatch("VOTERS", _, _) = error as? MetadataFileError else { return false }
            return true
        }
    }

    @Test(
        arguments: [
            ("leader 00000000000000cc is a metalogger, not a master", 3, 0xCC, [(0xAA, 1), (0xCC, 2)], nil),
            ("member 00000000000000aa is out of order or repeated", 3, 0xAA, [(0xBB, 1), (0xAA, 1)], nil),
            ("member 00000000000000aa is out of order or repeated", 3, 0xAA, [(0xAA, 1), (0xAA, 1)], nil),
            ("member 00000000000000bb has unknown kind 3", 3, 0xAA, [(0xAA, 1), (0xBB, 3)], nil),
            ("claims 65 members, more than the limit of 64", 3, 0xAA, [(0xAA, 1)], 65),
            ("set at version 99, after the file's version 4", 99, 0xAA, [(0xAA, 1)], nil),
            ("a voter set without the version that set it", 0, 0xAA, [(0xAA, 1)], nil),
            ("a member has id 0, which means none", 3, 0, [(0, 1)], nil),
        ] as [(String, UInt64, UInt64, [(UInt64, UInt8)], UInt16?)])
    func malformedSectionIsNamed(_ reason: String, _ version: UInt64, _ leader: UInt64, _ members: [(UInt64, UInt8)], _ count: UInt16?)
        throws
    {
        let bytes = MetadataFile.encode(try withVoters())
        let bad = try replacingVoters(in: bytes, with: payload(version: version, k: 1, leader: leader, members: members, count: count))
        #expect(throws: MetadataFileError.malformed(section: "VOTERS", reason: reason)) { try MetadataFile.decode(bad) }
    }

    @Test func shortSectionIsTruncated() throws {
        let bytes = MetadataFile.encode(try withVoters())
        let short = payload(version: 3, k: 1, leader: 0xAA, members: [(0xAA, 1)], count: 2)
        #expect(throws: MetadataFileError.truncated(section: "VOTERS")) {
            try MetadataFile.decode(try replacingVoters(in: bytes, with: short))
        }
        let long = payload(version: 3, k: 1, leader: 0xAA, members: [(0xAA, 1)]) + [0]
        #expect(throws: MetadataFileError.malformed(section: "VOTERS", reason: "1 unread bytes")) {
            try MetadataFile.decode(try replacingVoters(in: bytes, with: long))
        }
    }

    @Test func sectionTwiceIsRefused() throws {
        let bytes = MetadataFile.encode(try withVoters())
        let range = try #require(sectionRange("VOTERS", in: bytes))
        var twice = bytes
        twice.insert(contentsOf: bytes[range], at: range.upperBound)
        #expect(throws: MetadataFileError.malformed(section: "VOTERS", reason: "appears twice")) { try MetadataFile.decode(twice) }
    }
}
