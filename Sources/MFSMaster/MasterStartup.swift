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
    }

    /// Loads the metadata of `dataPath`. With `autoRestore`, newer changelogs are replayed first
    /// (and the result written to `metadata.mfs`); without it they stop the start.
    public static func load(dataPath: String, autoRestore: Bool, warn: (String) -> Void) throws(StartupError) -> Loaded {
        let directory = DataDirectory(dataPath)
        let metadataPath = directory.file(DataDirectory.metadataName)
        let changelogs: [String]
        do { changelogs = try directory.changelogs().filter { !$0.contains("changelog_ml.") || autoRestore } } catch {
            throw .io(error.description)
        }
        var restoreSummary: String?
        if autoRestore, !changelogs.isEmpty || FileIO.exists(metadataPath) {
            do {
                restoreSummary = try RestoreCommand.run(.automatic(dataPath: dataPath), warn: warn).line
            } catch .noMetadata where !changelogs.isEmpty {
                throw .changelogsWithoutMetadata(dataPath: dataPath, files: changelogs)
            } catch .noMetadata {
                // Nothing at all: a new cluster.
            } catch {
                throw .restore(error)
            }
        }
        guard FileIO.exists(metadataPath) else {
            // Our changelogs, or a metalogger's files (a metalogger host about to take over):
            // either is a cluster to restore, never a new one.
            var found = changelogs
            if !autoRestore {
                found = (try? directory.changelogs()) ?? changelogs
                let downloaded = directory.file("metadata_ml.mfs.back")
                if FileIO.exists(downloaded) { found.append(downloaded) }
            }
            guard found.isEmpty else { throw .changelogsWithoutMetadata(dataPath: dataPath, files: found) }
            return Loaded(namespace: Namespace(), isNewCluster: true, restoreSummary: restoreSummary)
        }
        let namespace: Namespace
        do {
            namespace = try MetadataFile.decode(try FileIO.read(metadataPath))
        } catch let error as MetadataFileError {
            throw .metadata(file: metadataPath, error)
        } catch {
            throw .io("\(error)")
        }
        for file in changelogs where !file.contains("changelog_ml.") {
            if let last = lastVersion(in: file), last > namespace.version {
                throw .newerChangelogs(dataPath: dataPath, metadataVersion: namespace.version, changelogVersion: last, file: file)
            }
        }
        return Loaded(namespace: namespace, isNewCluster: namespace.metaID == .unknown, restoreSummary: restoreSummary)
    }

    /// The version of the last complete line of a changelog, nil if it has none.
    static func lastVersion(in path: String) -> MetaVersion? {
        guard let bytes = try? FileIO.read(path), let file = try? ChangelogFile(name: path, bytes: bytes) else { return nil }
        return file.lastVersion
    }
}
