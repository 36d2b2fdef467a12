import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import Testing

@Suite struct MasterPersistenceTests {
    /// After a dump and more changes, a master that starts finds changelogs newer than its
    /// metadata: it refuses without -a, naming versions and the command; with -a it restores
    /// exactly the namespace that was live.
    @Test func startRefusesNewerChangelogsAndRestoresWithA() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        try await createFiles(service, 0..<300)
        let dumped = try await service.dump()
        try await createFiles(service, 300..<500)
        let live = await service.namespace
        service.writer.close()
        #expect(dumped < live.version)
        #expect {
            try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
        } throws: { error in
            let text = "\(error)"
            return text.contains("metadata.mfs is at version \(dumped)") && text.contains("up to version \(live.version)")
                && text.contains("mfsmetarestore -a -d \(dir)") && text.contains("mfsmaster -a")
        }
        let restored = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(MetadataFile.encode(restored.namespace) == MetadataFile.encode(live))
        #expect(restored.restoreSummary?.contains("→ \(live.version)") == true)
        // The restore is in memory (nothing written: a plain start still refuses); the master
        // dumps once it serves, as here, and then a plain start loads metadata.mfs.
        #expect(restored.needsDump)
        #expect(throws: MasterStartup.StartupError.self) { try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in }) }
        try FileIO.writeMetadata(restored.namespace, to: dir + "/metadata.mfs", keepPrevious: 1)
        let again = try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
        #expect(again.namespace.version == live.version)
    }

    /// What a crash of a master with a preallocated changelog leaves (its files copied while it
    /// runs, every change fsynced: `changelog.0.mfs` ends in zeros) starts with -a as exactly
    /// the namespace that was live, and the restarted writer goes on after the last line.
    @Test func aCrashWithAPreallocatedChangelogRestoresEverything() async throws {
        let dir = try temporaryDirectory()
        let crash = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: crash)
        }
        let service = try newService(dir, preallocate: true)
        try await createFiles(service, 0..<100)
        _ = try await service.dump()
        try await createFiles(service, 100..<300)
        let live = await service.namespace
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: crash + "/" + name)
        }
        service.writer.close()
        let tail = try Data(contentsOf: URL(fileURLWithPath: crash + "/changelog.0.mfs"))
        #expect(tail.last == 0, "the copy ends in the zeros written ahead")
        var warnings: [String] = []
        let restored = try MasterStartup.load(dataPath: crash, autoRestore: true, warn: { warnings.append($0) })
        #expect(MetadataFile.encode(restored.namespace) == MetadataFile.encode(live))
        #expect(warnings.allSatisfy { !$0.contains("torn") }, "zeros are not a torn line: \(warnings)")
        let writer = try ChangelogWriter(
            directory: DataDirectory(crash), metaID: live.metaID, mode: .fsyncBeforeReply, lastVersion: live.version, preallocate: true)
        writer.close()
        let reopened = try Data(contentsOf: URL(fileURLWithPath: crash + "/changelog.0.mfs"))
        #expect(reopened.last == 0x0A && !reopened.contains(0), "the reopening writer cut the zeros off")
    }

    /// Changes go on while a dump writes: the dump holds exactly its snapshot, and dump plus
    /// rotated changelogs give the live namespace.
    @Test func dumpRunsBesideChanges() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        try await createFiles(service, 0..<2_000)
        async let dump = service.dump()
        try await createFiles(service, 2_000..<3_000)
        let version = try await dump
        let live = await service.namespace
        service.writer.close()
        let file = try MetadataFile.decode(try FileIO.read(dir + "/metadata.mfs"))
        #expect(file.version == version)
        let restored = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(MetadataFile.encode(restored.namespace) == MetadataFile.encode(live))
    }

    /// A dump asked for while one runs (`POST /dump` during the dump after a restore) waits for
    /// it and then runs: both succeed (the second was refused, "a dump is already running").
    @Test func aDumpAskedWhileOneRunsWaitsForIt() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        try await createFiles(service, 0..<3_000)
        async let first = service.dump()
        async let second = service.dump()
        let (a, b) = try await (first, second)
        #expect(a == service.namespace.version && b == a)
        service.writer.close()
        // Two dumps ran, one after the other: each rotated the changelog once, so the creates'
        // changelog moved to .2 and the one between the dumps (no change in it) to .1.
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        #expect(names.isSuperset(of: ["changelog.0.mfs", "changelog.1.mfs", "changelog.2.mfs"]))
        #expect(!names.contains("changelog.3.mfs"), "\(names.sorted())")
    }

    /// Dumps that keep failing (more of them than BACK_LOGS) never cost a change: the rotations
    /// keep every changelog no metadata file covers, and a restore gives the live namespace.
    @Test func failingDumpsNeverDropUncoveredChangelogs() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir, backLogs: 2)
        try await createFiles(service, 0..<50)
        _ = try await service.dump()
        // A directory where the dump's temporary file goes: every dump fails from now on.
        try FileManager.default.createDirectory(atPath: dir + "/metadata.mfs.tmp", withIntermediateDirectories: false)
        for round in 1...4 {
            try await createFiles(service, (round * 50)..<(round * 50 + 50))
            await #expect(throws: MasterError.self) { try await service.dump() }
        }
        let live = service.namespace
        service.writer.close()
        try FileManager.default.removeItem(atPath: dir + "/metadata.mfs.tmp")
        let restored = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in }).namespace
        #expect(restored.version == live.version)
        #expect(MetadataFile.encode(restored) == MetadataFile.encode(live))
    }

    @Test func failedOperationChangesNothingAndIsReported() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        try await createFiles(service, 0..<1)
        let before = await service.namespace.version
        await #expect(throws: MasterError.operation(.exists)) {
            try await createFiles(service, 0..<1)
        }
        #expect(await service.namespace.version == before)
        service.writer.close()
    }

    @Test func changelogsWithoutMetadataAreNotTakenForANewCluster() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# swift-mfs changelog 1 metaid=00000000000000aa\n1: 1|SETMETAID(00000000000000aa)\n".write(
            toFile: dir + "/changelog.0.mfs", atomically: true, encoding: .utf8)
        #expect {
            try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
        } throws: { "\($0)".contains("has changelogs") && "\($0)".contains("but no metadata.mfs") }
    }

    /// A metalogger's files alone (its changelog, or its downloaded metadata) are a cluster to
    /// restore with -a, not a new cluster.
    @Test func aMetaloggersFilesAreNotTakenForANewCluster() throws {
        for file in ["changelog_ml.0.mfs", "metadata_ml.mfs.back"] {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try "x\n".write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
            #expect {
                try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
            } throws: { "\($0)".contains(file) && "\($0)".contains("but no metadata.mfs") && "\($0)".contains("mfsmaster -a") }
        }
    }

    @Test func secondDaemonOfOneKindCannotTakeTheDataPath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try DataPathLock(directory: DataDirectory(dir), daemon: "mfsmaster")
        #expect {
            try DataPathLock(directory: DataDirectory(dir), daemon: "mfsmaster")
        } throws: { "\($0)".contains(".mfsmaster.lock is locked by another process (pid \(getpid()))") }
        _ = try DataPathLock(directory: DataDirectory(dir), daemon: "mfsmetalogger")  // another kind may share it
        _ = first
    }

    /// After the changelog fails, no change and no dump is accepted (a dump could hold a change
    /// the changelog lacks).
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func storageFailureStopsChangesAndDumps() async throws {
        try await onSmallDisk("32k") { dir in
            let service = try newService(dir)
            var failed = false
            for i in 0..<5_000 where !failed {
                do {
                    try await createFiles(service, i..<(i + 1))
                } catch MasterError.storage {
                    failed = true
                }
            }
            #expect(failed, "32 KiB never filled up")
            await #expect(throws: MasterError.self) { try await createFiles(service, 90_000..<90_001) }
            await #expect(throws: MasterError.self) { try await service.dump() }
            service.writer.close()
        }
    }
}
