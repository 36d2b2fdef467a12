import MFSConfig
import Testing

/// `Digests` (swift-crypto): SHA-256 against FIPS 180-4's examples, HMAC-SHA256 against RFC 4231, and the password
/// challenge built on them.
@Suite struct CryptoTests {
    @Test func sha256OfAbc() {
        #expect(hex(Digests.sha256("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func sha256OfTheEmptyString() {
        #expect(hex(Digests.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sha256OfThe448BitMessage() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(hex(Digests.sha256(message.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func sha256OfThe896BitMessage() {
        let message =
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(hex(Digests.sha256(message.utf8)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func sha256OfOneMillionAs() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hex(Digests.sha256(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding needs a second block from 56 bytes on; these lengths sit on either side.
    @Test func sha256AroundThePaddingBoundaries() {
        let expected: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
            120: "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c",
        ]
        for (length, digest) in expected {
            #expect(hex(Digests.sha256([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest, "length \(length)")
        }
    }

    @Test(arguments: [
        // RFC 4231 test cases 1-4, 6 and 7 (5 is a truncated output): key, data, HMAC-SHA-256.
        (
            [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            Array(1...25), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131),
            Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
                    + "to be hashed before being used by the HMAC algorithm.").utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ])
    func hmacSHA256MatchesRFC4231(key: [UInt8], data: [UInt8], code: String) {
        #expect(hex(Digests.hmacSHA256(data, key: key)) == code)
    }

    @Test func passwordResponseIsHMACKeyedBySHA256OfThePassword() {
        let digest = passwordDigest("hunter2")
        #expect(hex(digest) == "f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7")
        let challenge = Array(0..<32) as [UInt8]
        let response = passwordResponse(secretDigest: digest, challenge: challenge)
        #expect(hex(response) == "f6fde718501707d1518dca8b51ba6bdcb4dbb348ba575fea93f7378c9ae3f7cb")
        #expect(PasswordProof(challenge: challenge, response: response).verifies(secretDigest: digest))
    }

    @Test func proofFailsForAnotherPasswordChallengeOrResponse() {
        let digest = passwordDigest("hunter2")
        let challenge = [UInt8](repeating: 7, count: 32)
        let response = passwordResponse(secretDigest: digest, challenge: challenge)
        #expect(!PasswordProof(challenge: challenge, response: response).verifies(secretDigest: passwordDigest("hunter3")))
        #expect(!PasswordProof(challenge: challenge.reversed() + [1], response: response).verifies(secretDigest: digest))
        var tampered = response
        tampered[31] ^= 1
        #expect(!PasswordProof(challenge: challenge, response: tampered).verifies(secretDigest: digest))
        #expect(!PasswordProof(challenge: challenge, response: Array(response.dropLast())).verifies(secretDigest: digest))
    }

    @Test func challengesShorterThanTheMinimumAreRefused() {
        let digest = passwordDigest("pw")
        let atMinimum = [UInt8](repeating: 1, count: PasswordProof.minimumChallengeLength)
        let short = Array(atMinimum.dropLast())
        let proofAtMinimum = PasswordProof(challenge: atMinimum, response: passwordResponse(secretDigest: digest, challenge: atMinimum))
        let shortProof = PasswordProof(challenge: short, response: passwordResponse(secretDigest: digest, challenge: short))
        #expect(proofAtMinimum.verifies(secretDigest: digest))
        #expect(!shortProof.verifies(secretDigest: digest))
        #expect(
            !PasswordProof(challenge: [], response: passwordResponse(secretDigest: digest, challenge: [])).verifies(secretDigest: digest))
    }

    @Test func constantTimeEqualsComparesEveryByte() {
        let a: [UInt8] = [1, 2, 3, 4]
        #expect(constantTimeEquals(a, [1, 2, 3, 4]))
        #expect(!constantTimeEquals(a, [0, 2, 3, 4]))
        #expect(!constantTimeEquals(a, [1, 2, 3, 5]))
        #expect(!constantTimeEquals(a, [1, 2, 3]))
        #expect(!constantTimeEquals(a, [1, 2, 3, 4, 5]))
        #expect(constantTimeEquals([], []))
        #expect(!constantTimeEquals([], [0]))
    }
}
