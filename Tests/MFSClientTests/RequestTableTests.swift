import MFSClient
import MFSCore
import MFSMetadata
import MFSWire
import Testing

/// A manual instant for the table's time arithmetic.
struct TestInstant: InstantProtocol {
    var offset: Duration
    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (a: TestInstant, b: TestInstant) -> Bool { a.offset < b.offset }
    static func seconds(_ s: Int64) -> TestInstant { TestInstant(offset: .seconds(s)) }
}

@Suite struct RequestTableTests {
    typealias Table = RequestTable<String, TestInstant>
    let who = Credentials(uid: 1, gid: 1)

    @Test func idsStartAtOneAndIncrease() {
        var table = Table()
        let first = table.add({ .getGoal($0, inode: .root) }, waiter: "a", now: .seconds(0), sent: true)
        let second = table.add({ .info($0) }, waiter: "b", now: .seconds(0), sent: true)
        #expect(first.requestID == RequestID(1) && second.requestID == RequestID(2))
    }

    @Test func repliesMatchByIdInAnyOrder() {
        var table = Table()
        _ = table.add({ .getGoal($0, inode: .root) }, waiter: "a", now: .seconds(0), sent: true)
        _ = table.add({ .info($0) }, waiter: "b", now: .seconds(0), sent: true)
        guard case .answered(let request) = table.match(.getGoal(RequestID(1), goal: 2)) else {
            Issue.record("no match")
            return
        }
        #expect(request.requestID == RequestID(1))
        #expect(table.finish(RequestID(1)) == "a")
        #expect(table.finish(RequestID(2)) == "b")
        #expect(table.isEmpty)
    }

    @Test func aReplyOfAnotherKindOrForNoRequestIsUnexpected() {
        var table = Table()
        _ = table.add({ .getGoal($0, inode: .root) }, waiter: "a", now: .seconds(0), sent: true)
        guard case .unexpected = table.match(.setGoal(RequestID(1), changed: 1)) else {
            Issue.record("a reply of the wrong kind matched")
            return
        }
        guard case .unexpected = table.match(.getGoal(RequestID(99), goal: 1)) else {
            Issue.record("a reply to nothing matched")
            return
        }
        guard case .answered = table.match(.status(RequestID(1), .noEntry, activeMaster: nil)) else {
            Issue.record("a status must answer any request")
            return
        }
    }

    @Test func afterAReconnectEveryRequestIsResentWithItsOwnIdOldestFirst() {
        var table = Table()
        for name in ["a", "b", "c"] { _ = table.add({ .info($0) }, waiter: name, now: .seconds(0), sent: true) }
        _ = table.finish(RequestID(2))
        table.connectionLost()
        #expect(!table.stalled(now: .seconds(100), timeout: .seconds(10)))
        #expect(table.resendAll(now: .seconds(1)).map(\.requestID) == [RequestID(1), RequestID(3)])
    }

    @Test func aRequestWaitingLongerThanTheTimeoutStallsTheConnection() {
        var table = Table()
        _ = table.add({ .info($0) }, waiter: "a", now: .seconds(0), sent: true)
        #expect(!table.stalled(now: .seconds(9), timeout: .seconds(10)))
        #expect(table.stalled(now: .seconds(10), timeout: .seconds(10)))
    }

    @Test func expiredRequestsFailWithTheirLastFailureAndTheirLateRepliesAreDropped() {
        var table = Table()
        _ = table.add({ .info($0) }, waiter: "a", now: .seconds(0), sent: true)
        _ = table.add({ .mkdir($0, who, parent: .root, name: "x", mode: 0o755) }, waiter: "b", now: .seconds(0), sent: true)
        table.retryLater(RequestID(2), because: .notActive(activeMaster: "m:1"))
        _ = table.add({ .info($0) }, waiter: "c", now: .seconds(20), sent: true)
        let expired = table.expire(now: .seconds(30), limit: .seconds(30))
        #expect(expired.map(\.0) == ["a", "b"])
        #expect(expired[1].1 == .notActive(activeMaster: "m:1"))
        guard case .timedOut = expired[0].1 else {
            Issue.record("expected a timeout, got \(expired[0].1)")
            return
        }
        guard case .abandoned = table.match(.info(RequestID(1), MasterInfo.zero)) else {
            Issue.record("a late reply to an expired request must be dropped")
            return
        }
        #expect(table.count == 1)
    }

    @Test func aNewSessionFailsOnlyMutatingRequestsThatWereSent() {
        var table = Table()
        _ = table.add({ .mkdir($0, who, parent: .root, name: "x", mode: 0o755) }, waiter: "sent mkdir", now: .seconds(0), sent: true)
        _ = table.add({ .info($0) }, waiter: "read", now: .seconds(0), sent: true)
        table.connectionLost()
        _ = table.add({ .mkdir($0, who, parent: .root, name: "y", mode: 0o755) }, waiter: "queued mkdir", now: .seconds(0), sent: false)
        #expect(table.removeUnsafeAfterSessionLoss() == ["sent mkdir"])
        #expect(table.resendAll(now: .seconds(1)).map(\.requestID) == [RequestID(2), RequestID(3)])
    }
}

extension MasterInfo {
    static let zero = MasterInfo(totalBytes: 0, availableBytes: 0, inodeCount: 0, chunkCount: 0, metaVersion: .zero)
}
