import MFSChangelog
import MFSCore
import Testing

/// One record and its exact line (without `\n`).
struct GoldenLine: Sendable, CustomTestStringConvertible {
    let line: String
    let record: ChangelogRecord
    var testDescription: String { line }
}

private let t = UnixTime(1_795_315_206)

/// Every operation at least once; the examples of DESIGN §3 and the brief among them.
let goldenLines: [GoldenLine] = [
    GoldenLine(
        line: "1: 1795315206|SETMETAID(00000000deadbeef)",
        record: ChangelogRecord(version: MetaVersion(1), time: t, change: .setMetaID(MetaID(0xDEAD_BEEF)))),
    GoldenLine(line: "2: 1795315206|EPOCH(3)", record: ChangelogRecord(version: MetaVersion(2), time: t, change: .epoch(Epoch(3)))),
    GoldenLine(line: "3: 1795315206|IDLE()", record: ChangelogRecord(version: MetaVersion(3), time: t, change: .idle)),
    GoldenLine(
        line: "4: 1795315206|CHECKSUM(18446744073709551615)",
        record: ChangelogRecord(version: MetaVersion(4), time: t, change: .checksum(.max))),
    GoldenLine(
        line: "1042: 1795315206|CREATE(1,notes.txt,f,420,0,0,0):17",
        record: ChangelogRecord(
            version: MetaVersion(1042), time: t,
            change: .create(parent: .root, name: "notes.txt", type: .file, mode: 0o644, uid: 0, gid: 0, rdev: 0), result: 17)),
    GoldenLine(
        line: "1044: 1795315206|CREATE(9,sda1,b,432,0,6,2049):18|r=4294967295.18446744073709551615",
        record: ChangelogRecord(
            version: MetaVersion(1044), time: t,
            change: .create(parent: InodeID(9), name: "sda1", type: .blockDevice, mode: 0o660, uid: 0, gid: 6, rdev: 2049),
            result: 18, request: RequestTag(session: SessionID(.max), request: RequestID(.max)))),
    GoldenLine(
        line: "5: 0|SYMLINK(1,l%C3%BCnk,../a%2Cb/c d:e|f,1000,100):18",
        record: ChangelogRecord(
            version: MetaVersion(5), time: UnixTime(0),
            change: .symlink(parent: .root, name: "lünk", target: Array("../a,b/c d:e|f".utf8), uid: 1000, gid: 100), result: 18)),
    GoldenLine(
        line: "6: 1795315206|LINK(17,5,hard)",
        record: ChangelogRecord(version: MetaVersion(6), time: t, change: .link(inode: InodeID(17), parent: InodeID(5), name: "hard"))),
    GoldenLine(
        line: "1043: 1795315207|UNLINK(1,notes.txt):17|r=3.1234",
        record: ChangelogRecord(
            version: MetaVersion(1043), time: UnixTime(1_795_315_207),
            change: .unlink(parent: .root, name: "notes.txt"), result: 17,
            request: RequestTag(session: SessionID(3), request: RequestID(1234)))),
    GoldenLine(
        line: "8: 1795315206|RMDIR(1,dir):5",
        record: ChangelogRecord(version: MetaVersion(8), time: t, change: .rmdir(parent: .root, name: "dir"), result: 5)),
    GoldenLine(
        line: "9: 1795315206|RENAME(1,a%28b%29,2,c%25d%09%7F):17|r=0.0",
        record: ChangelogRecord(
            version: MetaVersion(9), time: t,
            change: .rename(parent: .root, name: "a(b)", newParent: InodeID(2), newName: EntryName(unchecked: Array("c%d\t\u{7F}".utf8))),
            result: 17, request: RequestTag(session: SessionID(0), request: RequestID(0)))),
    GoldenLine(
        line: "10: 1795315206|ATTR(17,384,1000,100,1795315000,1795315100)",
        record: ChangelogRecord(
            version: MetaVersion(10), time: t,
            change: .setAttributes(
                inode: InodeID(17), mode: 0o600, uid: 1000, gid: 100, atime: UnixTime(1_795_315_000), mtime: UnixTime(1_795_315_100)))),
    GoldenLine(
        line: "11: 1795315206|LENGTH(17,67108864)",
        record: ChangelogRecord(version: MetaVersion(11), time: t, change: .setLength(inode: InodeID(17), length: 64 << 20))),
    GoldenLine(
        line: "12: 1795315206|SETGOAL(5,2,1):12",
        record: ChangelogRecord(
            version: MetaVersion(12), time: t, change: .setGoal(inode: InodeID(5), goal: 2, recursive: true), result: 12)),
    GoldenLine(
        line: "13: 1795315206|SETGOAL(5,255,0):1",
        record: ChangelogRecord(
            version: MetaVersion(13), time: t, change: .setGoal(inode: InodeID(5), goal: 255, recursive: false), result: 1)),
    GoldenLine(
        line: "14: 1795315206|ADDCHUNK(17,0):4096",
        record: ChangelogRecord(version: MetaVersion(14), time: t, change: .addChunk(inode: InodeID(17), index: 0), result: 4096)),
    GoldenLine(
        line: "15: 1795315206|INCVERSION(4096):2",
        record: ChangelogRecord(version: MetaVersion(15), time: t, change: .bumpChunkVersion(chunk: ChunkID(4096)), result: 2)),
    GoldenLine(
        line: "16: 1795315206|SESSION(169.254.0.5:/mnt/mfs%0A%00%FF v%25):3",
        record: ChangelogRecord(
            version: MetaVersion(16), time: t,
            change: .openSession(info: Array("169.254.0.5:/mnt/mfs\n".utf8) + [0, 0xFF] + Array(" v%".utf8)), result: 3)),
    GoldenLine(
        line: "17: 1795315206|SESSION():4",
        record: ChangelogRecord(version: MetaVersion(17), time: t, change: .openSession(info: []), result: 4)),
    GoldenLine(
        line: "18: 1795315206|SESSIONCLOSE(3)",
        record: ChangelogRecord(version: MetaVersion(18), time: t, change: .closeSession(SessionID(3)))),
    GoldenLine(
        line: "19: 1795315206|SESSIONLOST(3)",
        record: ChangelogRecord(version: MetaVersion(19), time: t, change: .sessionLost(SessionID(3)))),
    GoldenLine(
        line: "20: 1795315206|SESSIONBACK(3)",
        record: ChangelogRecord(version: MetaVersion(20), time: t, change: .sessionBack(SessionID(3)))),
    GoldenLine(
        line: "21: 1795315206|ACQUIRE(17,3)",
        record: ChangelogRecord(version: MetaVersion(21), time: t, change: .acquire(inode: InodeID(17), session: SessionID(3)))),
    GoldenLine(
        line: "22: 1795315206|RELEASE(17,3)|r=3.9",
        record: ChangelogRecord(
            version: MetaVersion(22), time: t, change: .release(inode: InodeID(17), session: SessionID(3)),
            request: RequestTag(session: SessionID(3), request: RequestID(9)))),
    GoldenLine(
        line: "123: 1795315206|VOTERS(1,00000000000000aa,00000000000000aa:m.00000000000000bb:m.00000000000000cc:l)",
        record: ChangelogRecord(
            version: MetaVersion(123), time: t,
            change: .voters(
                VoterSet(
                    syncReplicas: 1, leader: MemberID(0xAA),
                    members: [MemberID(0xCC): .metalogger, MemberID(0xAA): .master, MemberID(0xBB): .master])))),
    GoldenLine(
        line: "124: 1795315206|VOTERS(0,0000000000000000,)",
        record: ChangelogRecord(version: MetaVersion(124), time: t, change: .voters(.empty))),
    GoldenLine(
        line: "125: 1795315206|VOTERS(255,ffffffffffffffff,0000000000000001:l.ffffffffffffffff:m)",
        record: ChangelogRecord(
            version: MetaVersion(125), time: t,
            change: .voters(
                VoterSet(
                    syncReplicas: 255, leader: MemberID(.max), members: [MemberID(.max): .master, MemberID(1): .metalogger])))),
    GoldenLine(
        line: "126: 1795315206|CHUNKSERVER(3,2851995650,9422)",
        record: ChangelogRecord(
            version: MetaVersion(126), time: t, change: .chunkserver(ChunkserverID(3), ChunkserverAddress(169, 254, 0, 2, port: 9422)))),
    GoldenLine(
        line: "127: 1795315206|CHUNKSERVER(65535,4294967295,65535)",
        record: ChangelogRecord(
            version: MetaVersion(127), time: t,
            change: .chunkserver(ChunkserverID(.max), ChunkserverAddress(ip: .max, port: .max)))),
    GoldenLine(
        line: "128: 1795315206|CHUNKSERVERDEL(3)",
        record: ChangelogRecord(version: MetaVersion(128), time: t, change: .chunkserverRemoved(ChunkserverID(3)))),
    // MooseFS 3.0's lock lines (mfsmaster/flocklocks.c, posixlocks.c), byte for byte.
    GoldenLine(
        line: "129: 1795315206|FLOCK(17,3,140737488355328,W)",
        record: ChangelogRecord(
            version: MetaVersion(129), time: t, change: .flock(inode: InodeID(17), session: SessionID(3), owner: 1 << 47, .write))),
    GoldenLine(
        line: "130: 1795315206|FLOCK(17,3,1,U)",
        record: ChangelogRecord(
            version: MetaVersion(130), time: t, change: .flock(inode: InodeID(17), session: SessionID(3), owner: 1, .unlock))),
    GoldenLine(
        line: "131: 1795315206|POSIXLOCK(17,3,9,R,0,18446744073709551615,4242)",
        record: ChangelogRecord(
            version: MetaVersion(131), time: t,
            change: .posixLock(inode: InodeID(17), session: SessionID(3), owner: 9, .read, start: 0, end: .max, pid: 4242))),
    GoldenLine(
        line: "18446744073709551615: 4294967295|IDLE()",
        record: ChangelogRecord(version: MetaVersion(.max), time: UnixTime(.max), change: .idle)),
]

