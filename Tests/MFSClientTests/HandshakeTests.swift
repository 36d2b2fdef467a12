import MFSClient
import MFSConfig
import MFSCore
import MFSWire
import Testing

@Suite struct HandshakeTests {
    let grant = SessionGrant(session: SessionID(5), readOnly: false, root: .root, rootUID: 0, rootGID: 0)

    func masterHello(metaID: UInt64 = 0xABC, epoch: UInt64 = 3, challenge: [UInt8] = []) -> Frame {
        frame(
            HelloReply(
                role: .active, metaID: MetaID(metaID), epoch: Epoch(epoch), metaVersion: MetaVersion(10), softwareVersion: "test",
                challenge: challenge
            ).encode())
    }

    func frame(_ bytes: [UInt8]) -> Frame {
        var decoder = FrameDecoder()
        decoder.append(bytes)
        return try! decoder.next()!
    }

    func handshake(pin: ClusterPin = ClusterPin(), resume: SessionID? = nil, password: String? = nil) -> Handshake {
        Handshake(pin: pin, clientVersion: "t", mountPath: "/data", resume: resume, password: password)
    }

    @Test func theHelloCarriesThePinMountAndSessionToResume() throws {
        let hello = try Hello.decode(bytes: handshake(resume: SessionID(9)).helloFrame)
        #expect(hello.role == .client && hello.metaID == .unknown && hello.epoch == .zero)
        #expect(hello.client == ClientHello(clientVersion: "t", mountPath: "/data", resumeSession: SessionID(9)))
    }

    @Test func withoutAChallengeTheSessionFollowsTheHelloReply() {
        var shake = handshake()
        #expect(shake.received(masterHello()) == .wait)
        #expect(shake.received(frame(SessionReply.established(grant).encode())) == .established(grant))
        #expect(shake.pin.metaID == MetaID(0xABC) && shake.pin.epoch == Epoch(3))
    }

    @Test func aChallengeIsAnsweredWithTheHMACOfThePasswordDigest() throws {
        let challenge = [UInt8](repeating: 7, count: 32)
        var shake = handshake(password: "secret")
        guard case .send(let bytes) = shake.received(masterHello(challenge: challenge)) else {
            Issue.record("no answer to the challenge")
            return
        }
        let answer = try AuthResponse.decode(bytes: bytes)
        #expect(answer.response == passwordResponse(secretDigest: passwordDigest("secret"), challenge: challenge))
        #expect(shake.received(frame(SessionReply.established(grant).encode())) == .established(grant))
    }

    /// No password given: the challenge is answered for the empty password, so the master can
    /// admit the client under a line that needs none; its refusal is then a bad password.
    @Test func aChallengeWithoutAPasswordIsAnsweredForTheEmptyPassword() throws {
        let challenge = [UInt8](repeating: 9, count: 32)
        var shake = handshake()
        guard case .send(let bytes) = shake.received(masterHello(challenge: challenge)) else {
            Issue.record("no answer to the challenge")
            return
        }
        let answer = try AuthResponse.decode(bytes: bytes)
        #expect(answer.response == passwordResponse(secretDigest: passwordDigest(""), challenge: challenge))
        #expect(answer.response != passwordResponse(secretDigest: passwordDigest("secret"), challenge: challenge))
        #expect(shake.received(frame(SessionReply.established(grant).encode())) == .established(grant))

        var refused = handshake()
        _ = refused.received(masterHello(challenge: challenge))
        #expect(refused.received(frame(SessionReply.refused(.badPassword).encode())) == .failed(.refused(.badPassword)))
    }

    @Test func aMasterOfAnotherClusterIsRefused() {
        var pin = ClusterPin()
        #expect(
            pin.check(HelloReply(role: .active, metaID: MetaID(1), epoch: Epoch(1), metaVersion: .zero, softwareVersion: "")) == .accept)
        var shake = handshake(pin: pin)
        #expect(shake.received(masterHello(metaID: 2, epoch: 1)) == .failed(.refused(.wrongMetaID)))
    }

    @Test func aMasterBehindTheEpochSeenIsPassedOver() {
        var pin = ClusterPin()
        _ = pin.check(HelloReply(role: .active, metaID: MetaID(1), epoch: Epoch(4), metaVersion: .zero, softwareVersion: ""))
        var shake = handshake(pin: pin)
        guard case .failed(.passOver) = shake.received(masterHello(metaID: 1, epoch: 3)) else {
            Issue.record("a stale master was accepted")
            return
        }
    }

    @Test func refusalsAreSortedByWhatTheClientDoesNext() {
        let cases: [(WireStatus, HandshakeFailure?)] = [
            (.badSession, .sessionGone), (.accessDenied, .refused(.accessDenied)), (.badPassword, .refused(.badPassword)),
            (.wrongMetaID, .refused(.wrongMetaID)), (.notActive, nil), (.staleEpoch, nil),
        ]
        for (status, expected) in cases {
            var shake = handshake()
            _ = shake.received(masterHello())
            let step = shake.received(frame(SessionReply.refused(status).encode()))
            if let expected {
                #expect(step == .failed(expected), "\(status)")
            } else {
                guard case .failed(.passOver) = step else {
                    Issue.record("\(status) should pass over to the next master, got \(step)")
                    continue
                }
            }
        }
    }

    @Test func garbageInsteadOfTheHelloReplyIsAViolation() {
        var shake = handshake()
        guard case .failed(.violation) = shake.received(Frame(type: MessageType(12345), payload: [])) else {
            Issue.record("garbage accepted")
            return
        }
    }
}
