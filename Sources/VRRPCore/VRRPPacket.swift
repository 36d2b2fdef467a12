/// A VRRPv3 advertisement for IPv4 (RFC 5798 §5.2), the payload of an IPv4 datagram with
/// protocol 112, TTL 255, sent to 224.0.0.18.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Type  | Virtual Rtr ID|   Priority    |Count IPv4 Addr|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |(rsvd) |     Max Adver Int     |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      IPv4 Address 1                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            ...                                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// - Version 3, Type 1 (ADVERTISEMENT), one octet together (`0x31`) (§5.2.1, §5.2.2).
/// - Virtual Rtr ID 1…255 (§5.2.3); Priority 0…255 (§5.2.4); Count IPv4 Addr ≥ 1 (§5.2.5).
/// - rsvd: 4 bits, zero when sent, ignored when received (§5.2.6).
/// - Max Adver Int: 12 bits of centiseconds (§5.2.7).
/// - Checksum: Internet checksum over the IPv4 pseudo-header and the message (§5.2.8).
/// - The addresses, 4 octets each, most significant first (§5.2.9).
///
/// So the message is exactly `8 + 4 × count` bytes: 12 for one address, 1028 for 255.
public struct VRRPPacket: Hashable, Sendable {
    /// The VRRP version this codec speaks (§5.2.1).
    public static let version: UInt8 = 3
    /// The only message type VRRPv3 defines, ADVERTISEMENT (§5.2.2).
    public static let advertisementType: UInt8 = 1
    /// The IPv4 protocol number of VRRP (§5.1.1.4).
    public static let ipProtocolNumber: UInt8 = 112
    /// The TTL every advertisement is sent with and must arrive with (§5.1.1.3).
    public static let requiredTTL: UInt8 = 255
    /// Bytes before the first address.
    public static let fixedHeaderLength = 8
    /// The longest IPv4 message: the fixed header and 255 addresses.
    public static let maximumLength = fixedHeaderLength + 4 * VRRPLimits.maximumAddressCount

    /// VRID, 1…255.
    public var virtualRouterID: UInt8
    /// The sender's priority; 0 means the master is resigning.
    public var priority: UInt8
    /// The sender's advertisement interval in centiseconds, 1…4095.
    public var maximumAdvertisementIntervalCentiseconds: UInt16
    /// The virtual addresses, 1…255 of them.
    public var addresses: [IPv4Address]

    public init(
        virtualRouterID: UInt8, priority: UInt8, maximumAdvertisementIntervalCentiseconds: UInt16,
        addresses: [IPv4Address]
    ) {
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.maximumAdvertisementIntervalCentiseconds = maximumAdvertisementIntervalCentiseconds
        self.addresses = addresses
    }

    /// The advertisement interval as a duration.
    public var maximumAdvertisementInterval: Duration { .centiseconds(maximumAdvertisementIntervalCentiseconds) }

    /// The message bytes with the checksum filled in for this source and destination.
    ///
    /// Values outside the wire's limits are programmer errors (the core only builds packets from
    /// a validated `VRRPConfiguration`), so they trap with the offending value.
    public func encoded(source: IPv4Address, destination: IPv4Address = .vrrpMulticastGroup) -> [UInt8] {
        precondition(virtualRouterID != 0, "VRRP packet with VRID 0")
        precondition(
            (1...VRRPLimits.maximumAddressCount).contains(addresses.count),
            "VRRP packet with \(addresses.count) addresses")
        precondition(
            VRRPLimits.advertisementIntervalCentiseconds.contains(maximumAdvertisementIntervalCentiseconds),
            "VRRP packet with interval \(maximumAdvertisementIntervalCentiseconds) cs")
        var bytes: [UInt8] = [
            Self.version << 4 | Self.advertisementType, virtualRouterID, priority, UInt8(addresses.count),
            UInt8(maximumAdvertisementIntervalCentiseconds >> 8), UInt8(maximumAdvertisementIntervalCentiseconds & 0xFF),
            0, 0,
        ]
        bytes.reserveCapacity(Self.fixedHeaderLength + 4 * addresses.count)
        for address in addresses { bytes.append(contentsOf: address.octets) }
        let checksum = InternetChecksum.vrrp(message: bytes, source: source, destination: destination)
        bytes[6] = UInt8(checksum >> 8)
        bytes[7] = UInt8(checksum & 0xFF)
        return bytes
    }

    /// Decodes and checks a message as received, in the order of RFC 5798 §7.1: complete
    /// fixed header, version, type, address count against the length, checksum. The source and
    /// destination are those of the IPv4 header, which the checksum covers.
    ///
    /// Never traps, whatever the bytes: a bad packet is a `VRRPPacketError` naming the reason.
    public static func decode(
        _ message: some Collection<UInt8>, source: IPv4Address, destination: IPv4Address
    ) throws(VRRPPacketError) -> VRRPPacket {
        let bytes = Array(message)
        guard bytes.count >= fixedHeaderLength else { throw .truncated(length: bytes.count) }
        guard bytes[0] >> 4 == version else { throw .unsupportedVersion(bytes[0] >> 4) }
        guard bytes[0] & 0x0F == advertisementType else { throw .unknownType(bytes[0] & 0x0F) }
        let count = Int(bytes[3])
        // §5.2.5: "The minimum value is 1."
        guard count > 0 else { throw .noAddresses }
        // §7.1: the packet must hold the complete message; any other length (missing addresses,
        // trailing bytes, or 16-byte IPv6 addresses) means count and length disagree.
        guard bytes.count == fixedHeaderLength + 4 * count else {
            throw .addressCountMismatch(count: count, length: bytes.count)
        }
        try checkChecksum(bytes, source: source, destination: destination)
        // §5.2.6: the 4 reserved bits are ignored on receipt.
        let interval = UInt16(bytes[4] & 0x0F) << 8 | UInt16(bytes[5])
        // An interval of 0 cannot be learned (§6.4.2 would set Master_Down_Interval to Skew_Time
        // alone and every backup would take over at once), so it is refused.
        guard interval > 0 else { throw .zeroAdvertisementInterval }
        // §5.2.3: VRIDs are 1…255. A packet with 0 names no virtual router, and a packet this
        // decoder returns can always be encoded again.
        guard bytes[1] != 0 else { throw .zeroVirtualRouterID }
        return VRRPPacket(
            virtualRouterID: bytes[1], priority: bytes[2], maximumAdvertisementIntervalCentiseconds: interval,
            addresses: addresses(in: bytes, count: count))
    }

    private static func checkChecksum(
        _ bytes: [UInt8], source: IPv4Address, destination: IPv4Address
    ) throws(VRRPPacketError) {
        let received = UInt16(bytes[6]) << 8 | UInt16(bytes[7])
        var zeroed = bytes
        zeroed[6] = 0
        zeroed[7] = 0
        let computed = InternetChecksum.vrrp(message: zeroed, source: source, destination: destination)
        guard received == computed else { throw .badChecksum(received: received, computed: computed) }
    }

    private static func addresses(in bytes: [UInt8], count: Int) -> [IPv4Address] {
        (0..<count).map { k in
            let at = fixedHeaderLength + 4 * k
            return IPv4Address(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
        }
    }
}
