import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSTestSupport
import Testing

@testable import MFSRestore

@Suite struct RestoreCommandTests {
    let history = History(seed: 9, changes: 1_500)

    @Test func usageErrorsExitTwo() throws {
        let binary = mfsmetarestoreBinary()
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build first: \(binary) is missing (scripts/test.sh builds it)")
        for arguments in [[], ["-m", "x"], ["-a", "-m", "x"], ["-z"], ["-o"], ["-d", "/tmp"]] {
            let (status, _, err) = try runProgram(binary, arguments)
            #expect(status == 2, "\(arguments)")
            #expect(err.contains("usage:"), "\(arguments)")
        }
        #expect(try runProgram(binary, ["-h"]).status == 0)
    }

    @Test func explicitRestoreWritesTheResultAndPrintsTheSummary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(MetadataFile.encode(Namespace()), to: dir + "/start.mfs")
        try write(changelogBytes(history.records[0..<900]), to: dir + "/changelog.1.mfs")
        try write(changelogBytes(history.records[700...]), to: dir + "/changelog_ml.0.mfs")
        let (status, out, err) = try runProgram(
            mfsmetarestoreBinary(),
            ["-m", dir + "/start.mfs", "-o", dir + "/out.mfs", dir + "/changelog.1.mfs", dir + "/changelog_ml.0.mfs"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("version 0 → \(history.end.version)") && out.contains("\(history.records.count) changes applied"))
        #expect(out.contains("metaid abcd000000000001") && out.contains("epoch \(history.end.epoch)"))
        let restored = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.mfs"))
        #expect(Array(restored) == MetadataFile.encode(history.end))
    }

    @Test func badInputExitsOneAndWritesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(MetadataFile.encode(Namespace()), to: dir + "/start.mfs")
        try write(
            changelogBytes(history.records[0..<100])
                + changelogBytes(history.records[120..<130]).dropFirst(ChangelogHeader(metaID: history.end.metaID).format().count),
            to: dir + "/gap.mfs")
        let (status, _, err) = try runProgram(mfsmetarestoreBinary(), ["-m", dir + "/start.mfs", "-o", dir + "/out.mfs", dir + "/gap.mfs"])
        #expect(status == 1)
        #expect(err.contains("changes 101…120 are missing") && err.contains("nothing was written"), "\(err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.mfs"))
        var corrupt = MetadataFile.encode(history.end)
        corrupt[corrupt.count / 2] ^= 0xFF
        try write(corrupt, to: dir + "/corrupt.mfs")
        let second = try runProgram(mfsmetarestoreBinary(), ["-m", dir + "/corrupt.mfs", "-o", dir + "/out.mfs"])
        #expect(second.status == 1 && second.err.contains("corrupt.mfs: section") && second.err.contains("is corrupt"), "\(second.err)")
        let missing = try runProgram(mfsmetarestoreBinary(), ["-m", dir + "/nope.mfs", "-o", dir + "/out.mfs"])
        #expect(missing.status == 1 && missing.err.contains("nope.mfs: No such file"), "\(missing.err)")
    }

    /// `-a`: the newest metadata of master and metalogger, every changelog of both schemes.
    @Test func automaticRestoreUsesTheNewestMetadataAndEveryChangelog() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var old = Namespace()
        for record in history.records[0..<300] { try old.apply(record) }
        var newer = old
        for record in history.records[300..<600] { try newer.apply(record) }
        try write(MetadataFile.encode(old), to: dir + "/metadata.mfs")
        try write(MetadataFile.encode(newer), to: dir + "/metadata_ml.mfs.back")
        try write(changelogBytes(history.records[250..<1_000]), to: dir + "/changelog.1.mfs")
        try write(changelogBytes(history.records[1_000...]), to: dir + "/changelog_ml.0.mfs")
        let (status, out, err) = try runProgram(mfsmetarestoreBinary(), ["-a", "-d", dir])
        #expect(status == 0, "\(err)")
        #expect(out.contains("metadata_ml.mfs.back version \(newer.version)"), "\(out)")
        let restored = try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs"))
        #expect(Array(restored) == MetadataFile.encode(history.end))
        let previous = try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs.back.1"))
        #expect(Array(previous) == MetadataFile.encode(old))
    }

    /// `-a` from `metadata.mfs.back.1` (the current file damaged): the result goes to
    /// `metadata.mfs`, the damaged file to `.back.1`, and the backup it started from is kept,
    /// shifted to `.back.2` (before, the write's rotation removed it).
    @Test func aRestoreFromABackupKeepsThatBackup() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var old = Namespace()
        for record in history.records[0..<300] { try old.apply(record) }
        let damaged = [UInt8](repeating: 0x5A, count: 200)
        try write(damaged, to: dir + "/metadata.mfs")
        try write(MetadataFile.encode(old), to: dir + "/metadata.mfs.back.1")
        try write(changelogBytes(history.records[250...]), to: dir + "/changelog.0.mfs")
        let (status, out, err) = try runProgram(mfsmetarestoreBinary(), ["-a", "-d", dir])
        #expect(status == 0, "\(err)")
        #expect(out.contains("metadata.mfs.back.1 version \(old.version)"), "\(out)")
        #expect(err.contains("metadata.mfs: ") && err.contains("passed over"), "\(err)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs"))) == MetadataFile.encode(history.end))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs.back.1"))) == damaged)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs.back.2"))) == MetadataFile.encode(old))
        #expect(RestoreCommand.previousCopiesKept(output: dir + "/metadata.mfs", input: dir + "/start.mfs") == 1)
    }

    /// `-a` passes over a candidate it cannot read (a directory named like a backup) and one of
    /// another cluster, however new (a stray metalogger file), with a warning each, and restores
    /// from this cluster's metadata (`metadata.mfs`'s, or the newest changelog's when that
    /// does not read).
    @Test func automaticRestorePassesOverUnreadableAndForeignCandidates() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var old = Namespace()
        for record in history.records[0..<300] { try old.apply(record) }
        var foreign = Namespace()
        _ = try foreign.setMetaID(MetaID(0x1234_0000_0000_0009), now: t0)
        for record in history.records[1..<900] { try foreign.apply(record) }
        try write(MetadataFile.encode(old), to: dir + "/metadata.mfs")
        try write(MetadataFile.encode(foreign), to: dir + "/metadata_ml.mfs.back")
        try FileManager.default.createDirectory(atPath: dir + "/metadata.mfs.back.old", withIntermediateDirectories: false)
        try write(changelogBytes(history.records[250...]), to: dir + "/changelog.0.mfs")
        let (status, out, err) = try runProgram(mfsmetarestoreBinary(), ["-a", "-d", dir])
        #expect(status == 0, "\(err)")
        #expect(out.contains("/metadata.mfs version \(old.version)"), "\(out)")
        #expect(err.contains("metadata_ml.mfs.back:1: changelog of cluster 1234000000000009") == false)
        #expect(err.contains("metadata_ml.mfs.back") && err.contains("cluster 1234000000000009") && err.contains("passed over"), "\(err)")
        #expect(err.contains("metadata.mfs.back.old") && err.contains("passed over"), "\(err)")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs"))) == MetadataFile.encode(history.end))

        // metadata.mfs unreadable: the newest changelog names the cluster.
        try write([UInt8](repeating: 0x5A, count: 200), to: dir + "/metadata.mfs")
        try write(MetadataFile.encode(old), to: dir + "/metadata.mfs.back.1")
        let second = try runProgram(mfsmetarestoreBinary(), ["-a", "-d", dir])
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("metadata.mfs.back.1 version \(old.version)"), "\(second.out)")
    }

    /// A metalogger host whose newest metadata is the old active's, downloaded with changes a
    /// failover then superseded: `-a` says so and restores from the next older file.
    @Test func automaticRestoreFallsBackBehindSupersededMetadata() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = try RestorerTests.Failover(history)
        try write(MetadataFile.encode(try f.old(after: 5)), to: dir + "/metadata_ml.mfs.back")
        try write(MetadataFile.encode(f.base), to: dir + "/metadata_ml.mfs.back.1")
        try write(changelogBytes(f.newFile), to: dir + "/changelog_ml.0.mfs")
        var warnings: [String] = []
        let summary = try RestoreCommand.run(.automatic(dataPath: dir), warn: { warnings.append($0) })
        #expect(summary.metadataFile == dir + "/metadata_ml.mfs.back.1")
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/metadata.mfs"))) == MetadataFile.encode(f.promoted))
        #expect(
            warnings.contains {
                $0.hasPrefix(dir + "/metadata_ml.mfs.back: the metadata holds changes up to 506 in epoch")
                    && $0.contains("starts epoch") && $0.hasSuffix("trying \(dir)/metadata_ml.mfs.back.1")
            }, "\(warnings)")
    }

    @Test func automaticRestoreWithoutMetadataIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, _, err) = try runProgram(mfsmetarestoreBinary(), ["-a", "-d", dir])
        #expect(status == 1 && err.contains("no metadata file"), "\(err)")
    }
}
