/// A directory entry name: 1…`maxLength` bytes, any byte but `/` and NUL. Names are bytes, not
/// Unicode text: Linux file names need not be valid UTF-8.
public struct EntryName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The longest name, in bytes (NAME_MAX).
    public static let maxLength = 255

    public let bytes: [UInt8]

    /// Checks the name's rules; `nameTooLong` past 255 bytes, `invalidArgument` for an empty
    /// name, `/`, NUL, `.` or `..`.
    public init(validating bytes: [UInt8]) throws(FSError) {
        guard !bytes.isEmpty else { throw .invalidArgument }
        guard bytes.count <= EntryName.maxLength else { throw .nameTooLong }
        guard Self.isValid(bytes) else { throw .invalidArgument }
        self.bytes = bytes
    }

    /// Whether `bytes` is a valid name (1-255 bytes, no `/` or NUL, not `.` or `..`), checked
    /// in place: a metadata file's million names are checked without a copy each.
    @inlinable
    public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        let count = bytes.count
        guard count > 0, count <= maxLength else { return false }
        var dots = 0
        for byte in bytes {
            if byte == 0x2F || byte == 0 { return false }
            if byte == 0x2E { dots += 1 }
        }
        return !(dots == count && count <= 2)
    }

    public init(validating text: String) throws(FSError) {
        try self.init(validating: Array(text.utf8))
    }

    /// For names already known to be valid (decoded from a checked file, tests).
    public init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public static func < (a: EntryName, b: EntryName) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// The name as text, with invalid UTF-8 replaced (for messages only).
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

extension EntryName: ExpressibleByStringLiteral {
    /// For tests and constants: traps on an invalid literal.
    public init(stringLiteral value: String) {
        do { try self.init(validating: value) } catch { preconditionFailure("invalid entry name literal \(value): \(error)") }
    }
}
