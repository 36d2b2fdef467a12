/// Why a received packet was discarded (RFC 5798 §7.1: "the receiver MUST discard the packet,
/// SHOULD log the event"). The shell counts each under `label` and logs at a limited rate.
public enum VRRPRejection: Hashable, Sendable, CustomStringConvertible {
    /// The IPv4 header is unusable (only from `VRRPEvent.datagramReceived`).
    case malformedDatagram(IPv4DatagramError)
    /// TTL is not 255, so the packet may come from off-link (§5.1.1.3, §7.1).
    case ttlNot255(UInt8)
    /// The VRRP message failed a check of §7.1 (version, type, length, count, checksum) or
    /// carries a value no router sends (VRID 0, interval 0).
    case malformedPacket(VRRPPacketError)
    /// Another virtual router's advertisement (§7.1). Expected when several virtual routers
    /// share the LAN: count it, do not log it.
    case wrongVirtualRouterID(UInt8)
    /// Our own advertisement looped back (its source is our primary address). Answering it as a
    /// master would answer a peer would start an advertisement storm with ourselves.
    case ownAdvertisement

    /// A short stable name for counters and rate-limiting keys.
    public var label: String {
        switch self {
        case .malformedDatagram: "ipv4_header"
        case .ttlNot255: "ttl"
        case .malformedPacket(let error):
            switch error {
            case .truncated: "truncated"
            case .unsupportedVersion: "version"
            case .unknownType: "type"
            case .noAddresses, .addressCountMismatch: "length"
            case .badChecksum: "checksum"
            case .zeroAdvertisementInterval: "interval"
            case .zeroVirtualRouterID: "vrid_zero"
            }
        case .wrongVirtualRouterID: "vrid"
        case .ownAdvertisement: "own"
        }
    }

    /// Whether the event is worth a log line; some rejections are normal on a shared LAN.
    public var shouldLog: Bool {
        switch self {
        case .wrongVirtualRouterID, .ownAdvertisement: false
        default: true
        }
    }

    public var description: String {
        switch self {
        case .malformedDatagram(let error): "\(error)"
        case .ttlNot255(let ttl): "TTL \(ttl), expected 255 (RFC 5798 §7.1)"
        case .malformedPacket(let error): "\(error) (RFC 5798 §7.1)"
        case .wrongVirtualRouterID(let id): "virtual router ID \(id) is not ours"
        case .ownAdvertisement: "own advertisement looped back"
        }
    }
}
