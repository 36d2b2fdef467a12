import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSMetalogger
import MFSPeer
import MFSRestore
import MFSStorage
import Testing

/// A master was replaced: the metalogger holds changes of the old epoch that the new master's
/// history superseded (DESIGN §3).
@Suite struct MetaloggerForkTests {
    let history = History(seed: 23, changes: 400)

    func open(_ dir: TemporaryDirectory, _ log: LogCapture = LogCapture(), clock: ManualClock = ManualClock()) throws -> MetaloggerStore {
        try MetaloggerStore(
            directory: dir.directory,
            options: MetaloggerStore.Options(backLogs: 5, keepPreviousMetadata: 2, snapshotInterval: .seconds(3_600)),
            logger: log.logger, clock: { clock.now })
    }

    /// The lines `changelog.discarded.<epoch>.mfs` must hold after the changes after
    /// `version` were moved aside: each old record under the epoch it belongs to.
    func expectedDiscarded(after version: Int, through last: Int) -> [Epoch: [String]] {
        var epoch = history.namespace(at: version).epoch
        var files: [Epoch: [String]] = [:]
        for record in history.records(version + 1, last) {
            if case .epoch(let e) = record.change { epoch = e }
            files[epoch, default: []].append(ChangelogCodec.text(of: record))
        }
        return files
    }

    func checkDiscarded(_ dir: TemporaryDirectory, after version: Int, through last: Int) throws {
        let expected = expectedDiscarded(after: version, through: last)
        let found = try dir.names().filter { $0.hasPrefix("changelog.discarded.") }
        #expect(Set(found) == Set(expected.keys.map { "changelog.discarded.\($0).mfs" }))
        for (epoch, lines) in expected {
            let bytes = try dir.read("changelog.discarded.\(epoch).mfs")
            #expect(try dir.text("changelog.discarded.\(epoch).mfs").hasPrefix(ChangelogHeader(metaID: clusterID).text + "\n"))
            #expect(recordLines(bytes) == lines)
        }
    }

