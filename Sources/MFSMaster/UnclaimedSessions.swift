import MFSCore

/// Sessions the metadata holds as connected that no client connection of this master speaks
/// for: after a failover, the old master's clients until they come back; a register whose
/// connection ended before it was answered; a connection kept through a demotion that went
/// away while the master could not record it. None of them would ever expire, and each would
/// keep its open files and locks for ever. The active master's housekeeping asks every few
/// seconds; a session unclaimed for `SESSION_CLAIM_TIME` (60 s: long enough for a failover's
/// clients to come back, mfsmount retries every second or so) is marked lost, and
/// then expires after `SESSION_SUSTAIN_TIME` unless its client comes back.
///
/// A failover itself writes nothing for them: a client that comes back within the claim time
/// finds its session as it was, and its first answer waits for no change. Pure: it takes `now`
/// and returns what to mark; the caller marks each under the service's lock, checking again
/// that no connection claimed it meanwhile (`ClientServerContext.claim`).
struct UnclaimedSessions {
    /// When each session was first seen unclaimed.
    private var since: [SessionID: Duration] = [:]

    /// The sessions to mark lost now. `connected`: the sessions the metadata holds as
    /// connected (not lost); `claimed`: those a connection speaks for or is opening.
    mutating func due(connected: [SessionID], claimed: Set<SessionID>, now: Duration, after claimTime: Duration) -> [SessionID] {
        var still: [SessionID: Duration] = [:]
        var due: [SessionID] = []
        for id in connected where !claimed.contains(id) {
            let first = since[id] ?? now
            if now - first >= claimTime { due.append(id) } else { still[id] = first }
        }
        since = still
        return due
    }

    /// Forgets what it saw (this master is no longer active: what it saw may change before it
    /// is again).
    mutating func reset() { since = [:] }
}
