import Foundation
import MFSConfig

/// The proof of `ADMIN_AUTH_CODE` that `POST /promote`, `/demote` and `/dump` from another host
/// carry, in the header `X-MFS-Auth: SECONDS:HEX`: HMAC-SHA256, keyed with SHA-256 of the code, of
/// `"POST PATH SECONDS"`, where SECONDS is the sender's Unix time. The master accepts it within
/// `maxSkewSeconds` of its own clock, so a captured header cannot be replayed later, and the
/// code itself never crosses the network.
public enum AdminAuth {
    public static let maxSkewSeconds: Int64 = 60

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    public static func header(path: String, code: String, now: Int64) -> String {
        "\(now):" + mac(path: path, code: code, seconds: now).map { String(format: "%02x", $0) }.joined()
    }

    public static func verifies(_ header: String?, path: String, code: String, now: Int64) -> Bool {
        guard let header, let colon = header.firstIndex(of: ":"), let seconds = Int64(header[..<colon]),
            abs(now - seconds) <= maxSkewSeconds
        else { return false }
        let expected = mac(path: path, code: code, seconds: seconds).map { String(format: "%02x", $0) }.joined()
        let given = String(header[header.index(after: colon)...]).lowercased()
        return constantTimeEquals(Array(expected.utf8), Array(given.utf8))
    }

    private static func mac(path: String, code: String, seconds: Int64) -> [UInt8] {
        Digests.hmacSHA256(Array("POST \(path) \(seconds)".utf8), key: passwordDigest(code))
    }
}
