import Crypto
import MooseWire

/// The register's password check (notes §2.3): the master keeps `MD5(password)` and sends 32
/// random bytes; the client answers `MD5(random[0..<16] ‖ MD5(password) ‖ random[16..<32])`.
/// MD5 is MooseFS's choice, kept for compatibility only (our own dialect uses HMAC-SHA256).
public enum FusePassword {
    /// `MD5(password)`, what `password=` in `mfsexports.cfg` stands for on this dialect.
    public static func digest(_ password: some Collection<UInt8>) -> [UInt8] {
        var md5 = Insecure.MD5()
        Array(password).withUnsafeBytes { md5.update(bufferPointer: $0) }
        return Array(md5.finalize())
    }

    /// The client's side: the passcode for `random` and the password's digest.
    public static func passcode(random: [UInt8], digest: [UInt8]) -> [UInt8] {
        RegisterChallenge(random: random).answer(authCode: digest).bytes
    }

    /// The master's side: whether `passcode` answers `random` for `digest` (constant time).
    public static func accepts(_ passcode: [UInt8], random: [UInt8], digest: [UInt8]) -> Bool {
        guard random.count == MooseClientLimits.challengeLength, passcode.count == MooseClientLimits.passcodeLength else { return false }
        return RegisterChallenge(random: random).accepts(RegisterPasscode(bytes: passcode), authCode: digest)
    }
}
