/// Why bytes from a peer were refused. Every case names the message and the reason, so the
/// connection handler can log it once and close that connection; none of them is ever a trap.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame header announced a payload longer than the limit. Raised from the 8-byte
    /// header alone, before any payload is buffered or allocated.
    case lengthTooLarge(length: UInt32, limit: Int)
    /// The payload of `message` ended `needed` bytes short of its layout.
    case truncated(message: MessageType, needed: Int)
    /// A frame type this version does not know.
    case unknownType(UInt32)
    /// A known frame type where it does not belong: a reply sent to the master, a request sent
    /// to a client, a hello after the hello. `expected` says what was.
    case unexpectedType(MessageType, expected: String)
    /// A field of `message` broke its rule: a bad name, a count past its limit, an unknown
    /// enum value or flag bit, a non-zero field that must be zero.
    case malformed(message: MessageType, field: String, reason: String)
    /// `message` was complete with `count` bytes of payload left over.
    case trailingBytes(message: MessageType, count: Int)
    /// The first frame of a connection was not a hello.
    case helloExpected(found: MessageType)
    /// A hello of a major version this module cannot read.
    case unsupportedVersion(ProtocolVersion, supported: ProtocolVersion)

    public var description: String {
        switch self {
        case .lengthTooLarge(let length, let limit):
            "frame of \(length) bytes announced; the limit is \(limit)"
        case .truncated(let message, let needed):
            "\(message) is \(needed) bytes short"
        case .unknownType(let type):
            "unknown message type \(type)"
        case .unexpectedType(let type, let expected):
            "\(type) where \(expected) was expected"
        case .malformed(let message, let field, let reason):
            "\(message): field \(field): \(reason)"
        case .trailingBytes(let message, let count):
            "\(message) has \(count) bytes after its last field"
        case .helloExpected(let found):
            "\(found) before the hello"
        case .unsupportedVersion(let version, let supported):
            "protocol version \(version) is not supported (this side speaks \(supported))"
        }
    }
}
