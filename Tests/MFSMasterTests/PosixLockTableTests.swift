import MFSCore
import Testing

@testable import MFSMaster

/// The POSIX range lock table's rules, one test each (a pure value).
@Suite struct PosixLockTableTests {
    typealias Table = PosixLockTable<Int>
    let a = Table.Owner(session: SessionID(1), owner: 1)
    let b = Table.Owner(session: SessionID(2), owner: 9)
    let file = InodeID(5)

    private func lock(_ owner: Table.Owner, _ kind: Table.Kind, _ range: Range<UInt64>) -> Table.Lock {
        Table.Lock(owner: owner, pid: owner == a ? 100 : 200, kind: kind, start: range.lowerBound, end: range.upperBound)
    }

    private func apply(_ table: inout Table, _ command: UInt8, _ lock: Table.Lock, waiter: Int = 0) -> (Table.Outcome, [Int]) {
        var granted: [Int] = []
        let outcome = table.apply(command, inode: file, lock: lock, requestID: UInt32(waiter), waiter: waiter, granted: &granted)
        return (outcome, granted)
    }

    @Test func readLocksShareAndWriteLocksConflictOnOverlapOnly() {
        var table = Table()
        guard case .granted = apply(&table, 2, lock(a, .read, 0..<10)).0, case .granted = apply(&table, 2, lock(b, .read, 5..<15)).0,
            case .wouldBlock = apply(&table, 2, lock(b, .write, 9..<20)).0, case .granted = apply(&table, 2, lock(b, .write, 10..<20)).0
        else {
            Issue.record("ranges did not share and conflict as POSIX says")
            return
        }
        #expect(table.locks(of: file).count == 3)
    }

    @Test func getReportsTheLockInTheWayOrNone() {
        var table = Table()
        _ = apply(&table, 2, lock(a, .write, 0..<10))
        guard case .conflict(let found) = apply(&table, 0, lock(b, .read, 5..<6)).0 else {
            Issue.record("GET answered no conflict")
            return
        }
        #expect(found?.pid == 100 && found?.kind == .write)
        guard case .conflict(nil) = apply(&table, 0, lock(a, .write, 0..<10)).0 else {
            Issue.record("an owner's own lock was reported in its way")
            return
        }
    }

    @Test func anUnlockInTheMiddleSplitsTheOwnersLock() {
        var table = Table()
        _ = apply(&table, 2, lock(a, .write, 0..<30))
        _ = apply(&table, 1, lock(a, .unlock, 10..<20))
        #expect(table.locks(of: file).map { $0.start..<$0.end }.sorted { $0.lowerBound < $1.lowerBound } == [0..<10, 20..<30])
    }

    @Test func aWaiterIsGrantedWhenTheRangeIsFreed() {
        var table = Table()
        _ = apply(&table, 1, lock(a, .write, 0..<10))
        guard case .waiting = apply(&table, 1, lock(b, .write, 5..<8), waiter: 4).0 else {
            Issue.record("a blocking SET did not wait")
            return
        }
        #expect(apply(&table, 1, lock(a, .unlock, 0..<5)).1.isEmpty, "still in the way")
        #expect(apply(&table, 1, lock(a, .unlock, 5..<10)).1 == [4])
        #expect(table.waitingCount == 0)
    }

    @Test func anInterruptEndsTheWait() {
        var table = Table()
        _ = apply(&table, 1, lock(a, .write, 0..<10))
        _ = apply(&table, 1, lock(b, .write, 0..<10), waiter: 6)
        guard case .interrupted(let ended) = apply(&table, 3, lock(b, .unlock, 0..<0), waiter: 6).0 else {
            Issue.record("no interrupt")
            return
        }
        #expect(ended == [6] && table.waitingCount == 0)
    }

    @Test func anEndedSessionLosesItsLocks() {
        var table = Table()
        _ = apply(&table, 1, lock(a, .write, 0..<10))
        _ = apply(&table, 1, lock(b, .read, 0..<10), waiter: 8)
        #expect(table.endSession(SessionID(1)) == [8])
        #expect(table.locks(of: file).map(\.owner) == [b])
    }

    @Test func locksAndWaitersAreBounded() {
        var table = Table(maxWaiting: 1, maxLocks: 2)
        _ = apply(&table, 2, lock(a, .write, 0..<1))
        _ = apply(&table, 2, lock(a, .write, 2..<3))
        guard case .wouldBlock = apply(&table, 2, lock(a, .write, 4..<5)).0 else {
            Issue.record("a lock past the limit was taken")
            return
        }
        _ = apply(&table, 1, lock(b, .write, 0..<1), waiter: 1)
        guard case .wouldBlock = apply(&table, 1, lock(b, .write, 2..<3), waiter: 2).0 else {
            Issue.record("a wait past the limit was queued")
            return
        }
        #expect(table.waitingCount == 1)
    }
}
