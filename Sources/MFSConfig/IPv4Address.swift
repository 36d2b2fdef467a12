/// An IPv4 address. The raw value is the address as a number, most significant octet first:
/// `10.0.0.1` is `0x0A00_0001`, as on the wire in network byte order.
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad `a.b.c.d` (decimal, each 0...255); nil for anything else.
    public init?(_ text: String) {
        guard let address = try? IPv4Address.parse(text[...]) else { return nil }
        self = address
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        "\(rawValue >> 24).\(rawValue >> 16 & 0xFF).\(rawValue >> 8 & 0xFF).\(rawValue & 0xFF)"
    }

    /// Strict dotted quad. Leading zeros are refused: `inet_aton` and friends read `010` as
    /// octal 8 while MooseFS reads it as decimal 10, so such a file means different things to
    /// different tools.
    static func parse(_ text: Substring) throws(ValueProblem) -> IPv4Address {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw .bad("an IPv4 address is four numbers a.b.c.d") }
        var value: UInt32 = 0
        for part in parts {
            guard ConfigText.isDigits(part), part.utf8.count <= 3 else {
                throw .bad("an IPv4 address is four numbers 0...255 separated by dots")
            }
            guard part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0") else {
                throw .bad("leading zero in \(part) (octal or decimal?)")
            }
            let octet = UInt32(part)!
            guard octet <= 255 else { throw .bad("\(part) is above 255") }
            value = value << 8 | octet
        }
        return IPv4Address(rawValue: value)
    }
}
