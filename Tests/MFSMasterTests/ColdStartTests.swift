import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A cold standby's master starts straight from a metalogger's files (docs/FAILOVER.md):
/// `metadata_ml.mfs.back` and `changelog_ml.N.mfs` are replayed in memory with
/// `mfsmetarestore`'s checks, nothing is written at start, and the master dumps later. Bad
/// files stop the start with an error naming them, and leave the directory as it was.
@Suite struct ColdStartTests {
    /// A metalogger's data directory: its snapshot (`metadata_ml.mfs.back`, at `snapshot`) and
    /// two changelogs after it (`changelog_ml.1.mfs` up to `middle`, `changelog_ml.0.mfs` up to
    /// the end). Returns the live namespace the files must give.
    private func metaloggerFiles(_ dir: String) async throws -> (live: Namespace, snapshot: MetaVersion, middle: MetaVersion) {
        let source = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: source) }
        let service = try newService(source)
        try await createFiles(service, 0..<30)
        let snapshot = try await service.dump()
        try FileManager.default.copyItem(atPath: source + "/metadata.mfs", toPath: dir + "/metadata_ml.mfs.back")
        try await createFiles(service, 30..<60)
        let middle = try await service.dump()
        try await createFiles(service, 60..<90)
        let live = service.namespace
        service.writer.close()
        // changelog.1.mfs: snapshot+1 … middle; changelog.0.mfs: middle+1 … live.
        try FileManager.default.copyItem(atPath: source + "/changelog.1.mfs", toPath: dir + "/changelog_ml.1.mfs")
        try FileManager.default.copyItem(atPath: source + "/changelog.0.mfs", toPath: dir + "/changelog_ml.0.mfs")
        return (live, snapshot, middle)
    }

    private func listing(_ dir: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) { files[name] = try FileIO.read(dir + "/" + name) }
        return files
    }

    /// The start on `dir` is refused with an error whose text satisfies `check`, and no file in
    /// `dir` was written, added or removed.
    private func expectRefused(_ dir: String, _ check: (String) -> Bool) throws {
        let before = try listing(dir)
        var text = ""
        #expect(throws: MasterStartup.StartupError.self) {
            do {
                _ = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
            } catch {
                text = "\(error)"
                throw error
            }
        }
        #expect(check(text), "\(text)")
        #expect(try listing(dir) == before, "the refused start changed the directory")
    }

    @Test func aMasterStartsFromAMetaloggersFilesInMemoryAndWritesNothing() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (live, _, _) = try await metaloggerFiles(dir)
        let before = try listing(dir)
        var warnings: [String] = []
        let loaded = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { warnings.append($0) })
        #expect(MetadataFile.encode(loaded.namespace) == MetadataFile.encode(live))
        #expect(loaded.needsDump && !loaded.isNewCluster)
        #expect(loaded.restoreSummary?.contains("metadata_ml.mfs.back") == true, "\(loaded.restoreSummary ?? "")")
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(try listing(dir) == before, "a start from a metalogger's files wrote to the directory")
    }

    /// The master crashes after taking changes on the restored namespace and before its
    /// background dump: nothing is lost, the next start restores the metalogger's files and
    /// the master's own changelog together.
    @Test func aCrashBeforeTheBackgroundDumpLosesNothing() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await metaloggerFiles(dir)
        let loaded = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        let writer = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: loaded.namespace.metaID, mode: .fsyncBeforeReply,
            lastVersion: loaded.namespace.version)
        let service = MetadataService(namespace: loaded.namespace, writer: writer, directory: DataDirectory(dir), checksumInterval: 100)
        try await createFiles(service, 90..<120)
        let live = service.namespace
        service.writer.close()
        #expect(!FileManager.default.fileExists(atPath: dir + "/metadata.mfs"))
        let again = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(MetadataFile.encode(again.namespace) == MetadataFile.encode(live))
    }

    /// `metadata.mfs` at the newest version with nothing to replay: loaded, no dump needed.
    @Test func aCurrentMetadataFileNeedsNoDump() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        try await createFiles(service, 0..<10)
        let dumped = try await service.dump()
        service.writer.close()
        let loaded = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(loaded.namespace.version == dumped && !loaded.needsDump && loaded.restoreSummary == nil)
    }

    /// A metalogger's snapshot alone (its changelogs lost or not written yet) is a cluster to
    /// restore, never a new one.
    @Test func aSnapshotWithoutChangelogsIsLoadedNotANewCluster() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, snapshot, _) = try await metaloggerFiles(dir)
        try FileManager.default.removeItem(atPath: dir + "/changelog_ml.0.mfs")
        try FileManager.default.removeItem(atPath: dir + "/changelog_ml.1.mfs")
        let loaded = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(!loaded.isNewCluster && loaded.namespace.version == snapshot && loaded.needsDump)
    }

    /// Ways a snapshot is damaged, and a word the error must carry.
    enum SnapshotDamage: String, CaseIterable, Sendable {
        /// Cut in half.
        case truncated
        /// A byte flipped in the middle: a section's CRC.
        case corrupt
        /// A byte of the header flipped: the only metadata file does not read at all (this
        /// once made the master say "no metadata", or take the directory for a new cluster's).
        case header

        func apply(_ bytes: inout [UInt8]) {
            switch self {
            case .truncated: bytes.removeSubrange((bytes.count / 2)...)
            case .corrupt: bytes[bytes.count / 2] ^= 0xFF
            case .header: bytes[20] ^= 0xFF
            }
        }
    }

    @Test(arguments: SnapshotDamage.allCases)
    func aDamagedSnapshotIsNamed(_ damage: SnapshotDamage) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await metaloggerFiles(dir)
        let path = dir + "/metadata_ml.mfs.back"
        var bytes = try FileIO.read(path)
        damage.apply(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try expectRefused(dir) { $0.contains(path) && $0.contains(damage.rawValue) }
    }

    @Test func aDamagedChangelogLineIsNamedWithItsLine() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await metaloggerFiles(dir)
        let path = dir + "/changelog_ml.1.mfs"
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        lines[4] = String(lines[4].prefix(12)) + "GARBAGE"
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
        try expectRefused(dir) { $0.contains("\(path):5") }
    }

    /// A truncated changelog (its end cut off, a later file present) is a gap.
    @Test func aGapBetweenTheChangelogsIsRefused() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, snapshot, middle) = try await metaloggerFiles(dir)
        try FileManager.default.removeItem(atPath: dir + "/changelog_ml.1.mfs")
        try expectRefused(dir) { $0.contains("changes \(snapshot.next)…\(middle) are missing") && $0.contains("changelog_ml.0.mfs") }
    }

    /// Two different changes with one version in one epoch: two histories, refused.
    @Test func aConflictBetweenTheChangelogsIsRefused() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, snapshot, _) = try await metaloggerFiles(dir)
        let conflicting = ChangelogRecord(version: snapshot.next, time: t0, change: .idle)
        var bytes = ChangelogHeader(metaID: MetaID(0xBEEF_0000_0000_0042)).format()
        ChangelogCodec.append(conflicting, to: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/changelog_ml.2.mfs"))
        try expectRefused(dir) { $0.contains("two different changes \(snapshot.next)") }
    }

    /// The real binary on a directory with a gap: it exits with the error, serves nothing and
    /// writes nothing (no `metadata.mfs`, no changelog of its own).
    @Test func mfsmasterOnAGapExitsNamingItAndWritesNothing() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let (_, snapshot, middle) = try await metaloggerFiles(data)
        try FileManager.default.removeItem(atPath: data + "/changelog_ml.1.mfs")
        try "* / rw,alldirs,maproot=0\n".write(toFile: dir + "/exports.cfg", atomically: true, encoding: .utf8)
        try writeColdStandbyConfig(
            dir + "/mfsmaster.cfg", dataPath: data, exports: dir + "/exports.cfg", masterHost: "127.0.0.1:\(freePort())",
            statusPort: freePort())
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: data))
        let (status, text) = try runToEnd(MasterProcess.binary, ["-c", dir + "/mfsmaster.cfg"])
        #expect(status != 0)
        #expect(text.contains("changes \(snapshot.next)…\(middle) are missing"), "\(text)")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: data)).subtracting([".mfsmaster.lock"])
        #expect(after == names, "the refused master wrote \(after.subtracting(names))")
    }
}
