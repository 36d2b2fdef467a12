import MFSChangelog
import MFSCore

extension Namespace {
    /// `EPOCH(epoch)` for a promotion that won `epoch` by the quorum rule (DESIGN §7.2), which
    /// may be more than one above the current epoch (a voter's promise of a lost candidacy
    /// took the numbers between).
    public mutating func beginEpoch(_ epoch: Epoch, now: UnixTime) throws(FSError) -> ChangelogRecord {
        guard epoch > self.epoch else { throw .invalidArgument }
        return try commit(.epoch(epoch), now: now, request: nil)
    }
}
