/// The IPv4 header fields VRRP checks, and the payload, of a datagram as a Linux raw socket
/// for protocol 112 delivers it (header included, total length in network order).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// |         Identification        |Flags|      Fragment Offset    |
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// |                       Source Address                          |
/// |                    Destination Address                        |
/// |                    Options (IHL > 5)                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// The header checksum is not checked: the kernel drops datagrams whose header checksum is
/// wrong before a raw socket sees them, and the VRRP checksum covers the addresses again.
public struct IPv4Datagram: Hashable, Sendable {
    /// The length of a header without options.
    public static let minimumHeaderLength = 20

    public var source: IPv4Address
    public var destination: IPv4Address
    public var ttl: UInt8
    public var protocolNumber: UInt8
    /// The bytes after the header, up to the header's total length.
    public var payload: ArraySlice<UInt8>

    public init(
        source: IPv4Address, destination: IPv4Address, ttl: UInt8, protocolNumber: UInt8,
        payload: ArraySlice<UInt8>
    ) {
        self.source = source
        self.destination = destination
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.payload = payload
    }

    /// Reads the header of `bytes`. Never traps: a bad header is an `IPv4DatagramError`.
    /// Bytes after the total length (link-layer padding) are ignored, as IP does.
    public static func parse(_ bytes: [UInt8]) throws(IPv4DatagramError) -> IPv4Datagram {
        guard bytes.count >= minimumHeaderLength else { throw .truncated(length: bytes.count) }
        guard bytes[0] >> 4 == 4 else { throw .notIPv4(version: bytes[0] >> 4) }
        let headerLength = Int(bytes[0] & 0x0F) * 4
        guard headerLength >= minimumHeaderLength, headerLength <= bytes.count else {
            throw .badHeaderLength(headerLength)
        }
        let totalLength = Int(bytes[2]) << 8 | Int(bytes[3])
        guard totalLength >= headerLength, totalLength <= bytes.count else {
            throw .totalLengthMismatch(totalLength: totalLength, received: bytes.count)
        }
        guard bytes[9] == VRRPPacket.ipProtocolNumber else { throw .notVRRP(protocolNumber: bytes[9]) }
        return IPv4Datagram(
            source: IPv4Address(bytes[12], bytes[13], bytes[14], bytes[15]),
            destination: IPv4Address(bytes[16], bytes[17], bytes[18], bytes[19]),
            ttl: bytes[8], protocolNumber: bytes[9], payload: bytes[headerLength..<totalLength])
    }
}
