import Foundation
import Logging
import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSPeer
import MFSReplication
import MFSStorage
import MFSWire
import NIOCore
import Synchronization

/// The shell of the master's `RoleMachine` (DESIGN §7.2): feeds it events (promote, demote,
/// votes, a higher epoch, ticks) and executes its directives: the promise written to
/// `voter.mfs`, vote requests to the metaloggers' voter connections and to the other masters,
/// the newest log fetched from a granter, the new epoch written, fencing. The machine decides;
/// this only does the I/O.
/// Something that happens once, from any thread.
final class Once: Sendable {
    private let done = Atomic<Bool>(false)
    /// True for the first caller only.
    func first() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
    var happened: Bool { done.load(ordering: .acquiring) }
}

final class Promotion: Sendable {
    struct Hooks: Sendable {
        /// Stops storing what the follower link receives (at once: a link stuck connecting to a
        /// dead host is not waited for).
        var stopFollowing: @Sendable () -> Void
        /// The active master this member still hears, if any.
        var hearing: @Sendable () -> ActiveContact?
        /// The active master's last known version, for what a forced promotion may lose.
        var activeVersion: @Sendable () -> MetaVersion
        /// Fences: no change taken, waiting replies answered `notActive`, peers dropped.
        var fence: @Sendable (String) -> Void
        /// The role is active now: what follows it on a timer follows at once (the chunk
        /// registry, which answered every chunk request of the first 100 ms "lost" before).
        var becameActive: @Sendable () -> Void
    }

    enum Outcome: Sendable {
        case promoted(epoch: Epoch, version: MetaVersion, mayHaveLost: UInt64?)
        /// `retry`: see `RoleMachine.Directive.promotionRefused`.
        case refused(String, retry: Bool)
    }

    let me: MemberID
    let settings: MasterSettings
    let service: MetadataService
    let roles: RoleBox
    let peers: PeerServerContext
    let logger: Logger
    private let boundHooks = Mutex<Hooks?>(nil)
    private let voterPath: String
    private let machine: Mutex<RoleMachine>
    private let queue = DispatchQueue(label: "mfsmaster.promotion")
    private let file: Mutex<VoterFile>
    /// The caller of `POST /promote` waiting for the outcome, and what the old active master
    /// had (for a forced promotion's report).
    private let waiting = Mutex<(continuation: CheckedContinuation<Outcome, Never>, lostIfForced: UInt64)?>(nil)
    /// Master addresses a vote request is being sent to now.
    private let dialing = Mutex<Set<String>>([])
    /// Where each granter answered from: a metalogger's voter connection or a master's address.
    private let routes = Mutex<[MemberID: String]>([:])
    /// A tail being fetched over a metalogger's voter connection.
    private let tail = Mutex<
        (
            member: MemberID, request: TailRequest, records: [ChangelogRecord],
            done: @Sendable (Result<[ChangelogRecord], LinkError>) -> Void
        )?
    >(nil)

    init(settings: MasterSettings, service: MetadataService, roles: RoleBox, peers: PeerServerContext, logger: Logger)
        throws(MasterStartError)
    {
        self.settings = settings
        self.service = service
        self.roles = roles
        self.peers = peers
        self.logger = logger
        // A master started on a metalogger's data directory (a cold standby, restored from its
        // files) holds that metalogger's log: it votes as that member, with its file.
        let own = service.directory.file(VoterFile.masterName)
        let metalogger = service.directory.file(VoterFile.metaloggerName)
        voterPath = !FileIO.exists(own) && FileIO.exists(metalogger) ? metalogger : own
        let loaded: VoterFile
        do { loaded = try VoterFile.loadOrCreate(voterPath) } catch {
            throw MasterStartError("cannot read or create \(voterPath): \(error)")
        }
        if voterPath == metalogger {
            logger.notice(
                "this master votes as the metalogger member of its data directory (a cold standby)",
                metadata: ["member": "\(loaded.member)"])
        }
        me = loaded.member
        file = Mutex(loaded)
        let silence = settings.peerSilenceMilliseconds
        machine = Mutex(
            RoleMachine(
                me: loaded.member, role: roles.role, epoch: service.namespace.epoch,
                ballot: Ballot(promised: loaded.promised, candidate: loaded.candidate),
                settings: RoleMachine.Settings(silenceMilliseconds: silence, voteWaitMilliseconds: settings.promoteWaitMilliseconds)))
    }

