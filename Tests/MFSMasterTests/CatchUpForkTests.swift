import MFSChangelog
import MFSCore
import MFSPeer
import MFSReplication
import Testing

@testable import MFSMaster

/// A candidate takes the newest log among its granters before it begins its epoch. A granter's
/// log of a later epoch continues the candidate's only when the boundary into that epoch comes
/// after the candidate's last change; otherwise the two histories forked and the tail must not
/// be applied on top (the candidate holds changes of an old epoch the newer one never had).
@Suite struct CatchUpForkTests {
    static let voter = MemberID(0xD)

    static func record(_ version: UInt64, _ change: Change) -> ChangelogRecord {
        ChangelogRecord(version: MetaVersion(version), time: UnixTime(1_800_000_000), change: change)
    }

    static func position(_ epoch: UInt64, _ version: UInt64) -> LogPosition {
        LogPosition(epoch: Epoch(epoch), version: MetaVersion(version))
    }

    @Test func aTailOfTheSameEpochContinues() throws {
        let tail = [Self.record(101, .idle), Self.record(102, .checksum(7))]
        try Promotion.checkContinues(tail, after: Self.position(3, 100), through: Self.position(3, 102), from: Self.voter)
    }

    @Test func aTailThatCrossesIntoTheNewEpochContinues() throws {
        let tail = [Self.record(101, .epoch(Epoch(4)))]
        try Promotion.checkContinues(tail, after: Self.position(3, 100), through: Self.position(4, 101), from: Self.voter)
    }

    @Test func aTailOfANewerEpochWithoutItsBoundaryForked() {
        // The voter's EPOCH(4) is at version 90: this candidate's changes 90...100 of epoch 3
        // were never part of epoch 4's history.
        #expect(throws: LinkError.self) {
            try Promotion.checkContinues([], after: Self.position(3, 100), through: Self.position(4, 100), from: Self.voter)
        }
        #expect(throws: LinkError.self) {
            try Promotion.checkContinues(
                [Self.record(101, .idle)], after: Self.position(3, 100), through: Self.position(4, 130), from: Self.voter)
        }
    }
}