@Test("each golden record formats to exactly its line and a newline", arguments: goldenLines)
func formatsGoldenLine(_ golden: GoldenLine) {
    #expect(ChangelogCodec.format(golden.record) == Array(golden.line.utf8) + [0x0A])
    #expect(ChangelogCodec.text(of: golden.record) == golden.line)
}

@Test("each golden line parses to exactly its record", arguments: goldenLines)
func parsesGoldenLine(_ golden: GoldenLine) throws {
    #expect(try ChangelogCodec.parse(line: golden.line) == golden.record)
}

@Test func goldenLinesCoverEveryOperation() {
    let covered = Set(goldenLines.map(\.record.change.operation))
    #expect(covered == Set(ChangelogOperation.allCases))
}

@Test func appendAddsLinesAfterExistingBytes() {
    var buffer = Array("# header\n".utf8)
    ChangelogCodec.append(goldenLines[0].record, to: &buffer)
    ChangelogCodec.append(goldenLines[2].record, to: &buffer)
    #expect(String(decoding: buffer, as: UTF8.self) == "# header\n\(goldenLines[0].line)\n\(goldenLines[2].line)\n")
}

@Test func escapesAreReadInEitherCase() throws {
    let upper = try ChangelogCodec.parse(line: "5: 0|UNLINK(1,l%C3%BCnk):2")
    let lower = try ChangelogCodec.parse(line: "5: 0|UNLINK(1,l%c3%bcnk):2")
    #expect(upper == lower)
    #expect(upper.change == .unlink(parent: .root, name: "lünk"))
    // An escape of a byte that needs none is accepted; the formatter writes the byte itself.
    let needless = try ChangelogCodec.parse(line: "5: 0|UNLINK(1,%61):2")
    #expect(ChangelogCodec.text(of: needless) == "5: 0|UNLINK(1,a):2")
}

