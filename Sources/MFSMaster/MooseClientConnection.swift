import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSWire
import MooseClientWire
import MooseWire
import NIOCore

/// A client on 9421 that spoke MooseFS 3.0's dialect first (CLTOMA_FUSE_REGISTER): mfsmount or
/// libmfsio. `ClientConnectionHandler` hands it every frame after telling the dialects apart;
/// it registers the client (password challenge, new session, reconnect) and then maps each
/// request onto the same `ClientRequestProcessor` our own dialect uses, so namespace
/// operations, permissions, exports and the changelog are one code path.
///
/// Runs on the connection's event loop, like its handler.
final class MooseClientConnection {
    enum Phase {
        case registering
        /// The session is being opened or resumed (its change is on the way to disk).
        case opening
        case established(ClientSession)
        case closing
    }

    /// Strong: a task queued for this connection (a notice, a lock granted) may run after its
    /// socket ended and must still find the handler (whose writes then go nowhere). The cycle
    /// ends when the handler's phase becomes `.closed`, as it does when the connection ends.
    let handler: ClientConnectionHandler
    let shared: ClientServerContext
    var phase = Phase.registering
    /// The GETRANDOM challenge of this connection, if one was asked for.
    var random: [UInt8]?
    /// The client's version (from its register).
    var clientVersion = MooseVersion.v3_0_117
    /// Whether a frame came, or anything was sent, since the last keep-alive tick: per-frame
    /// flags, so a request costs no clock read (ticks every `nopInterval` measure the idleness).
    private var inputSinceTick = false
    private var outputSinceTick = false
    /// Keep-alive ticks in a row without a whole frame.
    private var silentTicks = 0
    /// Keep-alive ticks in a row with the replies queued past the limit and none of them taken
    /// by the client, and the bytes it had taken at the last tick.
    private var stalledTicks = 0
    private var takenAtTick: UInt64 = 0
    /// Bytes of notices queued since the replies were last below the limit
    /// (`ClientServerLimits.maxNoticeBytesWhileFull`).
    private var noticeBytesWhileFull = 0
    private var keepAlive: RepeatedTask?
    /// Whether this connection asked for locks: its waiting requests go when it ends (the locks
    /// it got stay with its session, which outlives the connection).
    var locksQueued = false
    /// Whether this connection resumed a session the client had on a connection before (a
    /// reconnect, or a register naming its old session): its requests may be ones the client
    /// sends again because their answers were lost with that connection.
    var resumedSession = false
    /// The message ids seen on this connection. mfsmount's message id names the thread that
    /// asks, one request at a time; a thread's first request on a resumed session is the one
    /// that may have been done already (`firstOfThread`).
    private var messageIDsSeen = Set<UInt32>()
    /// Per message id: whether the request in flight under it is its thread's first here.
    private(set) var firstOfThread: [UInt32: Bool] = [:]

    /// Output idleness after which the master sends a NOP (MooseFS: 1 s; mfsmount drops a
    /// master it has heard nothing from for 10 s).
    static let nopInterval = TimeAmount.seconds(1)
    /// A client silent this long is gone (MooseFS's master: 10 s; mfsmount sends a NOP after
    /// 2 s of its own idleness), so a half-sent frame cannot hold a connection forever.
    static let inputTimeout = TimeAmount.seconds(10)
    /// `inputTimeout` in keep-alive ticks.
    static let silentTicksAllowed = Int(inputTimeout.nanoseconds / nopInterval.nanoseconds)

    init(handler: ClientConnectionHandler, shared: ClientServerContext) {
        self.handler = handler
        self.shared = shared
    }

    var state: MooseClientState { shared.moose }

