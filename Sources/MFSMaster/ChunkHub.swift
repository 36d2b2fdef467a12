import Dispatch
import Logging
import MFSChangelog
import MFSChunkRegistry
import MFSCore
import MFSMetadata
import MFSWire
import MooseWire
import Synchronization

/// A chunkserver connection as the hub uses it: thread-safe sends, and a close with a reason.
protocol ChunkserverLink: AnyObject, Sendable {
    /// `ip:port` of the connection, for logs.
    var peer: String { get }
    func send(_ bytes: [UInt8])
    func close(_ reason: String)
}

/// Named limits of the master's chunk side.
public enum ChunkHubLimits {
    /// Client requests waiting in the hold after a failover (DESIGN §12) at once; one more is
    /// answered `tryAgain` at once, so a flood of clients cannot grow the master's memory.
    public static let maxHeldRequests = 10_000
    /// How often the registry's `tick` runs (timeouts, deletions, replication) and held
    /// requests are tried again.
    public static let tickInterval = Duration.seconds(1)
    /// `ignored` registry inputs logged per minute at most; the rest are only counted.
    public static let ignoredLogsPerMinute = 30
}

/// The master's chunk side (DESIGN §12): the shell around the pure `ChunkRegistry`. Events
/// come from the chunkserver connections (port 9420), the client requests (`readChunk`,
/// `writeChunk`, `writeChunkEnd`, a truncating `setLength`) and a timer; the registry's
/// directives go out as MATOCS messages, and operation outcomes answer the clients waiting
/// for them. The namespace is asked through `NamespaceChunkFacts` over a snapshot per event.
///
/// Locking: one mutex over the registry and the connection table; the metadata service's lock
/// is taken inside it (never the other way round). Sends and client replies run after the
/// mutex is released.
public final class ChunkHub: Sendable {
    /// Answers a client request (on any thread: the caller hops to its event loop).
    public typealias Reply = @Sendable (MasterReply) -> Void

    struct State: Sendable {
        var registry: ChunkRegistry
        var links: [ChunkserverID: any ChunkserverLink] = [:]
        /// The client waiting for the operation in flight on a chunk (the registry runs one at a
        /// time per chunk), with what its reply needs.
        var waiters: [ChunkID: Waiter] = [:]
        /// Requests held after a failover, tried again on every tick and registration.
        var held: [HeldRequest] = []
        var active = false
        var ignoredLogged = 0
        var ignoredMinute: Int64 = 0
        var ignoredCount = 0
    }

    struct Waiter: Sendable {
        var request: RequestID
        var fileLength: UInt64
        /// The changelog version the reply waits for too (`ADDCHUNK`, `INCVERSION`).
        var version: MetaVersion
        var reply: Reply
    }

    struct HeldRequest: Sendable {
        var until: Duration
        var retry: @Sendable () -> Void
    }

    /// What to do once the mutex is released.
    enum Effect: Sendable {
        case send(any ChunkserverLink, [UInt8])
        case close(any ChunkserverLink, String)
        case answer(Waiter, OperationOutcome)
        /// The master stopped being active while the client waited: not acknowledged.
        case notActive(Waiter)
        case log(Logger.Level, String)
        /// `work` once `version` is committed (`MetadataService.whenCommitted`), asked outside
        /// the state lock (it may answer at once, on this thread).
        case afterCommit(MetaVersion, @Sendable (MasterError?) -> Void)
        /// The namespace takes the copies' version (`ChunkDirective.adopt`).
        case adopt(ChunkID, version: UInt32)
        /// Commands that delete copies or move them to another version or length, decided on
        /// the namespace as applied at `version`: sent once that version is committed, never
        /// if it is not (`effects(of:_:holdingUntil:)`).
        case sendAfterCommit(MetaVersion, [HeldCommand])
    }

    /// A command held until the metadata it was decided on is committed.
    struct HeldCommand: Sendable {
        var link: any ChunkserverLink
        var server: ChunkserverID
        var command: ChunkCommand
    }

