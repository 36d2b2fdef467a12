import MFSWire

/// What a client does with a reply that matched its request.
public enum ReplyOutcome: Equatable, Sendable {
    /// The request succeeded: the reply carries the result (or is `status ok`).
    case success(MasterReply)
    /// The request failed for good: give the caller this error.
    case failure(ClientError)
    /// The master is not active: reconnect (to `activeMaster` when named) and send again.
    case notActive(activeMaster: String?)
    /// The master no longer knows the session: reconnect for a new one.
    case sessionLost

    public init(_ reply: MasterReply) {
        guard case .status(_, let status, let activeMaster) = reply else {
            self = .success(reply)
            return
        }
        switch status {
        case .ok: self = .success(reply)
        case .notActive: self = .notActive(activeMaster: activeMaster)
        case .badSession: self = .sessionLost
        case .requestExpired: self = .failure(.requestExpired)
        case .locked, .chunkBusy, .tryAgain, .chunkserverAbsent, .chunkLost, .noChunkservers: self = .failure(.chunkUnavailable(status))
        default:
            // Protocol-level codes and codes from a newer master have no errno: EIO, as a
            // mount would answer.
            self = .failure(.fs(status.fsError ?? .ioError))
        }
    }
}