    /// What the daemon does for the machine; set once the daemon exists.
    var hooks: Hooks {
        get { boundHooks.withLock { $0! } }
        set { boundHooks.withLock { $0 = newValue } }
    }

    /// The follower link refuses a master below this: the promise to a candidate here, one
    /// lower when it is this master's own and no candidacy is under way (`Ballot.followFloor`).
    var promisedEpoch: Epoch { ballotOnFile.followFloor(me: me, promoting: isPromoting) }
    /// The promise the follower link's hello shows: to other members only (a candidacy of its
    /// own under way does not fence the master it still follows).
    var promiseShown: Epoch { ballotOnFile.followFloor(me: me, promoting: false) }
    private var ballotOnFile: Ballot { file.withLock { Ballot(promised: $0.promised, candidate: $0.candidate) } }
    var isPromoting: Bool { machine.withLock { $0.isPromoting } }

    /// This master's log, as votes compare logs.
    var position: LogPosition {
        service.withNamespace { LogPosition(epoch: $0.epoch, version: $0.version) }
    }

    // MARK: events

    /// `POST /promote`: waits for the outcome (the votes, the catch-up, the new epoch on
    /// `SYNC_REPLICAS` voters) or the refusal.
    func promote(force: Bool) async -> Outcome {
        let namespace = service.namespace
        let event = RoleMachine.Event.promote(
            force: force, position: LogPosition(epoch: namespace.epoch, version: namespace.version), voters: namespace.voters,
            votersVersion: namespace.votersVersion)
        let activeVersion = hooks.activeVersion().rawValue
        let lostIfForced = activeVersion - min(activeVersion, namespace.version.rawValue)
        return await withCheckedContinuation { continuation in
            let busy = waiting.withLock { waiting in
                guard waiting == nil else { return true }
                waiting = (continuation, lostIfForced)
                return false
            }
            if busy { return continuation.resume(returning: .refused("a promotion is already under way", retry: true)) }
            machine.withLock { machine in
                let directives = machine.handle(event, now: monotonicMilliseconds(), hearing: hooks.hearing())
                // Refused at once (already active, fenced): only this caller.
                if directives.count == 1, case .promotionRefused = directives[0] {
                    waiting.withLock { $0 = nil }
                    if case .promotionRefused(let reason, let retry) = directives[0] {
                        continuation.resume(returning: .refused(reason, retry: retry))
                    }
                    return
                }
                enqueue(directives)
            }
        }
    }

    func handle(_ event: RoleMachine.Event) {
        // A candidate that still follows the active master (it hears it, so it does not vote
        // for itself yet) keeps storing changes: its own grant must name the log it has then.
        let position = self.position
        machine.withLock { machine in
            let now = monotonicMilliseconds()
            if machine.isPromoting { _ = machine.handle(.logAdvanced(position), now: now, hearing: nil) }
            enqueue(machine.handle(event, now: now, hearing: hooks.hearing()))
        }
    }

    /// Directives run one after another on one queue, in the order the machine gave them
    /// (enqueued under the machine's lock), whichever thread brought the event.
    private func enqueue(_ directives: [RoleMachine.Directive]) {
        guard !directives.isEmpty else { return }
        queue.async { self.execute(directives) }
    }

