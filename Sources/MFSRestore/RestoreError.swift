import MFSChangelog
import MFSCore
import MFSMetadata

/// Why a restore stopped. Each names the file, line and versions involved; nothing is written.
public enum RestoreError: Error, CustomStringConvertible, Sendable {
    case badMetadata(file: String, MetadataFileError)
    case badHeader(file: String, ChangelogHeaderError)
    case otherCluster(file: String, expected: MetaID, found: MetaID)
    /// A metadata file of another cluster than the directory's (`metadata.mfs`'s, or the
    /// newest changelog's).
    case metadataOfOtherCluster(file: String, expected: MetaID, found: MetaID)
    case unparsable(file: String, line: Int, ChangelogParseError)
    case versionsNotIncreasing(file: String, line: Int, previous: MetaVersion, found: MetaVersion)
    case gap(missingFrom: MetaVersion, missingTo: MetaVersion, nextFile: String, nextLine: Int)
    case conflict(version: MetaVersion, epoch: Epoch, file: String, line: Int, otherFile: String, otherLine: Int)
    case replay(file: String, line: Int, ReplayError)
    /// The metadata holds changes up to `version` in `epoch`, but `file` starts `newerEpoch` at
    /// `from`, at or below that version: the metadata's changes from `from` on were superseded
    /// (an old active's, never acknowledged) and the changelogs continue another history.
    case supersededMetadata(epoch: Epoch, version: MetaVersion, file: String, line: Int, newerEpoch: Epoch, from: MetaVersion)
    case noMetadata(directory: String)
    case io(String)

    public var description: String {
        switch self {
        case .badMetadata(let file, let error): "\(file): \(error)"
        case .badHeader(let file, let error): "\(file):1: \(error)"
        case .otherCluster(let file, let expected, let found):
            "\(file):1: changelog of cluster \(found.hex), but the metadata is of cluster \(expected.hex): refused"
        case .metadataOfOtherCluster(let file, let expected, let found):
            "\(file): metadata of cluster \(found.hex), but this directory's files are of cluster \(expected.hex)"
        case .unparsable(let file, let line, let error): "\(file):\(line): \(error)"
        case .versionsNotIncreasing(let file, let line, let previous, let found):
            "\(file):\(line): change \(found) follows change \(previous): versions in a changelog must increase"
        case .gap(let from, let to, let file, let line):
            from == to
                ? "change \(from) is missing: no changelog has it (the next change found is \(to.next) at \(file):\(line))"
                : "changes \(from)…\(to) are missing: no changelog has them (the next change found is \(to.next) at \(file):\(line))"
        case .conflict(let version, let epoch, let file, let line, let otherFile, let otherLine):
            "two different changes \(version) in epoch \(epoch): \(file):\(line) and \(otherFile):\(otherLine)"
        case .replay(let file, let line, let error): "\(file):\(line): \(error)"
        case .supersededMetadata(let epoch, let version, let file, let line, let newerEpoch, let from):
            "the metadata holds changes up to \(version) in epoch \(epoch), but \(file):\(line) starts epoch \(newerEpoch) at change "
                + "\(from): the metadata's changes from \(from) on were superseded (never acknowledged); restore from a metadata file "
                + "older than change \(from)"
        case .noMetadata(let directory): "no metadata file (metadata.mfs, metadata.mfs.back*, metadata_ml.mfs.back*) in \(directory)"
        case .io(let message): message
        }
    }
}