    let state: Mutex<State>
    /// Where the work that follows a commit (`afterCommit`, `sendAfterCommit`) runs, in order,
    /// when the commit is reported on the changelog's writer thread: this work takes the hub's
    /// lock and reads the namespace, while a dump holds the service's lock waiting for the
    /// writer to store what is queued, and a write's version bump holds the hub's lock waiting
    /// for the service's. Run on the writer thread, it could hang the master. Reported on any
    /// other thread (at once, or by a peer's acknowledgement), it runs there.
    let commits = DispatchQueue(label: "mfs-chunk-commits")
    let service: MetadataService
    let logger: Logger
    let origin = ContinuousClock.now
    /// `MATOCS_TIMEOUT`, the register ACK's timeout for chunkservers that send none.
    public let timeoutSeconds: UInt16
    public let settings: RegistrySettings
    /// Told when a chunkserver finished registering or went away (MooseFS's master then has
    /// every client drop its cached chunk locations: INVALIDATE_CHUNK_CACHE).
    private let serverWatchers = Mutex<[@Sendable () -> Void]>([])

    public init(service: MetadataService, settings: RegistrySettings, timeoutSeconds: UInt16 = 10, logger: Logger) {
        self.service = service
        self.settings = settings
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
        state = Mutex(State(registry: ChunkRegistry(settings: settings)))
    }

    /// The registry's clock: time since this hub was made.
    var now: Duration { ContinuousClock.now - origin }

    var facts: NamespaceChunkFacts { NamespaceChunkFacts(namespace: service.namespace) }

    /// Whether this master serves chunkservers now (it is active).
    public var isActive: Bool { state.withLock { $0.active } }

    /// Feeds one event to the registry and carries out its directives. A thrown error changed
    /// nothing; the caller (a connection) logs it and closes.
    func handle(_ event: RegistryEvent) throws(RegistryError) {
        let effects = try state.withLock { (state: inout State) throws(RegistryError) -> [Effect] in
            try Self.step(event, &state, facts: facts, now: now)
        }
        perform(effects)
        if case .registered = event { serversChanged() }
    }

    /// Calls `body` whenever a chunkserver finished registering or went away.
    public func whenServersChange(_ body: @escaping @Sendable () -> Void) { serverWatchers.withLock { $0.append(body) } }

    private func serversChanged() {
        for watcher in serverWatchers.withLock({ $0 }) { watcher() }
    }

    /// One registry step under the lock: its directives as effects.
    static func step(_ event: RegistryEvent, _ state: inout State, facts: NamespaceChunkFacts, now: Duration) throws(RegistryError)
        -> [Effect]
    {
        let directives = try state.registry.handle(event, facts: facts, now: now)
        return effects(of: directives, &state, holdingUntil: facts.namespace.version)
    }

    /// The effects of the registry's directives, in order. With `holdingUntil`, the version of
    /// the namespace the directives were decided on, the commands that delete a copy or move it
    /// to another version or length (an orphan's deletion after an `rm`, a catch-up to a
    /// truncate) go out only once that version is committed: the namespace holds changes
    /// applied and not yet stored or replicated, and were this master to die before they are,
    /// the next one would have the file and no copy of its chunks. Commands the registry sends
    /// for a client's change already wait for it (`afterCommit`); replications add a copy and
    /// go at once.
    static func effects(of directives: [ChunkDirective], _ state: inout State, holdingUntil version: MetaVersion? = nil)
        -> [Effect]
    {
        var effects: [Effect] = []
        var held: [HeldCommand] = []
        for directive in directives {
            switch directive {
            case .send(let command, let id):
                guard let link = state.links[id] else {
                    effects.append(.log(.warning, "a command for chunkserver \(id), which has no connection: \(command)"))
                    continue
                }
                if version != nil, command.changesCopies {
                    held.append(HeldCommand(link: link, server: id, command: command))
                    if case .delete(let chunk, _, _) = command { state.registry.holdDeletion(chunk, on: id) }
                } else {
                    effects.append(.send(link, ChunkCommandCodec.encode(command)))
                }
            case .finished(let outcome):
                if let waiter = state.waiters.removeValue(forKey: outcome.chunk) { effects.append(.answer(waiter, outcome)) }
            case .ignored(let input):
                effects.append(.log(.info, "chunk registry ignored: \(input)"))
            case .adopt(let chunk, let version):
                effects.append(.adopt(chunk, version: version))
            case .catchingUp(let chunk, let from, let to, let servers):
                effects.append(
                    .log(
                        .warning, "chunk \(chunk): every copy is at version \(from), the metadata at \(to): moving copies on \(servers) up")
                )
            }
        }
        if let version, !held.isEmpty { effects.append(.sendAfterCommit(version, held)) }
        return effects
    }

