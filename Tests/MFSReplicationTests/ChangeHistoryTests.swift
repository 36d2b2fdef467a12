import MFSCore
import MFSReplication
import Testing

/// A changelog line for `version`, as the changelog holds it (ends in `\n`).
func line(_ version: UInt64) -> [UInt8] { Array("\(version): 1795315206|IDLE()\n".utf8) }

/// The lines of `versions`, concatenated.
func text(_ versions: ClosedRange<UInt64>) -> [UInt8] { versions.flatMap { line($0) } }

/// A history after `after` holding `versions`, each appended at `time(version)`.
func history(
    after: UInt64, _ versions: ClosedRange<UInt64>, time: (UInt64) -> Int64 = { Int64($0) * 100 }
) -> ChangeHistory {
    var history = ChangeHistory(after: MetaVersion(after))
    for v in versions { history.append(MetaVersion(v), line: line(v), now: time(v)) }
    return history
}

@Suite struct ChangeHistoryTests {
    // MARK: append and batch

    @Test func emptyHistoryStartsAfterItsVersion() {
        let h = ChangeHistory(after: MetaVersion(41))
        #expect(h.firstVersion == MetaVersion(42))
        #expect(h.lastVersion == MetaVersion(41))
        #expect(h.count == 0)
        #expect(h.byteCount == 0)
        #expect(h.batch(after: MetaVersion(41), maxBytes: 1_000) == nil)
        #expect(h.canStream(after: MetaVersion(41)))
        #expect(!h.canStream(after: MetaVersion(40)))
    }

    @Test func appendKeepsLinesAndBytes() {
        let h = history(after: 10, 11...15)
        #expect(h.firstVersion == MetaVersion(11))
        #expect(h.lastVersion == MetaVersion(15))
        #expect(h.count == 5)
        #expect(h.byteCount == text(11...15).count)
    }

    @Test func batchReturnsTheLinesAfterTheVersion() throws {
        let h = history(after: 10, 11...15)
        let all = try #require(h.batch(after: MetaVersion(10), maxBytes: 1 << 20))
        #expect(all.first == MetaVersion(11))
        #expect(all.count == 5)
        #expect(all.text == text(11...15))
        let tail = try #require(h.batch(after: MetaVersion(12), maxBytes: 1 << 20))
        #expect(tail.first == MetaVersion(13))
        #expect(tail.count == 3)
        #expect(tail.text == text(13...15))
        let last = try #require(h.batch(after: MetaVersion(14), maxBytes: 1 << 20))
        #expect(last.first == MetaVersion(15) && last.count == 1 && last.text == line(15))
    }

    @Test func batchRespectsMaxBytes() throws {
        // Versions 11…15 have lines of the same length.
        let h = history(after: 10, 11...15)
        let size = line(11).count
        for (maxBytes, expected) in [(2 * size, 2), (2 * size + 1, 2), (3 * size - 1, 2), (3 * size, 3), (5 * size, 5)] {
            let batch = try #require(h.batch(after: MetaVersion(10), maxBytes: maxBytes))
            #expect(batch.count == expected, "maxBytes \(maxBytes)")
            #expect(batch.text == text(11...UInt64(10 + expected)), "maxBytes \(maxBytes)")
            #expect(batch.text.count <= maxBytes)
        }
    }

    @Test func batchAlwaysHoldsAtLeastOneLine() throws {
        let h = history(after: 10, 11...15)
        for maxBytes in [0, 1, line(11).count - 1] {
            let batch = try #require(h.batch(after: MetaVersion(12), maxBytes: maxBytes))
            #expect(batch.first == MetaVersion(13))
            #expect(batch.count == 1)
            #expect(batch.text == line(13))
        }
    }

    @Test func batchesInSequenceCoverEveryVersionOnce() throws {
        // Lines of varying length (versions 95…1,005 cross two digit counts).
        let h = history(after: 94, 95...1_005)
        var after = MetaVersion(94)
        var joined: [UInt8] = []
        var batches = 0
        while let batch = h.batch(after: after, maxBytes: 200) {
            #expect(batch.first == after.next, "batches are consecutive")
            #expect(batch.count >= 1)
            #expect(batch.text.count <= 200)
            joined += batch.text
            after = MetaVersion(batch.first.rawValue + UInt64(batch.count) - 1)
            batches += 1
        }
        #expect(after == MetaVersion(1_005))
        #expect(joined == text(95...1_005))
        #expect(batches > 1)
    }

    @Test func batchIsNilWhenNothingFollows() {
        let h = history(after: 10, 11...15)
        #expect(h.batch(after: MetaVersion(15), maxBytes: 1_000) == nil)
        #expect(h.batch(after: MetaVersion(16), maxBytes: 1_000) == nil)
        #expect(h.batch(after: MetaVersion(1_000), maxBytes: 1_000) == nil)
    }

