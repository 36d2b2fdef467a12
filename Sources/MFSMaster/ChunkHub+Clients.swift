import MFSChangelog
import MFSChunkRegistry
import MFSCore
import MFSMetadata
import MFSWire

/// The client side of the chunk hub: where to read, where to write (creating the chunk or
/// bumping its version first, through the changelog), the end of a write, and a truncate
/// inside a chunk. Every answer goes to `reply`, once, on any thread.
extension ChunkHub {
    /// How a request goes on after the registry was asked.
    enum Next {
        case reply(MasterReply)
        /// Held after a failover: asked again on the next tick or registration.
        case held
        /// The namespace changed under the request (another writer created the chunk): ask again.
        case again
        case waiting
    }

    /// `readChunk`: the valid copies of the chunk at `index`, or a hole.
    public func readChunk(_ id: RequestID, inode: InodeID, index: UInt32, reply: @escaping Reply) {
        let namespace = service.namespace
        let found: (chunk: ChunkID, length: UInt64)
        do throws(FSError) { found = try namespace.chunk(of: inode, index: index) } catch { return reply(.failure(id, error)) }
        guard found.chunk != .none else {
            return reply(.chunkLocation(id, Self.location(.read, found.length, .none, 0, [])))
        }
        let version = namespace.chunkVersion(found.chunk) ?? 0
        let (next, effects) = state.withLock { (state: inout State) -> (Next, [Effect]) in
            // An inactive registry knows no copy (a demoted master's was emptied): the client
            // goes to the active master rather than take the chunk for lost.
            guard state.active else { return (.reply(.status(id, .notActive, activeMaster: nil)), []) }
            let facts = NamespaceChunkFacts(namespace: namespace)
            let copies = state.registry.readLocations(found.chunk, facts: facts)
            guard copies.isEmpty else {
                return (.reply(.chunkLocation(id, Self.location(.read, found.length, found.chunk, version, copies.map(\.address)))), [])
            }
            if case .wait(let until) = state.registry.writeHold(found.chunk, facts: facts, now: now) {
                return (hold(&state, until: until) { [self] in readChunk(id, inode: inode, index: index, reply: reply) }, [])
            }
            // No copy at the chunk's version yet because a write's version change or a
            // truncate is under way: busy, which clients retry (mfsmount takes EIO as final,
            // and a read right after another process's write or truncate failed that way).
            // MooseFS's master likewise answers "no copies yet" rather than an error then.
            if state.registry.isLocked(found.chunk, now: now) { return (.reply(.status(id, .chunkBusy, activeMaster: nil)), []) }
            if let (busy, effects) = catchUp(found.chunk, id, facts: facts, &state) { return (.reply(busy), effects) }
            // No copy here: "not present" (retried) while a chunkserver that may hold one is
            // away, "lost" once every one is back; never EIO, which mfsmount takes as final.
            return (.reply(.status(id, Self.status(state.registry.noCopy(found.chunk)), activeMaster: nil)), [])
        }
        perform(effects)
        finish(next, id, reply)
    }

    /// `writeChunk`: creates the chunk at a hole, or grants a write of the existing one
    /// (bumping its version first when the registry says so), and answers with the chain.
    public func writeChunk(_ id: RequestID, session: SessionID, inode: InodeID, index: UInt32, reply: @escaping Reply) {
        let namespace = service.namespace
        guard namespace.session(session, holds: inode) else { return reply(.failure(id, .badSession)) }
        let found: (chunk: ChunkID, length: UInt64)
        let goal: UInt8
        do throws(FSError) {
            found = try namespace.chunk(of: inode, index: index)
            goal = try namespace.goal(of: inode)
        } catch {
            return reply(.failure(id, error))
        }
        let retry: @Sendable () -> Void = { [self] in writeChunk(id, session: session, inode: inode, index: index, reply: reply) }
        let (next, effects) = state.withLock { (state: inout State) -> (Next, [Effect]) in
            guard state.active else { return (.reply(.status(id, .notActive, activeMaster: nil)), []) }
            if found.chunk == .none {
                return create(id, inode: inode, index: index, goal: goal, fileLength: found.length, &state, retry: retry, reply: reply)
            }
            return grant(
                id, found.chunk, index: index, goal: goal, fileLength: found.length, namespace: namespace, &state, retry: retry,
                reply: reply)
        }
        perform(effects)
        if case .again = next { return retry() }
        finish(next, id, reply)
    }

