import MFSCore
import MFSWire
import Testing

/// Each `WireError` case, triggered by the input it describes.
@Suite struct WireErrorTests {
    let lookup = ClientRequest.lookup(RequestID(1), .root, parent: .root, name: "ok").encode()

    @Test func lengthTooLarge() {
        #expect(
            decodeError(ClientRequest.self, header(ClientToMaster.lookup, WireLimits.maxFrameLength + 1))
                == .lengthTooLarge(length: UInt32(WireLimits.maxFrameLength + 1), limit: WireLimits.maxFrameLength))
    }

    @Test func truncatedPayload() {
        // The frame is whole, but its payload ends 2 bytes into the name "ok".
        let payload = Array(lookup[8..<(lookup.count - 2)])
        #expect(
            decodeError(ClientRequest.self, frameBytes(ClientToMaster.lookup, payload))
                == .truncated(message: ClientToMaster.lookup, needed: 2))
    }

    @Test func truncatedFrame() {
        #expect(
            decodeError(ClientRequest.self, Array(lookup.dropLast(3)))
                == .truncated(message: ClientToMaster.lookup, needed: 3))
    }

    @Test func unknownType() {
        #expect(decodeError(ClientRequest.self, frameBytes(MessageType(77), [])) == .unknownType(77))
        #expect(decodeError(MasterReply.self, frameBytes(MessageType(0xFFFF_FFFF), [1, 2])) == .unknownType(0xFFFF_FFFF))
    }

    @Test func unexpectedType() {
        let reply = MasterReply.ok(RequestID(1)).encode()
        #expect(decodeError(ClientRequest.self, reply) == .unexpectedType(MasterToClient.status, expected: "a client request"))
        #expect(decodeError(MasterReply.self, lookup) == .unexpectedType(ClientToMaster.lookup, expected: "a master reply"))
        let hello = Hello(role: .metalogger, metaID: .unknown, epoch: .zero).encode()
        #expect(decodeError(ClientRequest.self, hello) == .unexpectedType(AnyToMaster.hello, expected: "a client request"))
        #expect(decodeError(AuthResponse.self, lookup) == .unexpectedType(ClientToMaster.lookup, expected: "an auth response"))
        #expect(decodeError(SessionReply.self, lookup) == .unexpectedType(ClientToMaster.lookup, expected: "a session reply"))
    }

    @Test func malformedNameNamesTheField() {
        // "o/" instead of "ok".
        var bytes = lookup
        bytes[bytes.count - 1] = 0x2F
        #expect(
            decodeError(ClientRequest.self, bytes)
                == .malformed(message: ClientToMaster.lookup, field: "name", reason: "name contains '/'"))
        bytes[bytes.count - 1] = 0
        #expect(
            decodeError(ClientRequest.self, bytes)
                == .malformed(message: ClientToMaster.lookup, field: "name", reason: "name contains NUL"))
        bytes[bytes.count - 2] = 0x2E
        bytes[bytes.count - 1] = 0x2E
        #expect(
            decodeError(ClientRequest.self, bytes)
                == .malformed(message: ClientToMaster.lookup, field: "name", reason: "name is '.' or '..'"))
    }

    @Test func malformedEmptyNameAndSecondName() {
        let rename = ClientRequest.rename(RequestID(1), .root, parent: .root, name: "a", newParent: .root, newName: "b")
        var bytes = rename.encode()
        bytes[bytes.count - 1] = 0x2F
        #expect(
            decodeError(ClientRequest.self, bytes)
                == .malformed(message: ClientToMaster.rename, field: "newName", reason: "name contains '/'"))
        let empty = frameBytes(ClientToMaster.unlink, hex("0000000000000001 00000000 00000000 00 00000001 00"))
        #expect(
            decodeError(ClientRequest.self, empty)
                == .malformed(message: ClientToMaster.unlink, field: "name", reason: "empty name"))
    }

    @Test func malformedEnumsFlagsAndBooleans() {
        let prefix = hex("0000000000000001 00000000 00000000 00 00000001")
        let mknodDirectory = frameBytes(ClientToMaster.mknod, prefix + hex("01 61 64 01ED 00000000"))
        #expect(
            decodeError(ClientRequest.self, mknodDirectory)
                == .malformed(message: ClientToMaster.mknod, field: "type", reason: "mknod cannot create a directory"))
        let badType = frameBytes(ClientToMaster.mknod, prefix + hex("01 61 7A 01ED 00000000"))
        #expect(
            decodeError(ClientRequest.self, badType)
                == .malformed(message: ClientToMaster.mknod, field: "type", reason: "unknown node type 122"))
        let openFlags = frameBytes(ClientToMaster.open, prefix + hex("08"))
        #expect(
            decodeError(ClientRequest.self, openFlags)
                == .malformed(message: ClientToMaster.open, field: "flags", reason: "unknown bits 0x8 set"))
        let atEnd = frameBytes(MasterToClient.readdir, hex("0000000000000001 02 0000"))
        #expect(
            decodeError(MasterReply.self, atEnd)
                == .malformed(message: MasterToClient.readdir, field: "atEnd", reason: "2 is not a boolean (0 or 1)"))
        let role = frameBytes(AnyToMaster.hello, hex("0100 09 0000000000000000 0000000000000000"))
        #expect(decodeError(Hello.self, role) == .malformed(message: AnyToMaster.hello, field: "role", reason: "unknown role 9"))
    }

    @Test func malformedSetAttributesIsCanonical() {
        let prefix = hex("0000000000000001 00000000 00000000 00 00000001")
        // uid 5 sent while its setmask bit is clear.
        let stray = frameBytes(ClientToMaster.setAttributes, prefix + hex("00 0000 00000005 00000000 00000000 00000000"))
        #expect(
            decodeError(ClientRequest.self, stray)
                == .malformed(message: ClientToMaster.setAttributes, field: "uid", reason: "5 while its setmask bit is clear (must be 0)"))
        // atime both "now" and explicit.
        let both = frameBytes(ClientToMaster.setAttributes, prefix + hex("C0 0000 00000000 00000000 00000001 00000000"))
        #expect(
            decodeError(ClientRequest.self, both)
                == .malformed(message: ClientToMaster.setAttributes, field: "atime", reason: "both \"now\" and an explicit time requested"))
        let unused = frameBytes(ClientToMaster.setAttributes, prefix + hex("01 0000 00000000 00000000 00000000 00000000"))
        #expect(
            decodeError(ClientRequest.self, unused)
                == .malformed(message: ClientToMaster.setAttributes, field: "setmask", reason: "unknown bits 0x1 set"))
    }

    @Test func malformedReservedChunkLocations() {
        let bytes = frameBytes(MasterToClient.chunks, hex("0000000000000001 01 0001 00000000 0000000000000001 00000001 01"))
        #expect(
            decodeError(MasterReply.self, bytes)
                == .malformed(message: MasterToClient.chunks, field: "chunks.locationCount", reason: "1 where this version requires 0"))
    }

    @Test func malformedText() {
        let bytes = frameBytes(MasterToClient.status, hex("0000000000000001 60 02 C328"))
        #expect(
            decodeError(MasterReply.self, bytes)
                == .malformed(message: MasterToClient.status, field: "activeMaster", reason: "not valid UTF-8"))
    }

    @Test func trailingBytes() {
        let bytes = frameBytes(ClientToMaster.closeSession, hex("0000000000000001 FFFF"))
        #expect(decodeError(ClientRequest.self, bytes) == .trailingBytes(message: ClientToMaster.closeSession, count: 2))
        let refused = frameBytes(MasterToClient.session, hex("03 00"))
        #expect(decodeError(SessionReply.self, refused) == .trailingBytes(message: MasterToClient.session, count: 1))
        #expect(decodeError(ClientRequest.self, lookup + [0]) == .trailingBytes(message: ClientToMaster.lookup, count: 1))
    }

    @Test func helloExpected() {
        #expect(decodeError(Hello.self, lookup) == .helloExpected(found: ClientToMaster.lookup))
        // A MooseFS client's first frame (CLTOMA_FUSE_REGISTER, 400).
        #expect(decodeError(Hello.self, frameBytes(MessageType(400), [0x6B])) == .helloExpected(found: MessageType(400)))
        #expect(decodeError(HelloReply.self, lookup) == .helloExpected(found: ClientToMaster.lookup))
    }

    @Test func unsupportedVersion() {
        let two = ProtocolVersion(major: 2, minor: 0)
        // Refused on the version alone: the rest of a 2.x hello may not be laid out as 1.x.
        let hello = frameBytes(AnyToMaster.hello, hex("0200 FF"))
        #expect(decodeError(Hello.self, hello) == .unsupportedVersion(two, supported: .current))
        let reply = frameBytes(MasterToAny.hello, hex("0200"))
        #expect(decodeError(HelloReply.self, reply) == .unsupportedVersion(two, supported: .current))
        // Another minor version of major 1 is read.
        let newer = Hello(protocolVersion: ProtocolVersion(major: 1, minor: 7), role: .follower, metaID: .unknown, epoch: .zero)
        #expect(decodeError(Hello.self, newer.encode()) == nil)
    }

    @Test func descriptionsNameTheMessage() {
        let error = WireError.malformed(message: ClientToMaster.lookup, field: "name", reason: "name contains '/'")
        #expect(error.description == "ClientToMaster.lookup (406): field name: name contains '/'")
        #expect(WireError.unknownType(77).description == "unknown message type 77")
        #expect(WireError.helloExpected(found: MessageType(400)).description == "type 400 before the hello")
        #expect(
            WireError.unsupportedVersion(ProtocolVersion(major: 2, minor: 1), supported: .current).description
                == "protocol version 2.1 is not supported (this side speaks 1.0)")
    }
}
