import MFSChangelog
import MFSCore
import MFSMetadata
import MFSRestore
import MFSStorage

/// What a master finds in its data directory at start, and what it does about it (DESIGN §4):
/// a new cluster, metadata to load, or changelogs newer than the metadata, which it refuses
/// unless started with `-a` (the same restore as `mfsmetarestore -a`).
public enum MasterStartup {
    public enum StartupError: Error, CustomStringConvertible, Sendable {
        case newerChangelogs(dataPath: String, metadataVersion: MetaVersion, changelogVersion: MetaVersion, file: String)
        case changelogsWithoutMetadata(dataPath: String, files: [String])
        case restore(RestoreError)
        /// A line of a changelog of this master's that does not parse (not a torn last line).
        case damagedChangelog(file: String, line: Int, reason: String, dataPath: String, metadataVersion: MetaVersion)
        case metadata(file: String, MetadataFileError)
        case io(String)

        public var description: String {
            switch self {
            case .newerChangelogs(let path, let metadataVersion, let changelogVersion, let file):
                "\(path)/metadata.mfs is at version \(metadataVersion) but \(file) goes up to version \(changelogVersion): "
                    + "run `mfsmetarestore -a -d \(path)` or start with `mfsmaster -a`"
            case .changelogsWithoutMetadata(let path, let files):
                "\(path) has changelogs (\(files.joined(separator: ", "))) but no metadata.mfs: "
                    + "run `mfsmetarestore -a -d \(path)` or start with `mfsmaster -a`, or move them away to start a new cluster"
            case .restore(let error): "restore failed: \(error)"
            case .damagedChangelog(let file, let line, let reason, let path, let version):
                "\(file):\(line) does not parse (\(reason)): the master does not start on a damaged changelog, whose "
                    + "next change would repeat a version. Repair that line, or move \(file) aside (\(path)/metadata.mfs "
                    + "holds every change up to version \(version)) and start again; `mfsmetarestore -a -d \(path)` says "
                    + "whether the changelogs left cover every change"
            case .metadata(let file, let error): "\(file): \(error)"
            case .io(let message): message
            }
        }
    }

    /// The outcome: the namespace to serve, and whether it is a new cluster (no metaid yet).
    public struct Loaded: Sendable {
        public var namespace: Namespace
        public var isNewCluster: Bool
        public var restoreSummary: String?
        /// `metadata.mfs` does not hold `namespace` (it was replayed from changelogs, or taken
        /// from a metalogger's `metadata_ml.mfs.back`): the master dumps it once it serves, in
        /// the background. Until then the files it came from hold every change.
        public var needsDump = false
    }

    /// Loads the metadata of `dataPath`. With `autoRestore`, the newest metadata file (the
    /// master's own or a metalogger's) and every changelog there (`changelog.N.mfs`,
    /// `changelog_ml.N.mfs`) are replayed in memory, with `mfsmetarestore`'s checks; nothing is
    /// written (the caller dumps later: `needsDump`). Without it, newer changelogs stop the start.
    public static func load(dataPath: String, autoRestore: Bool, warn: (String) -> Void) throws(StartupError) -> Loaded {
        let directory = DataDirectory(dataPath)
        let metadataPath = directory.file(DataDirectory.metadataName)
        let changelogs: [String]
        do { changelogs = try directory.changelogs().filter { !$0.contains("changelog_ml.") || autoRestore } } catch {
            throw .io(error.description)
        }
        var loaded: Loaded
        if autoRestore {
            let started = ContinuousClock.now
            let restored: RestoreCommand.Restored
            do {
                restored = try RestoreCommand.restore(.automatic(dataPath: dataPath), warn: warn)
            } catch .noMetadata where !changelogs.isEmpty {
                throw .changelogsWithoutMetadata(dataPath: dataPath, files: changelogs)
            } catch .noMetadata {
                // Nothing at all: a new cluster.
                return Loaded(namespace: Namespace(), isNewCluster: true)
            } catch {
                throw .restore(error)
            }
            let o = restored.outcome
            let current = restored.metadataFile == metadataPath && o.applied == 0
            loaded = Loaded(namespace: o.namespace, isNewCluster: o.namespace.metaID == .unknown, needsDump: !current)
            if !current {
                loaded.restoreSummary =
                    "\(restored.metadataFile) version \(o.fromVersion) → \(o.toVersion): \(o.applied) changes applied in "
                    + "\(started.duration(to: .now)) (in memory; dumped once the master serves); metaid \(o.namespace.metaID.hex), "
                    + "epoch \(o.namespace.epoch)"
            }
        } else {
            guard FileIO.exists(metadataPath) else {
                // Our changelogs, or a metalogger's files (a metalogger host about to take
                // over): either is a cluster to restore, never a new one.
                var found = (try? directory.changelogs()) ?? changelogs
                let downloaded = directory.file("metadata_ml.mfs.back")
                if FileIO.exists(downloaded) { found.append(downloaded) }
                guard found.isEmpty else { throw .changelogsWithoutMetadata(dataPath: dataPath, files: found) }
                return Loaded(namespace: Namespace(), isNewCluster: true)
            }
            do {
                let namespace = try MetadataFile.decode(try FileIO.read(metadataPath))
                loaded = Loaded(namespace: namespace, isNewCluster: namespace.metaID == .unknown)
            } catch let error as MetadataFileError {
                throw .metadata(file: metadataPath, error)
            } catch {
                throw .io("\(error)")
            }
        }
        let version = loaded.namespace.version
        for file in changelogs where !file.contains("changelog_ml.") {
            let last = try lastVersion(in: file, metadataVersion: version, dataPath: dataPath, warn: warn)
            if let last, last > version {
                throw .newerChangelogs(dataPath: dataPath, metadataVersion: version, changelogVersion: last, file: file)
            }
        }
        return loaded
    }

    /// The version of the last complete line of a changelog of this master's, nil if it has
    /// none. A torn last line (a write cut by a crash, never acknowledged) is dropped with a
    /// warning and cut off the file for good, as `mfsmetarestore` drops it. Any other line that
    /// does not parse stops the start: every line of `changelog.0.mfs` (the file the writer
    /// appends to) is parsed, and the last line of an older one (which says what it holds).
    static func lastVersion(
        in path: String, metadataVersion: MetaVersion, dataPath: String, warn: (String) -> Void
    ) throws(StartupError) -> MetaVersion? {
        let file: ChangelogFile
        do {
            file = try ChangelogFile(name: path, bytes: try FileIO.read(path))
            if file.tornLastLine {
                try FileIO.truncateDurably(path, to: file.completeLength)
                warn("\(path): dropped a torn last line (a write cut by a crash, never acknowledged) and cut it off the file")
            }
            try file.parseLines(lastOnly: !path.hasSuffix("/changelog.0.mfs"))
        } catch let error as RestoreError {
            throw damaged(error, dataPath: dataPath, metadataVersion: metadataVersion)
        } catch {
            throw .io("\(error)")
        }
        return file.lastVersion
    }

    private static func damaged(_ error: RestoreError, dataPath: String, metadataVersion: MetaVersion) -> StartupError {
        switch error {
        case .unparsable(let file, let line, let reason):
            .damagedChangelog(file: file, line: line, reason: "\(reason)", dataPath: dataPath, metadataVersion: metadataVersion)
        case .badHeader(let file, let reason):
            .damagedChangelog(file: file, line: 1, reason: "\(reason)", dataPath: dataPath, metadataVersion: metadataVersion)
        default:
            .restore(error)
        }
    }
}
