import MFSChangelog
import MFSCore
import MFSMetadata

/// Moves changes of a superseded epoch out of a changelog chain (DESIGN §3), for a follower
/// master (`changelog.N.mfs`) and a metalogger (`changelog_ml.N.mfs`) alike: the lines after a
/// fork point are appended to `changelog.discarded.<epoch>.mfs`, one file per epoch (never
/// deleted), and cut from the files that held them.
public enum ChangelogTail {
    /// The lines of one epoch moved into one file.
    public struct Moved: Sendable {
        public var epoch: Epoch
        public var count: Int
        /// The version before the first line moved.
        public var after: MetaVersion
        public var path: String
    }

    /// `changelog.discarded.<epoch>.mfs` in `directory`.
    public static func discardedPath(in directory: DataDirectory, epoch: Epoch) -> String {
        directory.file("changelog.discarded.\(epoch).mfs")
    }

    /// The epoch at `version` as the namespace tells it without a replay: its current epoch
    /// when that began at or before `version`, else the one before the epoch it began.
    public static func epoch(at version: MetaVersion, of namespace: Namespace) -> Epoch {
        if namespace.epochStartVersion <= version { return namespace.epoch }
        return Epoch(namespace.epoch.rawValue == 0 ? 0 : namespace.epoch.rawValue - 1)
    }

    /// Moves every line after `version` out of `paths` (oldest first) into the
    /// `changelog.discarded.<epoch>.mfs` files of `directory`: a line belongs to `epochAtFork`
    /// until an `EPOCH(n)` line starts epoch n; a new file starts with `header`. Order for
    /// crashes: the moved lines are appended and fsynced first, then `beforeCut` runs, and
    /// only then are the source files cut (and fsynced), so a crash at any point loses
    /// nothing (at worst the next move appends the same lines again).
    @discardableResult
    public static func moveAside(
        _ paths: [String], after version: MetaVersion, epochAtFork: Epoch, header: [UInt8], in directory: DataDirectory,
        beforeCut: () throws(StorageError) -> Void = {}
    ) throws(StorageError) -> [Moved] {
        var cuts: [(path: String, offset: Int)] = []
        var tail: [ArraySlice<UInt8>] = []
        var last = version
        for path in paths {
            let bytes = try FileIO.read(path)
            let split = ForkTail(bytes, after: version)
            if split.cutOffset < bytes.count { cuts.append((path, split.cutOffset)) }
            // Files do not overlap, but a line already taken from an older file is not taken
            // twice.
            for line in split.lines {
                guard let v = ForkTail.version(of: line), v > last else { continue }
                tail.append(line)
                last = v
            }
        }
        let moved = try append(tail, after: version, epochAtFork: epochAtFork, header: header, in: directory)
        try beforeCut()
        for cut in cuts { try FileIO.truncateDurably(cut.path, to: cut.offset) }
        return moved
    }

    /// Appends the tail lines to `changelog.discarded.<epoch>.mfs`, one file per epoch.
    private static func append(
        _ tail: [ArraySlice<UInt8>], after version: MetaVersion, epochAtFork: Epoch, header: [UInt8], in directory: DataDirectory
    ) throws(StorageError) -> [Moved] {
        let epochs = ForkTail.epochs(of: tail, epochAtFork: epochAtFork)
        var moved: [Moved] = []
        var start = 0
        while start < tail.count {
            let epoch = epochs[start]
            var end = start
            var bytes: [UInt8] = []
            while end < tail.count, epochs[end] == epoch {
                bytes += tail[end]
                bytes.append(0x0A)
                end += 1
            }
            let path = discardedPath(in: directory, epoch: epoch)
            try FileIO.appendDurably(path, header: header, bytes)
            let first = ForkTail.version(of: tail[start]).map { MetaVersion($0.rawValue - 1) } ?? version
            moved.append(Moved(epoch: epoch, count: end - start, after: first, path: path))
            start = end
        }
        return moved
    }
}

extension ChangelogTail {
    /// The changes `after + 1` … `through` of the changelog chain `paths` (oldest first), in
    /// batches of at most `maxBytes` of text each, as a granter serves them to a candidate
    /// (DESIGN §7.2). Throws when the chain does not hold every one of them (a gap, or changes
    /// already rotated away), naming what is missing.
    public static func batches(
        _ paths: [String], after: MetaVersion, through: MetaVersion, maxBytes: Int
    ) throws(TailError) -> [(first: MetaVersion, count: Int, text: [UInt8])] {
        var batches: [(first: MetaVersion, count: Int, text: [UInt8])] = []
        var next = after.next
        for path in paths {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path) } catch { throw TailError("\(error)") }
            for line in ForkTail(bytes, after: after).lines {
                guard let version = ForkTail.version(of: line), version >= next, version <= through else { continue }
                guard version == next else { throw TailError("\(path) holds change \(version) where \(next) belonged: a gap") }
                guard line.count <= ChangelogLimits.maxLineLength else {
                    throw TailError(
                        "\(path): change \(version) is a line of \(line.count) bytes, longer than any change (\(ChangelogLimits.maxLineLength))"
                    )
                }
                if let last = batches.last, last.text.count + line.count + 1 <= maxBytes {
                    batches[batches.count - 1].count += 1
                    batches[batches.count - 1].text += line
                    batches[batches.count - 1].text.append(0x0A)
                } else {
                    batches.append((version, 1, Array(line) + [0x0A]))
                }
                next = version.next
            }
        }
        guard next > through else {
            throw TailError("the changelogs here hold changes only up to \(MetaVersion(next.rawValue - 1)), not through \(through)")
        }
        return batches
    }
}

/// Why a changelog tail cannot be served.
public struct TailError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ChangelogTail {
    /// The last changes of the chain `paths` (oldest first) through `through`, newest files
    /// read first, consecutive and at most `maxBytes` of lines (each ending in `\n`): what a
    /// master that restarts keeps for peers that are behind, so they stream instead of
    /// downloading everything (DESIGN §6). Stops at a gap, a line that does not read, or a
    /// file that cannot be read: what it has is consecutive and ends at `through` (or is empty).
    public static func recentLines(_ paths: [String], through: MetaVersion, maxBytes: Int) -> [(MetaVersion, [UInt8])] {
        var newestFirst: [(MetaVersion, [UInt8])] = []
        var expected = through
        var bytes = 0
        for path in paths.reversed() {
            guard let content = try? FileIO.read(path) else { break }
            let lines = ForkTail(content, after: .zero).lines
            for line in lines.reversed() {
                // A line longer than any change is not one (a damaged file): it stops here too.
                guard let version = ForkTail.version(of: line), line.count <= ChangelogLimits.maxLineLength else {
                    return newestFirst.reversed()
                }
                if version > expected { continue }
                guard version == expected, bytes + line.count + 1 <= maxBytes, expected > .zero else { return newestFirst.reversed() }
                newestFirst.append((version, Array(line) + [0x0A]))
                bytes += line.count + 1
                expected = MetaVersion(expected.rawValue - 1)
            }
        }
        return newestFirst.reversed()
    }
}
