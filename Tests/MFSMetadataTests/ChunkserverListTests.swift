import MFSChangelog
import MFSCore
import Testing

@testable import MFSMetadata

private let cs1 = ChunkserverAddress(169, 254, 0, 2, port: 9422)
private let cs2 = ChunkserverAddress(169, 254, 0, 3, port: 9422)

/// The chunkserver list (`CHUNKSERVER`, `CHUNKSERVERDEL`, the `CSERVERS` section).
@Suite struct ChunkserverListTests {
    @Test func addMoveAndRemoveGoThroughTheChangelog() throws {
        var ns = newNamespace()
        #expect(ns.freeChunkserverID == ChunkserverID(1))
        let added = try ns.setChunkserver(ChunkserverID(1), at: cs1, now: t0)
        #expect(ChangelogCodec.text(of: added) == "2: 1795315206|CHUNKSERVER(1,2851995650,9422)")
        #expect(ns.chunkservers == [ChunkserverID(1): cs1] && ns.freeChunkserverID == ChunkserverID(2))
        let before = ns.checksum
        _ = try ns.setChunkserver(ChunkserverID(1), at: cs2, now: t0)  // moved
        #expect(ns.chunkservers == [ChunkserverID(1): cs2] && ns.checksum != before)
        #expect(ns.chunkserver(at: cs2) == ChunkserverID(1) && ns.chunkserver(at: cs1) == nil)
        let removed = try ns.removeChunkserver(ChunkserverID(1), now: t0)
        #expect(ChangelogCodec.text(of: removed) == "4: 1795315206|CHUNKSERVERDEL(1)")
        #expect(ns.chunkservers.isEmpty && ns.checksum == newNamespace().checksum)
    }

    @Test func theLowestFreeIdIsGivenOut() throws {
        var ns = newNamespace()
        for n: UInt16 in [1, 2, 4] {
            _ = try ns.setChunkserver(ChunkserverID(n), at: ChunkserverAddress(ip: 0x0A00_0000 + UInt32(n), port: 9422), now: t0)
        }
        #expect(ns.freeChunkserverID == ChunkserverID(3))
    }

