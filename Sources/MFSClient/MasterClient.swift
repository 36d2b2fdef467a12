import MFSConfig
import MFSCore
import MFSMetadata
import MFSWire
import NIOCore
import NIOPosix
import Synchronization

/// A client of the master's client port (9421): one connection and one session, shared by
/// any number of concurrent calls. Requests are pipelined on the connection and their replies
/// matched by request id, so calls from many tasks do not wait for each other.
///
/// Failures it rides out, for up to `ClientOptions.retryFor`:
/// - a lost connection, or one where a request waited `requestTimeout` without a reply: it
///   reconnects (backing off from 50 ms to 2 s, with jitter) over the master list, resumes the
///   session and sends every request still waiting again with its id (the master answers a
///   mutating request it already did with its first result);
/// - a `notActive` answer: it goes to the active master the answer names, or the next address;
/// - a master that changed behind a silent connection (its host died without a FIN and the
///   virtual IP moved): a request waiting `ClientOptions.probeAfter` makes it ask who answers at
///   the address now (`MasterClient+Probe.swift`);
/// - a chunk the master cannot give out for now (locked by another writer, busy with a
///   chunkserver command, writes held after a failover, its copies on a chunkserver that is
///   away): `readChunk` and `writeChunk` ask again (`untilAvailable`), as mfsmount does.
///
/// If the master no longer knows the session (it expired while the client was away), the
/// client opens a new one and fails the mutating requests it had sent with
/// `ClientError.requestExpired`: the new session cannot tell whether they were applied, and
/// doing one twice is not safe (a second `rename` may move another file). Reads, and requests
/// never sent, go on in the new session. Files the old session held open are no longer open.
///
/// Cancelling a calling task does not cancel its request: the reply is awaited as usual.
public final class MasterClient: Sendable {
    typealias Waiter = CheckedContinuation<Result<MasterReply, ClientError>, Never>
    typealias Table = RequestTable<Waiter, ContinuousClock.Instant>

    /// One established connection.
    struct Link: Sendable {
        let number: UInt64
        let channel: any Channel
        let address: HostPort
        let end: LockedBox<ConnectionEnd?>
    }

    enum LinkState: Sendable {
        case connected(Link)
        case reconnecting
        /// Gave up reconnecting; the next call tries again.
        case broken(ClientError)
        case closed
    }

    struct State: Sendable {
        var table = Table()
        var link = LinkState.reconnecting
        var grant: SessionGrant?
        var pin = ClusterPin()
        var credentials: Credentials
        var linksOpened: UInt64 = 0
        /// The active master a `notActive` answer named, to try first.
        var redirect: String?
        var closing = false
        var watchdog: RepeatedTask?
        /// Probes (`probeIfStalled`) under way; when the last one started.
        var probes = 0
        var lastProbe: ContinuousClock.Instant?
    }

    let options: ClientOptions
    let state: Mutex<State>

    init(options: ClientOptions, credentials: Credentials) {
        self.options = options
        self.state = Mutex(State(credentials: credentials))
    }

    /// Connects to the first master in `options.masters` that is active (following a
    /// follower's pointer to the active one) and opens a session. It makes one pass over the
    /// list, without waiting: a tool gets a prompt answer when no master is up.
    public static func connect(_ options: ClientOptions) async throws(ClientError) -> MasterClient {
        let client = MasterClient(options: options, credentials: ProcessCredentials.current())
        try await client.connectFirst()
        client.startWatchdog()
        return client
    }

    /// The session the master granted: its id, the mount's root inode, whether it is read-only.
    public var grant: SessionGrant {
        state.withLock { state in
            guard let grant = state.grant else { preconditionFailure("a MasterClient used before it connected") }
            return grant
        }
    }

    /// Who the requests act as; the process's uid, gid and groups unless set. At most
    /// `WireLimits.maxGroups` supplementary groups are sent.
    public var credentials: Credentials {
        get { state.withLock { $0.credentials } }
        set {
            var who = newValue
            who.groups = Array(who.groups.prefix(WireLimits.maxGroups))
            state.withLock { $0.credentials = who }
        }
    }

    /// The newest epoch a master of the cluster showed this client (DESIGN §7.6): after a
    /// failover, the new active master's.
    public var epoch: Epoch { state.withLock { $0.pin.epoch } }

    /// The address of the master the client is connected to, if it is.
    public var currentMaster: HostPort? {
        state.withLock { state in
            guard case .connected(let link) = state.link else { return nil }
            return link.address
        }
    }

    /// Ends the session (the master releases what it held open) and closes the connection.
    /// Calls still waiting fail with `ClientError.closed`.
    public func close() async {
        let connected = state.withLock { state -> Bool in
            state.closing = true
            if case .connected = state.link { return true }
            return false
        }
        if connected { _ = try? await call { .closeSession($0) } }
        let (waiters, link, watchdog) = state.withLock { state in
            let link: Link? = if case .connected(let link) = state.link { link } else { nil }
            state.link = .closed
            defer { state.watchdog = nil }
            return (state.table.removeAll(), link, state.watchdog)
        }
        watchdog?.cancel()
        for waiter in waiters { waiter.resume(returning: .failure(.closed)) }
        if let link { try? await link.channel.close() }
    }

    // MARK: requests

    private enum EnqueueAction {
        case none
        case write(Link, ClientRequest)
        case fail(ClientError)
        case reconnect
    }

