import MFSChangelog
import MFSCore
import MFSMetadata

/// Replays changelogs onto a namespace (DESIGN §5), merging files that overlap (master and
/// metalogger, rotated and current) by (epoch, version):
///
/// - lines with versions the namespace already has are passed over;
/// - identical lines with one version are applied once;
/// - where lines of two epochs share a version, the newer epoch's line wins and the older
///   epoch's tail from there on is superseded (it was never acknowledged to anyone who matters,
///   or it would be on the new active): counted and reported, never applied;
/// - a file whose lines are known to be of an older epoch than the namespace's, past its
///   version (so past the start of its epoch), is a superseded tail too, even where no other
///   file has those versions;
/// - two different lines with one version in one epoch, a gap, a line that does not parse, or a
///   replay whose result differs stop the restore with an error naming file, line and versions;
///   so does an `EPOCH` line at a version the namespace already has that the namespace's epoch
///   does not agree with (metadata that holds an old active's superseded changes).
///
/// Each file's lines are read with a cursor, so the merge streams: only the line applied is
/// parsed in full.
public struct Restorer {
    public struct Outcome: Sendable {
        public var namespace: Namespace
        public var fromVersion: MetaVersion
        public var toVersion: MetaVersion
        public var applied: Int
        /// Lines of an older epoch superseded by a newer one, by file.
        public var superseded: [String: Int]
        public var warnings: [String]
    }

    private struct Cursor {
        let file: ChangelogFile
        var index = 0
        /// The epoch of the cursor's lines once known: from an `EPOCH` line it passed, or from
        /// agreeing with a line that was applied. Until then a line inherits the current epoch.
        var epoch: Epoch?
        var previous: MetaVersion?
        /// Its line lost to a newer epoch's: the rest of the file is a superseded tail.
        var superseded = false
        var remaining: Int { superseded ? 0 : file.count - index }
        /// The version of the line at `index`, read once.
        var cachedVersion: (index: Int, version: MetaVersion)?
    }

    /// Replays `changelogs` onto `namespace`. `progress` is called now and then with the
    /// number of changes applied so far.
    public static func restore(
        _ namespace: Namespace, changelogs: [ChangelogFile], progress: ((Int) -> Void)? = nil
    ) throws(RestoreError) -> Outcome {
        var ns = namespace
        var warnings: [String] = []
        var expectedMetaID = ns.metaID
        for file in changelogs {
            if file.tornLastLine { warnings.append("\(file.name): the last line is incomplete (a write cut by a crash): dropped") }
            if file.header == nil { warnings.append("\(file.name): empty file: passed over"); continue }
            let found = file.header!.metaID
            if expectedMetaID == .unknown { expectedMetaID = found }
            guard found == expectedMetaID else { throw .otherCluster(file: file.name, expected: expectedMetaID, found: found) }
        }
        var cursors = changelogs.filter { $0.header != nil }.map { Cursor(file: $0) }
        let from = ns.version
        var superseded: [String: Int] = [:]
        var applied = 0
        while true {
            let target = ns.version.next
            var candidates: [Int] = []
            var nextFound: (MetaVersion, Int)?
            for c in cursors.indices where cursors[c].remaining > 0 {
                try advance(&cursors[c], below: target, agreeingWith: ns)
                guard cursors[c].remaining > 0 else { continue }
                let version = try version(caching: &cursors[c])
                // Past the namespace's version, and so past the start of its epoch.
                if let epoch = try cursors[c].file.startedEpoch(cursors[c].index) ?? cursors[c].epoch, epoch < ns.epoch {
                    superseded[cursors[c].file.name, default: 0] += cursors[c].remaining
                    cursors[c].superseded = true
                    continue
                }
                if version == target {
                    candidates.append(c)
                } else if nextFound == nil || version < nextFound!.0 {
                    nextFound = (version, c)
                }
            }
            guard !candidates.isEmpty else {
                if let (version, c) = nextFound {
                    throw .gap(
                        missingFrom: target, missingTo: MetaVersion(version.rawValue - 1), nextFile: cursors[c].file.name,
                        nextLine: cursors[c].file.lineNumber(cursors[c].index))
                }
                break
            }
            let (chosen, losers) = candidates.count == 1 ? (candidates[0], []) : try choose(candidates, cursors, current: ns.epoch)
            for c in losers {
                superseded[cursors[c].file.name, default: 0] += cursors[c].remaining
                cursors[c].superseded = true
            }
            let record = try cursors[chosen].file.parse(cursors[chosen].index)
            do {
                try ns.apply(record)
            } catch {
                throw .replay(file: cursors[chosen].file.name, line: cursors[chosen].file.lineNumber(cursors[chosen].index), error)
            }
            for c in candidates where !cursors[c].superseded {
                cursors[c].epoch = ns.epoch
                cursors[c].previous = target
                cursors[c].index += 1
            }
            applied += 1
            if applied & 0xFFFF == 0 { progress?(applied) }
        }
        for (file, count) in superseded.sorted(by: { $0.key < $1.key }) where count > 0 {
            warnings.append("\(file): \(count) changes of an older epoch were superseded by a newer epoch's changes and not applied")
        }
        return Outcome(
            namespace: ns, fromVersion: from, toVersion: ns.version, applied: applied, superseded: superseded.filter { $0.value > 0 },
            warnings: warnings)
    }

