import Foundation
import MFSChunkStore
import MFSCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct FailureTests {
    /// A directory that disappears under the store: each failing call is a clear I/O error;
    /// past the tolerance the directory is taken out of use, its chunks are reported lost, and
    /// new chunks go elsewhere. Nothing crashes.
    @Test func aDirectoryThatDisappearsIsTakenOutOfUse() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry("hdd1"), dir.entry("hdd2")], options: testOptions())
        var onFirst: [ChunkID] = []
        for id in 1...6 {
            let record = try store.create(ChunkID(UInt64(id)), version: ChunkVersion(1))
            if record.directory == dir.path + "/hdd1/" { onFirst.append(record.id) }
        }
        #expect(!onFirst.isEmpty && onFirst.count < 6)  // spread over both directories
        _ = store.takeEvents()
        try FileManager.default.removeItem(atPath: dir.path + "/hdd1")
        let victim = onFirst[0]
        for _ in 0..<DirectoryHealth.defaultToleranceCount {
            #expect { _ = try store.read(victim, version: .any, offset: 0, size: 1) } throws: { error in
                guard case .io(let posix)? = error as? ChunkStoreError else { return false }
                return posix.code == ENOENT && posix.path.hasSuffix(ChunkFileName(id: victim, version: ChunkVersion(1)).description)
            }
        }
        #expect(store.directoryStatuses[0].failure == nil)
        #expect(throws: ChunkStoreError.self) { try store.read(victim, version: .any, offset: 0, size: 1) }
        let status = store.directoryStatuses[0]
        #expect(status.failure != nil && status.errorCount == 3)
        let events = store.takeEvents()
        #expect(events.contains { if case .directoryFailed(dir.path + "/hdd1/", _) = $0 { true } else { false } })
        #expect(Set(events.compactMap { if case .lost(let id) = $0 { id } else { nil } }) == Set(onFirst))
        #expect(events.filter { if case .errorOccurred = $0 { true } else { false } }.count == 3)
        #expect(throws: ChunkStoreError.noChunk(victim)) { try store.read(victim, version: .any, offset: 0, size: 1) }
        for id in 10...13 { #expect(try store.create(ChunkID(UInt64(id)), version: ChunkVersion(1)).directory == dir.path + "/hdd2/") }
        let totals = store.spaceTotals
        #expect(totals.chunkCount == UInt32(6 - onFirst.count + 4))
    }

    /// A directory whose file system cannot be read at a space refresh is taken out of use.
    @Test func aSpaceRefreshThatCannotReadTheDirectoryFailsIt() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry("hdd1"), dir.entry("hdd2")], options: testOptions())
        try FileManager.default.removeItem(atPath: dir.path + "/hdd2")
        store.refreshSpace()
        #expect(store.directoryStatuses.map { $0.failure != nil } == [false, true])
        #expect(store.takeEvents().contains { if case .directoryFailed(dir.path + "/hdd2/", _) = $0 { true } else { false } })
    }

    /// A full file system (a 1 MiB tmpfs mounted by the test): the write fails with "no space",
    /// the directory takes no new chunk, and after room is made and the space refreshed it
    /// takes chunks again.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aFullDiskRefusesWritesAndNewChunks() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let mountPoint = dir.path + "/hdd1"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint) == 0 else {
            Issue.record("mount of a tmpfs on \(mountPoint) failed")
            return
        }
        defer { _ = run("/bin/umount", "-l", mountPoint) }
        do {
            let store = try ChunkStore(directories: [DataDirectoryEntry(path: mountPoint)], options: testOptions())
            try store.create(ChunkID(1), version: ChunkVersion(1))
            let data = pattern(2 << 20)
            #expect(throws: ChunkStoreError.noSpace(directory: mountPoint + "/")) {
                try store.write(ChunkID(1), version: ChunkVersion(1), offset: 0, bytes: data, crc: BlockCRC.checksum(data))
            }
            #expect(ChunkStoreError.noSpace(directory: mountPoint + "/").mooseFSStatus == 21)
            #expect(store.takeEvents().contains(.directoryFull(mountPoint + "/")))
            #expect(store.directoryStatuses[0].isFull && store.directoryStatuses[0].failure == nil)
            #expect(throws: ChunkStoreError.noUsableDirectory) { try store.create(ChunkID(2), version: ChunkVersion(1)) }
            try store.truncate(ChunkID(1), version: .any, to: 0, newVersion: ChunkVersion(1))
            try store.finish(ChunkID(1))
            store.refreshSpace()
            #expect(!store.directoryStatuses[0].isFull)
            try store.create(ChunkID(2), version: ChunkVersion(1))
        }
    }

    private func run(_ tool: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
