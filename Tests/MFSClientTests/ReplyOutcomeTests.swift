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

    @Test func aCodeWithoutAnErrnoIsEIO() {
        #expect(ReplyOutcome(.status(id, WireStatus(rawValue: 200), activeMaster: nil)) == .failure(.fs(.ioError)))
        #expect(ReplyOutcome(.status(id, .staleEpoch, activeMaster: nil)) == .failure(.fs(.ioError)))
    }
}
