/// Why bytes from the raw socket are not an IPv4 datagram carrying VRRP.
public enum IPv4DatagramError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Shorter than a 20-byte header.
    case truncated(length: Int)
    /// The version nibble is not 4.
    case notIPv4(version: UInt8)
    /// IHL × 4 is below 20 or beyond the received bytes.
    case badHeaderLength(Int)
    /// Total Length is shorter than the header or longer than what was received.
    case totalLengthMismatch(totalLength: Int, received: Int)
    /// Protocol is not 112 (VRRP).
    case notVRRP(protocolNumber: UInt8)

    public var description: String {
        switch self {
        case .truncated(let length): "IPv4 datagram of \(length) bytes, shorter than a 20-byte header"
        case .notIPv4(let version): "IP version \(version), expected 4"
        case .badHeaderLength(let length): "IPv4 header length \(length) bytes"
        case .totalLengthMismatch(let total, let received):
            "IPv4 total length \(total) with \(received) bytes received"
        case .notVRRP(let protocolNumber): "IP protocol \(protocolNumber), expected 112 (VRRP)"
        }
    }
}
