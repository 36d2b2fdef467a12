import MFSConfig
import MFSCore
import MFSWire
import NIOCore
import NIOPosix

extension MasterClient {
    /// The first connection: one pass over the master list (following a follower's pointer to
    /// the active master), giving up with every address's reason.
    func connectFirst() async throws(ClientError) {
        var plan = ReconnectPlan(masters: options.masters)
        while true {
            let (address, _) = plan.nextAttempt(jitter: 0)
            switch await attempt(address) {
            case .success(let (link, grant, pin)):
                install(link, grant: grant, pin: pin)
                return
            case .failure(.refused(let status)):
                throw .sessionRefused(status)
            case .failure(let failure):
                plan.failed(address, reason: failure.reason)
            }
            if let active = takeRedirect() { plan.redirected(to: active) }
            if plan.roundComplete { throw .unreachable(plan.reasons) }
        }
    }

    /// Starts reconnecting in the background (the state is already `reconnecting`).
    func startReconnect() {
        Task { await self.reconnect() }
    }

    /// Reconnects over the master list with backoff until a master takes the session, the
    /// client is closed, or `retryFor` has passed; then fails the waiting requests.
    private func reconnect() async {
        let started = ContinuousClock.now
        var plan = ReconnectPlan(masters: options.masters)
        if let active = takeRedirect() { plan.redirected(to: active) }
        while !isClosing {
            let (address, delay) = plan.nextAttempt(jitter: Double.random(in: 0..<1))
            if delay > .zero {
                guard ContinuousClock.now + delay < started + options.retryFor else { break }
                try? await Task.sleep(for: delay)
                if isClosing { break }
            }
            switch await attempt(address) {
            case .success(let (link, grant, pin)):
                install(link, grant: grant, pin: pin)
                return
            case .failure(.refused(let status)):
                return giveUp(.sessionRefused(status))
            case .failure(let failure):
                plan.failed(address, reason: failure.reason)
            }
            if let active = takeRedirect() { plan.redirected(to: active) }
            if ContinuousClock.now >= started + options.retryFor { break }
        }
        giveUp(isClosing ? .closed : .unreachable(plan.reasons))
    }

    private var isClosing: Bool { state.withLock { $0.closing } }

    private func takeRedirect() -> String? {
        state.withLock { state in
            defer { state.redirect = nil }
            return state.redirect
        }
    }

    /// Stops reconnecting: the waiting requests fail with `error`; the next call tries again.
    private func giveUp(_ error: ClientError) {
        let waiters = state.withLock { state -> [Waiter] in
            state.link = state.closing ? .closed : .broken(error)
            return state.table.removeAll()
        }
        for waiter in waiters { waiter.resume(returning: .failure(error)) }
    }

    /// One connection and handshake to `address`, resuming the session if there is one; if
    /// the master no longer knows it, a second handshake opens a new one.
    private func attempt(_ address: HostPort) async -> Result<(Link, SessionGrant, ClusterPin), HandshakeFailure> {
        let (session, pin) = state.withLock { ($0.grant?.session, $0.pin) }
        let result = await open(address, resume: session, pin: pin)
        guard case .failure(.sessionGone) = result else { return result }
        return await open(address, resume: nil, pin: pin)
    }

    private func open(
        _ address: HostPort, resume: SessionID?, pin: ClusterPin
    ) async -> Result<(Link, SessionGrant, ClusterPin), HandshakeFailure> {
        let number = state.withLock { state in
            state.linksOpened += 1
            return state.linksOpened
        }
        let handshake = Handshake(
            pin: pin, clientVersion: options.clientVersion, mountPath: options.mountPath, resume: resume,
            password: options.password)
        let end = LockedBox<ConnectionEnd?>(nil)
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let established = eventLoop.makePromise(of: (SessionGrant, ClusterPin).self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(options.connectTimeout.nanoseconds))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = MasterChannelHandler(handshake: handshake, established: established, end: end) { [weak self] reply in
                        self?.received(reply, on: number)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address.host, port: Int(address.port(or: ClientOptions.defaultPort))).get()
        } catch {
            let failure = HandshakeFailure.passOver(connectionErrorText(error))
            established.fail(failure)
            return .failure(failure)
        }
        let timeout = options.requestTimeout
        let deadline = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            end.withLock { if $0 == nil { $0 = .lost("no answer to the hello within \(timeout)") } }
            established.fail(HandshakeFailure.passOver("no answer to the hello within \(timeout)"))
            channel.close(promise: nil)
        }
        do {
            let (grant, newPin) = try await established.futureResult.get()
            deadline.cancel()
            return .success((Link(number: number, channel: channel, address: address, end: end), grant, newPin))
        } catch {
            deadline.cancel()
            channel.close(promise: nil)
            return .failure(error as? HandshakeFailure ?? .passOver(connectionErrorText(error)))
        }
    }

    /// Makes `link` the connection: a new session fails the mutating requests sent in the old
    /// one (see the type's comment); every other waiting request is sent again with its id.
    private func install(_ link: Link, grant: SessionGrant, pin: ClusterPin) {
        let now = ContinuousClock.now
        let (resend, expired, keep) = state.withLock { state -> ([ClientRequest], [Waiter], Bool) in
            if case .closed = state.link { return ([], [], false) }
            let newSession = state.grant.map { $0.session != grant.session } ?? false
            let expired = newSession ? state.table.removeUnsafeAfterSessionLoss() : []
            state.grant = grant
            state.pin = pin
            state.link = .connected(link)
            return (state.table.resendAll(now: now), expired, true)
        }
        guard keep else {
            link.channel.close(promise: nil)
            return
        }
        for waiter in expired { waiter.resume(returning: .failure(.requestExpired)) }
        send(resend, on: link)
        link.channel.closeFuture.whenComplete { [weak self] _ in self?.linkClosed(link) }
    }
}