    /// A new chunk: servers by free space, `ADDCHUNK` through the changelog, create commands;
    /// the reply waits for the creates and the change.
    private func create(
        _ id: RequestID, inode: InodeID, index: UInt32, goal: UInt8, fileLength: UInt64, _ state: inout State,
        retry: @escaping @Sendable () -> Void, reply: @escaping Reply
    ) -> (Next, [Effect]) {
        let now = self.now
        // Issue 14's "enough chunkservers": as many as the goal, or, while the chunkservers the
        // metadata knows are still registering after a failover, a wait of at most
        // WRITE_HOLD_TIME; after it the write goes on with fewer and the chunk is under-goal.
        let placed = state.registry.placement(goal: goal).count
        if placed < Int(goal), let until = holdUntil(state, now: now) { return (hold(&state, until: until, retry), []) }
        guard placed > 0 else { return (.reply(.status(id, noPlacement(state), activeMaster: nil)), []) }
        let added: (ChunkID, MetaVersion)
        do throws(MasterError) {
            added = try service.perform { (namespace: inout Namespace) throws(FSError) -> (ChunkID, ChangelogRecord?) in
                let (chunk, record) = try namespace.addChunk(inode, index: index, now: ClientServerContext.now())
                return (chunk, record)
            }
        } catch .operation(.exists) {
            return (.again, [])
        } catch {
            return (.reply(ClientRequestProcessor.failure(id, error)), [])
        }
        let (chunk, version) = added
        // Locked from now: another write of this chunk waits (LOCKED) for the creates below
        // instead of finding a chunk with no copy.
        state.registry.reserve(chunk, now: now)
        // The create commands go out only once ADDCHUNK is committed (stored, and held by the
        // SYNC_REPLICAS peers). A chunk that no committed metadata names must never exist on a
        // chunkserver: if this master died first, the master promoted next would give the same
        // id to another write while the chunkservers still held this copy at the same version
        // (a clean-clone CI failover run lost an acknowledged file that way: two copies of one
        // chunk id from two epochs, the newer one deleted as stale).
        let startCreates: @Sendable (MasterError?) -> Void = { [self] error in
            let (effects, refusal) = self.state.withLock { (state: inout State) -> ([Effect], MasterReply?) in
                if let error { return ([], ClientRequestProcessor.failure(id, error)) }
                guard state.active else { return ([], .status(id, .notActive, activeMaster: nil)) }
                do throws(WriteRefusal) {
                    let plan = try state.registry.startCreate(chunk, goal: goal, now: self.now)
                    state.waiters[chunk] = Waiter(request: id, fileLength: fileLength, version: version, reply: reply)
                    return (Self.effects(of: plan.directives, &state), nil)
                } catch {
                    // The id is given out and held by the file with no copy: the chunk reads as
                    // missing until a write creates it, which it cannot; say so loudly. Only a
                    // race with the last chunkserver leaving gets here.
                    logger.error("chunk \(chunk) added to inode \(inode) but not created: \(error)")
                    let status = error == .noServers ? self.noPlacement(state) : Self.status(error)
                    return ([], .status(id, status, activeMaster: nil))
                }
            }
            perform(effects)
            if let refusal { reply(refusal) }
        }
        return (.waiting, [.afterCommit(version, startCreates)])
    }

    /// An existing chunk: the registry's write plan, with `INCVERSION` first when it bumps.
    private func grant(
        _ id: RequestID, _ chunk: ChunkID, index: UInt32, goal: UInt8, fileLength: UInt64, namespace: Namespace, _ state: inout State,
        retry: @escaping @Sendable () -> Void, reply: @escaping Reply
    ) -> (Next, [Effect]) {
        let plan: WritePlan
        do throws(WriteRefusal) {
            plan = try state.registry.planWrite(chunk, facts: NamespaceChunkFacts(namespace: namespace), now: now)
        } catch .held(_, let until) {
            return (hold(&state, until: until, retry), [])
        } catch .missing where Self.neverWritten(chunk, index: index, fileLength: fileLength, state.registry) {
            return recreate(id, chunk, goal: goal, fileLength: fileLength, &state, reply: reply)
        } catch {
            if case .missing = error, let (busy, effects) = catchUp(chunk, id, facts: NamespaceChunkFacts(namespace: namespace), &state) {
                return (.reply(busy), effects)
            }
            return (.reply(.status(id, Self.status(error), activeMaster: nil)), [])
        }
        switch plan {
        case .ready(let version, let chain):
            return (.reply(.chunkLocation(id, Self.location(.write, fileLength, chunk, version, chain.map(\.address)))), [])
        case .bumpVersion(let next, let directives):
            let effects = Self.effects(of: directives, &state)
            do throws(MasterError) {
                let (version, changed) = try recordVersionBump(chunk)
                if version != next { logger.error("chunk \(chunk): the namespace bumped to version \(version), the registry to \(next)") }
                state.waiters[chunk] = Waiter(request: id, fileLength: fileLength, version: changed, reply: reply)
                return (.waiting, [afterCommit(changed, effects, "chunk \(chunk) version \(next)")])
            } catch {
                // Nothing went out: the copies stay at their version, and the set-version
                // operation times out as failed.
                logger.error("chunk \(chunk): INCVERSION not stored, its copies keep their version: \(error)")
                return (.reply(ClientRequestProcessor.failure(id, error)), [])
            }
        }
    }

