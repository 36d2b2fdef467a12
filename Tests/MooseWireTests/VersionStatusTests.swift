import MFSCore
import MooseWire
import Testing

@Suite struct VersionStatusTests {
    @Test func version3_0_117IsEncodedWithTheMinorDoubled() {
        #expect(MooseVersion.v3_0_117.rawValue == 0x0003_00EA)
        #expect(MooseVersion.v3_0_117.description == "3.0.117")
        let pro = MooseVersion(major: 3, mid: 0, minor: 117, pro: true)
        #expect(pro.rawValue == 0x0003_00EB && pro.isPro && pro.minor == 117 && pro.description == "3.0.117 PRO")
        #expect(MooseVersion(rawValue: 0x0002_0042) == MooseVersion(major: 2, mid: 0, minor: 33))
    }

    @Test func thresholdsIgnoreTheProBit() {
        let v = MooseVersion.v3_0_117
        for threshold in [
            MooseVersion.masterAck, .dataProtocolVersion, .pacedRegister, .ackWithMetaID, .labels, .loadStatus, .rebalanceStatus,
            .gracefulDisconnect,
        ] { #expect(v.isAtLeast(threshold)) }
        #expect(MooseVersion(major: 3, mid: 0, minor: 117, pro: true).isAtLeast(v))
        #expect(v.isAtLeast(MooseVersion(major: 3, mid: 0, minor: 117, pro: true)))
        #expect(!MooseVersion(major: 3, mid: 0, minor: 6).isAtLeast(.loadStatus))
        #expect(!MooseVersion(major: 2, mid: 0, minor: 32, pro: true).isAtLeast(.ackWithMetaID))
    }

    @Test func everyStatusByteSurvives() {
        for code in UInt8.min...UInt8.max { #expect(MooseStatus(rawValue: code).rawValue == code) }
        #expect(MooseStatus(rawValue: 0) == .ok)
        #expect(MooseStatus(rawValue: 13) == .noChunk)
        #expect(MooseStatus(rawValue: 16) == .notDone)
        #expect(MooseStatus(rawValue: 19) == .wrongVersion)
        #expect(MooseStatus(rawValue: 29) == .crc)
        #expect(MooseStatus(rawValue: 200) == .other(200))
        #expect(MooseStatus.wrongVersion.description == "WRONGVERSION (19)")
        #expect(MooseStatus(rawValue: 200).description == "status 200")
    }

    /// The notes' chunk-level codes (§2.1), by number.
    @Test func chunkLevelCodesHaveMooseFSNumbers() {
        let expected: [(MooseStatus, UInt8)] = [
            (.ok, 0), (.invalidArgument, 6), (.chunkLost, 8), (.noChunk, 13), (.chunkBusy, 14), (.notDone, 16), (.wrongVersion, 19),
            (.chunkExists, 20), (.noSpace, 21), (.io, 22), (.blockNumberTooBig, 23), (.wrongSize, 24), (.wrongOffset, 25),
            (.cantConnect, 26), (.wrongChunkID, 27), (.disconnected, 28), (.crc, 29),
        ]
        for (status, code) in expected { #expect(status.rawValue == code, "\(status)") }
    }

    @Test func registerChallengeSidesAgree() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<20 {
            let challenge = RegisterChallenge(random: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })
            let code = Array("pass\(random.next())".utf8)
            let answer = challenge.answer(authCode: code)
            #expect(challenge.accepts(answer, authCode: code))
            var wrong = answer.bytes
            wrong[Int.random(in: 0..<16, using: &random)] ^= 1
            #expect(!challenge.accepts(RegisterPasscode(bytes: wrong), authCode: code))
            #expect(!challenge.accepts(answer, authCode: code + [0x21]))
        }
    }
}