    @Test func discardMovesExactlyTheChangesAfterTheForkPointAside() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogCapture()
        let store = try open(dir, log)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 400))
        let atFork = history.namespace(at: 300)

        try store.discard(after: MetaVersion(300), count: 100)
        #expect(
            store.position
                == PeerPosition(metaID: clusterID, highestEpoch: history.end.epoch, lastVersion: MetaVersion(300), tailEpoch: atFork.epoch))
        #expect(MetadataFile.encode(store.namespace) == MetadataFile.encode(atFork))
        try checkDiscarded(dir, after: 300, through: 400)
        let kept = recordLines(try dir.read("changelog_ml.0.mfs"))
        #expect(kept.count == 200 && kept.last!.hasPrefix("300: "))
        let firstEpoch = expectedDiscarded(after: 300, through: 400).keys.min()!
        #expect(log.contains("moved") && log.contains("after version 300 aside to \(dir.file("changelog.discarded.\(firstEpoch).mfs"))"))

        // The new master's changes follow the fork point.
        let newer = fork(history, at: 300, seed: 99, changes: 150)
        try store.store(newer)
        var expected = atFork
        for record in newer { try expected.apply(record) }
        store.close()
        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(reopened.position.lastVersion == expected.version && reopened.position.tailEpoch == expected.epoch)
        #expect(MetadataFile.encode(reopened.namespace) == MetadataFile.encode(expected))
        // mfsmetarestore -a takes the metalogger's files as they are now.
        let summary = try RestoreCommand.run(.automatic(dataPath: dir.path), warn: { _ in })
        #expect(MetadataFile.encode(summary.outcome.namespace) == MetadataFile.encode(expected))
    }

    @Test func aDiscardAppendsToAnExistingDiscardedFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        defer { store.close() }
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 400))
        let epoch = history.namespace(at: 390).epoch
        try #require(history.namespace(at: 400).epoch == epoch, "seed 23 has no EPOCH in 391…400")
        let earlier = ChangelogHeader(metaID: clusterID).text + "\n" + "1: 1|IDLE()\n"
        try earlier.write(toFile: dir.file("changelog.discarded.\(epoch).mfs"), atomically: true, encoding: .utf8)
        try store.discard(after: MetaVersion(390), count: 10)
        let lines = recordLines(try dir.read("changelog.discarded.\(epoch).mfs"))
        #expect(lines == ["1: 1|IDLE()"] + history.records(391, 400).map(ChangelogCodec.text(of:)))
    }

    @Test func aSnapshotAboveTheForkPointIsMovedAsideAndTheOlderCopyServes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let store = try open(dir, clock: clock)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 350))
        clock.advance(3_601)
        try store.store(history.records(351, 360))
        store.waitForSnapshot()
        #expect(try dir.read("metadata_ml.mfs.back") == MetadataFile.encode(history.namespace(at: 360)))
        try store.store(history.records(361, 400))

        try store.discard(after: MetaVersion(300), count: 100)
        #expect(store.position.lastVersion == MetaVersion(300))
        let snapshotEpoch = history.namespace(at: 360).epoch
        #expect(try dir.read("metadata_ml.discarded.\(snapshotEpoch).360.mfs") == MetadataFile.encode(history.namespace(at: 360)))
        #expect(try dir.read("metadata_ml.mfs.back") == MetadataFile.encode(history.namespace(at: 100)))
        #expect(!dir.exists("metadata_ml.mfs.back.1"))
        #expect(recordLines(try dir.read("changelog_ml.1.mfs")).last!.hasPrefix("300: "))
        #expect(recordLines(try dir.read("changelog_ml.0.mfs")).isEmpty)
        try checkDiscarded(dir, after: 300, through: 400)

        let newer = fork(history, at: 300, seed: 7, changes: 80)
        try store.store(newer)
        let position = store.position
        store.close()
        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(reopened.position == position)
    }

    @Test func aDownloadBelowTheChangesHeldMovesThoseAside() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 400))
        // The new master left the old history at 300 and no longer holds its changes after it:
        // it sends its metadata at 350.
        let newer = fork(history, at: 300, seed: 5, changes: 120)
        var promoted = history.namespace(at: 300)
        for record in newer[0..<50] { try promoted.apply(record) }
        try store.install(metadata: MetadataFile.encode(promoted), version: MetaVersion(350))
        #expect(store.position.lastVersion == MetaVersion(350))
        #expect(store.position.tailEpoch == promoted.epoch)
        try checkDiscarded(dir, after: 350, through: 400)
        try store.store(Array(newer[50...]))
        var expected = promoted
        for record in newer[50...] { try expected.apply(record) }
        store.close()
        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(MetadataFile.encode(reopened.namespace) == MetadataFile.encode(expected))
    }

    @Test func changelogsWithoutMetadataKeepTheClusterAndTheirChangesAreMovedAsideAtTheDownload() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 400))
        store.close()
        try FileManager.default.removeItem(atPath: dir.file("metadata_ml.mfs.back"))

        let log = LogCapture()
        let reopened = try open(dir, log)
        #expect(reopened.position == PeerPosition(metaID: clusterID, highestEpoch: .zero, lastVersion: .zero, tailEpoch: .zero))
        #expect(log.contains("no metadata_ml.mfs.back"))
        try reopened.install(metadata: MetadataFile.encode(history.namespace(at: 200)), version: MetaVersion(200))
        let discarded = try dir.names().filter { $0.hasPrefix("changelog.discarded.") }
        let moved = try discarded.flatMap { recordLines(try dir.read($0)) }.sorted()
        #expect(moved == history.records(201, 400).map(ChangelogCodec.text(of:)).sorted())
        try reopened.store(history.records(201, 400))
        reopened.close()
        let again = try open(dir)
        defer { again.close() }
        #expect(MetadataFile.encode(again.namespace) == MetadataFile.encode(history.end))
    }
}