    /// Another candidate's vote request (on port 9419): the answer, with the promise on disk
    /// first.
    func answer(_ request: VoteRequest) -> VoteAnswer {
        let position = self.position
        // The promise is written before the answer leaves; the other directives (a candidacy
        // of this member's own that steps down) run on the queue, in order.
        let (granted, reason, failure) = machine.withLock { machine -> (Bool, String, String?) in
            let directives = machine.handle(
                .voteRequest(
                    candidate: request.candidate, epoch: request.epoch,
                    candidateLog: LogPosition(epoch: request.logEpoch, version: request.logVersion), position: position),
                now: monotonicMilliseconds(), hearing: hooks.hearing())
            var granted = false
            var reason = "no answer"
            var rest: [RoleMachine.Directive] = []
            for directive in directives {
                switch directive {
                case .persistPromise(let ballot):
                    if let failure = persist(ballot) {
                        enqueue(rest)
                        return (false, "", failure)
                    }
                case .answerVote(_, _, let yes, let why):
                    granted = yes
                    reason = why ?? ""
                default:
                    rest.append(directive)
                }
            }
            enqueue(rest)
            return (granted, reason, nil)
        }
        if let failure { return refusal(request, "cannot write the promise: \(failure)") }
        guard granted else { return refusal(request, reason) }
        let namespace = service.namespace
        logger.notice("granted epoch \(request.epoch) to candidate \(request.candidate)")
        let promise = file.withLock { $0 }
        return VoteAnswer(
            voter: me, epoch: request.epoch, granted: true, promised: promise.promised, promisedTo: promise.candidate,
            logEpoch: position.epoch, logVersion: position.version, votersVersion: namespace.votersVersion, voters: namespace.voters)
    }

    private func refusal(_ request: VoteRequest, _ reason: String) -> VoteAnswer {
        let position = self.position
        let promise = file.withLock { $0 }
        return VoteAnswer(
            voter: me, epoch: request.epoch, granted: false, promised: promise.promised, promisedTo: promise.candidate,
            logEpoch: position.epoch, logVersion: position.version, votersVersion: .zero, voters: .empty, reason: reason)
    }

    /// A vote answer from a metalogger's voter connection or a master this one dialed.
    func answered(_ answer: VoteAnswer, route: String) {
        guard answer.voter != me else { return }
        routes.withLock { $0[answer.voter] = route }
        if answer.granted {
            handle(
                .voteGranted(
                    voter: answer.voter, epoch: answer.epoch, position: LogPosition(epoch: answer.logEpoch, version: answer.logVersion),
                    voters: answer.voters, votersVersion: answer.votersVersion))
        } else {
            handle(
                .voteRefused(
                    voter: answer.voter, epoch: answer.epoch, reason: answer.reason, promised: answer.promised,
                    promisedTo: answer.promisedTo))
        }
    }

    /// A candidate's tail request (on port 9419): the changes of this master's changelogs.
    func serveTail(_ request: TailRequest) -> [[UInt8]] {
        try? service.writer.sync()
        let position = self.position
        let paths = (try? service.directory.changelogs(prefix: "changelog")) ?? []
        logger.notice("serving the changes after \(request.after) through \(request.through) to a candidate")
        return request.answer(paths: paths, heldEpoch: position.epoch, heldVersion: position.version)
    }

    /// A peer registered with its voter id: an active master adds it to the voter set (a
    /// `VOTERS` change), with itself as leader.
    func joined(_ member: MemberID, kind: MemberKind) {
        // A cold standby's master votes as the metalogger of its data directory, which may
        // still run beside it and register here with the same id: that member is this master
        // (as a metalogger it would make the set's leader no master, a set refused as EINVAL).
        guard member != .none, member != me else { return }
        claim { set in set.members[member] = kind }
    }

