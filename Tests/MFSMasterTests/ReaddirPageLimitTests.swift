import Foundation
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMaster
import MFSWire
import Testing

@testable import MFSMetadata

/// A native READDIR page ends between two hashes (its cookie is the last hash), so a run of
/// names sharing one hash is never split. Names made to collide (the hash's seed is fixed)
/// could make a page longer than the wire's limit: the request then fails with EIO instead
/// of the reply's encoder trapping.
@Suite struct ReaddirPageLimitTests {
    @Test func aRunOfOneHashPastThePageLimitFailsTheRequestNotTheMaster() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        let names = (0...WireLimits.maxReaddirEntries).map { "n\($0)" }
        _ = try service.perform { (ns: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
            for name in names {
                _ = try ns.create(.root, try EntryName(validating: name), type: .file, mode: 0o644, as: .root, now: t0)
            }
            // Every entry given one hash, as crafted names would have it (in name order).
            var entries: [DirectoryEntry] = []
            ns.inodes.read(Int(InodeID.root.rawValue)) { $0.directory.forEach { entries.append($0) } }
            entries.sort { $0.name.bytes.lexicographicallyPrecedes($1.name.bytes) }
            var colliding = Directory()
            for var entry in entries {
                entry.hash = 7
                colliding.appendInOrder(entry, expectedCount: entries.count)
            }
            ns.inodes.modify(Int(InodeID.root.rawValue)) { $0.payload = .directory(colliding) }
            return ((), nil)
        }
        let processor = ClientRequestProcessor(service: service)
        let session = ClientSession(
            id: SessionID(1), rule: ExportRule(line: 1, addresses: .any, directory: .root), root: .root)
        let request = ClientRequest.readdir(
            RequestID(1), rootCaller, inode: .root, cookie: 0, maxEntries: WireLimits.maxReaddirEntries)
        guard case .now(let reply) = processor.process(request, session: session, now: t0) else {
            Issue.record("a readdir waited")
            return
        }
        #expect(reply.wireStatus == .ioError, "\(reply)")
        service.writer.close()
    }
}
