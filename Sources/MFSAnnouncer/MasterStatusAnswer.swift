import FoundationEssentials

/// Judges an HTTP answer of the master's `/status` (DESIGN §1): healthy only for status 200
/// with a JSON object whose top-level `healthy` is true; and, while this host holds the virtual
/// IPs, only if the master is not a follower or fenced. Pure, so every case is unit-tested.
public enum MasterStatusAnswer {
    /// The largest answer read; `/status` is a few kilobytes.
    public static let maximumLength = 256 * 1024

    private struct Body: Decodable {
        var healthy: Bool
        var role: String?
        var replication: Replication?
    }

    private struct Replication: Decodable {
        var isolated: Bool?
    }

    /// What one answer says.
    public struct Verdict: Equatable, Sendable {
        public var healthy: Bool
        /// Why, for the log and the status file.
        public var detail: String
        /// Healthy, and active with too few peers heard to acknowledge a change (`/status`'s
        /// `replication.isolated`; false when the master does not say), while this host holds
        /// the virtual IPs.
        public var isolated: Bool

        /// `isolated` counts only with `healthy`: an unhealthy master's router runs at 0 anyway.
        public init(healthy: Bool, _ detail: String, isolated: Bool = false) {
            (self.healthy, self.detail, self.isolated) = (healthy, detail, healthy && isolated)
        }

        static func unhealthy(_ detail: String) -> Verdict { Verdict(healthy: false, detail) }
    }

    /// The verdict on a complete HTTP/1.x response (headers and body).
    ///
    /// `holdingVirtualIPs`: this host serves the virtual IPs (its promote hook succeeded). Its
    /// master then must be the active one: a master that says `follower` or `fenced` takes no
    /// write, so the addresses belong where the active master is, and the host resigns. That is
    /// how the addresses leave a master demoted by hand (`mfscli demote`), and an old active
    /// master that took them back when a partition healed (VRRP prefers its priority; it
    /// learns of the newer epoch on port 9419 and fences itself, DESIGN §7.6).
    public static func evaluate(_ response: [UInt8], holdingVirtualIPs: Bool = false) -> Verdict {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = firstIndex(of: separator, in: response) else { return .unhealthy("incomplete HTTP answer") }
        let head = String(decoding: response[..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
            return .unhealthy("not an HTTP answer: '\(statusLine.prefix(80))'")
        }
        guard code == 200 else { return .unhealthy("HTTP \(code)") }
        let body = Data(response[(end + separator.count)...])
        guard let decoded = try? JSONDecoder().decode(Body.self, from: body) else {
            return .unhealthy("answer has no boolean \"healthy\" field")
        }
        guard decoded.healthy else { return .unhealthy("healthy: false") }
        if holdingVirtualIPs, let role = decoded.role, role == "follower" || role == "fenced" {
            return .unhealthy("role \(role) while this host holds the virtual IPs: the active master is elsewhere")
        }
        // Only while this host holds the addresses: a backup stands for master at its own
        // priority (at a cluster's start its master is isolated until the peers connect, and
        // it should still win the first election).
        guard holdingVirtualIPs, decoded.replication?.isolated == true else { return Verdict(healthy: true, "healthy: true") }
        return Verdict(healthy: true, "healthy: true, isolated: too few peers heard to acknowledge a change", isolated: true)
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
