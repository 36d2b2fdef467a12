import Crypto

/// The master's password challenge (ACK atype 3): 32 random bytes, drawn per connection by a
/// master that has an AUTH_CODE, after the chunkserver's first BEGIN (which never carries a
/// passcode). The chunkserver answers with a second BEGIN carrying `answer(authCode:)`.
///
/// The answer is `MD5(random[0..<16] ‖ AUTH_CODE ‖ random[16..<32])` (notes §2.4). MD5 is
/// MooseFS's choice, kept for compatibility only: our own ports use HMAC-SHA256 (DESIGN §8).
public struct RegisterChallenge: Hashable, Sendable {
    /// Exactly `MooseWireLimits.registerChallengeLength` bytes.
    public let random: [UInt8]

    /// `random` must be 32 bytes: the caller draws them (the codec has no random source).
    public init(random: [UInt8]) {
        precondition(random.count == MooseWireLimits.registerChallengeLength, "challenge of \(random.count) bytes")
        self.random = random
    }

    /// The chunkserver's side: the passcode to send for `authCode` (the AUTH_CODE's bytes).
    public func answer(authCode: some Collection<UInt8>) -> RegisterPasscode {
        var md5 = Insecure.MD5()
        let half = MooseWireLimits.registerChallengeLength / 2
        for part in [Array(random[..<half]), Array(authCode), Array(random[half...])] {
            part.withUnsafeBytes { md5.update(bufferPointer: $0) }
        }
        return RegisterPasscode(bytes: Array(md5.finalize()))
    }

    /// The master's side: whether `passcode` answers this challenge for `authCode`. Compares
    /// every byte whatever the first difference, so the time taken says nothing about where
    /// a guess went wrong.
    public func accepts(_ passcode: RegisterPasscode, authCode: some Collection<UInt8>) -> Bool {
        let expected = answer(authCode: authCode).bytes
        var difference: UInt8 = 0
        for (a, b) in zip(expected, passcode.bytes) { difference |= a ^ b }
        return difference == 0 && passcode.bytes.count == expected.count
    }
}

/// The 16-byte MD5 answer in a passworded register BEGIN.
public struct RegisterPasscode: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == MooseWireLimits.registerPasscodeLength, "passcode of \(bytes.count) bytes")
        self.bytes = bytes
    }
}
