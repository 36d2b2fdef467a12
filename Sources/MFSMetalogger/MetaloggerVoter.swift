import Foundation
import Logging
import MFSCore
import MFSPeer
import MFSReplication
import MFSStorage
import MFSWire
import Synchronization

/// The metalogger as a voter (DESIGN §7.2): it answers candidates on its voter connections by
/// the same `Ballot` rule as a master, with its promise in `voter_ml.mfs` (fsynced before a
/// grant leaves), refuses while its link still hears the active master, and serves a winning
/// candidate the changes of its `changelog_ml` files that the candidate lacks.
public final class MetaloggerVoter: VoterBackend, @unchecked Sendable {
    let store: MetaloggerStore
    let link: PeerLink
    let path: String
    let logger: Logger
    /// An active master not heard for this long does not hold this voter's grant back.
    let silenceMilliseconds: Int64
    public let member: MemberID
    /// The last new promise, which holds against other candidates (`RecentGrant`).
    private let recentGrant = Mutex<RecentGrant?>(nil)
    let grantHoldMilliseconds: Int64

    /// `grantHoldMilliseconds`: how long a grant holds (the silence timeout unless given).
    public init(
        store: MetaloggerStore, link: PeerLink, logger: Logger, silenceMilliseconds: Int64, grantHoldMilliseconds: Int64? = nil
    ) throws(StorageError) {
        self.grantHoldMilliseconds = grantHoldMilliseconds ?? silenceMilliseconds
        self.store = store
        self.link = link
        self.logger = logger
        self.silenceMilliseconds = silenceMilliseconds
        path = store.files.directory.file(VoterFile.metaloggerName)
        let loaded = try VoterFile.loadOrCreate(path)
        member = loaded.member
        store.promise.withLock { $0 = loaded.promised }
    }

    public var identity: (metaID: MetaID, epoch: Epoch) {
        let position = store.publishedPosition
        return (position.metaID, max(position.highestEpoch, store.promisedEpoch))
    }

    public func answer(_ request: VoteRequest, from master: String) -> VoteAnswer {
        let position = store.publishedPosition
        let status = link.status
        let now = monotonicMilliseconds()
        let heard: String? =
            status.connected && now - status.lastHeard < silenceMilliseconds
            ? "\(status.master ?? "?") (epoch \(status.masterEpoch), heard \(now - status.lastHeard) ms ago)" : nil
        let voters = store.publishedVoters
        let grantHeld = recentGrant.withLock {
            $0?.hold(against: request.candidate, epoch: request.epoch, now: now, holdMilliseconds: grantHoldMilliseconds)
        }
        // Decided and written under the file's lock: a cold standby master started on this
        // data directory votes as this member with the same file.
        var refusal: String?
        var promise = (promised: Epoch.zero, to: MemberID.none)
        var newPromise = false
        do {
            let saved = try VoterFile.update(path) { (file: inout VoterFile) throws(Refusal) -> Bool in
                var ballot = Ballot(promised: file.promised, candidate: file.candidate)
                switch ballot.answer(
                    candidate: request.candidate, epoch: request.epoch, heldEpoch: position.tailEpoch, activeHeard: heard,
                    grantHeld: grantHeld)
                {
                case .grant(let persist):
                    file.promised = ballot.promised
                    file.candidate = ballot.candidate
                    newPromise = persist
                    return persist
                case .refuse(let reason):
                    throw Refusal(description: reason)
                }
            }
            promise = (saved.promised, saved.candidate)
            // Held from a new promise, as the role machine holds it (a retry does not extend it).
            if newPromise { recentGrant.withLock { $0 = RecentGrant(candidate: request.candidate, epoch: request.epoch, at: now) } }
            if store.promise.withLock({ $0 }) < saved.promised {
                store.promise.withLock { $0 = saved.promised }
                logger.notice(
                    "promised epoch \(saved.promised) to candidate \(saved.candidate): changes of a lower epoch are refused from now on")
                // The candidate waits for its voters to hold its new epoch: follow it at once.
                link.nudge(toward: master)
            }
        } catch {
            refusal = "\(error)"
            if let current = try? VoterFile.loadOrCreate(path) { promise = (current.promised, current.candidate) }
        }
        return VoteAnswer(
            voter: member, epoch: request.epoch, granted: refusal == nil, promised: promise.promised, promisedTo: promise.to,
            logEpoch: position.tailEpoch,
            logVersion: position.lastVersion, votersVersion: voters.version, voters: voters.set, reason: refusal ?? "")
    }

    public func tail(_ request: TailRequest) -> [[UInt8]] {
        let position = store.publishedPosition
        let paths = (try? store.files.directory.changelogs(prefix: "changelog_ml")) ?? []
        logger.notice("serving the changes after \(request.after) through \(request.through) to a candidate")
        return request.answer(paths: paths, heldEpoch: position.tailEpoch, heldVersion: position.lastVersion)
    }
}

/// A candidate this voter does not grant, and why.
struct Refusal: Error, CustomStringConvertible {
    var description: String
}