    /// An active master leads the voter set: itself as leader, its `SYNC_REPLICAS` as K
    /// (written only when that changes something).
    func claim(_ change: (inout VoterSet) -> Void = { _ in }) {
        guard roles.role == .active else { return }
        let me = self.me
        let k = settings.replication.syncReplicas
        do throws(MasterError) {
            _ = try service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                var set = namespace.voters
                set.leader = me
                set.members[me] = .master
                set.syncReplicas = k
                change(&set)
                guard set != namespace.voters else { return ((), nil) }
                return ((), try namespace.setVoters(set, now: ClientServerContext.now()))
            }
        } catch {
            logger.warning("cannot record the voter set: \(error)")
        }
    }

    // MARK: directives

    private func execute(_ directives: [RoleMachine.Directive]) {
        for directive in directives {
            switch directive {
            case .persistPromise(let ballot):
                if let failure = persist(ballot) {
                    logger.critical("cannot write the promise to \(voterPath): \(failure)")
                    handle(.catchUpFailed("cannot write this member's own promise: \(failure)"))
                    return
                }
            case .answerVote:
                break  // answered by `answer(_:)`, which asked
            case .requestVotes(let epoch, let voters):
                requestVotes(epoch: epoch, voters: voters)
            case .catchUp(let from, let through):
                catchUp(from: from, through: through)
            case .lead(let epoch):
                lead(epoch)
            case .fence(let reason):
                hooks.fence(reason)
            case .follow:
                break  // the replication tick rejoins a fenced master with MASTER_HOST
            case .promoted(let epoch, let forced):
                let start = service.namespace.epochStartVersion
                finish { lostIfForced in .promoted(epoch: epoch, version: start, mayHaveLost: forced ? lostIfForced : nil) }
            case .promotionRefused(let reason, let retry):
                finish { _ in .refused(reason, retry: retry) }
            case .log(let level, let message):
                MasterDaemon.log(level, message, logger)
            }
        }
    }

    private func finish(_ outcome: (UInt64) -> Outcome) {
        guard
            let (continuation, lostIfForced) = waiting.withLock({ w in
                defer { w = nil }; return w
            })
        else { return }
        continuation.resume(returning: outcome(lostIfForced))
    }

    /// Writes the promise (fsynced), unless the file holds a conflicting one (a metalogger
    /// sharing this member's file promised elsewhere). Returns why not, or nil.
    private func persist(_ ballot: Ballot) -> String? {
        do {
            let saved = try VoterFile.update(voterPath) { (file: inout VoterFile) throws(PromiseConflict) -> Bool in
                // A promise of this member to itself may go to another candidate (it stepped
                // down); any other promise stands.
                let other = file.candidate != ballot.candidate && file.candidate != me
                if file.promised > ballot.promised || (file.promised == ballot.promised && other) {
                    throw PromiseConflict(description: "epoch \(file.promised) is promised to member \(file.candidate) already")
                }
                guard file.promised != ballot.promised else { return false }
                file.promised = ballot.promised
                file.candidate = ballot.candidate
                return true
            }
            file.withLock { $0 = saved }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Sends the request on every metalogger's voter connection among `voters`, and dials
    /// every master of `MASTER_HOST` (masters are known by address until they answer).
    private func requestVotes(epoch: Epoch, voters: [MemberID]) {
        let own = position
        let request = VoteRequest(candidate: me, epoch: epoch, logEpoch: own.epoch, logVersion: own.version).encode()
        let channels = peers.voterChannels.withLock { channels in voters.compactMap { channels[$0] } }
        for channel in channels {
            channel.writeAndFlush(channel.allocator.buffer(bytes: request), promise: nil)
        }
        for master in settings.masters {
            let address = "\(master.host):\(master.port)"
            guard dialing.withLock({ $0.insert(address).inserted }) else { continue }
            let thread = Thread { [self] in
                defer { _ = dialing.withLock { $0.remove(address) } }
                do throws(LinkError) {
                    let socket = try dial(master.host, master.port)
                    defer { socket.close() }
                    try socket.send(request)
                    let answer: VoteAnswer = try receive(socket, within: 2)
                    answered(answer, route: address)
                } catch {
                    logger.info("vote request to \(address): \(error)")
                }
            }
            thread.start()
        }
    }

    /// A connection to another master's port 9419, past the hello and the `AUTH_CODE` proof.
    private func dial(_ host: String, _ port: Int) throws(LinkError) -> FrameSocket {
        let socket = try FrameSocket(host: host, port: port, timeout: PeerLinkLimits.connectSeconds)
        let namespace = service.namespace
        try socket.send(Hello(role: .master, metaID: namespace.metaID, epoch: namespace.epoch).encode())
        let hello: HelloReply = try receive(socket, within: 1)
        guard hello.metaID == namespace.metaID else {
            socket.close()
            throw LinkError("\(socket.address) is a master of cluster \(hello.metaID.hex), not \(namespace.metaID.hex)")
        }
        if !hello.challenge.isEmpty {
            guard let code = settings.authCode else {
                socket.close()
                throw LinkError("\(socket.address) requires AUTH_CODE, and none is set here")
            }
            try socket.send(
                AuthResponse(response: passwordResponse(secretDigest: passwordDigest(code), challenge: hello.challenge)).encode())
        }
        return socket
    }

    private func receive<M: WireMessage>(_ socket: FrameSocket, within seconds: Double) throws(LinkError) -> M {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 {
            guard let frame = try socket.receive(timeout: min(0.1, max(0.01, deadline.timeIntervalSinceNow))) else { continue }
            do throws(WireError) { return try M.decode(frame) } catch {
                throw LinkError("\(socket.address) sent a bad message: \(error)")
            }
        }
        throw LinkError("\(socket.address) did not answer within \(seconds) s")
    }

    // MARK: catching up

    /// Takes the changes after this master's log from the granter `from`, through `through`.
    private func catchUp(from member: MemberID, through: LogPosition) {
        hooks.stopFollowing()
        let position = self.position
        let request = TailRequest(after: position.version, afterEpoch: position.epoch, through: through.version)
        let done: @Sendable (Result<[ChangelogRecord], LinkError>) -> Void = { [self] result in
            switch result {
            case .success(let records):
                do throws(LinkError) {
                    try Self.checkContinues(records, after: position, through: through, from: member)
                    try apply(records)
                    logger.notice("took \(records.count) changes from voter \(member) (through \(through))")
                    handle(.caughtUp(self.position))
                } catch {
                    handle(.catchUpFailed("\(error)"))
                }
            case .failure(let error):
                handle(.catchUpFailed("voter \(member): \(error)"))
            }
        }
        if let channel = peers.voterChannels.withLock({ $0[member] }) {
            tail.withLock { $0 = (member, request, [], done) }
            channel.writeAndFlush(channel.allocator.buffer(bytes: request.encode()), promise: nil)
            return
        }
        guard let address = routes.withLock({ $0[member] }),
            let master = settings.masters.first(where: { "\($0.host):\($0.port)" == address })
        else {
            return done(.failure(LinkError("no connection to voter \(member) any more")))
        }
        Thread { [self] in
            do throws(LinkError) {
                let socket = try dial(master.host, master.port)
                defer { socket.close() }
                try socket.send(request.encode())
                var records: [ChangelogRecord] = []
                while true {
                    guard let frame = try socket.receive(timeout: 10) else { throw LinkError("\(address) stopped sending the tail") }
                    if let end = try? TailEnd.decode(frame) {
                        guard end.status == .ok else { throw LinkError(end.reason) }
                        break
                    }
                    let batch: ChangeBatch
                    do throws(WireError) { batch = try ChangeBatch.decode(frame) } catch {
                        throw LinkError("\(address) sent a bad message: \(error)")
                    }
                    try Self.append(batch, to: &records, asked: request, from: address)
                }
                done(.success(records))
            } catch {
                done(.failure(error))
            }
        }.start()
    }

    /// A frame of a tail on a metalogger's voter connection (`ChangeBatch`es, then `TailEnd`).
    func tailFrame(_ frame: Frame, from member: MemberID) {
        let finished: ((Result<[ChangelogRecord], LinkError>) -> Void, Result<[ChangelogRecord], LinkError>)? = tail.withLock { tail in
            guard let current = tail, current.member == member else { return nil }
            if let end = try? TailEnd.decode(frame) {
                tail = nil
                return (current.done, end.status == .ok ? .success(current.records) : .failure(LinkError(end.reason)))
            }
            do throws(LinkError) {
                let batch: ChangeBatch
                do throws(WireError) { batch = try ChangeBatch.decode(frame) } catch { throw LinkError("a bad tail frame: \(error)") }
                try Self.append(batch, to: &tail!.records, asked: current.request, from: "voter \(member)")
                return nil
            } catch {
                tail = nil
                return (current.done, .failure(error))
            }
        }
        if let (done, result) = finished { done(result) }
    }

    /// Adds a batch of a tail to what came before it: it must start right after (the request's
    /// `after` first) and end by `through`, so a voter can send no more than was asked.
    static func append(_ batch: ChangeBatch, to records: inout [ChangelogRecord], asked request: TailRequest, from source: String)
        throws(LinkError)
    {
        let expected = (records.last?.version ?? request.after).next
        guard batch.firstVersion == expected, batch.lastVersion <= request.through else {
            throw LinkError(
                "\(source) sent changes \(batch.firstVersion)…\(batch.lastVersion) of a tail asked from \(expected) through \(request.through)"
            )
        }
        records += try batch.records(from: source)
    }

    /// Replays the fetched changes into this master's namespace and changelog, checking that
    /// they continue it, and fsyncs them.
    /// A voter's log of a later epoch continues this master's only if the boundary into that
    /// epoch comes after this master's last change: `EPOCH(x)`, x above this master's epoch,
    /// must be among the changes taken. Otherwise the voter's history forked at or before this
    /// master's last change (this master holds changes of an old epoch that the newer one never
    /// had), and applying the tail on top would mix two histories.
    static func checkContinues(
        _ records: [ChangelogRecord], after position: LogPosition, through: LogPosition, from member: MemberID
    ) throws(LinkError) {
        guard through.epoch > position.epoch else { return }
        let crossesBoundary = records.contains {
            if case .epoch(let epoch) = $0.change { return epoch > position.epoch }
            return false
        }
        guard crossesBoundary else {
            throw LinkError(
                "voter \(member)'s log (\(through)) forked from this master's (\(position)) at or before its last change: "
                    + "this master must follow the active master (its tail then moves aside) before it can take over")
        }
    }

    private func apply(_ records: [ChangelogRecord]) throws(LinkError) {
        guard let first = records.first else { return }
        let version = service.namespace.version
        guard first.version == version.next else {
            throw LinkError("the tail starts at \(first.version), but this master holds up to \(version)")
        }
        do throws(ReplicaError) { try service.applyReplicated(records) } catch { throw LinkError("\(error)") }
        do throws(ChangelogWriteError) { try service.writer.sync() } catch { throw LinkError("\(error)") }
    }

    // MARK: leading

    /// Writes `EPOCH(epoch)` and the voter set with this master as leader, takes writes, and
    /// reports `led` once `SYNC_REPLICAS` voters hold them.
    private func lead(_ epoch: Epoch) {
        hooks.stopFollowing()
        service.replication.countVoters(Set(service.namespace.voters.members.keys), me: me)
        let version: MetaVersion
        do throws(MasterError) {
            version = try service.beginLeading(
                epoch: epoch, me: me, syncReplicas: settings.replication.syncReplicas, now: ClientServerContext.now())
        } catch {
            return handle(.leadFailed("\(error)"))
        }
        roles.set(.active)
        hooks.becameActive()
        // `POST /promote` answers once the new epoch is on SYNC_REPLICAS voters, or after
        // PROMOTE_TIMEOUT: the master is active then, and acknowledges nothing before they
        // hold the epoch (with SYNC_DEGRADE = 0 replies wait for them).
        let answered = Once()
        let answer: @Sendable (MasterError?) -> Void = { [self] error in
            guard answered.first() else { return }
            if let error {
                roles.set(.fenced)
                service.takeChanges(false)
                handle(.leadFailed("\(error)"))
            } else {
                handle(.led(epoch))
            }
        }
        service.whenCommitted(version, answer)
        let wait = settings.promoteWaitMilliseconds
        Thread {
            usleep(UInt32(min(wait, 600_000) * 1_000))
            if !answered.happened {
                self.logger.warning(
                    "promoted: epoch \(epoch) is not on SYNC_REPLICAS voters yet; no change is acknowledged before it is")
            }
            answer(nil)
        }.start()
    }
}

/// A promise on disk that conflicts with the one to write.
struct PromiseConflict: Error, CustomStringConvertible {
    var description: String
}