    /// `INCVERSION` of `chunk` through the changelog: the new version and the change's.
    func recordVersionBump(_ chunk: ChunkID) throws(MasterError) -> (version: UInt32, change: MetaVersion) {
        try service.perform { (namespace: inout Namespace) throws(FSError) -> (UInt32, ChangelogRecord?) in
            let (version, record) = try namespace.bumpChunkVersion(chunk, now: ClientServerContext.now())
            return (version, record)
        }
    }

    /// `effects` (commands that move copies to a new version) once the namespace change that
    /// gave the version, `version`, is committed. A chunkserver must never hold a version that
    /// no committed metadata names: were this master to die first, the next one would take
    /// every copy for stale. The other way round, a committed change whose commands never went
    /// out, the registry repairs (`catchUp`). Not committed: nothing goes out, and the
    /// operation in flight times out as failed.
    func afterCommit(_ version: MetaVersion, _ effects: [Effect], _ what: String) -> Effect {
        .afterCommit(version) { [self] error in
            guard let error else { return perform(effects) }
            logger.warning("\(what): not committed, no command sent: \(error)")
        }
    }

    /// The registry's `catchUp` for a chunk a client found with no valid copy (its copies one
    /// version behind the namespace): CHUNKBUSY, which clients retry, and the set-version
    /// commands; nil when there is nothing to catch up.
    private func catchUp(_ chunk: ChunkID, _ id: RequestID, facts: NamespaceChunkFacts, _ state: inout State) -> (MasterReply, [Effect])? {
        let directives = state.registry.catchUp(chunk, facts: facts, now: now)
        guard !directives.isEmpty else { return nil }
        return (.status(id, .chunkBusy, activeMaster: nil), Self.effects(of: directives, &state, holdingUntil: facts.namespace.version))
    }

    /// Whether `chunk`, which no chunkserver reports while every one is registered, can hold
    /// no acknowledged byte: it lies wholly past the file's end, and a write's bytes count only
    /// once its end set the length. That is a chunk whose `ADDCHUNK` was committed while its
    /// master died before the create commands went out (or every create failed): the write
    /// creates it afresh instead of failing on a lost chunk. Never a chunk that had a copy in
    /// this master's life (`lostItsCopies`), nor while a chunkserver is away (it may hold a
    /// copy): a client may have had blocks acknowledged there before its end of write (mfsmount
    /// drops them from its cache then), and a fresh chunk would turn them into zeros that its
    /// next end of write counts. Those stay lost (CHUNKLOST) or absent (CSNOTPRESENT, retried);
    /// so does a chunk the length reaches: never silently replaced by zeros.
    static func neverWritten(_ chunk: ChunkID, index: UInt32, fileLength: UInt64, _ registry: ChunkRegistry) -> Bool {
        fileLength <= UInt64(index) * RegistryLimits.chunkSize && registry.hasNoCopy(chunk) && registry.everyServerRegistered
            && !registry.lostItsCopies(chunk)
    }

