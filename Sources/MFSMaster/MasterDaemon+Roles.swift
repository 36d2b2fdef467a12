import Dispatch
import Foundation
import Logging
import MFSCore
import MFSPeer
import MFSReplication
import MFSWire
import Synchronization

/// The master's roles (DESIGN §7): following the active master, promotion and demotion through
/// the role machine (`Promotion`), the stale-master check before a demote, and a fenced
/// master's rejoin.
extension MasterDaemon {
    /// Follows the active master in `MASTER_HOST` on a thread of its own.
    func startFollowing() {
        let store = FollowerStore(service: service, roles: roles, promotion: promotion) { [logger] in logger.notice("\($0)") }
        var options = PeerLink.Options(masters: settings.masters, role: .follower, authCode: settings.authCode)
        options.silenceTimeout = Double(settings.peerSilenceMilliseconds) / 1_000
        options.member = promotion.me
        let link = PeerLink(options: options, log: Self.logLink(logger))
        store.link = link
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            link.run(store: store)
            finished.signal()
        }
        thread.name = "follower"
        follower.withLock { $0 = (link, store, finished) }
        thread.start()
    }

    /// The follower link's log lines, at their level.
    static func logLink(_ logger: Logger) -> @Sendable (PeerLink.LogLevel, String) -> Void {
        { level, message in
            switch level {
            case .info: logger.info("\(message)")
            case .warning: logger.warning("\(message)")
            case .error: logger.error("\(message)")
            }
        }
    }

    /// Stops following. Nothing the link receives is stored after this returns (a batch being
    /// stored is finished first); with `wait`, the link's thread is waited for too (at
    /// shutdown), else it ends by itself, even if it is stuck connecting to a dead host.
    func stopFollowing(wait: Bool = true) {
        guard
            let (link, store, finished) = follower.withLock({ state in
                defer { state = nil }; return state
            })
        else { return }
        store.close()
        link.stop()
        if wait { finished.wait() }
    }

    public enum RoleChangeError: Error, CustomStringConvertible, Sendable {
        /// `retryLater`: see `AdminAnswer`.
        case refused(String, retryLater: Bool = false)
        case failed(String)
        public var description: String {
            switch self {
            case .refused(let reason, _), .failed(let reason): reason
            }
        }
    }

    /// `POST /promote`: a follower becomes the active master through the quorum rule (DESIGN
    /// §7.2): P − K + 1 voters grant the new epoch (this master's own vote counts when it is a
    /// voter), the newest log among the granters is taken, and `EPOCH(n+1)` is written and held
    /// by `SYNC_REPLICAS` voters before this returns. `force` skips the votes; the result then
    /// says how many changes the old active master had beyond this one (at least that many may
    /// be lost).
    public func promote(force: Bool) async throws(RoleChangeError) -> (epoch: Epoch, version: MetaVersion, mayHaveLost: UInt64?) {
        switch await promotion.promote(force: force) {
        case .promoted(let epoch, let version, let lost): return (epoch, version, lost)
        case .refused(let reason, let retry): throw .refused(reason, retryLater: retry)
        }
    }

    /// `POST /demote`: stops accepting writes at once (no write is acknowledged after this
    /// returns), drops the peers (they go to the new active master) and, with `MASTER_HOST`,
    /// follows the new active master once it answers.
    public func demote() async -> MetaVersion {
        promotion.handle(.demote)
        service.takeChanges(false)
        // A reply released before the fence may still sit in its connection, written and not
        // flushed (the event loop flushes at the end of a read): it goes out before the demote
        // returns, and every later one sees the fence.
        await clients.openConnections.flushAll()
        return service.namespace.version
    }

    /// `POST /promote` and `POST /demote` answered: whether it worked, and JSON or the reason.
    func changeRole(promote: Bool, force: Bool) async -> AdminAnswer {
        guard promote else {
            // The announcer demotes this master when another host takes the virtual IP. After a
            // partition heals, VRRP gives it to the higher priority, which may be the old active
            // master, stale: this one, of the newer epoch, stays active then (the stale one
            // cannot acknowledge anything: the voters promised the newer epoch) and the
            // addresses come back once the stale master fenced itself (DESIGN §7.6).
            if !force, roles.role == .active {
                let stale = await staleMasters()
                if !stale.isEmpty {
                    let epoch = service.namespace.epoch
                    logger.warning(
                        "demote refused: the master at \(stale.joined(separator: ", ")) is stale (this one is at epoch \(epoch))")
                    return AdminAnswer(
                        ok: false,
                        body: "not demoted: this master is active in epoch \(epoch), and the master at "
                            + "\(stale.joined(separator: ", ")) is stale (told so); use force to demote anyway"
                    )
                }
            }
            let version = await demote()
            return AdminAnswer(ok: true, body: "{\"role\":\"\(roles.role)\",\"version\":\(version)}")
        }
        do {
            let (epoch, version, lost) = try await self.promote(force: force)
            let forced = lost.map { ",\"forced\":true,\"mayHaveLost\":\($0)" } ?? ""
            return AdminAnswer(ok: true, body: "{\"role\":\"active\",\"epoch\":\(epoch),\"epochStartVersion\":\(version)\(forced)}")
        } catch {
            logger.warning("promote refused: \(error)")
            var retryLater = false
            if case .refused(_, let retry) = error { retryLater = retry }
            return AdminAnswer(ok: false, body: "promote refused: \(error)", retryLater: retryLater)
        }
    }

    /// The masters of this cluster at `MASTER_HOST` of an epoch below this one's that are
    /// active, or fenced and not following yet: stale, such as an old active master that took
    /// the virtual IP back when a partition healed (fenced already if a metalogger's voter
    /// connection told it first). Asked all at once, each within half a second to connect and a
    /// second to answer (right after a partition heals, a loaded host answers late; a demote
    /// that misses a stale master leaves it to `mayStandAfterDemote`); the hello carries this master's epoch, which
    /// fences each of them (DESIGN §7.6; with `AUTH_CODE` set, a peer that proves it tells them
    /// instead). A follower of a lower epoch is catching up with this master: not stale.
    func staleMasters() async -> [String] {
        let namespace = service.namespace
        return await withTaskGroup(of: String?.self) { group in
            for master in settings.masters {
                group.addTask {
                    await withCheckedContinuation { done in
                        Thread {
                            let reply = Self.ask(master, metaID: namespace.metaID, epoch: namespace.epoch)
                            guard let reply, reply.metaID == namespace.metaID, reply.role != .follower, reply.epoch < namespace.epoch
                            else { return done.resume(returning: nil) }
                            done.resume(returning: "\(master.host):\(master.port) (\(reply.role), epoch \(reply.epoch))")
                        }.start()
                    }
                }
            }
            var stale: [String] = []
            for await found in group { if let found { stale.append(found) } }
            return stale
        }
    }

    /// A fenced master (demoted, or stale) with `MASTER_HOST` follows the active master there,
    /// and becomes its follower once it has caught up (DESIGN §7.6).
    func rejoinIfFenced() {
        guard RoleMachine.rejoins(role: roles.role, hasMasterHost: !settings.masters.isEmpty, following: follower.withLock({ $0 != nil }))
        else { return }
        logger.notice("fenced: following the active master at MASTER_HOST")
        startFollowing()
    }
}
