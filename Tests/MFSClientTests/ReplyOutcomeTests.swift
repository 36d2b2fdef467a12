import MFSClient
import MFSCore
import MFSWire
import Testing

@Suite struct ReplyOutcomeTests {
    let id = RequestID(7)

    @Test func aResultIsASuccess() {
        let reply = MasterReply.getGoal(id, goal: 2)
        #expect(ReplyOutcome(reply) == .success(reply))
        #expect(ReplyOutcome(.ok(id)) == .success(.ok(id)))
    }

    @Test func notActiveCarriesTheActiveMaster() {
        #expect(ReplyOutcome(.status(id, .notActive, activeMaster: "10.0.0.2:9421")) == .notActive(activeMaster: "10.0.0.2:9421"))
        #expect(ReplyOutcome(.status(id, .notActive, activeMaster: nil)) == .notActive(activeMaster: nil))
    }

    @Test func badSessionMeansANewSession() {
        #expect(ReplyOutcome(.status(id, .badSession, activeMaster: nil)) == .sessionLost)
    }

    @Test func requestExpiredIsItsOwnError() {
        #expect(ReplyOutcome(.status(id, .requestExpired, activeMaster: nil)) == .failure(.requestExpired))
    }

    @Test func aChunkUnavailableForNowIsItsOwnError() {
        for status in [WireStatus.locked, .chunkBusy, .tryAgain, .chunkserverAbsent, .chunkLost] {
            #expect(ReplyOutcome(.status(id, status, activeMaster: nil)) == .failure(.chunkUnavailable(status)))
        }
        #expect(ClientError.chunkUnavailable(.chunkLost).errno == 6 && ClientError.chunkUnavailable(.locked).errno == 11)
    }

    /// `readChunk` and `writeChunk` ask again while the chunk is unavailable for now, within
    /// `retryFor`; a lost chunk is not asked for again.
    @Test func chunkRequestsAreAskedAgainWhileTheChunkIsUnavailableForNow() async throws {
        let calls = Counter()
        // An hour: the pauses may run long while other tests hold the cooperative threads.
        let answer = try await MasterClient.untilAvailable(retryFor: .seconds(3_600)) { () async throws(ClientError) -> Int in
            let n = calls.next()
            if n < 3 { throw .chunkUnavailable(n == 1 ? .chunkBusy : .chunkserverAbsent) }
            return n
        }
        #expect(answer == 3)
        let lost = Counter()
        await #expect(throws: ClientError.chunkUnavailable(.chunkLost)) {
            try await MasterClient.untilAvailable(retryFor: .seconds(30)) { () async throws(ClientError) -> Int in
                _ = lost.next()
                throw .chunkUnavailable(.chunkLost)
            }
        }
        #expect(lost.value == 1)
        let locked = Counter()
        await #expect(throws: ClientError.chunkUnavailable(.locked)) {
            try await MasterClient.untilAvailable(retryFor: .milliseconds(100)) { () async throws(ClientError) -> Int in
                _ = locked.next()
                throw .chunkUnavailable(.locked)
            }
        }
        #expect(locked.value >= 2, "asked \(locked.value) times within the 100 ms")
        await #expect(throws: ClientError.fs(.accessDenied)) {
            try await MasterClient.untilAvailable(retryFor: .seconds(30)) { () async throws(ClientError) -> Int in throw .fs(.accessDenied)
            }
        }
    }

    @Test func aCodeWithoutAnErrnoIsEIO() {
        #expect(ReplyOutcome(.status(id, WireStatus(rawValue: 200), activeMaster: nil)) == .failure(.fs(.ioError)))
        #expect(ReplyOutcome(.status(id, .staleEpoch, activeMaster: nil)) == .failure(.fs(.ioError)))
    }
}

/// Counts calls from a closure.
final class Counter: @unchecked Sendable {
    private(set) var value = 0
    func next() -> Int {
        value += 1
        return value
    }
}
