/// Why a metadata file could not be loaded. Each names the section where it applies.
public enum MetadataFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case notMetadataFile
    case unsupportedFormatVersion(UInt16)
    case headerChecksumMismatch
    case truncated(section: String)
    case sectionChecksumMismatch(section: String, stored: UInt32, computed: UInt32)
    case unknownSection(String)
    case unsupportedSectionVersion(section: String, version: UInt16, supported: UInt16)
    case malformed(section: String, reason: String)
    case missingSection(String)
    case missingEndMarker
    case trailingBytes(Int)
    case namespaceChecksumMismatch(stored: UInt64, computed: UInt64)

    public var description: String {
        switch self {
        case .notMetadataFile: "not a swift-mfs metadata file (bad magic)"
        case .unsupportedFormatVersion(let v):
            "metadata format version \(v) is not supported (this build reads version \(MetadataFile.formatVersion))"
        case .headerChecksumMismatch: "the header's CRC does not match: the file is corrupt"
        case .truncated(let section): "the file ends inside section \(section): it is truncated"
        case .sectionChecksumMismatch(let section, let stored, let computed):
            "section \(section) is corrupt: CRC stored \(hex(stored)), computed \(hex(computed))"
        case .unknownSection(let name): "unknown required section \(name) (written by a newer version?)"
        case .unsupportedSectionVersion(let section, let version, let supported):
            "section \(section) has version \(version); this build reads up to \(supported)"
        case .malformed(let section, let reason): "section \(section) is malformed: \(reason)"
        case .missingSection(let name): "section \(name) is missing"
        case .missingEndMarker: "the end marker is missing: the file is truncated"
        case .trailingBytes(let n): "\(n) bytes follow the end marker"
        case .namespaceChecksumMismatch(let stored, let computed):
            "the namespace checksum does not match (stored \(stored), computed \(computed)): the file is inconsistent"
        }
    }
}

private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
