import MFSCore
import MFSWire
import Testing

@testable import MFSMetadata

/// Encode → decode gives back the value, for every message type, with random field values.
@Suite struct RoundTripTests {
    static let casesPerKind = 300

    @Test(arguments: 0..<MessageGenerator.requestKinds)
    func everyRequestKindRoundTrips(kind: Int) throws {
        let seed = 0x5245_5100 + UInt64(kind)
        var generator = MessageGenerator(seed: seed)
        for _ in 0..<Self.casesPerKind {
            let request = generator.request(kind: kind)
            #expect(try ClientRequest.decode(bytes: request.encode()) == request, "seed \(seed)")
            #expect(MasterReply.ok(request.requestID).answers(request))
        }
    }

    @Test(arguments: 0..<MessageGenerator.replyKinds)
    func everyReplyKindRoundTrips(kind: Int) throws {
        let seed = 0x5245_5000 + UInt64(kind)
        var generator = MessageGenerator(seed: seed)
        for _ in 0..<Self.casesPerKind {
            let reply = generator.reply(kind: kind)
            #expect(try MasterReply.decode(bytes: reply.encode()) == reply, "seed \(seed)")
        }
    }

    @Test func handshakeMessagesRoundTrip() throws {
        let seed: UInt64 = 0x4845_4C4C_4F00
        var generator = MessageGenerator(seed: seed)
        for _ in 0..<Self.casesPerKind {
            let hello = generator.hello()
            #expect(try Hello.decode(bytes: hello.encode()) == hello, "seed \(seed)")
            let reply = generator.helloReply()
            #expect(try HelloReply.decode(bytes: reply.encode()) == reply, "seed \(seed)")
            let auth = generator.authResponse()
            #expect(try AuthResponse.decode(bytes: auth.encode()) == auth, "seed \(seed)")
            let session = generator.sessionReply()
            #expect(try SessionReply.decode(bytes: session.encode()) == session, "seed \(seed)")
        }
    }

    /// A name of every byte 1–255 but `/` (254 bytes), and every byte alone, in each place a
    /// name travels.
    @Test func namesOfEveryByteRoundTrip() throws {
        let all = try EntryName(validating: (1...255).filter { $0 != 0x2F }.map { UInt8($0) })
        var names = [all]
        for byte in 1...255 where byte != 0x2F && byte != 0x2E { names.append(try EntryName(validating: [UInt8(byte)])) }
        let who = Credentials(uid: 1, gid: 2, groups: [3])
        for name in names {
            let requests: [ClientRequest] = [
                .lookup(RequestID(1), who, parent: .root, name: name),
                .rename(RequestID(2), who, parent: .root, name: name, newParent: InodeID(9), newName: name),
                .link(RequestID(3), who, inode: InodeID(4), newParent: .root, newName: name),
                .mknod(RequestID(4), who, parent: .root, name: name, type: .fifo, mode: 0o600, rdev: 0),
            ]
            for request in requests { #expect(try ClientRequest.decode(bytes: request.encode()) == request) }
            let entry = DirectoryListingEntry(name: name, inode: InodeID(5), type: .file, cookie: 6)
            let reply = MasterReply.readdir(RequestID(7), entries: [entry], atEnd: true)
            #expect(try MasterReply.decode(bytes: reply.encode()) == reply)
        }
    }

    @Test func replyMatchingFollowsIdAndType() {
        let request = ClientRequest.lookup(RequestID(8), .root, parent: .root, name: "a")
        let attributes = Attributes(
            inode: InodeID(2), type: .file, mode: 0o644, uid: 0, gid: 0, atime: UnixTime(0), mtime: UnixTime(0),
            ctime: UnixTime(0), nlink: 1, length: 0, goal: 2, rdev: 0)
        #expect(MasterReply.lookup(RequestID(8), attributes).answers(request))
        #expect(MasterReply.failure(RequestID(8), .noEntry).answers(request))
        #expect(!MasterReply.lookup(RequestID(9), attributes).answers(request))
        #expect(!MasterReply.getAttributes(RequestID(8), attributes).answers(request))
        #expect(MasterReply.lookup(RequestID(8), attributes).attributes == attributes)
    }

    @Test func requestPropertiesFollowTheKind() {
        var generator = MessageGenerator(seed: 0x5052_4F50)
        let mutating: Set<Int> = [3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 19, 21, 22]
        let withoutCredentials: Set<Int> = [0, 2, 4, 15, 18, 19, 20]
        for kind in 0..<MessageGenerator.requestKinds {
            let request = generator.request(kind: kind)
            #expect(request.isMutating == mutating.contains(kind), "\(request)")
            #expect((request.credentials == nil) == withoutCredentials.contains(kind), "\(request)")
            #expect(request.messageType.name?.hasPrefix("ClientToMaster.") == true)
            #expect(request.replyType.name?.hasPrefix("MasterToClient.") == true)
        }
    }
}
