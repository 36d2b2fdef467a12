import VRRPCore

/// One entry of `VIRTUAL_IPS`: an IPv4 address and the prefix length it is added with
/// (`169.254.100.1/32`). VRRP advertises only the address; the prefix matters to netlink.
public struct VirtualIPAddress: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    /// 0…32.
    public var prefixLength: Int

    public init(address: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength), "IPv4 prefix length \(prefixLength)")
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDR/PREFIX`; nil with the reason when it is not an IPv4 address with a prefix.
    public static func parse(_ text: String) -> Result<VirtualIPAddress, VirtualIPParseError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(text.contains(":") ? .notIPv4(text) : .missingPrefix(text))
        }
        guard let address = IPv4Address(String(parts[0])) else {
            return .failure(parts[0].contains(":") ? .notIPv4(text) : .badAddress(text))
        }
        guard let prefix = Int(parts[1]), (1...32).contains(prefix) else { return .failure(.badPrefix(text)) }
        guard address.isUsableHostAddress else { return .failure(.unusable(text)) }
        return .success(VirtualIPAddress(address: address, prefixLength: prefix))
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// Why a `VIRTUAL_IPS` entry was refused.
public enum VirtualIPParseError: Error, Hashable, Sendable, CustomStringConvertible {
    case notIPv4(String)
    case missingPrefix(String)
    case badAddress(String)
    case badPrefix(String)
    case unusable(String)

    public var description: String {
        switch self {
        case .notIPv4(let text):
            "'\(text)' is not an IPv4 address: this announcer speaks VRRPv3 for IPv4 only"
        case .missingPrefix(let text): "'\(text)' has no prefix length: write ADDR/PREFIX, e.g. \(text)/32"
        case .badAddress(let text): "'\(text)' is not a dotted-quad IPv4 address"
        case .badPrefix(let text): "'\(text)' has a prefix length outside 1…32"
        case .unusable(let text):
            "'\(text)' is not a usable host address (zero, loopback, multicast or reserved)"
        }
    }
}
