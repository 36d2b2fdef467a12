import MFSConfig

/// Which master to try next while (re)connecting, and how long to wait first: each address of
/// the list in order, without waiting; a round that failed everywhere is followed by a backoff
/// delay. An address named by a `notActive` answer (the active master, as a follower knows
/// it) is tried next, once per round, so that two masters naming each other cannot make the
/// client spin without waiting.
///
/// It remembers the last failure reason per address for the error the caller gives up with.
/// A pure value: the caller connects, reports the outcome, and keeps the time.
public struct ReconnectPlan: Sendable {
    public let masters: [HostPort]
    private var backoff: ReconnectBackoff
    /// The next index in `masters`.
    private var index = 0
    private var redirect: HostPort?
    private var redirectedThisRound = false
    /// Whether the next attempt starts a new round (and waits).
    private var roundOver = false
    /// `host:port: reason`, one per address, in the order they first failed.
    public private(set) var failures: [(address: HostPort, reason: String)] = []

    public init(masters: [HostPort], backoff: ReconnectBackoff = ReconnectBackoff()) {
        precondition(!masters.isEmpty, "no master to connect to")
        self.masters = masters
        self.backoff = backoff
    }

    /// The address to try next and how long to wait before; `jitter` is a random fraction in
    /// 0..<1.
    public mutating func nextAttempt(jitter: Double) -> (address: HostPort, delay: Duration) {
        if let target = redirect {
            redirect = nil
            return (target, .zero)
        }
        var delay = Duration.zero
        if roundOver {
            delay = backoff.nextDelay(jitter: jitter)
            roundOver = false
            redirectedThisRound = false
        }
        let address = masters[index]
        index += 1
        if index == masters.count {
            index = 0
            roundOver = true
        }
        return (address, delay)
    }

    /// Whether the round just tried every address (and any redirect): a caller that makes one
    /// pass only, as the first connect does, stops here.
    public var roundComplete: Bool { roundOver && redirect == nil }

    /// An attempt at `address` failed.
    public mutating func failed(_ address: HostPort, reason: String) {
        if let known = failures.firstIndex(where: { $0.address == address }) {
            failures[known].reason = reason
        } else {
            failures.append((address, reason))
        }
    }

    /// A master said it is not active and named `active` (`host[:port]`): try it next, unless
    /// a redirect was already followed this round or the text is not an address.
    public mutating func redirected(to active: String) {
        guard !redirectedThisRound, let parsed = HostPort(active) else { return }
        redirectedThisRound = true
        redirect = HostPort(host: parsed.host, port: parsed.port(or: ClientOptions.defaultPort))
    }

    /// The connection worked: the next loss starts from the shortest delay again.
    public mutating func succeeded() {
        backoff.reset()
        failures = []
        roundOver = false
        redirectedThisRound = false
    }

    /// `host:port: reason` for each address that failed, for `ClientError.unreachable`.
    public var reasons: [String] { failures.map { "\($0.address): \($0.reason)" } }
}
