import MFSChangelog
import MFSCore
import MFSMetadata
import MFSPeer
import MFSStorage
import MFSWire
import Synchronization

/// Who this master is now (DESIGN §7): active, a follower of another, or fenced (it learned of
/// a higher epoch or was demoted and takes no writes). Shared by the client port, the peer
/// port, the status server and the follower link.
public final class RoleBox: Sendable {
    /// The role, and the active master's host while this one is not active.
    private let state: Mutex<(role: MasterRole, activeMaster: String?)>
    /// This master's client port as bound: the active master's is the same in a cluster, so
    /// `notActive` answers name the active master's host with it.
    let clientPort = Atomic<Int>(0)

    public init(_ role: MasterRole) { state = Mutex((role, nil)) }

    public var role: MasterRole { state.withLock { $0.role } }
    /// The role, and `host:port` of the active master while this one is not active.
    public var current: (MasterRole, String?) {
        let (role, host) = state.withLock { ($0.role, $0.activeMaster) }
        return (role, host.map { "\($0):\(clientPort.load(ordering: .relaxed))" })
    }

    public func set(_ role: MasterRole, activeMaster: String? = nil) { state.withLock { $0 = (role, activeMaster) } }

    /// Names the active master's host (for `notActive` answers) while this one is not active.
    public func setActiveMaster(host: String?) {
        state.withLock { if $0.role != .active { $0.activeMaster = host } }
    }

    /// Sets `role` only while the role is `from`; returns whether it did.
    @discardableResult
    public func change(from: MasterRole, to role: MasterRole, activeMaster: String? = nil) -> Bool {
        state.withLock { state in
            guard state.role == from else { return false }
            state = (role, activeMaster)
            return true
        }
    }
}

/// A follower master's store for the change stream: replays each change into the namespace
/// (checking results and `CHECKSUM`), queues it in this master's own changelog and fsyncs
/// before the link acknowledges; a downloaded metadata file replaces the namespace. Its
/// changelog and `metadata.mfs` are then what an active master's would be, so a promoted
/// follower needs no restore.
final class FollowerStore: PeerStore, @unchecked Sendable {
    let service: MetadataService
    let roles: RoleBox
    let promotion: Promotion
    /// Open until `close`: a closed store takes nothing more from the link (a promotion took
    /// over, or the daemon stops), even while the link's thread still runs.
    private let open = Mutex(true)
    let log: (String) -> Void
    /// Set when this copy cannot continue from where it is (it diverged, or holds changes the
    /// active master superseded): the next registration asks for the metadata.
    private var needsDownload = false
    /// The link, for the address of the master it follows.
    var link: PeerLink?
    private var named: String?

    init(
        service: MetadataService, roles: RoleBox, promotion: Promotion, log: @escaping (String) -> Void
    ) {
        self.service = service
        self.roles = roles
        self.promotion = promotion
        self.log = log
    }

    /// Takes nothing more from the link; waits for a batch being stored.
    func close() { open.withLock { $0 = false } }

    /// Runs `body` while the store is open, under its lock (so `close` waits for it).
    /// `whileOpen` with no dump running (`MetadataService.withoutDumps`: a dump's write of
    /// `metadata.mfs.tmp` and its rotation must not cross what `body` does to the files),
    /// waited for outside `whileOpen`, whose lock a promotion's `close` takes.
    private func whileOpenWithoutDumps(_ body: () throws(LinkError) -> Void) throws(LinkError) {
        try service.withoutDumps { () throws(LinkError) in try whileOpen(body) }
    }

    private func whileOpen(_ body: () throws(LinkError) -> Void) throws(LinkError) {
        try open.withLock { (open: inout Bool) throws(LinkError) in
            guard open else { throw LinkError("this master stopped following") }
            try body()
        }
    }

    var promisedEpoch: Epoch { promotion.promisedEpoch }
    var promiseShown: Epoch { promotion.promiseShown }

    var position: PeerPosition {
        let namespace = service.namespace
        return PeerPosition(
            metaID: namespace.metaID, highestEpoch: namespace.epoch, lastVersion: needsDownload ? .zero : namespace.version,
            tailEpoch: namespace.epoch)
    }

    func discard(after version: MetaVersion, count: UInt64) throws(LinkError) {
        // No dump meanwhile: its rotation would rename the changelogs being cut.
        try whileOpenWithoutDumps { () throws(LinkError) in try discardOpen(after: version, count: count) }
    }

    private func discardOpen(after version: MetaVersion, count: UInt64) throws(LinkError) {
        // The namespace cannot be rewound: the superseded changes are moved aside from the
        // changelogs, and the metadata is downloaded afresh.
        let namespace = service.namespace
        do throws(ChangelogWriteError) { try service.writer.sync() } catch { throw LinkError("\(error)") }
        do throws(StorageError) {
            let directory = service.directory
            let moved = try ChangelogTail.moveAside(
                try directory.changelogs(prefix: "changelog"), after: version, epochAtFork: ChangelogTail.epoch(at: version, of: namespace),
                header: ChangelogHeader(metaID: namespace.metaID).format(), in: directory)
            service.writer.fileWasCut()
            for m in moved { log("moved \(m.count) changes of epoch \(m.epoch) after version \(m.after) aside to \(m.path)") }
            log("downloading the metadata")
        } catch {
            throw LinkError("cannot move the superseded changes aside: \(error)")
        }
        needsDownload = true
        throw LinkError("this master holds \(count) changes after version \(version) that the active master superseded: resyncing")
    }

    func install(metadata: [UInt8], version: MetaVersion) throws(LinkError) {
        try whileOpenWithoutDumps { () throws(LinkError) in try installOpen(metadata: metadata, version: version) }
    }

    private func installOpen(metadata: [UInt8], version: MetaVersion) throws(LinkError) {
        let namespace: Namespace
        do { namespace = try MetadataFile.decode(metadata) } catch {
            throw LinkError("the downloaded metadata does not decode: \(error)")
        }
        guard namespace.version == version else {
            throw LinkError("the downloaded metadata is at version \(namespace.version), announced as \(version)")
        }
        do throws(ReplicaError) { try service.installWithoutDumps(namespace) } catch {
            throw LinkError("cannot install the downloaded metadata: \(error)")
        }
        needsDownload = false
        following()
    }

    func store(_ records: [ChangelogRecord], text: [UInt8]) throws(LinkError) {
        try whileOpen { () throws(LinkError) in try storeOpen(records) }
    }

    private func storeOpen(_ records: [ChangelogRecord]) throws(LinkError) {
        do throws(ReplicaError) {
            try service.applyReplicated(records)
        } catch {
            if case .replay = error { needsDownload = true }
            throw LinkError("follower: \(error)")
        }
        do throws(ChangelogWriteError) { try service.writer.sync() } catch { throw LinkError("follower: \(error)") }
        following()
    }

    /// A fenced master that caught up with the new active is its follower from now on; clients
    /// that write here are sent to the active master (its host, this master's client port:
    /// the masters of a cluster listen on the same ports).
    private func following() {
        if roles.change(from: .fenced, to: .follower) { promotion.handle(.caughtUpWithActive) }
        if let master = link?.status.master { following(master) }
    }

    func following(_ master: String) {
        guard master != named else { return }
        named = master
        roles.setActiveMaster(host: master.split(separator: ":").dropLast().joined(separator: ":"))
    }
}
