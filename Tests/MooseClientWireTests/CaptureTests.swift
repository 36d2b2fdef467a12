import MooseClientWire
import MooseWire
import Testing

/// Every frame captured between Debian's mfsmount and mfsmaster 3.0.117 decodes, and
/// re-encodes byte for byte; a few are checked field by field against the capture.
@Suite struct CaptureTests {
    @Test(arguments: Fixtures.requests)
    func capturedRequestRoundTrips(_ name: String) throws {
        let bytes = Fixtures.bytes(name)
        #expect(try roundTripRequest(MooseFrame(wholeFrame: bytes)) == bytes)
    }

    @Test(arguments: Fixtures.replies)
    func capturedReplyRoundTrips(_ name: String) throws {
        let bytes = Fixtures.bytes(name)
        #expect(try roundTripReply(MooseFrame(wholeFrame: bytes)) == bytes)
    }

    @Test func wrongPasswordRegisterIsAnsweredBadPassword() throws {
        guard case .random(let random) = try FuseRegisterReply.decode(Fixtures.frame("reply-register-random")) else {
            Issue.record("not a random")
            return
        }
        guard case .newSession(let session) = try FuseRegister.decode(Fixtures.frame("request-register-newsession-password")) else {
            Issue.record("not a new session")
            return
        }
        // The first mount of the capture used the password "wrong": its passcode answers the
        // first challenge for MD5("wrong"), and not for MD5("secret").
        let passcode = try #require(session.passcode)
        #expect(FusePassword.accepts(passcode, random: random, digest: FusePassword.digest("wrong".utf8)))
        #expect(!FusePassword.accepts(passcode, random: random, digest: FusePassword.digest("secret".utf8)))
        #expect(FusePassword.passcode(random: random, digest: FusePassword.digest("wrong".utf8)) == passcode)
        #expect(session.version == .v3_0_117)
        #expect(session.path == Array("/\0".utf8))
        #expect(session.trimmedInfo.last != 0)
        #expect(try FuseRegisterReply.decode(Fixtures.frame("reply-register-status")) == .status(.badPassword))
    }

    @Test func grantedSessionCarriesTheExportsFields() throws {
        guard case .session(let grant) = try FuseRegisterReply.decode(Fixtures.frame("reply-register-session")) else {
            Issue.record("not a session")
            return
        }
        #expect(grant.version == .v3_0_117)
        #expect(grant.sessionFlags & FuseRegisterReply.SessionGrant.admin != 0)
        #expect(grant.rootUID == 0 && grant.rootGID == 0)
        #expect(grant.minGoal == 1 && grant.maxGoal == 9)
    }

    @Test func setattrOfChmodCarriesModeAndGroups() throws {
        guard case .setattr(_, let inode, _, let who, let fields) = try FuseRequest.decode(Fixtures.frame("request-setattr")) else {
            Issue.record("not a setattr")
            return
        }
        #expect(inode == 3)
        #expect(who == FuseCredentials(uid: 0, gids: [0]))
        #expect(fields.setMask == FuseRequest.SetattrFields.modeBit)
        #expect(fields.mode == 0o600)
        #expect(fields.sugidClearMode == 4)
    }

    @Test func readChunkReplyListsTheChunkserverAt3_0_117() throws {
        guard case .chunk(_, _, let length, let location) = try FuseReply.decode(Fixtures.frame("reply-read-chunk")) else {
            Issue.record("not a chunk location")
            return
        }
        #expect(length == 64 * 1_048_576 + 1)
        #expect(location.servers.count == 1)
        #expect(location.servers.first?.version == .v3_0_117)
        #expect(location.servers.first?.port == 9422)
    }

    @Test func lookupReplyWithChunkZeroHint() throws {
        guard case .lookup(_, _, let attr, let flags, let hint) = try FuseReply.decode(Fixtures.frame("reply-lookup-chunk0")) else {
            Issue.record("not a lookup")
            return
        }
        #expect(attr.type == 1)
        #expect(flags & FuseReply.lookupChunkZeroData != 0)
        #expect(hint?.servers.count == 1)
    }

    @Test func appendGoesThroughTruncateWithReserve() throws {
        guard case .truncate(_, _, let flags, _, let length) = try FuseRequest.decode(Fixtures.frame("request-truncate-flags0b")) else {
            Issue.record("not a truncate")
            return
        }
        #expect(flags == 0x0B)
        #expect(length == 4)
    }

    @Test func everyRequestFixtureNamesAMessageID() throws {
        for name in Fixtures.requests where !name.hasPrefix("request-register") {
            let request = try FuseRequest.decode(Fixtures.frame(name))
            switch request {
            case .sustainedInodes, .amtimeInodes, .nop: #expect(request.messageID == nil, "\(name)")
            default: #expect(request.messageID != nil, "\(name)")
            }
        }
    }
}
