import MFSCore
import MFSWire

/// Why a `MasterClient` call failed.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation itself failed (no such entry, permission denied, ...).
    case fs(FSError)
    /// The master takes no writes and no active master could be found in time; the address
    /// is the active master's when the last master asked knew it.
    case notActive(activeMaster: String?)
    /// The master refused the session: `accessDenied` (the export does not cover this client
    /// or path), `badPassword`, `wrongMetaID` (another cluster).
    case sessionRefused(WireStatus)
    /// A mutating request that may or may not have been applied: the master forgot it (it was
    /// older than the session's request memory) or the session it was sent in is gone.
    case requestExpired
    /// The master sent something that breaks the protocol; the connection was closed.
    case protocolViolation(String)
    /// No master could be reached: one `host:port: reason` per address tried.
    case unreachable([String])
    /// No answer in time.
    case timedOut(String)
    /// A master address list that cannot be parsed.
    case badAddress(String)
    /// The client was closed.
    case closed
    /// The master cannot give out the chunk now: another writer holds it (`locked`), a
    /// chunkserver command is under way (`chunkBusy`), it waits for chunkservers after a failover
    /// (`tryAgain`), no chunkserver can take a new chunk for now (`noChunkservers`), its copies
    /// are on a chunkserver that is away (`chunkserverAbsent`), or no
    /// chunkserver has a copy at all (`chunkLost`). `readChunk` and `writeChunk` retry all but the
    /// last for up to `ClientOptions.retryFor`; this error means that time ran out.
    case chunkUnavailable(WireStatus)

    public var description: String {
        switch self {
        case .fs(let error): error.message
        case .notActive(let active?): "The master is not active; the active master is \(active)"
        case .notActive(nil): "No active master found"
        case .sessionRefused(let status): Self.refusal(status)
        case .requestExpired: "The request expired: it may or may not have been applied"
        case .protocolViolation(let reason): "The master broke the protocol: \(reason)"
        case .unreachable(let reasons): "Cannot reach the master at \(reasons.joined(separator: "; "))"
        case .timedOut(let what): "Timed out: \(what)"
        case .badAddress(let reason): "Bad master address: \(reason)"
        case .closed: "The client is closed"
        case .chunkUnavailable(.chunkLost):
            "The chunk is lost: no chunkserver has a valid copy, and every one the master knows is connected"
        case .chunkUnavailable(.chunkserverAbsent): "The chunk's copies are on a chunkserver that is not connected (gave up waiting for it)"
        case .chunkUnavailable(.noChunkservers):
            "No chunkserver could take a new chunk: none is connected, or one the master knows is still away (gave up waiting)"
        case .chunkUnavailable(let status): "The chunk stayed unavailable (\(status)) longer than the client waits"
        }
    }

    /// The errno a file system call reports for this error: the operation's own, EACCES for a
    /// refused session, EIO for every failure of the transport.
    public var errno: Int32 {
        switch self {
        case .fs(let error): error.errno
        case .sessionRefused(.accessDenied), .sessionRefused(.badPassword): FSError.accessDenied.rawValue
        case .timedOut: 110  // ETIMEDOUT
        case .chunkUnavailable(.chunkLost), .chunkUnavailable(.chunkserverAbsent): 6  // ENXIO, as mfsmount
        case .chunkUnavailable(.noChunkservers): FSError.noSpace.rawValue  // ENOSPC, as mfsmount after its retries
        case .chunkUnavailable: 11  // EAGAIN
        case .notActive, .sessionRefused, .requestExpired, .protocolViolation, .unreachable, .badAddress, .closed:
            FSError.ioError.rawValue
        }
    }

    private static func refusal(_ status: WireStatus) -> String {
        switch status {
        case .accessDenied: "Access denied: the master does not export this path to this client"
        case .badPassword: "The master wants a password for this export, and none or a wrong one was given"
        case .wrongMetaID: "The master belongs to another cluster"
        case .notActive: "The master is not active"
        case .staleEpoch: "The master is stale (an older epoch than this client has seen)"
        case .badSession: "The master no longer knows this session"
        default:
            if let error = status.fsError {
                "The master refused the session: \(error.message)"
            } else {
                "The master refused the session (\(status))"
            }
        }
    }
}

extension FSError {
    /// The errno: the raw value for real errnos, EIO for the two protocol-level cases.
    public var errno: Int32 {
        switch self {
        case .requestExpired, .badSession: FSError.ioError.rawValue
        default: rawValue
        }
    }

    /// The sentence `strerror` gives for the errno (glibc's wording), as tools print it.
    public var message: String {
        switch self {
        case .notPermitted: "Operation not permitted"
        case .noEntry: "No such file or directory"
        case .ioError: "Input/output error"
        case .accessDenied: "Permission denied"
        case .exists: "File exists"
        case .crossDevice: "Invalid cross-device link"
        case .notDirectory: "Not a directory"
        case .isDirectory: "Is a directory"
        case .invalidArgument: "Invalid argument"
        case .fileTooLarge: "File too large"
        case .noSpace: "No space left on device"
        case .readOnly: "Read-only file system"
        case .tooManyLinks: "Too many links"
        case .nameTooLong: "File name too long"
        case .notEmpty: "Directory not empty"
        case .tooManyLevels: "Too many levels of symbolic links"
        case .noData: "No data available"
        case .requestExpired: "The request expired: it may or may not have been applied"
        case .badSession: "The session is gone"
        }
    }
}