    /// Starts the keep-alive NOPs on `eventLoop`.
    func start(on eventLoop: any EventLoop) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        keepAlive = eventLoop.scheduleRepeatedTask(initialDelay: Self.nopInterval, delay: Self.nopInterval) { _ in
            let connection = bound.value
            // While its replies are queued past the limit the client's frames are not read
            // (PollLoopLimits.maxQueuedOutputBytes): that time is not its silence.
            if connection.inputSinceTick {
                connection.silentTicks = 0
            } else if !connection.handler.isOutputFull {
                connection.silentTicks += 1
            }
            connection.inputSinceTick = false
            // A client that takes none of its queued replies for as long is gone as well: the
            // notices other clients' changes cause would queue for it without end.
            let full = connection.handler.isOutputFull
            let taken = full ? connection.handler.bytesTaken : 0
            connection.stalledTicks = full && taken == connection.takenAtTick ? connection.stalledTicks + 1 : 0
            connection.takenAtTick = taken
            let seconds = Self.inputTimeout.nanoseconds / 1_000_000_000
            if connection.silentTicks >= Self.silentTicksAllowed {
                return connection.handler.closeConnection("MooseFS client: no whole frame for \(seconds) s")
            }
            if connection.stalledTicks >= Self.silentTicksAllowed {
                return connection.handler.closeConnection(
                    "MooseFS client: took none of its queued replies (\(connection.handler.bytesQueued) bytes) for \(seconds) s")
            }
            // Nothing sent for a whole tick: idle for at least `nopInterval`.
            let idle = !connection.outputSinceTick
            connection.outputSinceTick = false
            guard idle else { return }
            connection.send(FuseReply.nop.encode())
            connection.outputSinceTick = false  // the NOP is sent at this tick: idle again at the next
            connection.handler.flushOutput()
        }
    }

    /// Whether the next frame may be handled now (not while a session opens: they wait).
    var acceptsFrames: Bool {
        switch phase {
        case .registering, .established: true
        case .opening, .closing: false
        }
    }

    func stop() {
        keepAlive?.cancel()
        keepAlive = nil
        stopListening()
        if locksQueued {
            locksQueued = false
            state.dropWaiters(of: ObjectIdentifier(self))
        }
    }

    func send(_ bytes: [UInt8]) {
        outputSinceTick = true
        handler.writeOutput(bytes)
    }

    /// The replies queued went back below the limit: notices count afresh.
    func outputDrained() { noticeBytesWhileFull = 0 }

    /// A notice pushed unasked. While the client's replies are queued past the limit, at most
    /// `ClientServerLimits.maxNoticeBytesWhileFull` of them queue; one more closes the connection.
    func sendNotice(_ bytes: [UInt8]) {
        if handler.isOutputFull {
            noticeBytesWhileFull += bytes.count
            guard noticeBytesWhileFull <= ClientServerLimits.maxNoticeBytesWhileFull else {
                return handler.closeConnection(
                    "MooseFS client: more than \(ClientServerLimits.maxNoticeBytesWhileFull) bytes of notices queued behind its unread replies"
                )
            }
        }
        send(bytes)
        handler.flushOutput()
    }

    /// A reply built in a buffer of its own (a listing).
    func send(_ buffer: ByteBuffer) {
        outputSinceTick = true
        handler.writeOutput(buffer)
    }

    /// One frame from the client (after the first, which was a register too).
    func handle(_ frame: MooseFrame) throws(MooseWireError) {
        inputSinceTick = true
        guard frame.payload.count <= MooseClientLimits.requestFrame else {
            throw .lengthTooLarge(length: UInt32(frame.payload.count), limit: MooseClientLimits.requestFrame)
        }
        switch phase {
        case .registering:
            // mfscli and mfscgiserv: admin requests, answered before (and without) a register.
            if AdminRequest.isAdmin(frame.type) { return answerAdmin(try AdminRequest.decode(frame)) }
            guard frame.type == .fuseRegister else { throw .unexpectedType(frame.type, expected: "CLTOMA_FUSE_REGISTER") }
            register(try FuseRegister.decode(frame))
        case .established(let session):
            if frame.type == .fuseRegister {
                guard case .closeSession(let id, _) = try FuseRegister.decode(frame), id == session.id.rawValue else {
                    throw .malformed(message: frame.type, field: "rcode", reason: "only CLOSESESSION of this session after the register")
                }
                return closeSession(session)
            }
            answer(try FuseRequest.decode(frame), session)
        case .opening, .closing:
            return
        }
    }

    // MARK: register

    private func register(_ register: FuseRegister) {
        switch register {
        case .getRandom:
            let challenge = ClientServerLimits.newChallenge()
            random = challenge
            send(FuseRegisterReply.random(challenge).encode())
        case .newSession(let request):
            clientVersion = request.version
            newSession(request)
        case .reconnect(let id, let version, let metaID):
            clientVersion = version
            reconnect(SessionID(id), metaID: metaID)
        case .tools(let id, _):
            tools(SessionID(id))
        case .newMetaSession:
            refuse(.status(.notSupported), "meta mounts (mfsmount -o mfsmeta) are not served")
        case .closeSession:
            refuse(.status(.notPermitted), "CLOSESESSION before a register")
        }
    }

    /// NEWSESSION: the exports decide (MD5 password, `minversion`), then a new session or the
    /// lost one the client names, through the changelog.
    private func newSession(_ request: FuseRegister.NewSession) {
        guard !redirectedAsFollower() else { return }
        guard let address = handler.peerAddress else { return refuse(.status(.accessDenied), "exports cover IPv4 clients only") }
        let path = String(decoding: (request.path ?? []).prefix { $0 != 0 }, as: UTF8.self)
        guard let directory = ExportDirectory(mountPath: path.isEmpty ? "/" : path) else {
            return refuse(.status(.accessDenied), "subfolder \(path) is not a valid path")
        }
        let exports = shared.exports
        let version = ExportVersion(UInt8(clamping: request.version.major), request.version.mid, request.version.minor)
        let passcode = request.passcode
        let random = self.random
        let decision = exports.admit(address: address, directory: directory, clientVersion: version, proofGiven: passcode != nil) {
            guard let password = $0.password else { return true }
            guard let passcode, let random else { return false }
            return FusePassword.accepts(passcode, random: random, digest: FusePassword.digest(password))
        }
        let rule: ExportRule
        switch decision {
        case .admitted(let admitted): rule = admitted
        case .passwordRequired: return refuse(.status(.noPassword), "\(directory) needs a password")
        case .badPassword: return refuse(.status(.badPassword), "wrong password for \(directory)")
        case .denied: return refuse(.status(.accessDenied), "\(exports.file) exports \(directory) to no rule covering \(address)")
        }
        let components = path.split(separator: "/").map(String.init)
        let info = Array(request.trimmedInfo.prefix(NamespaceLimits.maxSessionInfoLength))
        let peer = handler.peerDescription
        let metaID = shared.service.namespace.metaID.rawValue
        // A lost session is re-attached only with this cluster's metaid (else it is a new one).
        let resume = request.sessionID.flatMap { request.metaID == nil || request.metaID == metaID ? SessionID($0) : nil }
        let now = ClientServerContext.now()
        let opened: (ClientSession, MetaVersion)
        let shared = self.shared
        do throws(MasterError) {
            opened = try shared.service.perform { (namespace: inout Namespace) throws(FSError) -> (ClientSession, ChangelogRecord?) in
                let root = try ClientConnectionHandler.exportRoot(components, in: namespace)
                if let resume, let known = namespace.session(resume) {
                    let record = known.lostAt == nil ? nil : try namespace.sessionBack(resume, now: now)
                    shared.claim(resume)
                    return (ClientSession(id: resume, rule: rule, root: root, writeEndSetsMtime: false), record)
                }
                let described = Array("\(peer) ".utf8) + info
                let (id, record) = try namespace.openSession(info: Array(described.prefix(NamespaceLimits.maxSessionInfoLength)), now: now)
                shared.claim(id)
                return (ClientSession(id: id, rule: rule, root: root, writeEndSetsMtime: false), record)
            }
        } catch {
            return refuse(.status(error.isNoEntry ? .noEntry : .io), "cannot open a session: \(error)")
        }
        let (session, stored) = opened
        resumedSession = session.id == resume
        phase = .opening
        handler.claimed(session.id)  // under the service's lock above
        state.admitted(
            session.id,
            MooseClientState.Admission(
                rule: rule, root: session.root, address: address, exports: exports, version: request.version,
                path: path.isEmpty ? "/" : path))
        whenStored(stored) { connection in
            connection.established(session)
            connection.send(FuseRegisterReply.session(connection.grant(session, metaID: metaID)).encode())
            connection.handler.processMore()
        }
    }

    /// RECONNECT: the session goes on where it was, if this master knows how it was admitted
    /// and nothing about that changed; EPERM makes the client register again with its id.
    private func reconnect(_ id: SessionID, metaID: UInt64?) {
        guard !redirectedAsFollower() else { return }
        let namespace = shared.service.namespace
        if let metaID, metaID != namespace.metaID.rawValue {
            return refuse(.reconnected(version: .v3_0_117, status: .badSessionID), "another cluster's session")
        }
        guard namespace.session(id) != nil else {
            return refuse(.reconnected(version: .v3_0_117, status: .badSessionID), "no session \(id)")
        }
        guard let admission = state.admission(of: id), admission.exports == shared.exports,
            admission.address == handler.peerAddress || admission.rule.dynamicIP
        else {
            return refuse(.reconnected(version: .v3_0_117, status: .notPermitted), "session \(id) must register again")
        }
        let session = ClientSession(id: id, rule: admission.rule, root: admission.root, writeEndSetsMtime: false)
        resumedSession = true
        let now = ClientServerContext.now()
        let shared = self.shared
        // Whether it is lost, and the claim, under the service's lock (`UnclaimedSessions`);
        // a live session needs no change (a master whose changelog failed still resumes it).
        let wasLost = shared.service.withNamespace { namespace -> Bool? in
            guard let known = namespace.session(id) else { return nil }
            shared.claim(id)
            return known.lostAt != nil
        }
        guard let wasLost else { return refuse(.reconnected(version: .v3_0_117, status: .badSessionID), "no session \(id)") }
        handler.claimed(id)
        guard wasLost else {
            established(session)
            return send(FuseRegisterReply.reconnected(version: .v3_0_117, status: .ok).encode())
        }
        do throws(MasterError) {
            let (_, stored) = try shared.service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                guard namespace.session(id)?.lostAt != nil else { return ((), nil) }
                return ((), try namespace.sessionBack(id, now: now))
            }
            phase = .opening
            whenStored(stored) { connection in
                connection.established(session)
                connection.send(FuseRegisterReply.reconnected(version: .v3_0_117, status: .ok).encode())
                connection.handler.processMore()
            }
        } catch {
            refuse(.reconnected(version: .v3_0_117, status: .io), "cannot resume session \(id): \(error)")
        }
    }

    /// REGISTER_TOOLS: an old tool on a live session (3.0's tools go through mfsmount instead).
    private func tools(_ id: SessionID) {
        guard let admission = state.admission(of: id), shared.service.namespace.session(id) != nil else {
            return refuse(.status(.badSessionID), "tools for unknown session \(id)")
        }
        phase = .established(ClientSession(id: id, rule: admission.rule, root: admission.root, writeEndSetsMtime: false))
        send(FuseRegisterReply.status(.ok).encode())
    }

    /// Notes the request now in flight under message id `id` (before it is answered).
    func noteMessage(_ id: UInt32) {
        guard resumedSession, messageIDsSeen.count < MooseClientLimits.maxTrackedThreads else { return }
        firstOfThread[id] = messageIDsSeen.insert(id).inserted
    }

    private func established(_ session: ClientSession) {
        state.raise(above: shared.service.namespace.highestRequest(of: session.id))
        handler.establish(session.id)
        phase = .established(session)
        listenForNotices(session)
        shared.logger.debug("MooseFS session up", metadata: ["session": "\(session.id)", "client": "\(handler.peerDescription)"])
    }

    private func grant(_ session: ClientSession, metaID: UInt64) -> FuseRegisterReply.SessionGrant {
        let rule = session.rule
        let all = rule.allMapping ?? ExportRule.defaultRootMapping
        return FuseRegisterReply.SessionGrant(
            version: .v3_0_117, sessionID: session.id.rawValue, metaID: metaID, sessionFlags: Self.sessionFlags(rule), umask: 0,
            rootUID: rule.rootMapping.uid, rootGID: rule.rootMapping.gid, mapAllUID: all.uid, mapAllGID: all.gid, minGoal: rule.minGoal,
            maxGoal: rule.maxGoal, minTrashTime: rule.minTrashTimeSeconds, maxTrashTime: rule.maxTrashTimeSeconds, disables: 0)
    }

    /// MooseFS's `sesflags` for an export line: READONLY, DYNAMICIP, IGNOREGID, ADMIN, MAPALL.
    static func sessionFlags(_ rule: ExportRule) -> UInt8 {
        typealias Grant = FuseRegisterReply.SessionGrant
        var flags: UInt8 = rule.readOnly ? Grant.readOnly : 0
        if rule.dynamicIP { flags |= Grant.dynamicIP }
        if rule.ignoreGID { flags |= Grant.ignoreGID }
        if rule.admin { flags |= Grant.admin }
        if rule.allMapping != nil { flags |= Grant.mapAll }
        return flags
    }

    /// Whether an export's trash time limits allow setting `trashTime` in mode `smode` (SET and
    /// EXCHANGE: within both limits; INCREASE: at most the maximum; DECREASE: at least the
    /// minimum; the recursive bit does not matter), as MooseFS's `sessions_check_trashtime`.
    static func trashTimeAllowed(_ trashTime: UInt32, smode: UInt8, _ rule: ExportRule) -> Bool {
        switch smode & 3 {
        case 1: trashTime <= rule.maxTrashTimeSeconds
        case 2: trashTime >= rule.minTrashTimeSeconds
        default: (rule.minTrashTimeSeconds...rule.maxTrashTimeSeconds).contains(trashTime)
        }
    }

    /// On a follower: the redirect MooseFS clients follow (the active master's IPv4, 0 when not
    /// known, which makes them wait and retry), then the connection closes. True when redirected.
    private func redirectedAsFollower() -> Bool {
        let state = shared.processor.isActive()
        guard !state.active else { return false }
        let host = state.activeMaster.map { String($0.prefix { $0 != ":" }) }
        let ip = host.flatMap(IPv4Address.init)?.rawValue ?? 0
        refuse(.redirect(leaderIP: ip), "a follower: redirected to \(host ?? "an unknown active master")")
        return true
    }

    /// Answers the register and closes, saying why in the log.
    func refuse(_ reply: FuseRegisterReply, _ reason: String) {
        send(reply.encode())
        phase = .closing
        handler.closeConnection("MooseFS register refused: \(reason)")
    }

    /// CLOSESESSION: the session ends (its open files are released), then the connection.
    private func closeSession(_ session: ClientSession) {
        phase = .closing
        let now = ClientServerContext.now()
        let outcome = shared.processor.process(.closeSession(state.nextRequestID()), session: session, now: now)
        state.forget(session.id)
        // The session's locks went with it: what waited for them may go on.
        state.wakeWaiters(service: shared.service, now: now)
        guard case .whenStored(let version, _) = outcome else {
            send(FuseRegisterReply.status(.io).encode())
            return handler.closeConnection("CLOSESESSION failed")
        }
        handler.afterStored(version) { handler, error in
            guard let connection = handler.moose else { return }
            connection.send(FuseRegisterReply.status(error == nil ? .ok : .io).encode())
            handler.closeConnection("session \(session.id) closed by the client")
        }
    }

    /// Runs `body` once `version` is stored; a failure or a demotion meanwhile closes the
    /// connection (the client reconnects and is redirected or retries).
    func whenStored(_ version: MetaVersion?, _ body: @escaping (MooseClientConnection) -> Void) {
        guard let version, shared.service.repliesWait else { return body(self) }
        handler.afterStored(version) { handler, error in
            guard let connection = handler.moose else { return }
            if let error { return handler.closeConnection("change not stored: \(error)") }
            guard handler.shared.processor.isActive().active else { return handler.closeConnection("demoted while a change was stored") }
            body(connection)
        }
    }
}

extension MasterError {
    var isNoEntry: Bool {
        if case .operation(.noEntry) = self { return true }
        return false
    }
}

/// What a MooseFS-dialect connection uses of its handler.
extension ClientConnectionHandler {
    var moose: MooseClientConnection? {
        if case .moose(let connection) = phase { return connection }
        return nil
    }

    var peerAddress: IPv4Address? { address }
    var eventLoop: (any EventLoop)? { socket?.loop }
    var peerDescription: String { peer }

    func writeOutput(_ bytes: [UInt8]) { write(bytes) }
    func writeOutput(_ buffer: ByteBuffer) { write(buffer) }
    func flushOutput() { flush() }
    func closeConnection(_ reason: String) { close(reason) }
    /// The replies queued are past `PollLoopLimits.maxQueuedOutputBytes` (nothing is read).
    var isOutputFull: Bool { socket?.isOutputFull ?? false }
    /// Bytes the client has taken so far (`PollConnection.bytesTaken`), and bytes waiting to be sent.
    var bytesTaken: UInt64 { socket?.bytesTaken ?? 0 }
    var bytesQueued: Int { socket?.bytesQueued ?? 0 }
    /// Frames that waited while a session opened: handled now.
    func processMore() {
        processFrames()
        flush()
    }
}
