import MFSCore
import Testing

@testable import MFSChunkStore

/// The background test's order and pacing (`ChunkTestSchedule`), with a made-up clock and
/// chunk list; and `ChunkStore.test` on real chunk files.
@Suite struct ChunkTestScheduleTests {
    let start = ContinuousClock.now
    static let megabyte = Double(1 << 20)

    func chunk(_ id: UInt64, blocks: Int, directory: String = "/d1/", version: UInt32 = 1, removal: Bool = false) -> ChunkRecord {
        ChunkRecord(
            id: ChunkID(id), version: ChunkVersion(version), directory: directory, path: "\(directory)x", blocks: blocks,
            markedForRemoval: removal)
    }

    /// Every step of one pass, each taken as soon as it is due.
    func pass(_ schedule: inout ChunkTestSchedule, _ chunks: [ChunkRecord], steps: Int) -> [ChunkTestSchedule.Step] {
        var now = start
        var taken: [ChunkTestSchedule.Step] = []
        var looks = 0
        while taken.count < steps && looks < 1000 {
            looks += 1
            guard let step = schedule.next(now: now, chunks: { chunks }) else {
                now += schedule.wait(now: now)
                continue
            }
            taken.append(step)
            schedule.finished(step, blocksRead: step.blocks.count, damaged: false, started: now)
        }
        return taken
    }

    @Test func everyBlockOfEveryChunkInIdOrderInStepsOfSixteenBlocks() {
        var schedule = ChunkTestSchedule(bytesPerSecond: 1e12)
        let chunks = [chunk(9, blocks: 1), chunk(2, blocks: 40), chunk(5, blocks: 0), chunk(7, blocks: 16)]
        let steps = pass(&schedule, chunks, steps: 5)
        #expect(steps.map(\.id.rawValue) == [2, 2, 2, 7, 9])
        #expect(steps.map(\.blocks) == [0..<16, 16..<32, 32..<40, 0..<16, 0..<1])
        // The pass is over: the next one starts with the chunks stored then (7 is gone).
        var now = start + .seconds(1)
        let later = [chunk(2, blocks: 1), chunk(9, blocks: 1)]
        var again: [UInt64] = []
        for _ in 0..<3 {
            guard let step = schedule.next(now: now, chunks: { later }) else { break }
            again.append(step.id.rawValue)
            schedule.finished(step, blocksRead: 1, damaged: false, started: now)
            now += .seconds(1)
        }
        #expect(again == [2, 9, 2])
    }

    /// At the smallest speeds the configuration takes (1 byte in a thousand years) a step's
    /// pause is capped at `longestPause` instead of overflowing the clock.
    @Test func theSlowestSpeedWaitsAtMostThePauseLimit() {
        var schedule = ChunkTestSchedule(bytesPerSecond: 1e-9)
        let step = schedule.next(now: start, chunks: { [chunk(1, blocks: 1_024)] })!
        schedule.finished(step, blocksRead: step.blocks.count, damaged: false, started: start)
        let pause = Duration.seconds(ChunkTestSchedule.longestPause)
        #expect(schedule.next(now: start + pause - .seconds(1), chunks: { [] }) == nil)
        #expect(schedule.next(now: start + pause, chunks: { [self.chunk(1, blocks: 1_024)] }) != nil)
    }

    /// A directory is due again after its step's bytes take their time at the test speed:
    /// 16 blocks (1 MiB) at 1 MiB/s wait 1 s, 2 blocks at 0.5 MiB/s wait 0.25 s.
    @Test func eachDirectoryIsReadAtTheTestSpeed() {
        var schedule = ChunkTestSchedule(bytesPerSecond: Self.megabyte)
        let chunks = [chunk(1, blocks: 20)]
        let first = schedule.next(now: start, chunks: { chunks })
        #expect(first?.blocks == 0..<16)
        schedule.finished(first!, blocksRead: 16, damaged: false, started: start)
        #expect(schedule.next(now: start + .milliseconds(999), chunks: { chunks }) == nil)
        #expect(schedule.wait(now: start + .milliseconds(700)) == .milliseconds(300))
        #expect(schedule.wait(now: start) == ChunkTestSchedule.longestWait)
        #expect(schedule.wait(now: start + .milliseconds(999)) == ChunkTestSchedule.shortestWait)
        let second = schedule.next(now: start + .seconds(1), chunks: { chunks })
        #expect(second?.blocks == 16..<20)

        var slow = ChunkTestSchedule(bytesPerSecond: Self.megabyte / 2)
        let step = slow.next(now: start, chunks: { [chunk(3, blocks: 2)] })!
        slow.finished(step, blocksRead: 2, damaged: false, started: start)
        #expect(slow.next(now: start + .milliseconds(249), chunks: { [chunk(3, blocks: 2)] }) == nil)
        #expect(slow.next(now: start + .milliseconds(250), chunks: { [chunk(3, blocks: 2)] }) != nil)
    }