    @Test func batchIsNilWhenTheVersionIsNotKept() throws {
        var h = history(after: 10, 11...15)
        // Versions 11 and 12 go: appended at 1,100 and 1,200, more than 200 ms before 1,450.
        h.prune(now: 1_450, maxAgeMilliseconds: 200, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(13))
        #expect(h.batch(after: MetaVersion(10), maxBytes: 1_000) == nil)
        #expect(h.batch(after: MetaVersion(11), maxBytes: 1_000) == nil)
        let batch = try #require(h.batch(after: MetaVersion(12), maxBytes: 1_000))
        #expect(batch.first == MetaVersion(13) && batch.count == 3 && batch.text == text(13...15))
    }

    // MARK: prune

    @Test func pruneDropsLinesOlderThanTheAge() {
        // Appended at 1,100 … 2,000 (version × 100).
        var h = history(after: 10, 11...20)
        h.prune(now: 2_100, maxAgeMilliseconds: 1_000, maxBytes: .max)
        #expect(h.count == 10, "a line exactly the age old is kept")
        h.prune(now: 2_101, maxAgeMilliseconds: 1_000, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(12))
        h.prune(now: 2_450, maxAgeMilliseconds: 1_000, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(15))
        #expect(h.lastVersion == MetaVersion(20))
        #expect(h.count == 6)
        #expect(h.byteCount == text(15...20).count)
    }

    @Test func pruneDropsTheOldestBeyondMaxBytes() {
        var h = history(after: 10, 11...20)
        let size = line(11).count
        h.prune(now: 2_000, maxAgeMilliseconds: .max, maxBytes: 3 * size)
        #expect(h.firstVersion == MetaVersion(18))
        #expect(h.count == 3)
        #expect(h.byteCount == 3 * size)
        h.prune(now: 2_000, maxAgeMilliseconds: .max, maxBytes: 3 * size - 1)
        #expect(h.firstVersion == MetaVersion(19))
        #expect(h.byteCount == 2 * size)
    }

    @Test func pruneByAgeAndBytesTogether() {
        var h = history(after: 10, 11...20)
        // Age alone would keep 16…20, bytes alone 18…20: the stricter wins.
        h.prune(now: 2_000, maxAgeMilliseconds: 400, maxBytes: 3 * line(11).count)
        #expect(h.firstVersion == MetaVersion(18))
        // Bytes alone would keep 18…20 now, age only 20.
        h.prune(now: 2_000, maxAgeMilliseconds: 0, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(20))
    }

    @Test func pruneEverythingThenAppendAgain() throws {
        var h = history(after: 10, 11...15)
        h.prune(now: 10_000, maxAgeMilliseconds: 1, maxBytes: .max)
        #expect(h.count == 0)
        #expect(h.byteCount == 0)
        #expect(h.firstVersion == MetaVersion(16))
        #expect(h.lastVersion == MetaVersion(15))
        #expect(h.canStream(after: MetaVersion(15)))
        #expect(!h.canStream(after: MetaVersion(14)))
        #expect(h.batch(after: MetaVersion(15), maxBytes: 1_000) == nil)
        h.append(MetaVersion(16), line: line(16), now: 10_001)
        let batch = try #require(h.batch(after: MetaVersion(15), maxBytes: 1_000))
        #expect(batch.first == MetaVersion(16) && batch.count == 1 && batch.text == line(16))
        #expect(h.appendedAt(MetaVersion(16)) == 10_001)
    }

    // MARK: canStream and appendedAt

    @Test func canStreamEdges() {
        var h = history(after: 10, 11...20)
        h.prune(now: 2_000, maxAgeMilliseconds: 500, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(15))
        #expect(!h.canStream(after: MetaVersion(13)), "firstVersion - 2: version 14 is gone")
        #expect(h.canStream(after: MetaVersion(14)), "firstVersion - 1: everything after it is kept")
        #expect(h.canStream(after: MetaVersion(17)))
        #expect(h.canStream(after: MetaVersion(20)), "lastVersion: nothing to send yet, but nothing missing")
        #expect(!h.canStream(after: MetaVersion(21)), "beyond the last version")
        #expect(!h.canStream(after: MetaVersion(1_000)))
    }

    @Test func appendedAtKeptVersionsOnly() {
        var h = history(after: 10, 11...20)
        h.prune(now: 2_000, maxAgeMilliseconds: 500, maxBytes: .max)
        #expect(h.appendedAt(MetaVersion(14)) == nil)
        #expect(h.appendedAt(MetaVersion(15)) == 1_500)
        #expect(h.appendedAt(MetaVersion(18)) == 1_800)
        #expect(h.appendedAt(MetaVersion(20)) == 2_000)
        #expect(h.appendedAt(MetaVersion(21)) == nil)
        #expect(h.appendedAt(.zero) == nil)
    }

