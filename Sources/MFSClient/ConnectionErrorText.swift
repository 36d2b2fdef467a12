import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A short reason for a failed connect or a broken connection, as `strerror` words it
/// ("Connection refused"), for `ClientError.unreachable` and the CLI's messages.
func connectionErrorText(_ error: any Error) -> String {
    if let failure = error as? NIOConnectionError {
        if let first = failure.connectionErrors.first { return connectionErrorText(first.error) }
        if failure.dnsAError != nil || failure.dnsAAAAError != nil { return "unknown host" }
        return "no address to connect to"
    }
    if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
    if let channel = error as? ChannelError {
        switch channel {
        case .connectTimeout(let timeout): return "connection timed out after \(timeout.nanoseconds / 1_000_000) ms"
        case .ioOnClosedChannel, .alreadyClosed, .eof: return "the connection closed"
        default: return "\(channel)"
        }
    }
    if let failure = error as? HandshakeFailure { return failure.reason }
    return "\(error)"
}

extension HandshakeFailure {
    /// The failure as a reason after an address.
    var reason: String {
        switch self {
        case .refused(let status): ClientError.sessionRefused(status).description
        case .passOver(let reason): reason
        case .sessionGone: "the session to resume is gone"
        case .violation(let reason): "protocol violation: \(reason)"
        }
    }
}
