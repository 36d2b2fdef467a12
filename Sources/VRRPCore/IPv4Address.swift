/// An IPv4 address as the 32-bit number that goes on the wire (most significant octet first).
///
/// VRRP compares primary addresses as unsigned numbers to break priority ties (RFC 5798 §6.4.3),
/// so the ordering here is numeric: `10.0.0.2 > 10.0.0.1` and `169.254.0.1 > 10.255.255.255`.
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable, LosslessStringConvertible {
    /// The address as a number: `169.254.0.1` is `0xA9FE_0001`.
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The address whose four octets are `a.b.c.d`.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses a dotted quad (`"169.254.0.1"`). Exactly four decimal octets of 0…255; a leading
    /// zero (`"010.0.0.1"`) is refused because some parsers read it as octal and would mean
    /// another address than the operator wrote.
    public init?(_ description: String) {
        var value: UInt32 = 0
        var octets = 0
        for part in description.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard octets < 4, let octet = Self.parseOctet(part) else { return nil }
            value = value << 8 | UInt32(octet)
            octets += 1
        }
        guard octets == 4 else { return nil }
        rawValue = value
    }

    /// The four octets, most significant first (network byte order).
    public var octets: [UInt8] {
        [
            UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
            UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue),
        ]
    }

    /// The dotted quad, e.g. `169.254.0.1`.
    public var description: String { octets.map { String($0) }.joined(separator: ".") }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// 224.0.0.18, the group VRRP advertisements are sent to (RFC 5798 §5.1.1.2).
    public static let vrrpMulticastGroup = IPv4Address(224, 0, 0, 18)

    /// Whether a host may own this address: not in 0.0.0.0/8 ("this network"), 127.0.0.0/8
    /// (loopback), 224.0.0.0/4 (multicast) or 240.0.0.0/4 (reserved, with the broadcast address).
    public var isUsableHostAddress: Bool {
        let first = rawValue >> 24
        return first != 0 && first != 127 && first < 224
    }

    private static func parseOctet(_ digits: Substring.UTF8View) -> UInt8? {
        guard (1...3).contains(digits.count) else { return nil }
        if digits.count > 1 && digits.first == UInt8(ascii: "0") { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return UInt8(exactly: value)
    }
}
