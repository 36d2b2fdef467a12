/// An address with a prefix length, `a.b.c.d/len`: how a virtual IP is configured on an
/// interface (the announcer's `VIRTUAL_IPS`). The address keeps its host bits: `169.254.0.100/16`
/// is the address 169.254.0.100 on the network 169.254.0.0/16.
public struct IPv4Prefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    /// 0...32.
    public var length: Int

    public init(address: IPv4Address, length: Int) {
        precondition((0...32).contains(length), "prefix length \(length) is outside 0...32")
        self.address = address
        self.length = length
    }

    /// Parses `a.b.c.d/len`, or `a.b.c.d` meaning `/32` (keepalived's rule); nil otherwise.
    public init?(_ text: String) {
        guard let prefix = try? IPv4Prefix.parse(text[...]) else { return nil }
        self = prefix
    }

    /// The mask as an address, `255.255.0.0` for `/16`.
    public var netmask: IPv4Address { IPv4Address(rawValue: IPv4Prefix.mask(length: length)) }

    /// The address with its host bits cleared.
    public var network: IPv4Address { IPv4Address(rawValue: address.rawValue & netmask.rawValue) }

    /// Whether `other` is on this prefix's network.
    public func contains(_ other: IPv4Address) -> Bool {
        other.rawValue & netmask.rawValue == network.rawValue
    }

    public var description: String { "\(address)/\(length)" }

    /// The mask with the top `length` bits set (0...32).
    static func mask(length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    static func parse(_ text: Substring) throws(ValueProblem) -> IPv4Prefix {
        guard let slash = text.firstIndex(of: "/") else {
            return IPv4Prefix(address: try IPv4Address.parse(text), length: 32)
        }
        let address = try IPv4Address.parse(text[..<slash])
        let lengthText = text[text.index(after: slash)...]
        guard let length = ConfigText.plainNumber(lengthText, maxDigits: 2), length <= 32 else {
            throw .bad("prefix length \(lengthText) is not a number 0...32")
        }
        return IPv4Prefix(address: address, length: Int(length))
    }
}