    /// Carries out effects outside the lock.
    func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .send(let link, let bytes): link.send(bytes)
            case .close(let link, let reason): link.close(reason)
            case .answer(let waiter, let outcome): answer(waiter, outcome)
            case .notActive(let waiter): waiter.reply(.status(waiter.request, .notActive, activeMaster: nil))
            case .afterCommit(let version, let work):
                afterCommitted(version, work)
            case .sendAfterCommit(let version, let held):
                afterCommitted(version) { [self] error in sendCommitted(version, held, error) }
            case .adopt(let chunk, let version): adopt(chunk, version: version)
            case .log(let level, let message): logRateLimited(level, message)
            }
        }
    }

    /// `work` once `version` is committed, off the changelog's writer thread (`commits`).
    private func afterCommitted(_ version: MetaVersion, _ work: @escaping @Sendable (MasterError?) -> Void) {
        service.whenCommitted(version) { [service, commits] error in
            if service.writer.isOnWriterThread { commits.async { work(error) } } else { work(error) }
        }
    }

    /// Held commands once their metadata is committed (or never will be: `error`).
    private func sendCommitted(_ version: MetaVersion, _ held: [HeldCommand], _ error: MasterError?) {
        if let error {
            release(held, committed: false)
            return logger.warning(
                "\(held.count) chunk commands decided on metadata version \(version.rawValue) not sent: it was not committed (\(error))")
        }
        for command in release(held, committed: true) { command.link.send(ChunkCommandCodec.encode(command.command)) }
    }

    /// The held commands that may go out now that their metadata is committed (`committed`
    /// false: none, it never will be): each delete checked again against the registry and the
    /// namespace as they are now (`ChunkRegistry.releaseHeldDeletion`); the other commands
    /// follow the change they were decided on and always go.
    @discardableResult
    private func release(_ held: [HeldCommand], committed: Bool) -> [HeldCommand] {
        guard held.contains(where: { if case .delete = $0.command { true } else { false } }) else { return committed ? held : [] }
        let facts = self.facts
        let now = self.now
        let (going, dropped) = state.withLock { (state: inout State) -> ([HeldCommand], [HeldCommand]) in
            var going: [HeldCommand] = []
            var dropped: [HeldCommand] = []
            for command in held {
                guard case .delete(let chunk, _, let reason) = command.command else {
                    if committed { going.append(command) }
                    continue
                }
                let goes = state.registry.releaseHeldDeletion(
                    chunk, on: command.server, reason: reason, facts: facts, now: now, givingUp: !committed)
                if goes { going.append(command) } else if committed { dropped.append(command) }
            }
            return (going, dropped)
        }
        for command in dropped {
            logger.warning("\(command.command) for chunkserver \(command.server) not sent: no longer safe once its metadata was committed")
        }
        return going
    }

    /// Records the version every copy of `chunk` already has, one ahead of the namespace
    /// (`INCVERSION`), unless the namespace moved meanwhile.
    private func adopt(_ chunk: ChunkID, version: UInt32) {
        do throws(MasterError) {
            let (adopted, _) = try service.perform { (namespace: inout Namespace) throws(FSError) -> (Bool, ChangelogRecord?) in
                guard namespace.chunkVersion(chunk) == version - 1 else { return (false, nil) }
                return (true, try namespace.bumpChunkVersion(chunk, now: ClientServerContext.now()).1)
            }
            if adopted {
                logger.warning(
                    "chunk \(chunk): every copy is at version \(version), one ahead of the metadata (a change lost in a failover): the metadata takes it"
                )
            }
        } catch {
            logger.warning("chunk \(chunk): the copies' version \(version) not recorded: \(error)")
        }
    }

    private func logRateLimited(_ level: Logger.Level, _ message: String) {
        guard level < .warning else { return logger.log(level: level, "\(message)") }
        let minute = Int64(now.components.seconds / 60)
        let suppressed: Int? = state.withLock { state in
            if state.ignoredMinute != minute { (state.ignoredMinute, state.ignoredLogged) = (minute, 0) }
            state.ignoredCount += 1
            guard state.ignoredLogged < ChunkHubLimits.ignoredLogsPerMinute else { return nil }
            state.ignoredLogged += 1
            return state.ignoredCount
        }
        if let suppressed { logger.log(level: level, "\(message)", metadata: ["ignoredSoFar": "\(suppressed)"]) }
    }

    // MARK: connections

    /// A chunkserver's BEGIN was accepted: its connection takes commands from now on.
    func registering(_ registration: ServerRegistration, link: any ChunkserverLink) throws(RegistryError) {
        let effects = try state.withLock { (state: inout State) throws(RegistryError) -> [Effect] in
            let effects = try Self.step(.registering(registration), &state, facts: facts, now: now)
            state.links[registration.id] = link
            return effects
        }
        perform(effects)
    }

    /// The connection of `id` is gone (closed, timed out, or DISCONNECT).
    func disconnected(_ id: ChunkserverID, link: any ChunkserverLink) {
        let effects = state.withLock { (state: inout State) -> [Effect] in
            guard state.links[id] === link else { return [] }
            state.links[id] = nil
            return (try? Self.step(.disconnected(id), &state, facts: facts, now: now)) ?? []
        }
        perform(effects)
        serversChanged()
    }

    // MARK: roles and time

    /// This master became active (started as the active master, or promoted): the registry
    /// starts its delays and the write hold, and expects the chunkservers the metadata knows.
    public func becameActive() {
        let expected = Array(service.namespace.chunkservers.keys)
        let (effects, changed) = state.withLock { (state: inout State) -> ([Effect], Bool) in
            guard !state.active else { return ([], false) }
            state.active = true
            var effects = (try? Self.step(.becameActive, &state, facts: facts, now: now)) ?? []
            effects += (try? Self.step(.expectServers(expected), &state, facts: facts, now: now)) ?? []
            return (effects, true)
        }
        perform(effects)
        if changed { logger.notice("chunk registry active", metadata: ["expectedChunkservers": "\(expected.count)"]) }
    }

    /// This master is no longer active: every chunkserver connection closes (a fenced master
    /// drops them; they find the new active master), and the registry starts over empty.
    /// `unless` is asked under the hub's lock (`becameActive` takes the same lock after the role
    /// is set): the caller's reading of the role may be stale by then.
    public func stoppedBeingActive(_ reason: String, unless stillActive: () -> Bool = { false }) {
        let (effects, held) = state.withLock { (state: inout State) -> ([Effect], [HeldRequest]) in
            guard state.active, !stillActive() else { return ([], []) }
            state.active = false
            var effects = state.links.values.map { Effect.close($0, reason) }
            state.links = [:]
            state.registry = ChunkRegistry(settings: settings)
            effects += state.waiters.values.map { Effect.notActive($0) }
            state.waiters = [:]
            defer { state.held = [] }
            return (effects, state.held)
        }
        perform(effects)
        // Requests held for chunkservers to come back are asked again, and now answered
        // notActive (the client goes to the active master) instead of never.
        for request in held { request.retry() }
    }

    /// The timer: the registry's timeouts, deletions and replications; held requests again.
    public func tick() {
        let (effects, held) = state.withLock { (state: inout State) -> ([Effect], [HeldRequest]) in
            guard state.active else { return ([], []) }
            let effects = (try? Self.step(.tick, &state, facts: facts, now: now)) ?? []
            let held = state.held
            state.held = []
            return (effects, held)
        }
        perform(effects)
        for request in held { request.retry() }
    }

    /// Tries held requests again now (a chunkserver finished registering).
    func retryHeld() {
        let held = state.withLock { (state: inout State) -> [HeldRequest] in
            defer { state.held = [] }
            return state.held
        }
        for request in held { request.retry() }
    }
}
