import MFSChangelog
import MFSCore
import MFSMetadata
import Testing

@testable import MFSMaster

/// The flock table's rules, one test each: the pure table decides, and its effects are recorded
/// in a real namespace (`LockHarness`), whose holders the next decision reads.
@Suite struct FlockTableTests {
    typealias Table = FlockTable<Int>
    let a = LockOwner(session: SessionID(1), owner: 1)
    let b = LockOwner(session: SessionID(2), owner: 1)
    let c = LockOwner(session: SessionID(2), owner: 2)

    private func apply(_ table: inout Table, _ h: inout LockHarness, _ command: Table.Command, _ owner: LockOwner, waiter: Int = 0) throws
        -> (Table.Outcome, [Int])
    {
        var effects: [Table.Effect] = []
        let outcome = table.apply(
            command, inode: h.file, owner: owner, requestID: UInt32(waiter), waiter: waiter, holders: h.ns.flockHolders(of: h.file),
            effects: &effects)
        return (outcome, try h.record(effects))
    }

    @Test func sharedLocksShareAndExclusiveExcludes() throws {
        var (table, h) = (Table(), try LockHarness())
        guard case .granted = try apply(&table, &h, .sharedLock, a).0, case .granted = try apply(&table, &h, .trySharedLock, b).0 else {
            Issue.record("two shared locks were not both granted")
            return
        }
        guard case .wouldBlock = try apply(&table, &h, .tryExclusiveLock, c).0 else {
            Issue.record("an exclusive try beside shared holders did not fail")
            return
        }
        #expect(h.ns.flockHolders(of: h.file).count == 2)
        #expect(
            h.records.map { String(decoding: ChangelogCodec.format($0), as: UTF8.self) }.allSatisfy {
                $0.contains("|FLOCK(\(h.file),") && $0.hasSuffix(",R)\n")
            })
    }

    @Test func aWaiterIsGrantedWhenTheHolderUnlocksAndBothAreRecorded() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, a)
        guard case .waiting = try apply(&table, &h, .exclusiveLock, b, waiter: 7).0 else {
            Issue.record("a blocking lock did not wait")
            return
        }
        #expect(table.waitingCount == 1)
        #expect(try apply(&table, &h, .unlock, a).1 == [7])
        #expect(h.ns.flockHolders(of: h.file) == [b: .exclusive])
        #expect(table.waitingCount == 0)
        #expect(
            h.records.map(\.change) == [
                .flock(inode: h.file, session: a.session, owner: a.owner, .write),
                .flock(inode: h.file, session: a.session, owner: a.owner, .unlock),
                .flock(inode: h.file, session: b.session, owner: b.owner, .write),
            ])
    }

    @Test func aLockRequestSentAgainRecordsNothing() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, a)
        guard case .granted = try apply(&table, &h, .exclusiveLock, a).0 else {
            Issue.record("a held lock asked again was not granted")
            return
        }
        #expect(h.records.count == 1)
    }

    @Test func waitersAreGrantedInOrderSoExclusiveIsNotStarved() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .sharedLock, a)
        _ = try apply(&table, &h, .exclusiveLock, b, waiter: 1)
        // A shared request behind a waiting exclusive one waits too.
        guard case .waiting = try apply(&table, &h, .sharedLock, c, waiter: 2).0 else {
            Issue.record("a shared lock jumped the queue")
            return
        }
        #expect(try apply(&table, &h, .unlock, a).1 == [1])
        #expect(try apply(&table, &h, .unlock, b).1 == [2])
    }

    @Test func anInterruptEndsTheWaitWithoutTheLock() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, a)
        _ = try apply(&table, &h, .exclusiveLock, b, waiter: 3)
        guard case .interrupted(let ended) = try apply(&table, &h, .interrupt, b, waiter: 3).0 else {
            Issue.record("no interrupt")
            return
        }
        #expect(ended == [3])
        #expect(try apply(&table, &h, .unlock, a).1.isEmpty)
        #expect(h.ns.flockHolders(of: h.file).isEmpty)
    }

    @Test func aClosedSessionLosesItsLocksAndAWakeLetsWaitersIn() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, b)
        _ = try apply(&table, &h, .exclusiveLock, a, waiter: 4)
        _ = try h.ns.closeSession(SessionID(2), now: LockHarness.t0)
        var effects: [Table.Effect] = []
        table.wake(h.file, holders: h.ns.flockHolders(of: h.file), effects: &effects)
        #expect(try h.record(effects) == [4])
        #expect(h.ns.flockHolders(of: h.file) == [a: .exclusive])
    }

    @Test func droppedWaitersAreForgotten() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, a)
        _ = try apply(&table, &h, .exclusiveLock, b, waiter: 5)
        #expect(table.dropWaiters { _, waiter in waiter == 5 } == 1)
        #expect(try apply(&table, &h, .unlock, a).1.isEmpty)
        #expect(table.waitingCount == 0)
    }

    @Test func waitingIsBoundedAndPastTheLimitATryFails() throws {
        var (table, h) = (Table(maxWaiting: 1), try LockHarness())
        _ = try apply(&table, &h, .exclusiveLock, a)
        guard case .waiting = try apply(&table, &h, .exclusiveLock, b, waiter: 1).0,
            case .wouldBlock = try apply(&table, &h, .exclusiveLock, c, waiter: 2).0
        else {
            Issue.record("the waiting limit was not kept")
            return
        }
        #expect(table.waitingCount == 1)
    }

    @Test func releaseDropsTheOwnersLockAndItsWaits() throws {
        var (table, h) = (Table(), try LockHarness())
        _ = try apply(&table, &h, .sharedLock, a)
        _ = try apply(&table, &h, .release, a)
        #expect(h.ns.flockHolders(of: h.file).isEmpty)
    }
}