    @Test func badChangesAreRefusedAndChangeNothing() throws {
        var ns = newNamespace()
        _ = try ns.setChunkserver(ChunkserverID(1), at: cs1, now: t0)
        let before = (ns.version, ns.checksum, ns.chunkservers)
        #expect(throws: FSError.invalidArgument) { try ns.setChunkserver(.none, at: cs2, now: t0) }
        #expect(throws: FSError.invalidArgument) {
            try ns.setChunkserver(ChunkserverID(2), at: ChunkserverAddress(ip: 0, port: 9422), now: t0)
        }
        #expect(throws: FSError.exists) { try ns.setChunkserver(ChunkserverID(2), at: cs1, now: t0) }
        #expect(throws: FSError.noEntry) { try ns.removeChunkserver(ChunkserverID(9), now: t0) }
        #expect(before == (ns.version, ns.checksum, ns.chunkservers))
    }

    @Test func replayAppliesTheListThroughTheSamePath() throws {
        var live = newNamespace()
        var replica = live
        var records = [try live.setChunkserver(ChunkserverID(1), at: cs1, now: t0)]
        records.append(try live.setChunkserver(ChunkserverID(2), at: cs2, now: t0))
        records.append(try live.removeChunkserver(ChunkserverID(1), now: t0))
        records.append(try live.recordChecksum(now: t0))
        for record in records { try replica.apply(try throughChangelogText(record)) }
        #expect(firstDifference(replica, live) == nil)
        #expect(replica.chunkservers == [ChunkserverID(2): cs2])
        // A change the namespace refuses fails the replay too.
        var refused = records[1]
        refused.version = replica.version.next
        refused.change = .chunkserverRemoved(ChunkserverID(7))
        #expect(throws: (any Error).self) { try replica.apply(refused) }
    }

    @Test func metadataFileRoundTripKeepsTheList() throws {
        var ns = newNamespace()
        _ = try ns.make(.root, "a")
        _ = try ns.setChunkserver(ChunkserverID(7), at: cs2, now: t0)
        _ = try ns.setChunkserver(ChunkserverID(3), at: cs1, now: t0)
        let bytes = MetadataFile.encode(ns)
        let loaded = try MetadataFile.decode(bytes)
        #expect(loaded.chunkservers == ns.chunkservers)
        #expect(firstDifference(loaded, ns) == nil)
        #expect(MetadataFile.encode(loaded) == bytes)
        let range = try #require(VoterFileTests().sectionRange("CSERVERS", in: bytes))
        #expect(range.count == MetadataFile.sectionHeaderLength + 4 + 2 * 8)
    }

    @Test func aFileWithoutTheSectionLoadsWithNoChunkservers() throws {
        var ns = newNamespace()
        _ = try ns.make(.root, "a")
        let bytes = MetadataFile.encode(ns)
        var old = bytes
        old.removeSubrange(try #require(VoterFileTests().sectionRange("CSERVERS", in: bytes)))
        let loaded = try MetadataFile.decode(old)
        #expect(loaded.chunkservers.isEmpty)
        #expect(MetadataFile.encode(loaded) == bytes)
    }

    /// The file with the `CSERVERS` payload replaced (its CRC made right).
    func replacingList(of ns: Namespace, with entries: [(UInt16, UInt32, UInt16)], count: UInt32? = nil) throws -> [UInt8] {
        var w = ByteWriter()
        w.write(count ?? UInt32(entries.count))
        for (id, ip, port) in entries {
            w.write(id)
            w.write(ip)
            w.write(port)
        }
        var bytes = MetadataFile.encode(ns)
        let range = try #require(VoterFileTests().sectionRange("CSERVERS", in: bytes))
        bytes.replaceSubrange(range, with: MetadataFile.sectionHeader("CSERVERS", version: 1, payload: w.bytes) + w.bytes)
        return bytes
    }

    @Test(
        arguments: [
            ("chunkserver 0 is out of order, repeated or 0", [(0, 1, 9422)], nil),
            ("chunkserver 2 is out of order, repeated or 0", [(3, 1, 9422), (2, 2, 9422)], nil),
            ("chunkserver 2 at 0.0.0.1:9422: address repeated", [(1, 1, 9422), (2, 1, 9422)], nil),
            ("chunkserver 1 at 0.0.0.0:9422: invalid address", [(1, 0, 9422)], nil),
            ("claims 70000 chunkservers, more than ids exist", [], 70_000),
        ] as [(String, [(UInt16, UInt32, UInt16)], UInt32?)])
    func malformedSectionIsNamed(_ reason: String, _ entries: [(UInt16, UInt32, UInt16)], _ count: UInt32?) throws {
        let bytes = try replacingList(of: newNamespace(), with: entries, count: count)
        #expect(throws: MetadataFileError.malformed(section: "CSERVERS", reason: reason)) { try MetadataFile.decode(bytes) }
    }

    @Test func aTruncatedSectionIsRefused() throws {
        let bytes = try replacingList(of: newNamespace(), with: [(1, 1, 9422)], count: 2)
        #expect(throws: (any Error).self) { try MetadataFile.decode(bytes) }
    }

    @Test func droppingTheSectionOfAListIsCaughtByTheChecksum() throws {
        var ns = newNamespace()
        _ = try ns.setChunkserver(ChunkserverID(1), at: cs1, now: t0)
        let bytes = MetadataFile.encode(ns)
        var stripped = bytes
        stripped.removeSubrange(try #require(VoterFileTests().sectionRange("CSERVERS", in: bytes)))
        #expect {
            try MetadataFile.decode(stripped)
        } throws: { error in
            if case .namespaceChecksumMismatch = error as? MetadataFileError { return true }
            return false
        }
    }
}
