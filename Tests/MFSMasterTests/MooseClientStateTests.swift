import MFSCore
import Testing

@testable import MFSMaster

/// The request ids the MooseFS dialect gives a session's requests (MooseFS's own msgids are
/// small and reused): above anything the session used on another master, whatever the clocks.
@Suite struct MooseClientStateTests {
    @Test func aSessionFromAnotherMasterGetsIdsAboveItsHighest() {
        // This master started a second before the master the session comes from: its
        // clock-based ids are below the session's.
        let state = MooseClientState(startSeconds: 1_000)
        let theirs = UInt64(1_001) << 24 + 5_000
        #expect(state.nextRequestID().rawValue < theirs)
        state.raise(above: theirs)
        #expect(state.nextRequestID().rawValue == theirs + 1)
        // Never lowered: a session with older ids changes nothing.
        state.raise(above: 3)
        #expect(state.nextRequestID().rawValue == theirs + 2)
    }
}