    /// Creates a chunk the namespace already holds (`neverWritten`) afresh: `INCVERSION` first,
    /// so a copy made at the old version that turns up later (from a chunkserver the metadata
    /// forgot) is stale, never a second "valid" copy with other bytes; then, once that is
    /// committed, the creates at the new version. The reply waits for the creates.
    private func recreate(
        _ id: RequestID, _ chunk: ChunkID, goal: UInt8, fileLength: UInt64, _ state: inout State, reply: @escaping Reply
    ) -> (Next, [Effect]) {
        guard !state.registry.placement(goal: goal).isEmpty else { return (.reply(.status(id, noPlacement(state), activeMaster: nil)), []) }
        let version: UInt32
        let changed: MetaVersion
        do throws(MasterError) {
            (version, changed) = try recordVersionBump(chunk)
        } catch {
            return (.reply(ClientRequestProcessor.failure(id, error)), [])
        }
        do throws(WriteRefusal) {
            let plan = try state.registry.startCreate(chunk, version: version, goal: goal, now: now)
            state.waiters[chunk] = Waiter(request: id, fileLength: fileLength, version: changed, reply: reply)
            let note = Effect.log(
                .warning, "chunk \(chunk): in the metadata, on no chunkserver and past the file's end: created again at version \(version)")
            return (.waiting, [note, afterCommit(changed, Self.effects(of: plan.directives, &state), "chunk \(chunk) created again")])
        } catch {
            return (.reply(.status(id, Self.status(error), activeMaster: nil)), [])
        }
    }

    /// `writeChunkEnd`: the file's length rises to `length` (through the changelog) and the
    /// chunk's write lock goes. The message carries no outcome, so the registry counts the
    /// write as possibly failed: when its chain had more than one server, the next write bumps
    /// the version first (MooseFS's rule for a failed write), so copies that a broken chain left
    /// different can never pass as valid; a write to the only copy needs no bump.
    ///
    /// `setsMtime` false (MooseFS's clients): the length change keeps the file's mtime, by a
    /// second change (ATTR) that puts it back, so replay gives the same times; both are queued
    /// together (one changelog fsync).
    public func writeChunkEnd(
        _ id: RequestID, session: SessionID, inode: InodeID, chunk: ChunkID, length: UInt64, setsMtime: Bool = true,
        reply: @escaping Reply
    ) {
        let namespace = service.namespace
        guard namespace.session(session, holds: inode) else { return reply(.failure(id, .badSession)) }
        guard (try? namespace.chunks(of: inode).contains { $0.chunk == chunk }) == true else {
            return reply(.failure(id, .invalidArgument))
        }
        let effects = state.withLock { (state: inout State) -> [Effect] in
            (try? Self.step(.writeEnded(chunk, ok: false), &state, facts: NamespaceChunkFacts(namespace: namespace), now: now)) ?? []
        }
        perform(effects)
        let stored: MetaVersion
        let mtimeNotKept: FSError?
        do throws(MasterError) {
            let now = ClientServerContext.now()
            // Both changes in one batch: one changelog fsync for the write's end, not two.
            (mtimeNotKept, stored) = try service.performMany {
                (namespace: inout Namespace) throws(FSError) -> (FSError?, [ChangelogRecord]) in
                let before = try namespace.attributes(of: inode)
                guard length > before.length else { return (nil, []) }
                let (_, record) = try namespace.setLength(inode, length, as: .root, checkPermission: false, now: now)
                guard !setsMtime, before.mtime != now else { return (nil, [record]) }
                do throws(FSError) {
                    let (_, restored) = try namespace.setAttributes(inode, AttributeChanges(mtime: .set(before.mtime)), as: .root, now: now)
                    return (nil, [record, restored])
                } catch {
                    return (error, [record])
                }
            }
        } catch {
            return reply(ClientRequestProcessor.failure(id, error))
        }
        if let mtimeNotKept {
            return service.whenCommitted(stored) { _ in reply(ClientRequestProcessor.failure(id, .operation(mtimeNotKept))) }
        }
        service.whenCommitted(stored) { error in reply(error.map { ClientRequestProcessor.failure(id, $0) } ?? .ok(id)) }
    }

    /// Before a truncate cuts inside `chunk`: the status to refuse it with while a write or
    /// command holds the chunk (the client retries), nil when it may go on.
    public func truncationRefusal(_ chunk: ChunkID) -> WireStatus? {
        state.withLock { $0.registry.isLocked(chunk, now: now) } ? .chunkBusy : nil
    }

