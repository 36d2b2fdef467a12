import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSMetalogger
import MFSRestore
import MFSStorage
import Testing

@Suite struct MetaloggerSnapshotTests {
    let history = History(seed: 31, changes: 600)

    @Test func aSnapshotIsWrittenEveryIntervalFromTheVerifiedNamespaceAndRotatesTheChangelog() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let clock = ManualClock()
        let log = LogCapture()
        let store = try MetaloggerStore(
            directory: dir.directory,
            options: MetaloggerStore.Options(backLogs: 5, keepPreviousMetadata: 2, snapshotInterval: .seconds(3_600)),
            logger: log.logger, clock: { clock.now })
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 200))
        clock.advance(1_000)
        try store.store(history.records(201, 300))
        store.waitForSnapshot()
        #expect(!dir.exists("changelog_ml.1.mfs"), "not due yet")
        clock.advance(2_601)
        try store.store(history.records(301, 310))
        store.waitForSnapshot()
        #expect(try dir.read("metadata_ml.mfs.back") == MetadataFile.encode(history.namespace(at: 310)))
        #expect(try dir.read("metadata_ml.mfs.back.1") == MetadataFile.encode(history.namespace(at: 100)))
        #expect(recordLines(try dir.read("changelog_ml.1.mfs")).last!.hasPrefix("310: "))
        #expect(recordLines(try dir.read("changelog_ml.0.mfs")).isEmpty)
        #expect(log.contains("metadata snapshot written"))
        try store.store(history.records(311, 600))
        store.close()

        // The newest files alone restore everything.
        try FileManager.default.removeItem(atPath: dir.file("changelog_ml.1.mfs"))
        try FileManager.default.removeItem(atPath: dir.file("metadata_ml.mfs.back.1"))
        let summary = try RestoreCommand.run(.automatic(dataPath: dir.path), warn: { _ in })
        #expect(summary.outcome.fromVersion == MetaVersion(310))
        #expect(MetadataFile.encode(summary.outcome.namespace) == MetadataFile.encode(history.end))
    }

    @Test func theScheduleCountsFromTheLastWrittenFile() {
        var schedule = SnapshotSchedule(interval: .seconds(3_600), lastWritten: 1_000, now: 4_000)
        #expect(!schedule.isDue(now: 4_599) && schedule.isDue(now: 4_600))
        schedule.written(now: 5_000)
        #expect(!schedule.isDue(now: 8_599) && schedule.isDue(now: 8_600))
        schedule.failed(now: 9_000)
        #expect(schedule.isDue(now: 9_000 + SnapshotSchedule.retrySeconds))
        let fresh = SnapshotSchedule(interval: .seconds(60), lastWritten: nil, now: 100)
        #expect(!fresh.isDue(now: 159) && fresh.isDue(now: 160))
    }
}
