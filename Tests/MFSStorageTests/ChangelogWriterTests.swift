import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import Synchronization
import Testing

@testable import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

let metaID = MetaID(0xFEED_0000_0000_0001)
let t0 = UnixTime(1_795_315_206)

/// `count` records of a live namespace: SETMETAID, then creates.
func records(_ count: Int, nameLength: Int = 12) -> [ChangelogRecord] {
    var ns = Namespace()
    var result = [try! ns.setMetaID(metaID, now: t0)]
    while result.count < count {
        let name = String(repeating: "x", count: max(1, nameLength - 8)) + String(result.count)
        result.append(try! ns.create(.root, try! EntryName(validating: name), type: .file, mode: 0o644, as: .root, now: t0).1)
    }
    return result
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mfscl-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The records in a changelog file, checking its header.
func readBack(_ path: String) throws -> [ChangelogRecord] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.removeLast() == "", "the file ends in a torn line")
    let header = try ChangelogHeader.parse(line: lines.removeFirst())
    #expect(header.metaID == metaID)
    return try lines.map { try ChangelogCodec.parse(line: $0) }
}

/// Appends records in version order from many threads, as the namespace lock makes them, and
/// counts the waiters answered.
private final class Feeder: Sendable {
    let writer: ChangelogWriter
    let records: [ChangelogRecord]
    let next = Mutex(0)
    let answered = Atomic<Int>(0)

    init(writer: ChangelogWriter, records: [ChangelogRecord]) {
        self.writer = writer
        self.records = records
    }

    /// Appends the next record (false when none is left).
    func appendNext() -> Bool {
        next.withLock { index in
            guard index < records.count else { return false }
            try! writer.append(records[index])
            writer.whenStored(records[index].version) { error in
                #expect(error == nil)
                self.answered.add(1, ordering: .relaxed)
            }
            index += 1
            return true
        }
    }
}

/// Waits until the writer thread sleeps with nothing queued (20 s at most).
private func untilIdle(_ writer: ChangelogWriter) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while !writer.isIdle, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
    try #require(writer.isIdle, "the changelog writer never went back to sleep")
}

