import MooseClientWire
import MooseWire
import Testing

/// Every named limit of the 9421 codec, at the limit and one past it.
@Suite struct LimitTests {
    private func decodeRequest(_ request: FuseRequest) throws(MooseWireError) -> FuseRequest {
        try FuseRequest.decode(bytes: request.encode())
    }

    @Test func groupsAtTheLimitDecodeAndOnePastIsRefused() throws {
        let at = FuseRequest.lookup(
            1, parent: 1, name: Array("a".utf8), FuseCredentials(uid: 5, gids: Array(repeating: 7, count: MooseClientLimits.maxGroups)))
        #expect(try decodeRequest(at) == at)
        var bytes = FuseRequest.lookup(1, parent: 1, name: Array("a".utf8), FuseCredentials(uid: 5, gids: [7])).encode()
        // gcnt one past the limit, and the bytes to go with it.
        let count = MooseClientLimits.maxGroups + 1
        bytes.replaceSubrange(22..<26, with: withUnsafeBytes(of: UInt32(count).bigEndian, Array.init))
        bytes.removeLast(4)
        bytes += Array(repeating: 0, count: 4 * count)
        bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(bytes.count - 8).bigEndian, Array.init))
        #expect(
            throws: MooseWireError.countOutOfRange(message: .fuseLookup, field: "gcnt", count: count, limit: MooseClientLimits.maxGroups)
        ) {
            try FuseRequest.decode(bytes: bytes)
        }
    }

    @Test func symlinkTargetAtTheLimitAndOnePast() throws {
        let who = FuseCredentials(uid: 0, gids: [0])
        let at = FuseRequest.symlink(
            2, parent: 1, name: Array("l".utf8), target: Array(repeating: 0x61, count: MooseClientLimits.maxSymlinkTargetLength) + [0], who)
        #expect(try decodeRequest(at) == at)
        let past = FuseRequest.symlink(
            2, parent: 1, name: Array("l".utf8), target: Array(repeating: 0x61, count: MooseClientLimits.maxSymlinkTargetLength + 1) + [0],
            who)
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseSymlink, field: "pleng", count: MooseClientLimits.maxSymlinkTargetLength + 2,
                limit: MooseClientLimits.maxSymlinkTargetLength + 1)
        ) {
            try decodeRequest(past)
        }
    }

    @Test func xattrValueAtTheLimitAndOnePast() throws {
        let who = FuseCredentials(uid: 0, gids: [0])
        let at = FuseRequest.setXattr(
            3, inode: 2, name: Array("user.a".utf8), value: Array(repeating: 1, count: MooseClientLimits.maxXattrValueLength), mode: 0,
            opened: 0, who)
        #expect(try decodeRequest(at) == at)
        let past = FuseRequest.setXattr(
            3, inode: 2, name: Array("user.a".utf8), value: Array(repeating: 1, count: MooseClientLimits.maxXattrValueLength + 1), mode: 0,
            opened: 0, who)
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseSetXattr, field: "vleng", count: MooseClientLimits.maxXattrValueLength + 1,
                limit: MooseClientLimits.maxXattrValueLength)
        ) {
            try decodeRequest(past)
        }
    }

    @Test func registerStringsAtTheLimitAndOnePast() throws {
        let limit = MooseClientLimits.maxRegisterStringLength
        let at = FuseRegister.newSession(
            .init(version: .v3_0_117, info: Array(repeating: 0x61, count: limit - 1) + [0], path: Array("/\0".utf8)))
        #expect(try FuseRegister.decode(bytes: at.encode()) == at)
        let past = FuseRegister.newSession(
            .init(version: .v3_0_117, info: Array(repeating: 0x61, count: limit) + [0], path: Array("/\0".utf8)))
        #expect(throws: MooseWireError.countOutOfRange(message: .fuseRegister, field: "info length", count: limit + 1, limit: limit)) {
            try FuseRegister.decode(bytes: past.encode())
        }
    }

    @Test func sustainedInodesAtTheLimitAndOnePast() throws {
        let at = FuseRequest.sustainedInodes(Array(repeating: 9, count: MooseClientLimits.maxSustainedInodes))
        #expect(try decodeRequest(at) == at)
        let past = FuseRequest.sustainedInodes(Array(repeating: 9, count: MooseClientLimits.maxSustainedInodes + 1))
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseSustainedInodes, field: "inodes", count: MooseClientLimits.maxSustainedInodes + 1,
                limit: MooseClientLimits.maxSustainedInodes)
        ) {
            try decodeRequest(past)
        }
    }

    @Test func amtimeEntriesAtTheLimitAndOnePast() throws {
        let entry = FuseRequest.AmtimeEntry(inode: 3, atime: 0, mtime: 5)
        let at = FuseRequest.amtimeInodes(Array(repeating: entry, count: MooseClientLimits.maxAmtimeEntries))
        #expect(try decodeRequest(at) == at)
        let past = FuseRequest.amtimeInodes(Array(repeating: entry, count: MooseClientLimits.maxAmtimeEntries + 1))
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseAmtimeInodes, field: "entries", count: MooseClientLimits.maxAmtimeEntries + 1,
                limit: MooseClientLimits.maxAmtimeEntries)
        ) {
            try decodeRequest(past)
        }
    }

    @Test func requestFrameLimitIsCheckedFromTheHeader() throws {
        var frames = MooseFrameDecoder(maxPayloadLength: MooseClientLimits.requestFrame)
        frames.append(MooseFrame(type: .fuseSustainedInodes, payload: Array(repeating: 0, count: MooseClientLimits.requestFrame)).encode())
        #expect(try frames.next()?.payload.count == MooseClientLimits.requestFrame)
        frames.append([0, 0, 2, 0xBC] + withUnsafeBytes(of: UInt32(MooseClientLimits.requestFrame + 1).bigEndian, Array.init))
        #expect(
            throws: MooseWireError.lengthTooLarge(length: UInt32(MooseClientLimits.requestFrame + 1), limit: MooseClientLimits.requestFrame)
        ) {
            try frames.next()
        }
    }

    @Test func chunkLocationsAtTheLimitAndOnePast() throws {
        let server = FuseReply.ChunkLocation.Server(ip: 0xA9FE_0001, port: 9422, version: .v3_0_117)
        let at = FuseReply.chunk(
            .fuseReadChunk.reply, 4, fileLength: 10,
            .init(chunkID: 1, version: 1, servers: Array(repeating: server, count: MooseClientLimits.maxChunkLocations)))
        #expect(try FuseReply.decode(bytes: at.encode()) == at)
        var past = at.encode() + [0, 0, 0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0]
        past.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(past.count - 8).bigEndian, Array.init))
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseReadChunk.reply, field: "locations", count: MooseClientLimits.maxChunkLocations + 1,
                limit: MooseClientLimits.maxChunkLocations)
        ) {
            try FuseReply.decode(bytes: past)
        }
    }

    @Test func aclEntriesAtTheLimitAndOnePast() throws {
        let entries = Array(repeating: FuseRequest.AclEntry(id: 1000, perm: 4), count: MooseClientLimits.maxAclEntries)
        let acl = FuseRequest.FuseAcl(userPerm: 6, groupPerm: 4, otherPerm: 4, mask: 6, users: entries, groups: [])
        let at = FuseRequest.setFacl(5, inode: 2, uid: 0, aclType: 1, acl)
        #expect(try decodeRequest(at) == at)
        var pastACL = acl
        pastACL.groups = [FuseRequest.AclEntry(id: 1, perm: 4)]
        #expect(
            throws: MooseWireError.countOutOfRange(
                message: .fuseSetFacl, field: "nusers+ngroups", count: MooseClientLimits.maxAclEntries + 1,
                limit: MooseClientLimits.maxAclEntries)
        ) {
            try decodeRequest(.setFacl(5, inode: 2, uid: 0, aclType: 1, pastACL))
        }
    }

    @Test func fixedSizesRefuseOneByteLessAndMore() throws {
        // GETATTR (8, 16, 17) and WRITE_CHUNK (12, 13) have other valid lengths: see below.
        for name in ["request-readlink", "request-flock", "request-posix-lock", "request-getfacl", "request-statfs"] {
            let frame = Fixtures.frame(name)
            for payload in [Array(frame.payload.dropLast()), frame.payload + [0, 0]] {
                #expect(throws: MooseWireError.self, "\(name) of \(payload.count) bytes") {
                    try FuseRequest.decode(MooseFrame(type: frame.type, payload: payload))
                }
            }
        }
    }

    @Test func olderLayoutsAreReadByLengthAsMooseFSReadsThem() throws {
        let getattr = FuseRequest.getattr(1, inode: 5, opened: nil, uid: nil, gid: nil)
        #expect(try FuseRequest.decode(bytes: getattr.encode()) == getattr)
        let withIDs = FuseRequest.getattr(1, inode: 5, opened: nil, uid: 3, gid: 4)
        #expect(try FuseRequest.decode(bytes: withIDs.encode()) == withIDs)
        #expect(throws: MooseWireError.wrongLength(message: .fuseGetattr, length: 12, expected: "8 or 16 or 17")) {
            try FuseRequest.decode(MooseFrame(type: .fuseGetattr, payload: Array(repeating: 0, count: 12)))
        }
        let write = FuseRequest.writeChunk(2, inode: 5, index: 1, chunkOpFlags: nil)
        #expect(try FuseRequest.decode(bytes: write.encode()) == write)
        let end = FuseRequest.writeChunkEnd(3, chunkID: 9, inode: 5, index: nil, length: 10, chunkOpFlags: nil)
        #expect(try FuseRequest.decode(bytes: end.encode()) == end)
        let legacy = FuseRequest.lookup(4, parent: 1, name: Array("x".utf8), FuseCredentials(uid: 7, gids: [0xFFFF_FFFF], legacy: true))
        #expect(try FuseRequest.decode(bytes: legacy.encode()) == legacy)
    }

    /// Messages the capture did not have (notices, reconnect, redirect, meta session, F_GETLK):
    /// from the notes' layouts, each round-trips at its exact length and refuses one byte more.
    @Test func uncapturedMessagesRoundTripAtTheirLengths() throws {
        let replies: [(FuseReply, Int)] = [
            (.chunkHasChanged(inode: 4, index: 0, chunkID: 2, version: 2, fileLength: 1_000_000, truncated: 0), 33),
            (.lengthHasChanged(inode: 4, fileLength: 1_003_520), 16), (.invalidateChunkCache, 4), (.nop, 4),
            (.posixLockInfo(9, pid: 42, type: 2, start: 0, end: 10), 25),
        ]
        for (reply, length) in replies {
            let bytes = reply.encode()
            #expect(bytes.count == 8 + length, "\(reply)")
            #expect(try FuseReply.decode(bytes: bytes) == reply)
            #expect(throws: MooseWireError.self) {
                try FuseReply.decode(MooseFrame(type: reply.messageType, payload: Array(bytes[8...]) + [0]))
            }
        }
        let registers: [(FuseRegisterReply, Int)] = [
            (.reconnected(version: .v3_0_117, status: .ok), 5), (.redirect(leaderIP: 0xA9FE_0001), 4),
            (.metaSession(version: .v3_0_117, sessionID: 3, metaID: 7, sessionFlags: 0, goals: 1...9, trashTimes: 0...UInt32.max), 27),
        ]
        for (reply, length) in registers {
            let bytes = reply.encode()
            #expect(bytes.count == 8 + length, "\(reply)")
            #expect(try FuseRegisterReply.decode(bytes: bytes) == reply)
        }
        let requests: [FuseRegister] = [
            .reconnect(sessionID: 1, version: .v3_0_117, metaID: 7), .reconnect(sessionID: 1, version: .v3_0_117, metaID: nil),
            .tools(sessionID: 1, version: .v3_0_117), .closeSession(sessionID: 1, metaID: nil),
            .newMetaSession(.init(version: .v3_0_117, info: Array("/m\0".utf8), path: nil, sessionID: 5, metaID: 7)),
            .newSession(
                .init(
                    version: .v3_0_117, info: Array("/m\0".utf8), path: Array("/\0".utf8), sessionID: 5, metaID: 7,
                    passcode: Array(repeating: 1, count: 16))),
        ]
        for request in requests { #expect(try FuseRegister.decode(bytes: request.encode()) == request) }
    }

    @Test func aWrongBlobOrRcodeIsRefusedByName() throws {
        var bytes = Fixtures.bytes("request-register-getrandom")
        bytes[8] ^= 0xFF
        #expect(throws: MooseWireError.malformed(message: .fuseRegister, field: "blob", reason: "not FUSE_REGISTER_BLOB_ACL")) {
            try FuseRegister.decode(bytes: bytes)
        }
        bytes = Fixtures.bytes("request-register-getrandom")
        bytes[8 + 64] = 9
        #expect(throws: MooseWireError.malformed(message: .fuseRegister, field: "rcode", reason: "9 is no register kind (1…6)")) {
            try FuseRegister.decode(bytes: bytes)
        }
    }

    @Test func anUnknownFuseRequestKeepsItsMessageID() throws {
        // CLTOMA_FUSE_SNAPSHOT (468): not taken apart, answered ENOTSUP by msgid.
        let frame = MooseFrame(type: MooseMessageType(468), payload: [0, 0, 0, 7, 1, 2, 3])
        let request = try FuseRequest.decode(frame)
        #expect(request == .unsupported(MooseMessageType(468), 7, rest: [1, 2, 3]))
        #expect(request.encode() == frame.encode())
        #expect {
            try FuseRequest.decode(MooseFrame(type: MooseMessageType(9999), payload: [0, 0, 0, 1]))
        } throws: { error in
            guard case .unexpectedType(let type, _) = error as? MooseWireError else { return false }
            return type == MooseMessageType(9999)
        }
    }
}
