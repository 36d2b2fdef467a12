import MFSChangelog
import MFSCore
import Testing

/// Every byte 1…255 but `/`, in names of at most 255 bytes (two names hold all 254).
private let allNameBytes: [UInt8] = (1...255).filter { $0 != UInt8(ascii: "/") }
private let nameA = EntryName(unchecked: Array(allNameBytes[..<127]))
private let nameB = EntryName(unchecked: Array(allNameBytes[127...]))
/// Every byte 1…255 (`/` included) for a symlink target, every byte 0…255 for session info.
private let allTargetBytes: [UInt8] = Array(1...255)
private let allInfoBytes: [UInt8] = Array(0...255)

/// Every `Change` case with every byte value in its byte strings and maximum values in its
/// numbers, and again with small values.
let roundTripChanges: [Change] =
    [
        .setMetaID(MetaID(.max)), .setMetaID(MetaID(0)),
        .epoch(Epoch.maximum), .epoch(Epoch(0)),
        .idle,
        .checksum(.max), .checksum(0),
        .create(parent: InodeID(.max), name: nameA, type: .charDevice, mode: .max, uid: .max, gid: .max, rdev: .max),
        .create(parent: InodeID(0), name: nameB, type: .fifo, mode: 0, uid: 0, gid: 0, rdev: 0),
        .symlink(parent: InodeID(.max), name: nameB, target: allTargetBytes, uid: .max, gid: .max),
        .symlink(parent: .root, name: "l", target: [], uid: 0, gid: 0),
        .link(inode: InodeID(.max), parent: InodeID(.max), name: nameA),
        .unlink(parent: InodeID(.max), name: nameB),
        .rmdir(parent: InodeID(.max), name: nameA),
        .rename(parent: InodeID(.max), name: nameA, newParent: InodeID(.max), newName: nameB),
        .setAttributes(inode: InodeID(.max), mode: .max, uid: .max, gid: .max, atime: UnixTime(.max), mtime: UnixTime(.max)),
        .setLength(inode: InodeID(.max), length: .max),
        .setGoal(inode: InodeID(.max), goal: .max, recursive: true),
        .setGoal(inode: InodeID(1), goal: 0, recursive: false),
        .addChunk(inode: InodeID(.max), index: .max),
        .bumpChunkVersion(chunk: ChunkID(.max)),
        .openSession(info: allInfoBytes), .openSession(info: []),
        .closeSession(SessionID(.max)), .sessionLost(SessionID(.max)), .sessionBack(SessionID(.max)),
        .acquire(inode: InodeID(.max), session: SessionID(.max)),
        .release(inode: InodeID(.max), session: SessionID(.max)),
        .voters(.empty),
        .chunkserver(ChunkserverID(.max), ChunkserverAddress(ip: .max, port: .max)),
        .chunkserver(ChunkserverID(1), ChunkserverAddress(ip: 0, port: 0)),
        .chunkserverRemoved(ChunkserverID(.max)),
        .flock(inode: InodeID(.max), session: SessionID(.max), owner: .max, .read),
        .posixLock(inode: InodeID(.max), session: SessionID(.max), owner: .max, .write, start: .max, end: .max, pid: .max),
        .voters(
            VoterSet(
                syncReplicas: ChangelogLimits.maxSyncReplicas, leader: MemberID(.max),
                members: Dictionary(
                    uniqueKeysWithValues: (0..<UInt64(ChangelogLimits.maxVoters)).map {
                        (MemberID(.max - $0), $0 % 2 == 0 ? .master : .metalogger)
                    }))),
    ] + NodeType.allCases.map { .create(parent: .root, name: "n", type: $0, mode: 0o755, uid: 1, gid: 1, rdev: 0) }

@Test func roundTripCasesCoverEveryOperation() {
    #expect(Set(roundTripChanges.map(\.operation)) == Set(ChangelogOperation.allCases))
    #expect(Set(nameA.bytes + nameB.bytes).count == 254)
}

/// A change to round-trip, described by its operation (its byte strings are unprintable).
struct RoundTripCase: Sendable, CustomTestStringConvertible {
    let number: Int
    let change: Change
    var testDescription: String { "\(change.operation) #\(number)" }
}

@Test("format then parse gives the record back", arguments: roundTripChanges.enumerated().map { RoundTripCase(number: $0, change: $1) })
func formatThenParse(_ roundTrip: RoundTripCase) throws {
    let change = roundTrip.change
    let maximal = record(
        change, version: .max, time: .max, result: .max,
        request: RequestTag(session: SessionID(.max), request: RequestID(.max)))
    let minimal = record(change, version: 0, time: 0, result: 0)
    for original in [maximal, minimal] {
        let line = formattedLine(original)
        #expect(line.count <= ChangelogLimits.maxLineLength)
        // Printable ASCII only: a line never holds a newline or a control byte.
        #expect(line.allSatisfy { $0 >= 32 && $0 <= 126 })
        let parsed = try ChangelogCodec.parse(line)
        #expect(parsed == original)
        #expect(ChangelogCodec.format(parsed) == line + [0x0A])
    }
}

@Test func nameWithEveryByteIsEscapedExactlyWhereTheFormatSays() {
    let line = ChangelogCodec.text(of: record(.unlink(parent: .root, name: nameA)))
    let argument = line.split(separator: ",", maxSplits: 1)[1].split(separator: ")")[0]
    // Bytes 1…31 escaped, then 32…126 but for `%(),` (and `/`, not in a name) as is.
    var expected = ""
    for byte in nameA.bytes {
        let raw = byte >= 32 && byte <= 126 && !Array("%(),".utf8).contains(byte)
        expected += raw ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }
    #expect(String(argument) == expected)
}

@Test func randomRecordsRoundTrip() throws {
    let seed: UInt64 = 0x5EED_0001
    var generator = RecordGenerator(seed: seed)
    for iteration in 0..<2_000 {
        let original = generator.record()
        let line = formattedLine(original)
        let parsed = try ChangelogCodec.parse(line)
        #expect(parsed == original, "seed \(seed) iteration \(iteration): \(String(decoding: line, as: UTF8.self))")
        #expect(ChangelogCodec.peekVersion(line) == original.version)
    }
}
