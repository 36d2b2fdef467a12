import MFSCore

/// Deletes the shell holds until the metadata they were decided on is committed
/// (`ChunkHub.effects(holdingUntil:)`). Such a delete waits as long as the commit does (with
/// `SYNC_DEGRADE = 0`, as long as the peers are away), and meanwhile the copies it counted on
/// may have gone with their servers: each is checked again before it goes out, and one that
/// would now take the last copies the chunk needs is dropped.
extension ChunkRegistry {
    /// Marks the delete just decided for `chunk` on `id` as held: it does not time out.
    public mutating func holdDeletion(_ chunk: ChunkID, on id: ChunkserverID) {
        guard case .deleting(_, let wasInvalid) = chunks[chunk]?.copies[id]?.state else { return }
        chunks[chunk]!.copies[id]!.state = .deleting(since: nil, wasInvalid: wasInvalid)
    }

    /// Whether the held delete of `chunk` on `id`, decided for `reason`, may go out now: the
    /// copy still waits for it, and deleting it still leaves what the reason counted on (a
    /// trimmed copy: `goal` valid copies on other registered servers; a stale or invalid copy:
    /// one valid copy elsewhere; an orphan or unknown chunk: still in no file). True: it goes,
    /// and its timeout starts now. False (or `givingUp`, when it was never committed): the
    /// copy goes back to what it was, present or invalid, and a later pass decides again.
    public mutating func releaseHeldDeletion(
        _ chunk: ChunkID, on id: ChunkserverID, reason: DeletionReason, facts: some ChunkFacts, now: Duration, givingUp: Bool = false
    ) -> Bool {
        guard let copy = chunks[chunk]?.copies[id], case .deleting(nil, let wasInvalid) = copy.state else { return false }
        if !givingUp, stillSafe(chunk, copy, on: id, reason: reason, facts: facts) {
            chunks[chunk]!.copies[id]!.state = .deleting(since: now, wasInvalid: wasInvalid)
            return true
        }
        chunks[chunk]!.copies[id]!.state = wasInvalid ? .invalid : .present
        if servers[id]!.deletionsInFlight > 0 { servers[id]!.deletionsInFlight -= 1 }
        return false
    }

    private func stillSafe(_ chunk: ChunkID, _ copy: Copy, on id: ChunkserverID, reason: DeletionReason, facts: some ChunkFacts) -> Bool {
        guard case .owned(let version, let goal) = facts.standing(of: chunk) else { return true }
        let others = chunks[chunk]!.valid(at: version).filter { $0.server != id && servers[$0.server]?.isRegistered == true }.count
        switch reason {
        case .orphan, .unknown: return false
        case .overGoal: return others >= Int(goal)
        case .staleVersion: return copy.version != version && others >= 1
        case .invalid: return others >= 1
        }
    }
}
