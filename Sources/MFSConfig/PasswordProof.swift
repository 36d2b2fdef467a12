/// What a client sends to prove it knows an export's password without sending the password:
/// the master's challenge and the client's response to it.
///
/// The exchange: the master sends a fresh random challenge (``minimumChallengeLength`` bytes or
/// more, never reused); the client answers `passwordResponse(secretDigest: passwordDigest(pw),
/// challenge:)`; the master, which keeps only `passwordDigest(pw)` from `mfsexports.cfg`,
/// computes the same and compares in constant time. An eavesdropper sees a challenge and an
/// HMAC, not the password, and cannot replay the answer against another challenge. (MooseFS
/// uses MD5 over the challenge and MD5(password); this keeps its shape with HMAC-SHA256.)
/// `AUTH_CODE` between master, chunkservers and metaloggers can use the same functions.
public struct PasswordProof: Hashable, Sendable {
    /// Challenges shorter than this are refused: a short or empty challenge lets an observed
    /// answer be replayed.
    public static let minimumChallengeLength = 16

    public var challenge: [UInt8]
    public var response: [UInt8]

    public init(challenge: [UInt8], response: [UInt8]) {
        self.challenge = challenge
        self.response = response
    }

    /// Whether the response answers the challenge for the password whose digest is
    /// `secretDigest`; false for a challenge shorter than ``minimumChallengeLength``.
    public func verifies(secretDigest: [UInt8]) -> Bool {
        guard challenge.count >= PasswordProof.minimumChallengeLength else { return false }
        return constantTimeEquals(response, passwordResponse(secretDigest: secretDigest, challenge: challenge))
    }
}

/// SHA-256 of the password's UTF-8 bytes: what the master keeps and the key of the response.
public func passwordDigest(_ password: String) -> [UInt8] {
    Digests.sha256(password.utf8)
}

/// The answer to `challenge`: HMAC-SHA256 keyed by `secretDigest` (see ``passwordDigest(_:)``).
public func passwordResponse(secretDigest: [UInt8], challenge: [UInt8]) -> [UInt8] {
    Digests.hmacSHA256(challenge, key: secretDigest)
}

/// Whether `a` and `b` hold the same bytes, taking the same time wherever they differ, so an
/// attacker timing the master's answers learns nothing about how much of a guess was right.
/// Only the length may leak (codes have a fixed, public length).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices {
        difference |= a[index] ^ b[index]
    }
    return difference == 0
}
