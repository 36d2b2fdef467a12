import MFSCore
import MFSWire
import Testing

@testable import MFSMetadata

/// Every expected byte below is written out by hand from the layouts in the doc comments, so a
/// change of layout cannot pass unnoticed.
@Suite struct GoldenBytesTests {
    static let user = Credentials(uid: 1000, gid: 100, groups: [4, 27])
    static let plainUser = Credentials(uid: 1000, gid: 100)

    func check<M: WireMessage>(_ message: M, _ expected: [UInt8]) throws {
        #expect(message.encode() == expected)
        #expect(try M.decode(bytes: expected) == message)
    }

    @Test func clientHello() throws {
        let hello = Hello(
            role: .client, metaID: MetaID(0x0102_0304_0506_0708), epoch: Epoch(3),
            client: ClientHello(clientVersion: "0.1", mountPath: "/"))
        try check(
            hello,
            hex(
                "000003E8 0000001E",  // AnyToMaster.hello, 30 bytes
                "0100 01",  // version 1.0, role client
                "0102030405060708 0000000000000003",  // metaid, epoch
                "03 302E31",  // "0.1"
                "0001 2F",  // "/"
                "00000000"))  // new session
    }

    @Test func chunkserverHelloHasNoClientPart() throws {
        let hello = Hello(role: .chunkserver, metaID: .unknown, epoch: .zero)
        try check(hello, hex("000003E8 00000013", "0100 02", "0000000000000000 0000000000000000"))
    }

    @Test func helloReplyWithChallenge() throws {
        let reply = HelloReply(
            role: .active, metaID: MetaID(0x0102_0304_0506_0708), epoch: Epoch(4), metaVersion: MetaVersion(1042),
            softwareVersion: "1.0", challenge: [0xAA, 0xBB, 0xCC, 0xDD])
        try check(
            reply,
            hex(
                "000003E9 00000024",  // MasterToAny.hello, 36 bytes
                "0100 01",  // version 1.0, active
                "0102030405060708 0000000000000004 0000000000000412",  // metaid, epoch, version 1042
                "03 312E30",  // "1.0"
                "04 AABBCCDD"))  // challenge
    }

    @Test func authResponse() throws {
        try check(AuthResponse(response: [0xDE, 0xAD, 0xBE, 0xEF]), hex("000003EA 00000005", "04 DEADBEEF"))
    }

    @Test func sessionEstablishedAndRefused() throws {
        let grant = SessionGrant(session: SessionID(7), readOnly: true, root: .root, rootUID: 999, rootGID: 998)
        try check(
            SessionReply.established(grant),
            hex("000003EB 00000012", "00 00000007 01 00000001 000003E7 000003E6"))
        try check(SessionReply.refused(.badPassword), hex("000003EB 00000001", "25"))
    }

    @Test func lookupRequest() throws {
        let request = ClientRequest.lookup(RequestID(5), Self.user, parent: .root, name: "a.txt")
        try check(
            request,
            hex(
                "00000196 00000023",  // ClientToMaster.lookup (406), 35 bytes
                "0000000000000005",  // request id
                "000003E8 00000064 02 00000004 0000001B",  // uid 1000, gid 100, groups 4 and 27
                "00000001",  // parent
                "05 612E747874"))  // "a.txt"
    }

    @Test func mkdirRequest() throws {
        let request = ClientRequest.mkdir(RequestID(16), .root, parent: .root, name: "docs", mode: 0o755)
        try check(
            request,
            hex("000001A2 0000001C", "0000000000000010", "00000000 00000000 00", "00000001", "04 646F6373", "01ED"))
    }

    @Test func setAttributesRequest() throws {
        let changes = AttributeChanges(mode: 0o644, atime: .now, mtime: .set(UnixTime(1_700_000_000)))
        let request = ClientRequest.setAttributes(RequestID(6), Self.plainUser, inode: InodeID(42), changes: changes)
        try check(
            request,
            hex(
                "0000019A 00000028",  // ClientToMaster.setAttributes (410), 40 bytes
                "0000000000000006 000003E8 00000064 00 0000002A",
                "A2",  // setmask: mode 0x02 | mtime 0x20 | atime now 0x80
                "01A4 00000000 00000000",  // mode 0644; uid, gid unset
                "00000000 6553F100"))  // atime "now"; mtime 1,700,000,000
    }

    @Test func readdirRequest() throws {
        let request = ClientRequest.readdir(RequestID(9), Self.plainUser, inode: .root, cookie: 0, maxEntries: 100)
        try check(
            request,
            hex("000001AC 0000001F", "0000000000000009 000003E8 00000064 00", "00000001 0000000000000000 0064"))
    }

    @Test func statusReplies() throws {
        try check(
            MasterReply.status(RequestID(11), .notActive, activeMaster: "10.0.0.1:9421"),
            hex("000003ED 00000017", "000000000000000B 60", "0D 31302E302E302E313A39343231"))  // "10.0.0.1:9421"
        try check(MasterReply.failure(RequestID(12), .noEntry), hex("000003ED 0000000A", "000000000000000C 03 00"))
        try check(MasterReply.ok(RequestID(13)), hex("000003ED 0000000A", "000000000000000D 00 00"))
    }

    @Test func getAttributesReply() throws {
        let attributes = Attributes(
            inode: InodeID(42), type: .file, mode: 0o644, uid: 1000, gid: 100, atime: UnixTime(1_700_000_000),
            mtime: UnixTime(1_700_000_001), ctime: UnixTime(1_700_000_002), nlink: 1, length: 65_536, goal: 2, rdev: 0)
        try check(
            MasterReply.getAttributes(RequestID(3), attributes),
            hex(
                "00000199 00000034",  // MasterToClient.getAttributes (409), 52 bytes
                "0000000000000003",
                "0000002A 66 01A4",  // inode 42, 'f', 0644
                "000003E8 00000064",  // uid, gid
                "6553F100 6553F101 6553F102",  // atime, mtime, ctime
                "00000001 0000000000010000 02 00000000"))  // nlink, length, goal, rdev
    }

    @Test func readdirReply() throws {
        let entries = [
            DirectoryListingEntry(name: "a", inode: InodeID(2), type: .file, cookie: 0x1111),
            DirectoryListingEntry(name: "bin", inode: InodeID(3), type: .directory, cookie: .max),
        ]
        try check(
            MasterReply.readdir(RequestID(9), entries: entries, atEnd: true),
            hex(
                "000001AD 0000002B",  // MasterToClient.readdir (429), 43 bytes
                "0000000000000009 01 0002",  // at end, 2 entries
                "0000000000001111 00000002 66 01 61",  // cookie, inode 2, 'f', "a"
                "FFFFFFFFFFFFFFFF 00000003 64 03 62696E"))  // cookie, inode 3, 'd', "bin"
    }

    @Test func chunksReply() throws {
        let chunk = ChunkInfo(index: 0, chunk: ChunkID(0x102), version: 1)
        try check(
            MasterReply.chunks(RequestID(4), [chunk], atEnd: true),
            hex("000003EF 0000001C", "0000000000000004 01 0001", "00000000 0000000000000102 00000001 00"))
    }
}
