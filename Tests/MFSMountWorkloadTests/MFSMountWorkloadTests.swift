import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Ordinary programs through Debian's `mfsmount` 3.0.117 on OUR master and OUR chunkservers
/// (issue #13's workloads), each compared with the same run on a local directory: tar, git,
/// sqlite3 (rollback journal and WAL), rsync there and back, fio's verified random I/O, the
/// POSIX errors, an unlinked file still open, and two mounts seeing each other's writes. One
/// lab (network namespaces: a master, two chunkservers, a client host) serves every workload;
/// the mounts live in the test's mount namespace, their daemons in the client's network one.
@Suite(.serialized) struct MFSMountWorkloadTests {
    static let tools = ["/usr/bin/mfsmount", "/usr/bin/fio", "/usr/bin/sqlite3", "/usr/bin/rsync", "/usr/bin/git", "/usr/bin/tar"]
    static let runnable =
        NetnsLab.available && FileManager.default.fileExists(atPath: "/dev/fuse")
        && tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    nonisolated(unsafe) static var runs = 0

    @Test(.enabled(if: runnable, "needs root, ip netns, /dev/fuse, mfsmount, fio, sqlite3, rsync, git (scripts/test.sh installs them)"))
    func programsBehaveOnTheMountAsOnALocalDirectory() throws {
        Self.runs += 1
        let lab = try WorkloadLab(prefix: "mwl\(getpid() % 10_000)\(Self.runs)")
        defer { lab.stop() }
        try lab.start()
        guard lab.ready else { return }
        let repoSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources").path
        let tree = lab.lab.path("tree")
        let tarball = lab.lab.path("tree.tar")
        try NetnsLab.must(lab.script("make-tree", WorkloadScripts.makeTree, [tree, repoSources]), "making the source tree")
        try NetnsLab.must(lab.shell("tar cf \(tarball) -C \(tree) ."), "tar cf")

        // tar: extracted trees equal, down to modes, links, mtimes and bytes.
        lab.compare("tar", WorkloadScripts.tar, [tarball]) { "\($0)/tar" }
        let diff = lab.shell("diff -r --no-dereference -x fifo \(lab.local)/tar \(lab.mount)/tar 2>&1")
        #expect(diff.status == 0, "diff -r of the extracted trees: \(diff.output.prefix(2_000))")

        // git: the same commit ids, a clean fsck.
        let git = lab.compare("git", WorkloadScripts.git, ["\(repoSources)/MFSCore"])
        #expect(git.contains("fsck-ok"), "git fsck on the mount: \(git)")

        // sqlite3 in both journal modes: integrity_check says ok, the dumps are equal.
        for mode in ["delete", "wal"] {
            let output = lab.compare("sqlite-\(mode)", WorkloadScripts.sqlite, [mode])
            #expect(output.split(separator: "\n").contains("ok"), "sqlite3 \(mode): integrity_check: \(output)")
        }

        // rsync -a there and back: the tree on the mount and the one back equal the source.
        // Directory mtimes are left out: mfsmount answers rsync's last stat of a directory
        // from its own cache, so rsync skips fixing some (13 of 39 with MooseFS's own master too).
        let back = lab.lab.path("rsync-back")
        lab.compare("rsync", WorkloadScripts.rsync, [tree, "\(back)-{side}"], nodirtimes: true) { "\($0)/rsync" }
        let source = lab.listing(tree, nodirtimes: true)
        #expect(lab.listing("\(back)-mount", nodirtimes: true) == source, "rsync back from the mount differs from the source")

        // fio: random writes and mixed random I/O, every block verified by its crc32c.
        let fio = lab.compare("fio", WorkloadScripts.fio, [])
        #expect(fio.contains("randwrite-verified") && fio.contains("randrw-verified"), "fio: \(fio)")

        // POSIX errors: the same errno for each case as on the local file system.
        // /dev/shm is a tmpfs: another file system for both runs (EXDEV).
        let errors = lab.compare("errors", WorkloadScripts.errors, ["/dev/shm"])
        for expected in ["ENOENT", "EEXIST", "ENOTEMPTY", "EISDIR", "ENOTDIR", "EACCES", "EPERM", "EXDEV"] {
            #expect(errors.contains(expected), "no \(expected) case answered: \(errors)")
        }

        unlinkedFileStaysUntilClosed(lab)
        twoMountsSeeEachOthersChanges(lab)
        MooseToolsOnTheMount.check(lab)
        #expect(!lab.lab.read("master.log").contains("Fatal error"), "the master crashed")
    }

    /// An unlinked file stays readable and writable through its descriptor; once the mount
    /// that held it ends (mfsmount releases closed files only every minute or at unmount),
    /// its chunks are deleted from the chunkservers.
    private func unlinkedFileStaysUntilClosed(_ lab: WorkloadLab) {
        let output = lab.compare("unlinked", WorkloadScripts.unlinked, [], python: true, on: lab.third, ignoring: "@inode")
        #expect(output.contains("read-after-unlink True") && output.contains("written-after-unlink True"), "\(output)")
        guard let inode = output.split(separator: "\n").first(where: { $0.hasPrefix("@inode ") }).map({ $0.dropFirst(7) }),
            let chunks = Optional(lab.chunks(ofInode: String(inode))), !chunks.isEmpty
        else {
            Issue.record("no chunk of the unlinked file in the changelog: \(output)")
            return
        }
        #expect(chunks.contains { !lab.chunkFiles($0).isEmpty }, "no chunk file of the unlinked file while it was open")
        lab.unmount(lab.third)
        let gone = waitUntil(60) { chunks.allSatisfy { lab.chunkFiles($0).isEmpty } }
        #expect(gone, "chunks \(chunks) of the unlinked file still on the chunkservers after its mount ended")
    }

    /// Two mounts of one file system: what one writes in place, appends or truncates, the
    /// other (with the file open) sees at once, as MooseFS's master makes it (CHUNK_HAS_CHANGED,
    /// FLENG_HAS_CHANGED).
    private func twoMountsSeeEachOthersChanges(_ lab: WorkloadLab) {
        let result = lab.script("coherence", WorkloadScripts.coherence, [lab.mount, lab.second], python: true)
        lab.lab.mark("coherence: \(result.output.replacingOccurrences(of: "\n", with: "; "))")
        #expect(result.status == 0, "coherence script: \(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        for line in ["initial True", "other-way True"] {
            #expect(lines.contains(line), "two mounts: expected \(line) in \(result.output)")
        }
        // Polls of 100 ms before the other mount saw the change: 0 almost always; up to 3 lets
        // mount B's thread take the master's notice a moment after the writer's fsync returned,
        // while a change seen only when the attribute cache expires (1 s) would show 10.
        for step in ["overwrite", "append", "truncate", "truncate-to-zero"] {
            let polls = lines.first { $0.hasPrefix(step + " ") }.flatMap { Int($0.dropFirst(step.count + 1)) }
            #expect(
                polls.map { $0 <= 3 } == true,
                "two mounts: \(step) seen after \(polls.map(String.init) ?? "never") polls in \(result.output)")
        }
    }
}
