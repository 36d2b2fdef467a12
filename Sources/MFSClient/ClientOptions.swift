import MFSConfig

/// How a `MasterClient` finds and talks to the master.
public struct ClientOptions: Sendable {
    /// The port a master address without one gets: the client port, as in MooseFS.
    public static let defaultPort: UInt16 = 9421

    /// The masters to try, in order. The first one that is active wins; a follower that names
    /// the active master sends the client there.
    public var masters: [HostPort]
    /// The exported directory to mount: `/` or a subdirectory listed in `mfsexports.cfg`.
    public var mountPath: String = "/"
    /// The export's password, when it has one: the client answers the master's challenge with
    /// an HMAC keyed by its digest, and never sends the password itself.
    public var password: String? = nil
    /// Shown in the master's session list.
    public var clientVersion: String = "swift-mfs 0.1"
    /// How long one TCP connect may take.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a request may wait for its reply on one connection before the connection is
    /// taken for dead (closed, reconnected, and the request sent again).
    public var requestTimeout: Duration = .seconds(10)
    /// How long the client keeps reconnecting after it lost the master before it fails the
    /// requests waiting; also the longest a single request waits in all.
    public var retryFor: Duration = .seconds(30)
    /// A request waiting this long without a reply makes the client ask, on a fresh
    /// connection, who answers at the master's address now: a new active master there (the
    /// virtual IP moved after a silent host death) ends the old connection at once instead of
    /// after TCP's retransmissions. Zero: never. Ask again every `probeAfter` while requests
    /// still wait.
    public var probeAfter: Duration = .milliseconds(100)
    /// How long a probe's connect and answer may take together.
    public var probeTimeout: Duration = .seconds(1)
    /// How long a probe's TCP connect may take (within `probeTimeout`). Short, as the
    /// chunkserver's (`ChunkserverLimits.masterConnectTimeout`): a connect begun while the
    /// virtual IP is on no host yet gets its SYN sent again only after TCP's 1 s initial
    /// timeout, and would hold its probe slot that long; given up sooner, the slot is free for
    /// the next probe, which reaches the new master within `probeAfter` of its taking the
    /// address. A master's kernel answers a connect at once, however loaded the master is.
    public var probeConnectTimeout: Duration = .milliseconds(250)
    /// Probes that may run at once (one starts every `probeAfter` while requests wait).
    public var maxProbes = 4

    public init(
        masters: [HostPort], mountPath: String = "/", password: String? = nil, clientVersion: String = "swift-mfs 0.1",
        connectTimeout: Duration = .seconds(2), requestTimeout: Duration = .seconds(10), retryFor: Duration = .seconds(30)
    ) {
        precondition(!masters.isEmpty, "a client needs at least one master address")
        self.masters = masters
        self.mountPath = mountPath
        self.password = password
        self.clientVersion = clientVersion
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retryFor = retryFor
    }

    /// Parses `host[:port],host2[:port]` (spaces around commas allowed); a missing port is
    /// `defaultPort`.
    public static func parseMasters(_ text: String) throws(ClientError) -> [HostPort] {
        var masters: [HostPort] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingSpaces
            guard !trimmed.isEmpty else { throw .badAddress("empty master address in '\(text)'") }
            guard let parsed = HostPort(String(trimmed)) else {
                throw .badAddress("'\(trimmed)' is not host[:port] (an IPv4 address or host name, a port 1-65535)")
            }
            masters.append(HostPort(host: parsed.host, port: parsed.port(or: defaultPort)))
        }
        return masters
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
