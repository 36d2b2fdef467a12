import Crypto

/// SHA-256 and HMAC-SHA256 for password challenges and `ADMIN_AUTH_CODE`, from swift-crypto
/// (BoringSSL's implementations; the same package gives `MooseWire` its MD5). Pure functions of
/// their input: no I/O and no clock, so this core may use them.
public enum Digests {
    /// Bytes in a SHA-256 digest and in an HMAC-SHA256 code.
    public static let sha256Length = 32

    /// SHA-256 (FIPS 180-4) of `message`.
    public static func sha256(_ message: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(message)))
    }

    /// HMAC-SHA256 (RFC 2104) of `message` under `key` (keys longer than a block are hashed first).
    public static func hmacSHA256(_ message: some Sequence<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key))))
    }
}
