import MFSChangelog
import MFSCore
import MFSMetadata
import Testing

@testable import MFSMaster

/// The POSIX range lock table's rules, one test each: the pure table decides, its effects are
/// recorded in a real namespace (`LockHarness`).
@Suite struct PosixLockTableTests {
    typealias Table = PosixLockTable<Int>
    let a = LockOwner(session: SessionID(1), owner: 1)
    let b = LockOwner(session: SessionID(2), owner: 9)

    private func lock(_ owner: LockOwner, _ kind: Table.Kind, _ range: Range<UInt64>) -> Table.Request {
        Table.Request(owner: owner, pid: owner == a ? 100 : 200, kind: kind, start: range.lowerBound, end: range.upperBound)
    }

    private func apply(_ table: inout Table, _ h: inout LockHarness, _ command: UInt8, _ request: Table.Request, waiter: Int = 0) throws
        -> (Table.Outcome, [Int])
    {
        var effects: [Table.Effect] = []
        let ns = h.ns
        let outcome = table.apply(
            command, inode: h.file, request: request, requestID: UInt32(waiter), waiter: waiter, held: { ns.posixLocks(of: $0) },
            heldCount: ns.posixLockCount, effects: &effects)
        return (outcome, try h.record(effects))
    }

    @Test func readLocksShareAndWriteLocksConflictOnOverlapOnly() throws {
        var (table, h) = (Table(), try LockHarness())
        guard case .granted = try apply(&table, &h, 2, lock(a, .read, 0..<10)).0,
            case .granted = try apply(&table, &h, 2, lock(b, .read, 5..<15)).0,
            case .wouldBlock = try apply(&table, &h, 2, lock(b, .write, 9..<20)).0,
            case .granted = try apply(&table, &h, 2, lock(b, .write, 10..<20)).0
        else {
            Issue.record("ranges did not share and conflict as POSIX says")
            return
        }
        #expect(h.ns.posixLocks(of: h.file).count == 3)
        #expect(h.records.count == 3)
    }

    @Test func getReportsTheLockInTheWayOrNone() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 2, lock(a, .write, 0..<10))
        guard case .conflict(let found) = try apply(&table, &h, 0, lock(b, .read, 5..<6)).0 else {
            Issue.record("GET answered no conflict")
            return
        }
        #expect(found?.pid == 100 && found?.exclusive == true)
        guard case .conflict(nil) = try apply(&table, &h, 0, lock(a, .write, 0..<10)).0 else {
            Issue.record("an owner's own lock was reported in its way")
            return
        }
    }

    @Test func anUnlockInTheMiddleSplitsTheOwnersLock() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 2, lock(a, .write, 0..<30))
        _ = try apply(&table, &h, 1, lock(a, .unlock, 10..<20))
        #expect(h.ns.posixLocks(of: h.file).map { $0.start..<$0.end }.sorted { $0.lowerBound < $1.lowerBound } == [0..<10, 20..<30])
    }

    @Test func aLockOrUnlockThatChangesNothingRecordsNothing() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 2, lock(a, .write, 0..<30))
        _ = try apply(&table, &h, 2, lock(a, .write, 0..<30))
        _ = try apply(&table, &h, 2, lock(b, .unlock, 0..<30))
        #expect(h.records.count == 1)
    }

    @Test func aWaiterIsGrantedWhenTheRangeIsFreed() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 1, lock(a, .write, 0..<10))
        guard case .waiting = try apply(&table, &h, 1, lock(b, .write, 5..<8), waiter: 4).0 else {
            Issue.record("a blocking SET did not wait")
            return
        }
        #expect(try apply(&table, &h, 1, lock(a, .unlock, 0..<5)).1.isEmpty, "still in the way")
        #expect(try apply(&table, &h, 1, lock(a, .unlock, 5..<10)).1 == [4])
        #expect(table.waitingCount == 0)
        #expect(h.ns.posixLocks(of: h.file).map(\.owner) == [b])
    }

    @Test func anInterruptEndsTheWait() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 1, lock(a, .write, 0..<10))
        _ = try apply(&table, &h, 1, lock(b, .write, 0..<10), waiter: 6)
        guard case .interrupted(let ended) = try apply(&table, &h, 3, lock(b, .unlock, 0..<0), waiter: 6).0 else {
            Issue.record("no interrupt")
            return
        }
        #expect(ended == [6] && table.waitingCount == 0)
    }

    @Test func aClosedSessionLosesItsLocksAndAWakeLetsWaitersIn() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, 1, lock(a, .write, 0..<10))
        _ = try apply(&table, &h, 1, lock(b, .read, 0..<10), waiter: 8)
        _ = try h.ns.closeSession(SessionID(1), now: LockHarness.t0)
        var effects: [Table.Effect] = []
        let ns = h.ns
        table.wake(held: { ns.posixLocks(of: $0) }, heldCount: ns.posixLockCount, effects: &effects)
        #expect(try h.record(effects) == [8])
        #expect(h.ns.posixLocks(of: h.file).map(\.owner) == [b])
    }

    @Test func locksAndWaitersAreBounded() throws {
        var (table, h) = (Table(maxWaiting: 1, maxLocks: 2), try LockHarness())
        _ = try apply(&table, &h, 2, lock(a, .write, 0..<1))
        _ = try apply(&table, &h, 2, lock(a, .write, 2..<3))
        guard case .wouldBlock = try apply(&table, &h, 2, lock(a, .write, 4..<5)).0 else {
            Issue.record("a lock past the limit was taken")
            return
        }
        _ = try apply(&table, &h, 1, lock(b, .write, 0..<1), waiter: 1)
        guard case .wouldBlock = try apply(&table, &h, 1, lock(b, .write, 2..<3), waiter: 2).0 else {
            Issue.record("a wait past the limit was queued")
            return
        }
        #expect(table.waitingCount == 1)
    }
}
