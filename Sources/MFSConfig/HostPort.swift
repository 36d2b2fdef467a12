/// A host name or IPv4 address with an optional port: `host[:port]`, as in `TRACK_MASTER` or a
/// peer list. IPv6 is not supported (MooseFS 3 has none either).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// A host name (RFC 1123) or a dotted-quad IPv4 address.
    public var host: String
    /// 1...65535, or nil when the text gave none and the key's user picks a default.
    public var port: UInt16?

    public init(host: String, port: UInt16? = nil) {
        self.host = host
        self.port = port
    }

    /// Parses `host[:port]`; nil when the host or port is not valid.
    public init?(_ text: String) {
        guard let value = try? HostPort.parse(text[...]) else { return nil }
        self = value
    }

    /// The port, or `defaultPort` when none was given.
    public func port(or defaultPort: UInt16) -> UInt16 { port ?? defaultPort }

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    /// The longest host name, in bytes (RFC 1123).
    static let maxHostLength = 253

    static func parse(_ text: Substring) throws(ValueProblem) -> HostPort {
        guard text.first != "[" else { throw .bad("IPv6 addresses are not supported") }
        guard let colon = text.firstIndex(of: ":") else {
            return HostPort(host: try checkedHost(text, allowsWildcard: false), port: nil)
        }
        let host = try checkedHost(text[..<colon], allowsWildcard: false)
        let portText = text[text.index(after: colon)...]
        guard let port = ConfigText.plainNumber(portText, maxDigits: 5), (1...65535).contains(port) else {
            throw .bad("port \(ConfigText.quoted(portText)) is not a number 1...65535")
        }
        return HostPort(host: host, port: UInt16(port))
    }

    /// A host name or IPv4 address, or `*` ("any address", for listen hosts) when allowed.
    static func checkedHost(_ text: Substring, allowsWildcard: Bool) throws(ValueProblem) -> String {
        if allowsWildcard && text == "*" { return "*" }
        guard !text.isEmpty else { throw .bad("the host is empty") }
        // All digits and dots: meant as an address, so it must be a valid one (a name cannot
        // be all-numeric under RFC 1123's rule that the last label is not numeric).
        if text.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || ($0 >= 0x30 && $0 <= 0x39) }) {
            return try IPv4Address.parse(text).description
        }
        guard text.utf8.count <= maxHostLength else { throw .bad("the host name is longer than \(maxHostLength) bytes") }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard isValidLabel(label) else {
                throw .bad("\(ConfigText.quoted(label)) is not a host name label (letters, digits, inner '-', 1...63 bytes)")
            }
        }
        return String(text)
    }

    private static func isValidLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-")
        }
    }
}