@Suite struct ChangelogWriterTests {
    /// A `whenStored` callback the writer thread answers knows it runs there
    /// (`isOnWriterThread`), so work that takes locks can leave it (`ChunkHub.commits`); one
    /// answered at once on the caller's thread does not.
    @Test func aCallbackKnowsWhetherItRunsOnTheWriterThread() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, lastVersion: .zero)
        defer { writer.close() }
        #expect(!writer.isOnWriterThread)
        let all = records(2)
        try await untilIdle(writer)
        // Appended and waited for while the writer sleeps on: it stores the change, and
        // answers, only once the hold ends.
        let onWriter = Mutex<Bool?>(nil)
        try writer.holdingWakeUps { () throws(ChangelogWriteError) in
            try writer.append(all[0])
            writer.whenStored(all[0].version) { _ in onWriter.withLock { $0 = writer.isOnWriterThread } }
        }
        try await writer.waitStored(all[0].version)
        let deadline = ContinuousClock.now + .seconds(5)
        while onWriter.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        #expect(onWriter.withLock { $0 } == true)
        let atOnce = await withCheckedContinuation { continuation in
            writer.whenStored(all[0].version) { _ in continuation.resume(returning: writer.isOnWriterThread) }
        }
        #expect(!atOnce)
    }

    /// Changes appended while wake-ups are held (a MooseFS create: its node and its open) go out
    /// in one batch with one fsync, though the writer slept when the first came.
    @Test func heldWakeUpsShareOneFsync() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, lastVersion: .zero)
        defer { writer.close() }
        let all = records(3)
        try writer.append(all[0])
        try await writer.waitStored(all[0].version)
        try await untilIdle(writer)  // the writer is asleep again
        let before = writer.status.fsyncs
        try writer.holdingWakeUps { () throws(ChangelogWriteError) in
            try writer.append(all[1])
            usleep(50_000)  // time enough for a woken writer to take and fsync the first alone
            try writer.append(all[2])
        }
        try await writer.waitStored(all[2].version)
        #expect(writer.status.fsyncs == before + 1)
        #expect(try readBack(dir + "/changelog.0.mfs").map(\.version) == all.map(\.version))
    }

    /// One connection's turn (`holdWakeUps` … `releaseWakeUps(storeHere: true)`), modes 1 and
    /// 2: the writer thread sleeps through the appends, a nested hold (a MooseFS create) does
    /// not end the turn, and the release stores them on the caller's thread (one write, one
    /// fsync in mode 2) and answers their waiters there, before it returns. Two turns at once
    /// (concurrent clients) leave their batch to the writer thread, and so does mode 0.
    @Test(arguments: ChangelogSaveMode.allCases, [1, 2])
    func releasingALoneTurnStoresOnTheCallersThread(mode: ChangelogSaveMode, turns: Int) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: mode, lastVersion: .zero)
        defer { writer.close() }
        let all = records(4)
        try writer.append(all[0])
        try writer.sync()
        try await untilIdle(writer)  // the writer is asleep again
        let before = writer.status
        let caller = pthread_self()
        let answeredOn = Mutex<[pthread_t]>([])
        for _ in 0..<turns { writer.holdWakeUps() }
        try writer.holdingWakeUps { () throws(ChangelogWriteError) in
            for record in all[1...] {
                try writer.append(record)
                writer.whenStored(record.version) { error in
                    #expect(error == nil)
                    answeredOn.withLock { $0.append(pthread_self()) }
                }
            }
        }
        usleep(50_000)  // time enough for a writer woken by an append to store them itself
        #expect(writer.status.writtenVersion == before.writtenVersion, "an append woke the writer through a hold")
        for turn in 0..<turns {
            if turn == turns - 1 { break }
            writer.releaseWakeUps(storeHere: true)
            #expect(writer.status.writtenVersion == before.writtenVersion, "stored before the last hold was released")
        }
        // A disk whose last fsync took longer than `storeHereFsyncLimitSeconds` (a loaded CI
        // run) is left to the writer thread, so as not to hold an event loop for it: then the
        // batch goes there as with two turns.
        let slowDisk = (writer.status.lastFsyncSeconds ?? 0) >= ChangelogWriter.storeHereFsyncLimitSeconds
        writer.releaseWakeUps(storeHere: true)
        if mode == .background || turns > 1 || slowDisk {
            try await writer.waitStored(all[3].version)
            try writer.sync()
            if mode != .background {  // mode 0 answers at once, on the appending thread
                #expect(answeredOn.withLock { $0.count == 3 && $0.allSatisfy { pthread_equal($0, caller) == 0 } }, "stored here")
            }
        } else {
            let after = writer.status
            #expect(after.writtenVersion == all[3].version)
            #expect(after.fsyncs == before.fsyncs + (mode == .fsyncBeforeReply ? 1 : 0))
            #expect(answeredOn.withLock { $0.count == 3 && $0.allSatisfy { pthread_equal($0, caller) != 0 } })
        }
        #expect(try readBack(dir + "/changelog.0.mfs") == all)
    }

    /// Callers storing their own batches (`releaseWakeUps(storeHere: true)` from several
    /// threads), appends that wake the writer thread, `sync` and rotations all at once: every
    /// line lands once, in version order, across the rotated files, and every waiter is told.
    @Test func callersAndTheWriterThreadNeverInterleave() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, backLogs: 100, lastVersion: .zero)
        writer.pauseWriterThreadForTests = 300  // its batch taken but not yet written: callers must wait
        let all = records(3_000)
        let feeder = Feeder(writer: writer, records: all)
        @Sendable func appendNext() -> Bool { feeder.appendNext() }
        // Threads of their own: blocking the test runner's few concurrency threads for this
        // long would starve other tests' timers.
        var bodies: [@Sendable () -> Void] = (0..<4).map { thread in
            {
                // Threads 0 and 2 take turns (alone most of the time, so they store their
                // own batches; now and then at once, so the writer thread does), 1 and 3
                // append without a hold, which wakes the writer thread.
                while true {
                    if thread % 2 == 1 {
                        guard appendNext() else { return }
                        usleep(UInt32(200 * thread))  // small batches, many of them
                        continue
                    }
                    writer.holdWakeUps()
                    let more = (0..<(thread + 1)).map { _ in appendNext() }.allSatisfy { $0 }
                    writer.releaseWakeUps(storeHere: true)
                    guard more else { return }
                    usleep(UInt32(50 + 100 * thread))
                }
            }
        }
        bodies.append {
            for _ in 0..<5 {
                // Under the namespace lock, as a dump rotates: no change is made meanwhile.
                feeder.next.withLock { _ in try! writer.rotate() }
                try! writer.sync()
                usleep(2_000)
            }
        }
        let finished = DispatchSemaphore(value: 0)
        for body in bodies {
            Thread {
                body()
                finished.signal()
            }.start()
        }
        for _ in bodies { finished.wait() }
        try writer.sync()
        writer.close()
        #expect(feeder.answered.load(ordering: .relaxed) == all.count)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("changelog.") }
        let stored = try (0..<files.count).reversed().flatMap { try readBack(dir + "/changelog.\($0).mfs") }
        let order = zip(stored, all).enumerated().first { $0.element.0.version != $0.element.1.version }?.offset
        #expect(stored.count == all.count && order == nil, "\(stored.count) lines; first out of order at \(order ?? -1)")
        #expect(stored.elementsEqual(all))
    }

    /// Mode 2: every waiter returns only once its change is fsynced, and one fsync serves many
    /// changes (group commit).
    @Test func fsyncModeGroupsCommits() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, lastVersion: .zero)
        let all = records(3_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for record in all {
                try writer.append(record)
                group.addTask {
                    try await writer.waitStored(record.version)
                    // A waiter returns only once its own change is fsynced.
                    #expect(writer.status.durableVersion >= record.version)
                }
            }
            try await group.waitForAll()
        }
        let status = writer.status
        #expect(status.durableVersion == all.last!.version)
        #expect(status.fsyncs >= 1 && status.fsyncs < all.count, "\(status.fsyncs) fsyncs for \(all.count) changes")
        writer.close()
        #expect(try readBack(dir + "/changelog.0.mfs") == all)
    }

    @Test(arguments: [ChangelogSaveMode.background, .writeBeforeReply])
    func otherModesStoreEverythingByClose(mode: ChangelogSaveMode) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: mode, lastVersion: .zero)
        let all = records(500)
        for record in all { try writer.append(record) }
        try await writer.waitStored(all.last!.version)
        writer.close()
        #expect(try readBack(dir + "/changelog.0.mfs") == all)
        #expect(throws: ChangelogWriteError.closed) { try writer.append(all[0]) }
    }

    @Test func rotationShiftsFilesAndKeepsBackLogs() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, backLogs: 2, lastVersion: .zero)
        let all = records(40)
        for round in 0..<4 {
            for record in all[(round * 10)..<(round * 10 + 10)] { try writer.append(record) }
            try writer.rotate()
        }
        writer.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["changelog.0.mfs", "changelog.1.mfs", "changelog.2.mfs"])
        #expect(try readBack(dir + "/changelog.0.mfs").isEmpty)
        #expect(try readBack(dir + "/changelog.1.mfs") == Array(all[30..<40]))
        #expect(try readBack(dir + "/changelog.2.mfs") == Array(all[20..<30]))
    }

    /// `keepAll` (the dumps since the oldest rotation failed) drops nothing and grows the chain
    /// past `backLogs`; the next rotation without it trims the chain back to `backLogs`.
    @Test func rotationKeepsEverythingWhileDumpsFail() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, backLogs: 2, lastVersion: .zero)
        let all = records(50)
        for round in 0..<4 {
            for record in all[(round * 10)..<(round * 10 + 10)] { try writer.append(record) }
            try writer.rotate(keepAll: true)
        }
        var names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == (0...4).map { "changelog.\($0).mfs" })
        #expect(try readBack(dir + "/changelog.4.mfs") == Array(all[0..<10]))
        for record in all[40..<50] { try writer.append(record) }
        try writer.rotate()
        writer.close()
        names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["changelog.0.mfs", "changelog.1.mfs", "changelog.2.mfs"])
        #expect(try readBack(dir + "/changelog.1.mfs") == Array(all[40..<50]))
        #expect(try readBack(dir + "/changelog.2.mfs") == Array(all[30..<40]))
    }

    /// `sync` makes everything appended so far durable in every mode (modes 0 and 1 fsync only
    /// at rotation otherwise), with no rotation.
    @Test(arguments: [ChangelogSaveMode.background, .writeBeforeReply])
    func syncMakesEverythingDurable(mode: ChangelogSaveMode) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: mode, lastVersion: .zero)
        let all = records(25)
        for record in all { try writer.append(record) }
        let before = writer.status
        #expect(before.durableVersion < all.last!.version)
        try writer.sync()
        let after = writer.status
        #expect(after.durableVersion == all.last!.version && after.fsyncs == before.fsyncs + 1)
        try writer.sync()  // nothing new: returns at once
        writer.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["changelog.0.mfs"])
        #expect(try readBack(dir + "/changelog.0.mfs") == all)
    }

    @Test func reopeningAppendsAndAnotherClusterIsRefused() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(20)
        let first = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .writeBeforeReply, lastVersion: .zero)
        for record in all[..<10] { try first.append(record) }
        first.close()
        let second = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: metaID, mode: .writeBeforeReply, lastVersion: all[9].version)
        for record in all[10...] { try second.append(record) }
        second.close()
        #expect(try readBack(dir + "/changelog.0.mfs") == all)
        #expect(throws: ChangelogWriteError.otherCluster(file: dir + "/changelog.0.mfs", expected: MetaID(7), found: metaID)) {
            try ChangelogWriter(directory: DataDirectory(dir), metaID: MetaID(7), mode: .writeBeforeReply, lastVersion: .zero)
        }
        try "garbage\n".write(toFile: dir + "/other.0.mfs", atomically: true, encoding: .utf8)
        #expect(throws: ChangelogWriteError.self) {
            try ChangelogWriter(directory: DataDirectory(dir), prefix: "other", metaID: metaID, mode: .writeBeforeReply, lastVersion: .zero)
        }
    }

    /// The writer never appends a version the file already has: opened with a last version
    /// below the file's (a start that skipped lines it could not read), it refuses, naming the
    /// file and both versions; a last line it cannot read at all is refused too.
    @Test func reopeningBehindTheFileIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(10)
        let first = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .writeBeforeReply, lastVersion: .zero)
        for record in all { try first.append(record) }
        first.close()
        let path = dir + "/changelog.0.mfs"
        #expect {
            try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .writeBeforeReply, lastVersion: all[4].version)
        } throws: { error in
            let text = "\(error)"
            return text.contains(path) && text.contains("\(all[9].version)") && text.contains("\(all[4].version)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("garbage line\n".utf8))
        try handle.close()
        #expect(throws: ChangelogWriteError.self) {
            try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .writeBeforeReply, lastVersion: all[9].version)
        }
    }

    /// A disk that fills up: the writer stops accepting changes, every waiter gets the error, and
    /// nothing after the failure is acknowledged.
    /// `storeHere`: each change is stored by its caller (`releaseWakeUps`), not the writer thread.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"), arguments: [false, true])
    func fullDiskStopsAcceptingChangesLoudly(storeHere: Bool) async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 else {
            Issue.record("mount tmpfs failed: \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(dir, Int32(MNT_DETACH)) }
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, lastVersion: .zero)
        let all = records(4_000, nameLength: 60)
        var acknowledged: [MetaVersion] = []
        var failure: ChangelogWriteError?
        for record in all {
            do {
                if storeHere {
                    writer.holdWakeUps()
                    defer { writer.releaseWakeUps(storeHere: true) }
                    try writer.append(record)
                } else {
                    try writer.append(record)
                }
                try await writer.waitStored(record.version)
                acknowledged.append(record.version)
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "64 KiB never filled up")
        #expect("\(error)".contains("No space left on device"), "\(error)")
        #expect(writer.status.error != nil)
        #expect(throws: ChangelogWriteError.self) { try writer.append(all[0]) }
        // Every acknowledged change is in the file.
        writer.close()
        let stored = try readBack(dir + "/changelog.0.mfs")
        #expect(stored.count >= acknowledged.count)
        #expect(Array(stored.prefix(acknowledged.count)) == Array(all.prefix(acknowledged.count)))
    }
}
