/// An inclusive range of IPv4 addresses: the ADDRESS field of `mfsexports.cfg`.
public struct IPv4Range: Hashable, Sendable, CustomStringConvertible {
    public var lower: IPv4Address
    public var upper: IPv4Address

    public init(lower: IPv4Address, upper: IPv4Address) {
        precondition(lower <= upper, "empty range \(lower)-\(upper)")
        self.lower = lower
        self.upper = upper
    }

    /// Every address: `*` in the file.
    public static let any = IPv4Range(lower: IPv4Address(rawValue: 0), upper: IPv4Address(rawValue: .max))

    public func contains(_ address: IPv4Address) -> Bool { lower <= address && address <= upper }

    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }

    /// Parses the forms of MooseFS's ADDRESS field: `*`, `a.b.c.d`, `a.b.c.d/bits`,
    /// `a.b.c.d/m.m.m.m` and `a.b.c.d-e.f.g.h`. As in MooseFS, host bits under a mask are
    /// cleared (`10.1.2.3/8` is `10.0.0.0/8`). Unlike MooseFS, a mask with holes and a range
    /// whose end is below its start are refused: both admit something other than intended.
    static func parseExportAddress(_ text: Substring) throws(ValueProblem) -> IPv4Range {
        if text == "*" { return .any }
        if let dash = text.firstIndex(of: "-") {
            let lower = try IPv4Address.parse(text[..<dash])
            let upper = try IPv4Address.parse(text[text.index(after: dash)...])
            guard lower <= upper else { throw .bad("the range is empty: \(lower) is above \(upper)") }
            return IPv4Range(lower: lower, upper: upper)
        }
        guard let slash = text.firstIndex(of: "/") else {
            let address = try IPv4Address.parse(text)
            return IPv4Range(lower: address, upper: address)
        }
        let address = try IPv4Address.parse(text[..<slash])
        let mask = try parseMask(text[text.index(after: slash)...])
        let lower = address.rawValue & mask
        return IPv4Range(lower: IPv4Address(rawValue: lower), upper: IPv4Address(rawValue: lower | ~mask))
    }

    /// `/bits` (0...32) or a dotted netmask whose one bits are contiguous from the top.
    private static func parseMask(_ text: Substring) throws(ValueProblem) -> UInt32 {
        guard !text.isEmpty else { throw .bad("the mask after / is missing") }
        if ConfigText.isDigits(text) {
            guard let bits = ConfigText.plainNumber(text, maxDigits: 2), bits <= 32 else {
                throw .bad("mask /\(text) is not a prefix length 0...32")
            }
            return IPv4Prefix.mask(length: Int(bits))
        }
        let mask = try IPv4Address.parse(text).rawValue
        // Contiguous: the inverted mask plus one is a power of two (or zero for /0).
        let inverted = ~mask
        guard inverted & (inverted &+ 1) == 0 else {
            throw .bad("netmask \(text) has holes; its one bits must be contiguous from the left")
        }
        return mask
    }
}