    private static func version(of cursor: Cursor) throws(RestoreError) -> MetaVersion {
        if let cached = cursor.cachedVersion, cached.index == cursor.index { return cached.version }
        guard let v = cursor.file.version(cursor.index) else {
            throw .unparsable(file: cursor.file.name, line: cursor.file.lineNumber(cursor.index), .missingVersion)
        }
        return v
    }

    private static func version(caching cursor: inout Cursor) throws(RestoreError) -> MetaVersion {
        let v = try version(of: cursor)
        cursor.cachedVersion = (cursor.index, v)
        return v
    }

    /// Moves a cursor past lines the namespace already has, tracking `EPOCH` lines on the way:
    /// each must agree with the namespace's epoch (an older epoch, or its own that started at
    /// that version).
    private static func advance(_ cursor: inout Cursor, below target: MetaVersion, agreeingWith ns: Namespace) throws(RestoreError) {
        while cursor.index < cursor.file.count {
            let v = try version(caching: &cursor)
            if let previous = cursor.previous, v <= previous {
                throw .versionsNotIncreasing(
                    file: cursor.file.name, line: cursor.file.lineNumber(cursor.index), previous: previous, found: v)
            }
            guard v < target else { return }
            if let e = try cursor.file.startedEpoch(cursor.index) {
                if e > ns.epoch || (e == ns.epoch && ns.epochStartVersion != .zero && ns.epochStartVersion != v) {
                    throw .supersededMetadata(
                        epoch: ns.epoch, version: ns.version, file: cursor.file.name, line: cursor.file.lineNumber(cursor.index),
                        newerEpoch: e, from: v)
                }
                cursor.epoch = e
            }
            cursor.previous = v
            cursor.index += 1
        }
    }

    /// Among lines with the next version, the one of the newest epoch wins; identical lines
    /// agree; a different line of an older epoch loses (its file's tail is superseded); a
    /// different line of the same epoch is a conflict.
    private static func choose(_ candidates: [Int], _ cursors: [Cursor], current: Epoch) throws(RestoreError) -> (Int, [Int]) {
        func lineEpoch(_ c: Int) throws(RestoreError) -> Epoch {
            try cursors[c].file.startedEpoch(cursors[c].index) ?? cursors[c].epoch ?? current
        }
        var best = candidates[0]
        for c in candidates.dropFirst() where try lineEpoch(c) > lineEpoch(best) { best = c }
        let bestEpoch = try lineEpoch(best)
        let bestLine = cursors[best].file.line(cursors[best].index)
        var losers: [Int] = []
        for c in candidates where c != best && cursors[c].file.line(cursors[c].index) != bestLine {
            guard try lineEpoch(c) < bestEpoch else {
                throw .conflict(
                    version: try version(of: cursors[best]), epoch: bestEpoch, file: cursors[best].file.name,
                    line: cursors[best].file.lineNumber(cursors[best].index), otherFile: cursors[c].file.name,
                    otherLine: cursors[c].file.lineNumber(cursors[c].index))
            }
            losers.append(c)
        }
        return (best, losers)
    }
}
