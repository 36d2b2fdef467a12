import MFSCore
import MFSWire
import Testing

@testable import MFSMetadata

/// Each named limit at the limit (accepted) and one past it (refused, naming the field). A
/// limit that a field's length byte already enforces (names: 255) is checked as far as it can
/// be expressed.
@Suite struct LimitTests {
    /// `requestID:64 uid:32 gid:32 groupCount:8 groups`.
    func credentialBytes(groups: Int) -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(1))
        w.write(UInt32(1000))
        w.write(UInt32(100))
        w.write(UInt8(groups))
        for g in 0..<groups { w.write(UInt32(g)) }
        return w.bytes
    }

    @Test func groupsAtAndPastTheLimit() throws {
        let groups = (0..<UInt32(WireLimits.maxGroups)).map { $0 }
        let request = ClientRequest.release(RequestID(1), Credentials(uid: 1000, gid: 100, groups: groups), inode: .root)
        #expect(try ClientRequest.decode(bytes: request.encode()) == request)
        let past = frameBytes(ClientToMaster.release, credentialBytes(groups: WireLimits.maxGroups + 1) + hex("00000001"))
        #expect(
            decodeError(ClientRequest.self, past)
                == .malformed(message: ClientToMaster.release, field: "groups", reason: "65 supplementary groups; the limit is 64"))
    }

    @Test func symlinkTargetAtAndPastTheLimit() throws {
        let limit = WireLimits.maxSymlinkTargetLength
        let target = [UInt8](repeating: 0x61, count: limit)
        let request = ClientRequest.symlink(RequestID(1), .root, parent: .root, name: "l", target: target)
        #expect(try ClientRequest.decode(bytes: request.encode()) == request)
        let reply = MasterReply.readlink(RequestID(1), target: target)
        #expect(try MasterReply.decode(bytes: reply.encode()) == reply)

        var w = ByteWriter()
        w.write(bytes: credentialBytes(groups: 0))
        w.write(UInt32(1))
        w.write(bytes: [1, 0x6C])  // name "l"
        w.write(UInt16(limit + 1))
        w.write(bytes: target + [0x61])
        #expect(
            decodeError(ClientRequest.self, frameBytes(ClientToMaster.symlink, w.bytes))
                == .malformed(message: ClientToMaster.symlink, field: "target", reason: "4097 bytes; the limit is 4096"))
        let pastReply = frameBytes(MasterToClient.readlink, hex("0000000000000001 1001") + target + [0x61])
        #expect(
            decodeError(MasterReply.self, pastReply)
                == .malformed(message: MasterToClient.readlink, field: "target", reason: "4097 bytes; the limit is 4096"))
    }

    @Test func nameAtTheLimit() throws {
        let name = try EntryName(validating: [UInt8](repeating: 0x6E, count: WireLimits.maxNameLength))
        let request = ClientRequest.unlink(RequestID(1), .root, parent: .root, name: name)
        #expect(try ClientRequest.decode(bytes: request.encode()) == request)
        // One past cannot be a name, nor be written: the length is one byte.
        #expect(throws: FSError.nameTooLong) { try EntryName(validating: [UInt8](repeating: 0x6E, count: 256)) }
    }

    @Test func readdirPageSizeAtAndPastTheLimit() throws {
        for size in [1, WireLimits.maxReaddirEntries] {
            let request = ClientRequest.readdir(RequestID(1), .root, inode: .root, cookie: 7, maxEntries: size)
            #expect(try ClientRequest.decode(bytes: request.encode()) == request)
        }
        for size in [0, WireLimits.maxReaddirEntries + 1] {
            var w = ByteWriter()
            w.write(bytes: credentialBytes(groups: 0))
            w.write(UInt32(1))
            w.write(UInt64(7))
            w.write(UInt16(size))
            #expect(
                decodeError(ClientRequest.self, frameBytes(ClientToMaster.readdir, w.bytes))
                    == .malformed(message: ClientToMaster.readdir, field: "maxEntries", reason: "\(size); must be 1…1024"))
        }
    }

    @Test func chunkPageSizeAtAndPastTheLimit() throws {
        let request = ClientRequest.chunks(RequestID(1), inode: InodeID(2), firstIndex: 3, maxChunks: WireLimits.maxChunksPerReply)
        #expect(try ClientRequest.decode(bytes: request.encode()) == request)
        let past = frameBytes(ClientToMaster.chunks, hex("0000000000000001 00000002 00000003 1001"))
        #expect(
            decodeError(ClientRequest.self, past)
                == .malformed(message: ClientToMaster.chunks, field: "maxChunks", reason: "4097; must be 1…4096"))
    }

    /// The largest readdir page (1,024 entries with 255-byte names) fits a frame, and a page
    /// one entry longer is refused from its count, before any entry is read.
    @Test func readdirReplyAtAndPastTheLimit() throws {
        let name = try EntryName(validating: [UInt8](repeating: 0xFF, count: 255))
        let entries = (0..<WireLimits.maxReaddirEntries).map {
            DirectoryListingEntry(name: name, inode: InodeID(UInt32($0)), type: .file, cookie: UInt64($0))
        }
        let reply = MasterReply.readdir(RequestID(1), entries: entries, atEnd: false)
        let bytes = reply.encode()
        #expect(bytes.count == 8 + 11 + 1_024 * 269)
        #expect(bytes.count - 8 < WireLimits.maxFrameLength)
        #expect(try MasterReply.decode(bytes: bytes) == reply)
        let past = frameBytes(MasterToClient.readdir, hex("0000000000000001 00 0401"))
        #expect(
            decodeError(MasterReply.self, past)
                == .malformed(message: MasterToClient.readdir, field: "entries", reason: "1025 in one page; the limit is 1024"))
    }

    @Test func chunksReplyAtAndPastTheLimit() throws {
        let chunks = (0..<UInt32(WireLimits.maxChunksPerReply)).map { ChunkInfo(index: $0, chunk: ChunkID(UInt64($0) + 1), version: 1) }
        let reply = MasterReply.chunks(RequestID(1), chunks, atEnd: true)
        #expect(try MasterReply.decode(bytes: reply.encode()) == reply)
        let past = frameBytes(MasterToClient.chunks, hex("0000000000000001 00 1001"))
        #expect(
            decodeError(MasterReply.self, past)
                == .malformed(message: MasterToClient.chunks, field: "chunks", reason: "4097 in one page; the limit is 4096"))
    }

    @Test func largestSymlinkRequestFits() {
        let name = try! EntryName(validating: [UInt8](repeating: 0x41, count: 255))
        let who = Credentials(uid: 1, gid: 1, groups: [UInt32](repeating: 9, count: WireLimits.maxGroups))
        let target = [UInt8](repeating: 0x61, count: WireLimits.maxSymlinkTargetLength)
        let bytes = ClientRequest.symlink(RequestID(1), who, parent: .root, name: name, target: target).encode()
        #expect(bytes.count - 8 == 4_631)
    }

    /// `length:8 text` fields with a limit below 255: the limit and one past.
    func shortTextPast(_ limit: Int) -> [UInt8] { [UInt8(limit + 1)] + [UInt8](repeating: 0x76, count: limit + 1) }

    @Test func clientVersionAndMountPathAtAndPastTheLimit() throws {
        let atLimit = ClientHello(
            clientVersion: String(repeating: "v", count: WireLimits.maxVersionStringLength),
            mountPath: String(repeating: "p", count: WireLimits.maxMountPathLength))
        let hello = Hello(role: .client, metaID: .unknown, epoch: .zero, client: atLimit)
        #expect(try Hello.decode(bytes: hello.encode()) == hello)

        let start = hex("0100 01 0000000000000000 0000000000000000")
        let version = frameBytes(AnyToMaster.hello, start + shortTextPast(64) + hex("0001 2F 00000000"))
        #expect(
            decodeError(Hello.self, version)
                == .malformed(message: AnyToMaster.hello, field: "clientVersion", reason: "65 bytes; the limit is 64"))
        let path = [UInt8](repeating: 0x70, count: WireLimits.maxMountPathLength + 1)
        let mount = frameBytes(AnyToMaster.hello, start + hex("00 0201") + path + hex("00000000"))
        #expect(
            decodeError(Hello.self, mount)
                == .malformed(message: AnyToMaster.hello, field: "mountPath", reason: "513 bytes; the limit is 512"))
    }

    @Test func challengeAndAuthResponseAtAndPastTheLimit() throws {
        let reply = HelloReply(
            role: .follower, metaID: MetaID(1), epoch: Epoch(1), metaVersion: MetaVersion(1), softwareVersion: "",
            challenge: [UInt8](repeating: 7, count: WireLimits.maxChallengeLength))
        #expect(try HelloReply.decode(bytes: reply.encode()) == reply)
        let past = frameBytes(
            MasterToAny.hello, hex("0100 02 0000000000000001 0000000000000001 0000000000000001 00") + shortTextPast(64))
        #expect(
            decodeError(HelloReply.self, past)
                == .malformed(message: MasterToAny.hello, field: "challenge", reason: "65 bytes; the limit is 64"))

        let auth = AuthResponse(response: [UInt8](repeating: 1, count: WireLimits.maxAuthResponseLength))
        #expect(try AuthResponse.decode(bytes: auth.encode()) == auth)
        #expect(
            decodeError(AuthResponse.self, frameBytes(ClientToMaster.authResponse, shortTextPast(64)))
                == .malformed(message: ClientToMaster.authResponse, field: "response", reason: "65 bytes; the limit is 64"))
        #expect(
            decodeError(AuthResponse.self, frameBytes(ClientToMaster.authResponse, [0]))
                == .malformed(message: ClientToMaster.authResponse, field: "response", reason: "empty"))
    }

    @Test func activeMasterAddressAtTheLimit() throws {
        let address = String(repeating: "h", count: WireLimits.maxAddressLength)
        let reply = MasterReply.status(RequestID(1), .notActive, activeMaster: address)
        #expect(try MasterReply.decode(bytes: reply.encode()) == reply)
    }
}
