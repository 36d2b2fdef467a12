/// Why bytes from a MooseFS (or our) peer on 9420 or 9422 were refused. Every case names the
/// message and, where one is at fault, the field; none is ever a trap. The connection handler
/// logs it once and closes that connection, as MooseFS itself does for a wrong size.
public enum MooseWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame header announced a payload longer than the connection's limit. Raised from the
    /// 8-byte header alone, before any payload is buffered or allocated.
    case lengthTooLarge(length: UInt32, limit: Int)
    /// The payload of `message` ended `needed` bytes short while reading `field`.
    case truncated(message: MooseMessageType, field: String, needed: Int)
    /// `message` has a length its layout does not allow (MooseFS checks every fixed size
    /// exactly); `expected` says which lengths are.
    case wrongLength(message: MooseMessageType, length: Int, expected: String)
    /// A count field, or a count implied by the length, is past its limit.
    case countOutOfRange(message: MooseMessageType, field: String, count: Int, limit: Int)
    /// A field of `message` broke its rule: an unknown register or ACK variant, a data piece
    /// crossing a block, a size that disagrees with the data.
    case malformed(message: MooseMessageType, field: String, reason: String)
    /// `message` was complete with `count` bytes of payload left over.
    case trailingBytes(message: MooseMessageType, count: Int)
    /// A frame type that does not belong here: unknown, or known but sent the other way.
    /// MooseFS closes the connection on both.
    case unexpectedType(MooseMessageType, expected: String)

    public var description: String {
        switch self {
        case .lengthTooLarge(let length, let limit):
            "frame of \(length) bytes announced; the limit is \(limit)"
        case .truncated(let message, let field, let needed):
            "\(message): field \(field): \(needed) bytes short"
        case .wrongLength(let message, let length, let expected):
            "\(message) of \(length) bytes; its length must be \(expected)"
        case .countOutOfRange(let message, let field, let count, let limit):
            "\(message): field \(field): \(count) entries; the limit is \(limit)"
        case .malformed(let message, let field, let reason):
            "\(message): field \(field): \(reason)"
        case .trailingBytes(let message, let count):
            "\(message) has \(count) bytes after its last field"
        case .unexpectedType(let type, let expected):
            "\(type) where \(expected) was expected"
        }
    }
}
