/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit
/// big-endian words. VRRPv3 sums an IPv4 pseudo-header and the VRRP message (RFC 5798 §5.2.8).
struct InternetChecksum {
    private var sum: UInt32 = 0

    /// Adds bytes as big-endian 16-bit words. Every part but the last must have an even length,
    /// which holds for the pseudo-header (12 bytes) and a VRRP message.
    mutating func add(_ bytes: some Collection<UInt8>) {
        var high: UInt8? = nil
        for byte in bytes {
            if let first = high {
                addWord(UInt16(first) << 8 | UInt16(byte))
                high = nil
            } else {
                high = byte
            }
        }
        // An odd trailing byte is padded with a zero octet (RFC 1071 §4.1).
        if let first = high { addWord(UInt16(first) << 8) }
    }

    mutating func addWord(_ word: UInt16) {
        sum += UInt32(word)
        // Fold the carry at once so the sum can never overflow however long the input is.
        sum = (sum & 0xFFFF) + (sum >> 16)
    }

    /// The checksum to put in the header; summing a message that carries it yields 0.
    var value: UInt16 { ~UInt16(truncatingIfNeeded: sum) }

    /// The checksum VRRPv3 over IPv4 uses: pseudo-header (source, destination, zero, protocol
    /// 112, VRRP length) followed by the VRRP message (RFC 5798 §5.2.8 with the IPv4
    /// pseudo-header of RFC 768, as keepalived and the RFC 9568 revision do).
    static func vrrp(message: some Collection<UInt8>, source: IPv4Address, destination: IPv4Address) -> UInt16 {
        var checksum = InternetChecksum()
        checksum.addWord(UInt16(truncatingIfNeeded: source.rawValue >> 16))
        checksum.addWord(UInt16(truncatingIfNeeded: source.rawValue))
        checksum.addWord(UInt16(truncatingIfNeeded: destination.rawValue >> 16))
        checksum.addWord(UInt16(truncatingIfNeeded: destination.rawValue))
        checksum.addWord(UInt16(VRRPPacket.ipProtocolNumber))
        checksum.addWord(UInt16(truncatingIfNeeded: message.count))
        checksum.add(message)
        return checksum.value
    }
}
