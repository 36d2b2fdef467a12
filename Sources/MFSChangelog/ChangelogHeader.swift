import MFSCore

/// The first line of every changelog file: `# swift-mfs changelog 1 metaid=HEX`, the format
/// version and the cluster (`MetaID.hex`, 16 lowercase hex digits). Readers refuse an unknown
/// format version, and refuse another cluster's changelog with `check(metaID:)`.
public struct ChangelogHeader: Hashable, Sendable {
    /// The format version this build writes and reads.
    public static let formatVersion = 1

    /// The cluster the changelog belongs to.
    public var metaID: MetaID

    public init(metaID: MetaID) { self.metaID = metaID }

    /// `# swift-mfs changelog 1 metaid=`: every header starts so.
    private static let prefix = Array("# swift-mfs changelog ".utf8)
    private static let metaIDKey = Array(" metaid=".utf8)

    /// The header line and its `\n`.
    public func format() -> [UInt8] { Array(text.utf8) + [UInt8(ascii: "\n")] }

    /// The header line without its `\n`.
    public var text: String { "# swift-mfs changelog \(Self.formatVersion) metaid=\(metaID.hex)" }

    /// Parses a header line given without its `\n` (strictly, as `ChangelogCodec` parses
    /// records: no `\r`, no trailing spaces).
    public static func parse(_ line: some Collection<UInt8>) throws(ChangelogHeaderError) -> ChangelogHeader {
        let bytes = Array(line)
        guard bytes.starts(with: prefix) else { throw .notAHeader(NameEscaping.printable(bytes)) }
        let rest = bytes[prefix.count...]
        let version = rest.prefix { $0 != UInt8(ascii: " ") }
        guard version.elementsEqual(String(formatVersion).utf8) else {
            throw .unknownFormatVersion(NameEscaping.printable(version))
        }
        let field = rest[version.endIndex...]
        guard field.starts(with: metaIDKey) else { throw .malformedMetaID(NameEscaping.printable(field)) }
        let hex = field.dropFirst(metaIDKey.count)
        // Lowercase digits only, checked first: `UInt64(_:radix:)` would also take `A-F` and a sign.
        guard hex.count == 16, hex.allSatisfy({ $0 &- UInt8(ascii: "0") <= 9 || $0 &- UInt8(ascii: "a") < 6 }),
            let value = UInt64(String(decoding: hex, as: UTF8.self), radix: 16)
        else { throw .malformedMetaID(NameEscaping.printable(hex)) }
        return ChangelogHeader(metaID: MetaID(value))
    }

    /// Parses a header line given as text, without its `\n`.
    public static func parse(line: String) throws(ChangelogHeaderError) -> ChangelogHeader {
        try parse(Array(line.utf8))
    }

    /// Whether a line is a header or comment line (starts with `#`) rather than a record, for
    /// readers that meet the header of a following file while concatenating.
    @inlinable
    public static func isComment(_ line: some Collection<UInt8>) -> Bool {
        line.first == UInt8(ascii: "#")
    }

    /// Throws `metaIDMismatch` unless the changelog belongs to the cluster `expected`: a reader
    /// never mixes two clusters' metadata.
    public func check(metaID expected: MetaID) throws(ChangelogHeaderError) {
        guard metaID == expected else { throw .metaIDMismatch(expected: expected, found: metaID) }
    }
}