    /// Sends a request built with the next request id and waits for its reply: a success, or
    /// the request's error.
    func call(_ make: (RequestID) -> ClientRequest) async throws(ClientError) -> MasterReply {
        let result = await withCheckedContinuation { (waiter: Waiter) in
            let now = ContinuousClock.now
            let action = state.withLock { state -> EnqueueAction in
                switch state.link {
                case .closed:
                    return .fail(.closed)
                case .connected(let link):
                    return .write(link, state.table.add(make, waiter: waiter, now: now, sent: true))
                case .reconnecting:
                    _ = state.table.add(make, waiter: waiter, now: now, sent: false)
                    return .none
                case .broken:
                    _ = state.table.add(make, waiter: waiter, now: now, sent: false)
                    state.link = .reconnecting
                    return .reconnect
                }
            }
            switch action {
            case .none: break
            case .write(let link, let request): send([request], on: link)
            case .fail(let error): waiter.resume(returning: .failure(error))
            case .reconnect: startReconnect()
            }
        }
        return try result.get()
    }

    func send(_ requests: [ClientRequest], on link: Link) {
        guard !requests.isEmpty else { return }
        let channel = link.channel
        var buffer = channel.allocator.buffer(capacity: 64 * requests.count)
        for request in requests { buffer.writeBytes(request.encode()) }
        // A write to a channel that has just closed fails quietly: the requests are in the
        // table and go out again on the next connection.
        channel.writeAndFlush(buffer, promise: nil)
    }

    private enum ReplyAction {
        case none
        case resume(Waiter, Result<MasterReply, ClientError>)
        case close(Link, ConnectionEnd)
    }

    /// A reply arrived on connection `number`.
    func received(_ reply: MasterReply, on number: UInt64) {
        let action = state.withLock { state -> ReplyAction in
            guard case .connected(let link) = state.link, link.number == number else { return .none }
            switch state.table.match(reply) {
            case .abandoned:
                return .none
            case .unexpected(let why):
                return .close(link, .violation(why))
            case .answered(let request):
                return Self.settle(request, ReplyOutcome(reply), link: link, state: &state)
            }
        }
        switch action {
        case .none: break
        case .resume(let waiter, let result): waiter.resume(returning: result)
        case .close(let link, let end): close(link, end)
        }
    }

    private static func settle(_ request: ClientRequest, _ outcome: ReplyOutcome, link: Link, state: inout State) -> ReplyAction {
        let id = request.requestID
        switch outcome {
        case .success(let reply):
            return state.table.finish(id).map { .resume($0, .success(reply)) } ?? .none
        case .failure(let error):
            return state.table.finish(id).map { .resume($0, .failure(error)) } ?? .none
        case .notActive(let active):
            state.table.retryLater(id, because: .notActive(activeMaster: active))
            if state.redirect == nil { state.redirect = active }
            return .close(link, .lost("\(link.address) is not the active master"))
        case .sessionLost:
            state.table.retryLater(id, because: nil)
            return .close(link, .lost("\(link.address) no longer knows session \(state.grant?.session.description ?? "?")"))
        }
    }

    /// Closes a connection on purpose, saying why to the close watcher.
    func close(_ link: Link, _ end: ConnectionEnd) {
        link.end.withLock { if $0 == nil { $0 = end } }
        link.channel.close(promise: nil)
    }

    /// The channel of connection `link` closed.
    func linkClosed(_ link: Link) {
        let end = link.end.value ?? .lost("the master closed the connection")
        let (waiters, error, reconnect) = state.withLock { state -> ([Waiter], ClientError?, Bool) in
            guard case .connected(let current) = state.link, current.number == link.number else { return ([], nil, false) }
            if state.closing {
                state.link = .closed
                return (state.table.removeAll(), .closed, false)
            }
            if case .violation(let why) = end {
                let error = ClientError.protocolViolation(why)
                state.link = .broken(error)
                return (state.table.removeAll(), error, false)
            }
            state.table.connectionLost()
            state.link = .reconnecting
            return ([], nil, true)
        }
        if let error { for waiter in waiters { waiter.resume(returning: .failure(error)) } }
        if reconnect { startReconnect() }
    }

    // MARK: watchdog

    private func startWatchdog() {
        let shortest = min(options.requestTimeout, options.retryFor, options.probeAfter > .zero ? options.probeAfter : .seconds(3_600))
        let tick = max(Duration.milliseconds(10), min(Duration.seconds(1), shortest / 4))
        let amount = TimeAmount.nanoseconds(tick.nanoseconds)
        let task = MultiThreadedEventLoopGroup.singleton.next().scheduleRepeatedTask(initialDelay: amount, delay: amount) {
            [weak self] _ in self?.checkTimes()
        }
        state.withLock { $0.watchdog = task }
    }

    /// Fails requests that waited `retryFor` in all, and drops a connection on which a
    /// request waited `requestTimeout`.
    private func checkTimes() {
        let now = ContinuousClock.now
        let (expired, stalled) = state.withLock { state -> ([(Waiter, ClientError)], Link?) in
            let expired = state.table.expire(now: now, limit: options.retryFor)
            guard case .connected(let link) = state.link, state.table.stalled(now: now, timeout: options.requestTimeout) else {
                return (expired, nil)
            }
            return (expired, link)
        }
        for (waiter, error) in expired { waiter.resume(returning: .failure(error)) }
        if let stalled {
            close(stalled, .lost("no answer from \(stalled.address) within \(options.requestTimeout)"))
        } else if options.probeAfter > .zero, case .connected(let link) = state.withLock({ $0.link }) {
            probeIfStalled(link, now: now)
        }
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating), for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : scaled + attoseconds / 1_000_000_000
    }
}
