import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// `mfsmetarestore`, as a library so `mfsmaster -a` runs the same code (DESIGN §5).
public enum RestoreCommand {
    public enum Mode: Equatable, Sendable {
        /// `-m METADATA -o OUT CHANGELOG...`
        case explicit(metadata: String, output: String, changelogs: [String])
        /// `-a [-d DATA_PATH]`
        case automatic(dataPath: String)
    }

    public static let defaultDataPath = "/var/lib/mfs"

    public static let usage = """
        usage: mfsmetarestore -m METADATA -o OUT [CHANGELOG...]
               mfsmetarestore -a [-d DATA_PATH]

        Replays changelogs onto a metadata file and writes the result atomically.
          -m METADATA  metadata file to start from
          -o OUT       where to write the restored metadata
          -a           automatic: newest metadata file in DATA_PATH (master's or metalogger's),
                       every changelog there (changelog.N.mfs and changelog_ml.N.mfs), result
                       written to DATA_PATH/metadata.mfs (the previous one kept as .back.1)
          -d DATA_PATH data directory for -a (default \(defaultDataPath))
          -h           this help
        Exit status: 0 restored, 1 bad input (nothing written), 2 usage error.
        """

    /// Parses the command line (without the program name).
    public static func parse(_ arguments: [String]) throws(UsageError) -> Mode? {
        var metadata: String?
        var output: String?
        var automatic = false
        var dataPath: String?
        var files: [String] = []
        var i = 0
        func value(_ flag: String) throws(UsageError) -> String {
            i += 1
            guard i < arguments.count else { throw UsageError("\(flag) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "-h", "--help": return nil
            case "-m": metadata = try value("-m")
            case "-o": output = try value("-o")
            case "-d": dataPath = try value("-d")
            case "-a": automatic = true
            case let flag where flag.hasPrefix("-") && flag.count > 1: throw UsageError("unknown option \(flag)")
            default: files.append(arguments[i])
            }
            i += 1
        }
        if automatic {
            guard metadata == nil, output == nil, files.isEmpty else { throw UsageError("-a takes only -d") }
            return .automatic(dataPath: dataPath ?? defaultDataPath)
        }
        guard dataPath == nil else { throw UsageError("-d goes with -a") }
        guard let metadata else { throw UsageError("-m METADATA is required (or -a)") }
        guard let output else { throw UsageError("-o OUT is required") }
        return .explicit(metadata: metadata, output: output, changelogs: files)
    }

    public struct UsageError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// What a run did, for the summary line.
    public struct Summary: Sendable {
        public var outcome: Restorer.Outcome
        public var metadataFile: String
        public var outputFile: String
        public var seconds: Double

        public var line: String {
            let o = outcome
            let rate = seconds > 0 ? Int(Double(o.applied) / seconds) : 0
            return "mfsmetarestore: \(metadataFile) version \(o.fromVersion) → \(o.toVersion): \(o.applied) changes applied in "
                + "\(formatSeconds(seconds)) s (\(rate) changes/s); metaid \(o.namespace.metaID.hex), epoch \(o.namespace.epoch); written to \(outputFile)"
        }
    }

    /// A restore done in memory: what was replayed, from which metadata file, and where `run`
    /// writes it.
    public struct Restored: Sendable {
        public var outcome: Restorer.Outcome
        public var metadataFile: String
        public var outputFile: String
        /// How many changelog files were read.
        public var changelogFiles: Int
    }

    /// Runs a restore: reads, merges, replays, writes. Nothing is written unless all succeeds.
    public static func run(_ mode: Mode, warn: (String) -> Void, progress: ((Int) -> Void)? = nil) throws(RestoreError) -> Summary {
        let start = monotonicSeconds()
        let restored = try restore(mode, warn: warn, progress: progress)
        if restored.changelogFiles == 0 { warn("no changelog given: the metadata is written as it is") }
        do {
            let kept = previousCopiesKept(output: restored.outputFile, input: restored.metadataFile)
            try FileIO.writeMetadata(restored.outcome.namespace, to: restored.outputFile, keepPrevious: kept)
        } catch {
            throw .io(error.description)
        }
        return Summary(
            outcome: restored.outcome, metadataFile: restored.metadataFile, outputFile: restored.outputFile,
            seconds: monotonicSeconds() - start)
    }

    /// Reads, merges and replays, in memory only: the same checks as `run` (a gap, a conflict,
    /// another cluster's file, a line or a metadata file that does not decode each stop it,
    /// naming the file), and nothing is written. `mfsmaster` starts from this (docs/FAILOVER.md).
    public static func restore(_ mode: Mode, warn: (String) -> Void, progress: ((Int) -> Void)? = nil) throws(RestoreError) -> Restored {
        switch mode {
        case .explicit(let metadata, let output, let changelogs):
            return try restore(metadata, changelogs, output: output, warn: warn, progress: progress)
        case .automatic(let dataPath):
            let directory = DataDirectory(dataPath)
            let candidates = try metadataByAge(in: directory, warn: warn)
            let changelogs: [String]
            do { changelogs = try directory.changelogs() } catch { throw .io(error.description) }
            let output = directory.file(DataDirectory.metadataName)
            // Metadata that holds an old active's superseded changes (a metalogger that
            // downloaded them just before a failover): the next older file, until one precedes
            // the new epoch.
            for (n, path) in candidates.enumerated() {
                do {
                    return try restore(path, changelogs, output: output, warn: warn, progress: progress)
                } catch {
                    guard case .supersededMetadata = error, n + 1 < candidates.count else { throw error }
                    warn("\(path): \(error): trying \(candidates[n + 1])")
                }
            }
            throw .noMetadata(directory: dataPath)
        }
    }

    private static func restore(
        _ metadataPath: String, _ changelogPaths: [String], output outputPath: String, warn: (String) -> Void,
        progress: ((Int) -> Void)?
    ) throws(RestoreError) -> Restored {
        let namespace: Namespace
        do {
            namespace = try MetadataFile.decode(try read(metadataPath))
        } catch let error as MetadataFileError {
            throw .badMetadata(file: metadataPath, error)
        } catch {
            throw error as! RestoreError
        }
        var files: [ChangelogFile] = []
        for path in changelogPaths { files.append(try ChangelogFile(name: path, bytes: try read(path))) }
        let outcome = try Restorer.restore(namespace, changelogs: files, progress: progress)
        for warning in outcome.warnings { warn(warning) }
        return Restored(outcome: outcome, metadataFile: metadataPath, outputFile: outputPath, changelogFiles: files.count)
    }

    static func read(_ path: String) throws(RestoreError) -> [UInt8] {
        do { return try FileIO.read(path) } catch { throw .io(error.description) }
    }

    /// The header of the metadata file `-a` starts from in `dataPath`; nil if none reads.
    public static func newestMetadataHeader(dataPath: String) -> MetadataFile.Header? {
        guard let path = try? metadataByAge(in: DataDirectory(dataPath), warn: { _ in }).first,
            let bytes = try? FileIO.read(path, upTo: MetadataFile.headerLength)
        else { return nil }
        return try? MetadataFile.header(of: bytes)
    }

    /// The metadata files whose header reads (only the header is read here), of this
    /// directory's cluster (`metadata.mfs`'s, or when that does not read, the newest
    /// changelog's), highest (epoch, version) first: `-a` starts from the first. A candidate
    /// that does not read, or belongs to another cluster, is passed over with a warning; if
    /// none is left, the error names the first passed over.
    static func metadataByAge(in directory: DataDirectory, warn: (String) -> Void) throws(RestoreError) -> [String] {
        let candidates: [String]
        do { candidates = try directory.metadataCandidates() } catch { throw .io(error.description) }
        var headers: [(path: String, header: MetadataFile.Header)] = []
        var passedOver: [(path: String, error: RestoreError)] = []
        for path in candidates {
            do {
                let bytes = try FileIO.read(path, upTo: MetadataFile.headerLength)
                headers.append((path, try MetadataFile.header(of: bytes)))
            } catch let error as MetadataFileError {
                passedOver.append((path, .badMetadata(file: path, error)))
            } catch {
                passedOver.append((path, .io("\(error)")))
            }
        }
        let cluster = clusterOf(directory, headers: headers)
        var usable: [(path: String, header: MetadataFile.Header)] = []
        for candidate in headers {
            let metaID = candidate.header.metaID
            if let cluster, metaID != .unknown, metaID != cluster {
                passedOver.append((candidate.path, .metadataOfOtherCluster(file: candidate.path, expected: cluster, found: metaID)))
            } else {
                usable.append(candidate)
            }
        }
        guard !usable.isEmpty else {
            if let first = passedOver.first { throw first.error }
            throw .noMetadata(directory: directory.path)
        }
        for (_, error) in passedOver { warn("\(error): passed over") }
        // Stable: of two files alike, the one listed first (metadata.mfs before its backups).
        let ordered = usable.enumerated().sorted { a, b in
            let (x, y) = (a.element.header, b.element.header)
            return (x.epoch, x.version) != (y.epoch, y.version) ? (x.epoch, x.version) > (y.epoch, y.version) : a.offset < b.offset
        }
        return ordered.map(\.element.path)
    }

    /// The cluster a directory's files belong to: `metadata.mfs`'s metaID, or (when it does not
    /// read, or names none yet) the newest changelog's; nil when neither says.
    private static func clusterOf(_ directory: DataDirectory, headers: [(path: String, header: MetadataFile.Header)]) -> MetaID? {
        let current = directory.file(DataDirectory.metadataName)
        if let own = headers.first(where: { $0.path == current })?.header.metaID, own != .unknown { return own }
        guard let changelogs = try? directory.changelogs() else { return nil }
        for path in changelogs.reversed() {
            guard let bytes = try? FileIO.read(path, upTo: 128), let end = bytes.firstIndex(of: UInt8(ascii: "\n")),
                let header = try? ChangelogHeader.parse(bytes[..<end])
            else { continue }
            return header.metaID
        }
        return nil
    }

    /// How many earlier copies writing `output` keeps: one, or as many as it takes for the
    /// metadata file the restore started from, when it is `output.back.N`, to be shifted up to
    /// `.back.N+1` rather than removed (a restore from a backup keeps that backup).
    static func previousCopiesKept(output: String, input: String) -> Int {
        var source = stat()
        guard stat(input, &source) == 0 else { return 1 }
        var n = 1
        var backup = stat()
        while stat("\(output).back.\(n)", &backup) == 0 {
            if backup.st_dev == source.st_dev && backup.st_ino == source.st_ino { return n + 1 }
            n += 1
        }
        return 1
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func formatSeconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    let frac = ms % 1000
    return "\(ms / 1000)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
}
