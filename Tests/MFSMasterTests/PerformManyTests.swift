import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import Testing

/// `MetadataService.performMany`: several changes queued together reach the disk in one batch
/// (one fsync in CHANGELOG_SAVE_MODE 2), as a write's end stores `LENGTH` and `ATTR`.
@Suite struct PerformManyTests {
    static func committed(_ service: MetadataService, _ version: MetaVersion) async -> MasterError? {
        await withCheckedContinuation { continuation in service.whenCommitted(version) { continuation.resume(returning: $0) } }
    }

    @Test func twoChangesAreStoredWithOneFsync() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        defer { service.writer.close() }
        let inode = try await service.change { (ns: inout Namespace) throws(FSError) in
            let (attrs, record) = try ns.create(.root, try EntryName(validating: "f"), type: .file, mode: 0o644, as: .root, now: t0)
            return (attrs.inode, record)
        }
        let before = service.writer.status.fsyncs
        let (count, version) = try service.performMany { (ns: inout Namespace) throws(FSError) -> (Int, [ChangelogRecord]) in
            let (_, length) = try ns.setLength(inode, 1_000, as: .root, checkPermission: false, now: UnixTime(t0.rawValue + 5))
            let (_, attr) = try ns.setAttributes(inode, AttributeChanges(mtime: .set(t0)), as: .root, now: UnixTime(t0.rawValue + 5))
            return (2, [length, attr])
        }
        #expect(await Self.committed(service, version) == nil)
        #expect(count == 2)
        #expect(service.writer.status.fsyncs - before == 1)
        #expect(service.namespace.version == version)
        let attributes = try service.namespace.attributes(of: inode)
        #expect(attributes.length == 1_000)
        #expect(attributes.mtime == t0)
        let lines = try String(contentsOfFile: dir + "/changelog.0.mfs", encoding: .utf8).split(separator: "\n")
        #expect(lines.suffix(2).map { $0.contains("|LENGTH(") } == [true, false])
        #expect(lines.suffix(2).map { $0.contains("|ATTR(") } == [false, true])
    }

    @Test func noChangeStoresNothingAndWaitsForTheLastVersion() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        defer { service.writer.close() }
        // A change first, so "the last version" is one the changelog holds.
        _ = try await service.change { (ns: inout Namespace) throws(FSError) in
            let (_, record) = try ns.create(.root, try EntryName(validating: "f"), type: .file, mode: 0o644, as: .root, now: t0)
            return ((), record)
        }
        let last = service.namespace.version
        let lines = try String(contentsOfFile: dir + "/changelog.0.mfs", encoding: .utf8)
        let fsyncs = service.writer.status.fsyncs
        let (_, version) = try service.performMany { (_: inout Namespace) throws(FSError) -> (Int, [ChangelogRecord]) in (0, []) }
        // The version to wait for is the last change's; it is committed, and nothing was stored.
        #expect(version == last && service.namespace.version == last)
        #expect(await Self.committed(service, version) == nil)
        #expect(try String(contentsOfFile: dir + "/changelog.0.mfs", encoding: .utf8) == lines)
        #expect(service.writer.status.fsyncs == fsyncs)
    }
}
