import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSMetalogger
import MFSPeer
import MFSRestore
import MFSStorage
import Testing

@Suite struct MetaloggerStoreTests {
    let history = History(seed: 11, changes: 600)

    func open(_ dir: TemporaryDirectory, _ log: LogCapture = LogCapture(), clock: ManualClock = ManualClock()) throws -> MetaloggerStore {
        try MetaloggerStore(
            directory: dir.directory,
            options: MetaloggerStore.Options(backLogs: 5, keepPreviousMetadata: 2, snapshotInterval: .seconds(3_600)),
            logger: log.logger, clock: { clock.now })
    }

    @Test func aNewMetaloggerHoldsNothingAndAsksForADownload() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        defer { store.close() }
        #expect(store.position == PeerPosition(metaID: .unknown, highestEpoch: .zero, lastVersion: .zero, tailEpoch: .zero))
        #expect(throws: LinkError.self) { try store.store(history.records(1, 3)) }
    }

    @Test func installThenStoreThenReopenGivesTheSamePosition() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        #expect(store.position.lastVersion == MetaVersion(100))
        try store.store(history.records(101, 600))
        let position = store.position
        #expect(
            position
                == PeerPosition(
                    metaID: clusterID, highestEpoch: history.end.epoch, lastVersion: MetaVersion(600), tailEpoch: history.end.epoch))
        store.close()

        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(reopened.position == position)
        #expect(MetadataFile.encode(reopened.namespace) == MetadataFile.encode(history.end))
        #expect(try dir.read("metadata_ml.mfs.back") == MetadataFile.encode(history.namespace(at: 100)))
        let lines = recordLines(try dir.read("changelog_ml.0.mfs"))
        #expect(lines.count == 500 && lines.first!.hasPrefix("101: ") && lines.last!.hasPrefix("600: "))
        #expect(try dir.text("changelog_ml.0.mfs").hasPrefix(ChangelogHeader(metaID: clusterID).text + "\n"))
    }

    @Test func aSecondDownloadStartsANewChangelogAfterItsVersion() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 200))
        // The master no longer had 201…: it sends its metadata at 400.
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 400)), version: MetaVersion(400))
        try store.store(history.records(401, 600))
        store.close()
        #expect(recordLines(try dir.read("changelog_ml.1.mfs")).last!.hasPrefix("200: "))
        #expect(recordLines(try dir.read("changelog_ml.0.mfs")).first!.hasPrefix("401: "))
        #expect(try dir.read("metadata_ml.mfs.back.1") == MetadataFile.encode(history.namespace(at: 100)))
        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(reopened.position.lastVersion == MetaVersion(600))
        #expect(MetadataFile.encode(reopened.namespace) == MetadataFile.encode(history.end))
    }

    @Test func aDownloadThatDoesNotDecodeOrIsNotAtTheAnnouncedVersionIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        defer { store.close() }
        var bytes = MetadataFile.encode(history.namespace(at: 100))
        #expect {
            try store.install(metadata: bytes, version: MetaVersion(101))
        } throws: { "\($0)".contains("at version 100, announced as 101") }
        bytes[bytes.count / 2] ^= 0xFF
        #expect {
            try store.install(metadata: bytes, version: MetaVersion(100))
        } throws: { "\($0)".contains("does not decode") }
        #expect(!dir.exists("metadata_ml.mfs.back"))
        #expect(store.position.lastVersion == .zero)
    }

    @Test func aChangeWithAnotherResultIsRefusedAndTheNextRegistrationDownloads() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        let index = try #require(history.records.indices.first { $0 >= 200 && history.records[$0].result != nil })
        var bad = history.records[index]
        bad.result = bad.result! &+ 1
        let batch = Array(history.records[100..<index]) + [bad]
        #expect {
            try store.store(batch, text: text(of: batch))
        } throws: { error in
            let message = "\(error)"
            return message.contains("diverged at version \(bad.version)") && message.contains("the changelog recorded")
        }
        #expect(store.position.lastVersion == .zero)
        #expect(store.position.metaID == clusterID)
        // Nothing more is taken before a download.
        #expect(throws: LinkError.self) { try store.store([history.records[index]], text: text(of: [history.records[index]])) }
        store.close()
        // The changes before it were verified and stay.
        let reopened = try open(dir)
        defer { reopened.close() }
        #expect(reopened.position.lastVersion == MetaVersion(UInt64(index)))
    }

    @Test func aChecksumThatDoesNotMatchIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        defer { store.close() }
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        let index = try #require(
            history.records.indices.first { i in
                guard i >= 100, case .checksum = history.records[i].change else { return false }
                return true
            })
        var bad = history.records[index]
        guard case .checksum(let value) = bad.change else {
            Issue.record("record \(index) is not a CHECKSUM")
            return
        }
        bad.change = .checksum(value ^ 1)
        try store.store(Array(history.records[100..<index]), text: text(of: Array(history.records[100..<index])))
        #expect {
            try store.store([bad], text: text(of: [bad]))
        } throws: { error in
            "\(error)".contains("diverged at version \(bad.version)") && "\(error)".contains("checksum mismatch")
        }
        #expect(store.position.lastVersion == .zero)
    }

    @Test func aTornLastLineIsDroppedAtStart() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogCapture()
        let store = try open(dir, log)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 300))
        store.close()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.file("changelog_ml.0.mfs")))
        handle.seekToEndOfFile()
        let line = ChangelogCodec.format(history.records[300])
        handle.write(Data(line[0..<(line.count / 2)]))
        try handle.close()

        let reopened = try open(dir, log)
        #expect(reopened.position.lastVersion == MetaVersion(300))
        #expect(log.contains("the last line is incomplete"))
        // The next change lands on a line of its own, not after half a line.
        try reopened.store(history.records(301, 600))
        reopened.close()
        let again = try open(dir)
        defer { again.close() }
        #expect(again.position.lastVersion == MetaVersion(600))
        #expect(MetadataFile.encode(again.namespace) == MetadataFile.encode(history.end))
    }

    @Test func filesThatDoNotReplayRefuseTheStartNamingFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try open(dir)
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 200))
        store.close()
        var bytes = try dir.read("changelog_ml.0.mfs")
        // Line 12 of the file is change 111: make it claim another version.
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        lines[11] = Array("111: garbage".utf8)
        bytes = Array(lines.joined(separator: [0x0A]))
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("changelog_ml.0.mfs")))
        #expect {
            try open(dir)
        } throws: { "\($0)".contains("changelog_ml.0.mfs:12") }
    }

    @Test func linesThatDifferFromTheMastersAreReportedOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogCapture()
        let store = try open(dir, log)
        defer { store.close() }
        try store.install(metadata: MetadataFile.encode(history.namespace(at: 100)), version: MetaVersion(100))
        try store.store(history.records(101, 200))
        #expect(!log.contains("changelog lines differ"))
        let batch = history.records(201, 210)
        try store.store(batch, text: text(of: batch) + Array("# a newer master's extra\n".utf8))
        try store.store(history.records(211, 220), text: [])
        #expect(log.all.filter { $0.contains("changelog lines differ") && $0.contains("201…210") }.count == 1)
        #expect(store.position.lastVersion == MetaVersion(220))
    }
}