    /// After a truncate moved `chunk` from `oldVersion` to `version` in the namespace: every
    /// valid copy is cut to `length` bytes at the new version.
    public func truncated(_ chunk: ChunkID, length: UInt32, oldVersion: UInt32, version: UInt32, change: MetaVersion) {
        let effects = state.withLock { (state: inout State) -> [Effect] in
            guard state.active else { return [] }
            do throws(WriteRefusal) {
                let directives = try state.registry.planTruncate(chunk, length: length, oldVersion: oldVersion, version: version, now: now)
                return [afterCommit(change, Self.effects(of: directives, &state), "chunk \(chunk) truncated at version \(version)")]
            } catch {
                return [.log(.warning, "chunk \(chunk) truncated to \(length) bytes in the namespace, its copies not cut: \(error)")]
            }
        }
        perform(effects)
    }

    /// Answers the client waiting for an operation, once its change is stored too.
    func answer(_ waiter: Waiter, _ outcome: OperationOutcome) {
        let id = waiter.request
        guard outcome.succeeded else {
            // A version change that no copy made: the client retries, and the registry moves
            // the copies up (`catchUp`) or finds the chunk lost.
            // A create every server refused for space: ENOSPC; one that failed otherwise (a
            // server that went away, an I/O error) may work on the next try.
            let outOfSpace = !outcome.failed.isEmpty && outcome.failed.values.allSatisfy { $0 == .noSpace }
            let status: WireStatus = outcome.kind == .create ? (outOfSpace ? .noSpace : .noChunkservers) : .chunkBusy
            return waiter.reply(.status(id, isActive ? status : .notActive, activeMaster: nil))
        }
        let location = Self.location(.write, waiter.fileLength, outcome.chunk, outcome.version, outcome.chain.map(\.address))
        service.whenCommitted(waiter.version) { error in
            waiter.reply(error.map { ClientRequestProcessor.failure(id, $0) } ?? .chunkLocation(id, location))
        }
    }

    /// Why no chunkserver can take a new chunk: none registered, or one the metadata knows still
    /// away (`noChunkservers`, which clients retry: MooseFS answers it too while its servers come
    /// back); else every one is there and none has space (`noSpace`).
    private func noPlacement(_ state: State) -> WireStatus {
        let anyRegistered = state.registry.serverStatuses().contains { $0.phase == .registered }
        return anyRegistered && state.registry.everyServerRegistered ? .noSpace : .noChunkservers
    }

    /// Until when requests are held: within `WRITE_HOLD_TIME` of becoming active while
    /// chunkservers the metadata knows have not all registered.
    private func holdUntil(_ state: State, now: Duration) -> Duration? {
        guard let since = state.registry.activeSince, now < since + settings.writeHoldLimit else { return nil }
        let registered = Set(state.registry.serverStatuses().filter { $0.phase == .registered }.map(\.id))
        let expected = Set(service.namespace.chunkservers.keys)
        return expected.isSubset(of: registered) && !expected.isEmpty ? nil : since + settings.writeHoldLimit
    }

    /// Holds a request until the next tick or registration (at most `maxHeldRequests`).
    private func hold(_ state: inout State, until: Duration, _ retry: @escaping @Sendable () -> Void) -> Next {
        guard state.held.count < ChunkHubLimits.maxHeldRequests else { return .reply(.status(RequestID(0), .tryAgain, activeMaster: nil)) }
        state.held.append(HeldRequest(until: until, retry: retry))
        return .held
    }

    private func finish(_ next: Next, _ id: RequestID, _ reply: Reply) {
        guard case .reply(let answer) = next else { return }
        // A refusal of the hold names no request; it is this one's.
        if case .status(_, let status, let master) = answer { return reply(.status(id, status, activeMaster: master)) }
        reply(answer)
    }

    static func location(
        _ access: MFSWire.ChunkLocation.Access, _ length: UInt64, _ chunk: ChunkID, _ version: UInt32, _ servers: [ChunkserverAddress]
    )
        -> MFSWire.ChunkLocation
    {
        MFSWire.ChunkLocation(
            access: access, fileLength: length, chunk: chunk, version: version, servers: Array(servers.prefix(WireLimits.maxChunkLocations))
        )
    }

    /// The wire status for a refused write (docs/CHUNK-REGISTRY.md).
    static func status(_ refusal: WriteRefusal) -> WireStatus {
        switch refusal {
        case .locked: .locked
        case .busy: .chunkBusy
        case .held: .tryAgain
        case .noServers: .noSpace
        case .missing: .chunkLost
        case .absent: .chunkserverAbsent
        case .notOwned, .versionExhausted: .ioError
        }
    }
}
