import MFSConfig
import MFSCore
import MFSMetadata
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

    /// The housekeeping keeps what still matters: admissions of sessions the namespace has (or
    /// opened after it was read), reservations ahead of their file's length.
    @Test func pruningDropsWhatNoLongerMatters() throws {
        let state = MooseClientState(startSeconds: 1_000)
        let t = UnixTime(1_795_315_206)
        var ns = Namespace()
        let live = try ns.openSession(info: [], now: t).0
        let closed = try ns.openSession(info: [], now: t).0
        _ = try ns.closeSession(closed, now: t)
        let admission = MooseClientState.Admission(
            rule: ExportRule(line: 1, addresses: .any, directory: .root), root: .root,
            address: IPv4Address(169, 254, 0, 1), exports: Exports(file: "x", rules: []))
        let later = SessionID(ns.nextSessionID.rawValue)
        for id in [live, closed, later] { state.admitted(id, admission) }
        func file(_ name: String, length: UInt64) throws -> InodeID {
            let inode = try ns.create(.root, EntryName(validating: name), type: .file, mode: 0o644, as: .root, now: t).0.inode
            _ = try ns.setLength(inode, length, as: .root, now: t)
            return inode
        }
        let landed = try file("landed", length: 100)
        let ahead = try file("ahead", length: 10)
        let gone = try file("gone", length: 0)
        #expect(state.reserve(landed, length: 0, count: 50) == 0)
        #expect(state.reserve(ahead, length: 10, count: 50) == 10)
        #expect(state.reserve(gone, length: 0, count: 50) == 0)
        _ = try ns.unlink(.root, EntryName(validating: "gone"), as: .root, now: t)

        state.prune { ns }

        #expect(state.admission(of: live) != nil && state.admission(of: later) != nil)
        #expect(state.admission(of: closed) == nil)
        #expect(state.counts.reservations == 1)
        #expect(state.reserve(ahead, length: 10, count: 1) == 60, "the reservation ahead of the length stays")
        #expect(state.reserve(gone, length: 0, count: 1) == 0, "a new file with that inode starts at its end")
    }
}
