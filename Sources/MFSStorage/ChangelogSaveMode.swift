import MFSCore

/// `CHANGELOG_SAVE_MODE` (DESIGN §3): when a change counts as stored.
public enum ChangelogSaveMode: Int, Sendable, CaseIterable {
    /// 0: written in the background; a reply does not wait.
    case background = 0
    /// 1: handed to the kernel (`write`) before the reply.
    case writeBeforeReply = 1
    /// 2: on disk (`fsync`) before the reply; one fsync serves every change that arrived while
    /// the previous one ran (group commit).
    case fsyncBeforeReply = 2
}

/// Why the changelog could not be stored. After one, the writer refuses every later change:
/// a change that could not be stored is never acknowledged.
public enum ChangelogWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    case failed(String)
    case closed
    case otherCluster(file: String, expected: MetaID, found: MetaID)
    case notAChangelog(file: String, reason: String)
    /// The file already holds `found`, past the version the writer was to continue after.
    case holdsLaterChanges(file: String, found: MetaVersion, continuingAfter: MetaVersion)

    public var description: String {
        switch self {
        case .failed(let reason): "changelog write failed, no change is accepted any more: \(reason)"
        case .closed: "changelog is closed"
        case .otherCluster(let file, let expected, let found):
            "\(file) belongs to cluster \(found.hex), not \(expected.hex): refusing to append to it"
        case .notAChangelog(let file, let reason): "\(file) is not a changelog: \(reason)"
        case .holdsLaterChanges(let file, let found, let after):
            "\(file) already holds change \(found), past version \(after) that the next change would follow: refusing to "
                + "append (versions would repeat); restore with `mfsmetarestore -a`, or move the file aside"
        }
    }
}

/// What `/status` shows of the changelog.
public struct ChangelogWriterStatus: Sendable {
    public var mode: ChangelogSaveMode
    public var appendedVersion: MetaVersion
    public var writtenVersion: MetaVersion
    public var durableVersion: MetaVersion
    public var fsyncs: Int
    public var lastFsyncSeconds: Double?
    public var error: String?
}