    /// Two directories are paced apart: one busy directory does not slow the other down.
    @Test func directoriesArePacedApart() {
        var schedule = ChunkTestSchedule(bytesPerSecond: Self.megabyte)
        let chunks = [chunk(1, blocks: 16, directory: "/a/"), chunk(2, blocks: 16, directory: "/b/")]
        let a = schedule.next(now: start, chunks: { chunks })!
        schedule.finished(a, blocksRead: 16, damaged: false, started: start)
        let b = schedule.next(now: start, chunks: { chunks })!
        schedule.finished(b, blocksRead: 16, damaged: false, started: start)
        #expect(Set([a.directory, b.directory]) == ["/a/", "/b/"])
        #expect(schedule.next(now: start + .milliseconds(500), chunks: { chunks }) == nil)
    }

    /// Skipped: replicas being received (version 0), directories marked for removal, chunks
    /// found damaged (until they are gone from the store); speed 0 tests nothing.
    @Test func skipsReplicasMarkedDirectoriesAndDamagedChunks() {
        var schedule = ChunkTestSchedule(bytesPerSecond: 1e12)
        let chunks = [chunk(1, blocks: 1, version: 0), chunk(2, blocks: 1, removal: true), chunk(3, blocks: 1), chunk(4, blocks: 1)]
        var now = start
        let first = schedule.next(now: now, chunks: { chunks })!
        #expect(first.id == ChunkID(3))
        schedule.finished(first, blocksRead: 1, damaged: true, started: now)
        #expect(schedule.damaged == [ChunkID(3)])
        var seen: [UInt64] = []
        for _ in 0..<3 {
            now += .seconds(1)
            guard let step = schedule.next(now: now, chunks: { chunks }) else { break }
            seen.append(step.id.rawValue)
            schedule.finished(step, blocksRead: 1, damaged: false, started: now)
        }
        #expect(seen == [4, 4, 4])
        // Chunk 3 deleted and stored again (repaired): it is tested again.
        now += .seconds(1)
        _ = schedule.next(now: now, chunks: { [chunk(4, blocks: 1)] })
        #expect(schedule.damaged.isEmpty)
        var off = ChunkTestSchedule(bytesPerSecond: 0)
        #expect(!off.isEnabled && off.next(now: start, chunks: { chunks }) == nil)
    }

    /// `ChunkStore.test` reads blocks and checks their CRCs: a flipped byte in a block no one
    /// reads is found, the chunk reported damaged as a client's read would.
    @Test func storeTestFindsAFlippedByteAndReportsTheChunk() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        let id = ChunkID(0x51)
        let record = try store.create(id, version: ChunkVersion(1))
        let data = pattern(3 * ChunkLimits.blockSize + 100)
        try store.write(id, version: ChunkVersion(1), offset: 0, bytes: data, crc: BlockCRC.checksum(data))
        try store.finish(id)
        #expect(try store.test(id, version: ChunkVersion(1), blocks: 0..<16) == 4)
        #expect(try store.test(id, version: ChunkVersion(1), blocks: 3..<5) == 1)
        #expect(store.takeEvents().isEmpty)
        let relative = String(record.path.dropFirst(dir.path.count + 1))
        try dir.flipBits(relative, at: ChunkLimits.dataOffset + 2 * ChunkLimits.blockSize + 7, mask: 0x10)
        #expect(try store.test(id, version: ChunkVersion(1), blocks: 0..<2) == 2)
        #expect(throws: ChunkStoreError.self) { try store.test(id, version: ChunkVersion(1), blocks: 2..<3) }
        #expect(store.takeEvents().contains(.damaged(id)))
        #expect(throws: ChunkStoreError.self) { try store.test(ChunkID(0x52), version: ChunkVersion(1), blocks: 0..<1) }
        // While no master takes the events (a chunkserver cut off from it), reads of the damaged
        // block queue the chunk once and at most `maxQueuedErrors` errors, then one summary.
        let reads = ChunkStoreLimits.maxQueuedErrors + 500
        for _ in 0..<reads {
            #expect(throws: ChunkStoreError.self) { try store.test(id, version: ChunkVersion(1), blocks: 2..<3) }
        }
        let events = store.takeEvents()
        #expect(events.filter { $0 == .damaged(id) }.count == 1)
        let errors = events.compactMap { if case .errorOccurred(_, let reason) = $0 { reason } else { nil } }
        #expect(errors.count == ChunkStoreLimits.maxQueuedErrors + 1)
        #expect(errors.last?.hasPrefix("500 more I/O errors") == true, "\(errors.last ?? "")")
        #expect(events.count == ChunkStoreLimits.maxQueuedErrors + 2 && store.takeEvents().isEmpty)
    }
}
