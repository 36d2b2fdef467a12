import MFSChangelog
import MFSCore
import MFSMetadata
import MFSRestore
import MFSStorage

/// Why the metalogger did not start: each names the file or setting and what is wrong.
public struct MetaloggerStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What the metalogger holds in `DATA_PATH`, found at start by the replay `mfsmetarestore`
/// does: the metadata file, then every `changelog_ml` file on top of it, each change verified.
struct LoadedFiles: Sendable {
    /// The verified namespace; nil without `metadata_ml.mfs.back` (the metadata is then
    /// downloaded before anything else).
    var namespace: Namespace?
    /// The cluster of the files (from the changelog headers when there is no metadata file).
    var metaID: MetaID
    /// The last version in the changelogs (without metadata: the changes a download must not
    /// land in front of; they are moved aside then).
    var lastChangelogVersion = MetaVersion.zero
    /// The version of `metadata_ml.mfs.back`, and when it was written.
    var metadataVersion: MetaVersion?
    var metadataWritten: Double?
    var warnings: [String]
    /// Changes replayed from the changelogs.
    var applied: Int
    /// The highest epoch of changes moved aside here (`changelog.discarded.<epoch>.mfs`): seen
    /// once, so a master below it is stale even though no file replayed holds it.
    var highestDiscardedEpoch = Epoch.zero
}

extension MetaloggerFiles {
    /// Loads the metadata and replays the changelogs (DESIGN §5's rules: a torn last line is
    /// dropped with a warning; a gap, a conflict, a line that does not parse, a CHECKSUM or a
    /// result that does not match stops the start, naming file and line).
    func load() throws(MetaloggerStartError) -> LoadedFiles {
        let changelogs = try readChangelogs()
        let discarded = highestDiscardedEpoch()
        guard FileIO.exists(metadataPath) else {
            var metaID = MetaID.unknown
            for file in changelogs {
                guard let header = file.header else { continue }
                if metaID == .unknown { metaID = header.metaID }
                guard header.metaID == metaID else {
                    throw MetaloggerStartError(
                        "\(file.name) belongs to cluster \(header.metaID.hex), other changelog_ml files to \(metaID.hex): "
                            + "move the files of the wrong cluster out of \(directory.path)")
                }
            }
            var warnings: [String] = []
            if !changelogs.isEmpty {
                warnings.append(
                    "\(directory.path) has changelog_ml files but no \(Self.metadataName): they are kept, "
                        + "and the metadata is downloaded afresh from a master of cluster \(metaID.hex)")
            }
            return LoadedFiles(
                namespace: nil, metaID: metaID, lastChangelogVersion: changelogs.compactMap(\.lastVersion).max() ?? .zero,
                warnings: warnings, applied: 0, highestDiscardedEpoch: discarded)
        }
        let base = try readMetadata(metadataPath)
        let outcome: Restorer.Outcome
        do { outcome = try Restorer.restore(base, changelogs: changelogs) } catch {
            throw MetaloggerStartError(
                "the metalogger's files in \(directory.path) do not replay: \(error) "
                    + "(move \(Self.metadataName) and the changelog_ml files aside to download the metadata afresh)")
        }
        return LoadedFiles(
            namespace: outcome.namespace, metaID: outcome.namespace.metaID, lastChangelogVersion: outcome.namespace.version,
            metadataVersion: base.version,
            metadataWritten: Self.modificationTime(metadataPath), warnings: outcome.warnings, applied: outcome.applied,
            highestDiscardedEpoch: discarded)
    }

    /// The highest epoch in a `changelog.discarded.<epoch>.mfs` name.
    func highestDiscardedEpoch() -> Epoch {
        let names = (try? FileIO.list(directory.path)) ?? []
        return names.compactMap { name -> Epoch? in
            guard name.hasPrefix("changelog.discarded."), name.hasSuffix(".mfs") else { return nil }
            // A name past `Epoch.maximum` is no file of ours (and would make masters refuse us).
            return UInt64(name.dropFirst("changelog.discarded.".count).dropLast(4)).flatMap(Epoch.init(checking:))
        }.max() ?? .zero
    }

    /// Every `changelog_ml` file, split into lines, oldest first.
    func readChangelogs() throws(MetaloggerStartError) -> [ChangelogFile] {
        let paths: [String]
        do { paths = try changelogPaths() } catch { throw MetaloggerStartError("cannot list \(directory.path): \(error)") }
        var files: [ChangelogFile] = []
        for path in paths { files.append(try readChangelog(path)) }
        return files
    }

    func readChangelog(_ path: String) throws(MetaloggerStartError) -> ChangelogFile {
        do {
            return try ChangelogFile(name: path, bytes: try FileIO.read(path))
        } catch let error as RestoreError {
            throw MetaloggerStartError("\(error)")
        } catch {
            throw MetaloggerStartError("cannot read \(path): \(error)")
        }
    }

    /// A metadata file, decoded and checked.
    func readMetadata(_ path: String) throws(MetaloggerStartError) -> Namespace {
        do {
            return try MetadataFile.decode(try FileIO.read(path))
        } catch let error as MetadataFileError {
            throw MetaloggerStartError(
                "\(path): \(error) (move it aside to have the metalogger download the metadata afresh)")
        } catch {
            throw MetaloggerStartError("cannot read \(path): \(error)")
        }
    }
}