@Test func everyEntryPointParsesTheSame() throws {
    let golden = goldenLines[8]
    let bytes = Array(golden.line.utf8)
    let file = Array("x\n".utf8) + bytes + Array("\ny".utf8)
    #expect(try ChangelogCodec.parse(bytes) == golden.record)
    #expect(try ChangelogCodec.parse(file[2..<(2 + bytes.count)]) == golden.record)
    // Not contiguous: takes the copying path.
    #expect(try ChangelogCodec.parse(AnyCollection(bytes)) == golden.record)
    #expect(try bytes.withUnsafeBufferPointer { buffer throws(ChangelogParseError) in try ChangelogCodec.parse(buffer) } == golden.record)
}

@Test func peekVersionReadsOnlyTheNumberBeforeTheColon() {
    #expect(ChangelogCodec.peekVersion(Array("1043: 1795315207|UNLINK(1,notes.txt):17|r=3.1234".utf8)) == MetaVersion(1043))
    #expect(ChangelogCodec.peekVersion(Array("18446744073709551615: garbage".utf8)) == MetaVersion(.max))
    #expect(ChangelogCodec.peekVersion(Array("0:".utf8)) == MetaVersion(0))
    #expect(ChangelogCodec.peekVersion(AnyCollection(Array("12: x".utf8))) == MetaVersion(12))
    for bad in ["", ":", "12", "012: x", "18446744073709551616: x", "# swift-mfs changelog 1", " 12: x", "12 : x"] {
        #expect(ChangelogCodec.peekVersion(Array(bad.utf8)) == nil, "\(bad)")
    }
}
