import MFSCore

/// Why a changelog file's header line was refused. The caller adds the file name.
public enum ChangelogHeaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line does not start with `# swift-mfs changelog `; carries the start of what was found.
    case notAHeader(String)
    /// The header names a format version this build does not read; carries it as written.
    case unknownFormatVersion(String)
    /// The metaid is not `metaid=` and 16 lowercase hex digits ending the line; carries what was found.
    case malformedMetaID(String)
    /// The changelog belongs to another cluster.
    case metaIDMismatch(expected: MetaID, found: MetaID)

    public var description: String {
        switch self {
        case .notAHeader(let found):
            "not a changelog header: expected `# swift-mfs changelog \(ChangelogHeader.formatVersion) metaid=<16 hex digits>`, found `\(found)` (not a swift-mfs changelog, or its start is lost)"
        case .unknownFormatVersion(let version):
            "unknown changelog format version `\(version)`: this build reads version \(ChangelogHeader.formatVersion) (written by a newer swift-mfs?)"
        case .malformedMetaID(let found):
            "malformed metaid in the changelog header: expected `metaid=` and 16 lowercase hex digits, found `\(found)`"
        case .metaIDMismatch(let expected, let found):
            "changelog belongs to cluster metaid \(found.hex), but this cluster's metaid is \(expected.hex): refusing to mix two clusters' metadata"
        }
    }
}