    // MARK: reset

    @Test func resetStartsOver() throws {
        var h = history(after: 10, 11...20)
        h.reset(after: MetaVersion(500))
        #expect(h.firstVersion == MetaVersion(501))
        #expect(h.lastVersion == MetaVersion(500))
        #expect(h.count == 0)
        #expect(h.byteCount == 0)
        #expect(h.appendedAt(MetaVersion(15)) == nil)
        #expect(h.batch(after: MetaVersion(10), maxBytes: 1_000) == nil)
        #expect(!h.canStream(after: MetaVersion(15)))
        h.append(MetaVersion(501), line: line(501), now: 7)
        let batch = try #require(h.batch(after: MetaVersion(500), maxBytes: 1_000))
        #expect(batch.first == MetaVersion(501) && batch.count == 1 && batch.text == line(501))
    }

    @Test func resetToAnEarlierVersion() {
        var h = history(after: 10, 11...20)
        h.reset(after: MetaVersion(3))
        #expect(h.firstVersion == MetaVersion(4))
        #expect(h.lastVersion == MetaVersion(3))
        #expect(!h.canStream(after: MetaVersion(20)))
    }

    // MARK: compaction

    /// Checks every kept version's batch of one line and its time, and one whole batch.
    func checkContents(_ h: ChangeHistory, sourceLocation: SourceLocation = #_sourceLocation) {
        let first = h.firstVersion.rawValue
        let last = h.lastVersion.rawValue
        #expect(h.count == Int(last + 1 - first), sourceLocation: sourceLocation)
        guard first <= last else { return }
        #expect(h.byteCount == text(first...last).count, sourceLocation: sourceLocation)
        for v in Array(stride(from: first, through: last, by: 97)) + [first, last] {
            let batch = h.batch(after: MetaVersion(v - 1), maxBytes: 0)
            #expect(batch?.first == MetaVersion(v), sourceLocation: sourceLocation)
            #expect(batch?.text == line(v), "version \(v)", sourceLocation: sourceLocation)
            #expect(h.appendedAt(MetaVersion(v)) == Int64(v), sourceLocation: sourceLocation)
        }
        let whole = h.batch(after: MetaVersion(first - 1), maxBytes: .max)
        #expect(whole?.count == Int(last + 1 - first), sourceLocation: sourceLocation)
        #expect(whole?.text == text(first...last), sourceLocation: sourceLocation)
    }

    @Test func compactionAfterPruningMost() {
        // Appended at time = version.
        var h = history(after: 0, 1...20_000, time: { Int64($0) })
        h.prune(now: 20_000, maxAgeMilliseconds: 999, maxBytes: .max)
        #expect(h.firstVersion == MetaVersion(19_001))
        checkContents(h)
        #expect(h.canStream(after: MetaVersion(19_000)))
        #expect(!h.canStream(after: MetaVersion(18_999)))
        #expect(h.appendedAt(MetaVersion(19_000)) == nil)
        // Appending after the compaction continues at the right place.
        for v in UInt64(20_001)...20_100 { h.append(MetaVersion(v), line: line(v), now: Int64(v)) }
        checkContents(h)
    }

    @Test func manyPrunesInterleavedWithAppends() {
        // A sliding window of about 1,000 lines over 20,000: the store compacts several times.
        var h = ChangeHistory(after: .zero)
        for v in UInt64(1)...20_000 {
            h.append(MetaVersion(v), line: line(v), now: Int64(v))
            h.prune(now: Int64(v), maxAgeMilliseconds: 999, maxBytes: .max)
            #expect(h.firstVersion == MetaVersion(v > 1_000 ? v - 999 : 1))
            if v % 1_250 == 0 { checkContents(h) }
        }
        checkContents(h)
        // Now prune most of what is left, ten lines at a time: lines appended before `cutoff` go.
        for cutoff in stride(from: UInt64(19_011), through: 19_991, by: 10) {
            h.prune(now: 20_000, maxAgeMilliseconds: 20_000 - Int64(cutoff), maxBytes: .max)
            #expect(h.firstVersion == MetaVersion(cutoff))
        }
        checkContents(h)
        #expect(h.count == 10)
    }

    @Test func pruneInStepsByBytes() {
        var h = history(after: 0, 1...20_000, time: { Int64($0) })
        var budget = h.byteCount
        while budget > 2_000 {
            budget -= 1_000
            h.prune(now: 20_000, maxAgeMilliseconds: .max, maxBytes: budget)
            #expect(h.byteCount <= max(budget, 0))
        }
        #expect(h.lastVersion == MetaVersion(20_000))
        checkContents(h)
    }
}
