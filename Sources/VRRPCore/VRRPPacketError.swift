/// Why bytes are not a valid VRRPv3 IPv4 advertisement (RFC 5798 §7.1). Each case names the
/// check that failed and carries what was seen, so a log line can say what the peer sent.
public enum VRRPPacketError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Shorter than the 8-byte fixed header.
    case truncated(length: Int)
    /// Version is not 3 (a VRRPv2 router is the usual sender).
    case unsupportedVersion(UInt8)
    /// Type is not 1 (ADVERTISEMENT), the only type VRRPv3 defines (§5.2.2).
    case unknownType(UInt8)
    /// Count IPvX Addr is 0; the minimum is 1 (§5.2.5).
    case noAddresses
    /// The length is not `8 + 4 × count`: addresses missing, trailing bytes, or IPv6 addresses.
    case addressCountMismatch(count: Int, length: Int)
    /// The checksum does not match the pseudo-header and message (§5.2.8).
    case badChecksum(received: UInt16, computed: UInt16)
    /// Max Adver Int is 0, which no router may run with.
    case zeroAdvertisementInterval
    /// Virtual Rtr ID is 0; the range is 1…255 (§5.2.3).
    case zeroVirtualRouterID

    public var description: String {
        switch self {
        case .truncated(let length): "truncated: \(length) bytes, the fixed header alone is 8"
        case .unsupportedVersion(let version): "version \(version), expected 3"
        case .unknownType(let type): "type \(type), expected 1 (advertisement)"
        case .noAddresses: "address count 0, the minimum is 1"
        case .addressCountMismatch(let count, let length):
            "address count \(count) needs \(8 + 4 * count) bytes, got \(length)"
        case .badChecksum(let received, let computed):
            "bad checksum 0x\(hex(received)), expected 0x\(hex(computed))"
        case .zeroAdvertisementInterval: "advertisement interval 0"
        case .zeroVirtualRouterID: "virtual router ID 0, the range is 1…255"
        }
    }
}

/// Four lowercase hex digits, for checksums in log lines.
func hex(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
