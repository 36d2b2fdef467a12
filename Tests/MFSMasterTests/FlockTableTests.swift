import MFSCore
import Testing

@testable import MFSMaster

/// The flock table's rules, one test each (a pure value: no connections).
@Suite struct FlockTableTests {
    typealias Table = FlockTable<Int>
    let a = Table.Owner(session: SessionID(1), owner: 1)
    let b = Table.Owner(session: SessionID(2), owner: 1)
    let c = Table.Owner(session: SessionID(2), owner: 2)
    let file = InodeID(5)

    private func apply(_ table: inout Table, _ command: Table.Command, _ owner: Table.Owner, waiter: Int = 0) -> (Table.Outcome, [Int]) {
        var granted: [Int] = []
        let outcome = table.apply(command, inode: file, owner: owner, requestID: UInt32(waiter), waiter: waiter, granted: &granted)
        return (outcome, granted)
    }

    @Test func sharedLocksShareAndExclusiveExcludes() {
        var table = Table()
        guard case .granted = apply(&table, .sharedLock, a).0, case .granted = apply(&table, .trySharedLock, b).0 else {
            Issue.record("two shared locks were not both granted")
            return
        }
        guard case .wouldBlock = apply(&table, .tryExclusiveLock, c).0 else {
            Issue.record("an exclusive try beside shared holders did not fail")
            return
        }
        #expect(table.holders(of: file).count == 2)
    }

    @Test func aWaiterIsGrantedWhenTheHolderUnlocks() {
        var table = Table()
        _ = apply(&table, .exclusiveLock, a)
        guard case .waiting = apply(&table, .exclusiveLock, b, waiter: 7).0 else {
            Issue.record("a blocking lock did not wait")
            return
        }
        #expect(table.waitingCount == 1)
        #expect(apply(&table, .unlock, a).1 == [7])
        #expect(table.holders(of: file)[b] == .exclusive)
        #expect(table.waitingCount == 0)
    }

    @Test func waitersAreGrantedInOrderSoExclusiveIsNotStarved() {
        var table = Table()
        _ = apply(&table, .sharedLock, a)
        _ = apply(&table, .exclusiveLock, b, waiter: 1)
        // A shared request behind a waiting exclusive one waits too.
        guard case .waiting = apply(&table, .sharedLock, c, waiter: 2).0 else {
            Issue.record("a shared lock jumped the queue")
            return
        }
        #expect(apply(&table, .unlock, a).1 == [1])
        #expect(apply(&table, .unlock, b).1 == [2])
    }

    @Test func anInterruptEndsTheWaitWithoutTheLock() {
        var table = Table()
        _ = apply(&table, .exclusiveLock, a)
        _ = apply(&table, .exclusiveLock, b, waiter: 3)
        guard case .interrupted(let ended) = apply(&table, .interrupt, b, waiter: 3).0 else {
            Issue.record("no interrupt")
            return
        }
        #expect(ended == [3])
        #expect(apply(&table, .unlock, a).1.isEmpty)
        #expect(table.holders(of: file).isEmpty)
    }

    @Test func anEndedSessionLosesItsLocksAndLetsWaitersIn() {
        var table = Table()
        _ = apply(&table, .exclusiveLock, b)
        _ = apply(&table, .exclusiveLock, a, waiter: 4)
        #expect(table.endSession(SessionID(2)) == [4])
        #expect(table.holders(of: file)[a] == .exclusive)
    }

    @Test func waitingIsBoundedAndPastTheLimitATryFails() {
        var table = Table(maxWaiting: 1)
        _ = apply(&table, .exclusiveLock, a)
        guard case .waiting = apply(&table, .exclusiveLock, b, waiter: 1).0,
            case .wouldBlock = apply(&table, .exclusiveLock, c, waiter: 2).0
        else {
            Issue.record("the waiting limit was not kept")
            return
        }
        #expect(table.waitingCount == 1)
    }

    @Test func releaseDropsTheOwnersLockAndItsWaits() {
        var table = Table()
        _ = apply(&table, .sharedLock, a)
        _ = apply(&table, .release, a)
        #expect(table.holders(of: file).isEmpty)
    }
}
