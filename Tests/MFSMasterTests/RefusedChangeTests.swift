import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A change the changelog queue refuses (its disk filled up, the writer failed) is never
/// visible: not in reads, not in a later dump. The changelog lives on a tiny tmpfs.
@Suite(.serialized) struct RefusedChangeTests {
    /// The active master's path: each change takes a while to make (the window in which the
    /// writer thread, writing earlier changes, finds the disk full), so the writer fails while
    /// a change is being made; that change must not stay in the namespace.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aChangeTheQueueRefusesIsNeverVisible() async throws {
        try await onSmallDisk("32k") { dir in
            let service = try newService(dir, mode: .background)
            defer { service.writer.close() }
            var made: Set<String> = []
            var refused: String?
            for i in 0..<5_000 where refused == nil {
                let name = "r\(i)" + String(repeating: "x", count: 200)
                do throws(MasterError) {
                    _ = try service.perform { (ns: inout Namespace) throws(FSError) -> (InodeID, ChangelogRecord?) in
                        let (attributes, record) = try ns.create(
                            .root, try EntryName(validating: name), type: .file, mode: 0o644, as: .root, now: t0)
                        usleep(2_000)
                        return (attributes.inode, record)
                    }
                    made.insert(name)
                } catch .storage {
                    refused = name
                } catch {
                    Issue.record("\(error)")
                    return
                }
            }
            let name = try #require(refused, "32 KiB never filled up")
            let visible = try service.namespace.names()
            let leaked = visible.contains(name)
            #expect(!leaked, "a change the changelog refused is visible")
            let unexpected = visible.subtracting(made).count
            #expect(unexpected == 0 && visible.count == made.count)
            // Nor can a dump take it.
            await #expect(throws: MasterError.self) { try await service.dump() }
        }
    }

    /// A follower's path: changes streamed from the active master, refused once its changelog
    /// failed, must not be replayed into its namespace either.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aReplicatedChangeTheQueueRefusesIsNeverVisible() async throws {
        try await onSmallDisk("32k") { dir in
            let follower = try newService(dir, mode: .fsyncBeforeReply)
            defer { follower.writer.close() }
            // The active master: the same cluster, as far as the follower has it.
            var active = Namespace()
            _ = try active.setMetaID(follower.namespace.metaID, now: t0)
            var stored = 0
            var failed = false
            while !failed, stored < 5_000 {
                let name = "s\(stored)" + String(repeating: "y", count: 200)
                let (_, record) = try active.create(.root, try EntryName(validating: name), type: .file, mode: 0o644, as: .root, now: t0)
                do {
                    try follower.applyReplicated([record])
                    try follower.writer.sync()
                    stored += 1
                } catch {
                    failed = true
                }
            }
            #expect(failed, "32 KiB never filled up")
            let before = follower.namespace
            let (_, next) = try active.create(.root, "after", type: .file, mode: 0o644, as: .root, now: t0)
            #expect(throws: ReplicaError.self) { try follower.applyReplicated([next]) }
            #expect(follower.namespace.version == before.version, "a replicated change the changelog refused was applied")
            #expect(try !follower.namespace.names().contains("after"))
        }
    }
}
