import Foundation
import MFSCore
import MFSMetadata
import MFSStatus
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A follower master (DESIGN §6, §7) against a real active master: it holds the same namespace,
/// serves reads, refuses writes naming the active master, catches up after a pause (from memory
/// or by download past the preserve window), is promoted with a higher epoch, and refuses a
/// master of another cluster or a wrong `AUTH_CODE`.
@Suite(.serialized) struct FollowerTests {
    /// A seeded mix of changes of every kind through the client port.
    static func randomWorkload(_ master: MasterProcess, seed: UInt64, operations: Int) throws {
        var rng = SeededRandom(seed: seed)
        let c = try master.connect()
        _ = try c.open()
        var directories: [InodeID] = [.root]
        var entries: [(InodeID, EntryName, InodeID)] = []
        for i in 0..<operations {
            let name = EntryName(unchecked: Array("n\(rng.next() % 64)_\(i % 7)".utf8))
            let parent = directories[Int(rng.next() % UInt64(directories.count))]
            let request: ClientRequest
            switch rng.next() % 8 {
            case 0: request = .mkdir(c.newID(), rootCaller, parent: parent, name: name, mode: 0o755)
            case 1, 2: request = .mknod(c.newID(), rootCaller, parent: parent, name: name, type: .file, mode: 0o644, rdev: 0)
            case 3: request = .symlink(c.newID(), rootCaller, parent: parent, name: name, target: Array("t\(i)".utf8))
            case 4:
                guard let (p, n, _) = entries.randomElement(using: &rng) else { continue }
                request = .rename(c.newID(), rootCaller, parent: p, name: n, newParent: parent, newName: name)
            case 5:
                guard let (p, n, _) = entries.randomElement(using: &rng) else { continue }
                request = .unlink(c.newID(), rootCaller, parent: p, name: n)
            case 6:
                guard let (_, _, inode) = entries.randomElement(using: &rng) else { continue }
                request = .setAttributes(c.newID(), rootCaller, inode: inode, changes: AttributeChanges(mode: UInt16(rng.next() % 0o777)))
            default:
                guard let (_, _, inode) = entries.randomElement(using: &rng) else { continue }
                request = .setGoal(c.newID(), rootCaller, inode: inode, goal: UInt8(1 + rng.next() % 3), recursive: false)
            }
            let reply = try c.call(request)
            switch reply {
            case .mkdir(_, let a):
                directories.append(a.inode)
                entries.append((parent, name, a.inode))
            case .mknod(_, let a), .symlink(_, let a): entries.append((parent, name, a.inode))
            default: break
            }
        }
    }

    /// Waits until the follower holds at least the version the active master had when asked.
    /// At least, not exactly: a change the active makes after the question (the workload's
    /// session ending when its connection closes) may reach the follower first. With `==` that
    /// failed in CI: the follower was at 2612, one past the version read.
    static func caughtUp(_ follower: MasterProcess, _ active: MasterProcess, within seconds: Double = 20) throws -> Bool {
        let target = try active.status().version
        return try eventually(seconds) { try follower.status().version >= target }
    }

    /// Waits until every peer of `active` has acknowledged its last version.
    static func peersCaughtUp(_ active: MasterProcess, peers: Int) -> Bool {
        eventually(20) {
            guard let status = try? active.status() else { return false }
            return status.peers.count == peers && status.peers.allSatisfy { $0.ackedVersion == status.version }
        }
    }

    @Test func theFollowerAndTheMetaloggerHoldTheMastersNamespaceAfterARandomWorkload() throws {
        let active = try MasterProcess.active(syncReplicas: 2, extra: ["METADATA_CHECKSUM_INTERVAL": "100"])
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort)
        try follower.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try metalogger.start()
        #expect(Self.peersCaughtUp(active, peers: 2))
        try Self.randomWorkload(active, seed: 42, operations: 3_000)
        #expect(try Self.caughtUp(follower, active), "follower status: \(String(describing: try? follower.status()))")
        #expect(Self.peersCaughtUp(active, peers: 2))
        let roles = try active.status().peers.map(\.role).sorted()
        #expect(roles == ["follower", "metalogger"])
        #expect(active.stop() == 0)
        #expect(follower.stop() == 0)
        #expect(metalogger.stop() == 0)
        let a = try active.dumpedNamespace()
        let f = try follower.dumpedNamespace()
        let m = try metalogger.restored()
        #expect(a.version == f.version && a.checksum == f.checksum && a.metaID == f.metaID)
        #expect(try NamespaceSignature(a) == NamespaceSignature(f))
        #expect(a.version == m.version && a.checksum == m.checksum)
        #expect(try NamespaceSignature(a) == NamespaceSignature(m), "mfsmetarestore -a on the metalogger's files")
    }

    @Test func theFollowerServesReadsAndSendsWritesToTheActiveMaster() throws {
        // The first change is made before the follower exists: SYNC_DEGRADE lets it through.
        let active = try MasterProcess.active(syncReplicas: 1, extra: ["SYNC_DEGRADE": "1"])
        try active.start()
        let c = try active.connect()
        _ = try c.open()
        _ = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "shared", mode: 0o755))
        let follower = try MasterProcess.follower(of: active.peerPort)
        try follower.start()
        #expect(try Self.caughtUp(follower, active))
        #expect(eventually { (try? follower.status().following?.connected) == true })
        let r = try follower.connect()
        let (hello, session) = try r.handshake()
        #expect(hello.role == .follower)
        guard case .established(let grant) = session else { Issue.record("no read-only session: \(session)"); return }
        #expect(grant.readOnly)
        #expect(try r.call(.lookup(r.newID(), rootCaller, parent: .root, name: "shared")).wireStatus == .ok)
        let write = try r.call(.mkdir(r.newID(), rootCaller, parent: .root, name: "mine", mode: 0o755))
        guard case .status(_, .notActive, let activeMaster) = write else { Issue.record("a write on a follower: \(write)"); return }
        #expect(activeMaster == "127.0.0.1:\(follower.clientPort)", "the active master's host with the cluster's client port")
        let status = try follower.status()
        #expect(status.role == "follower" && !status.writable && status.following?.connected == true)
    }

    @Test func aPromotedFollowerIsActiveWithAHigherEpochAndEveryChange() throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        // Once the active master is gone the promoted follower is alone: no peer to wait for.
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["SYNC_REPLICAS": "0"])
        try follower.start()
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "f")
        creator.start(limit: 500)
        #expect(eventually { creator.isFinished })
        let epoch = try active.status().epoch
        #expect(try follower.post("/promote").0 == 503, "refused for now while the active master streams to it")
        active.crash()
        let (code, body) = try follower.post("/promote")
        #expect(code == 200, "\(body)")
        let status = try follower.status()
        #expect(status.role == "active" && status.writable && status.epoch == epoch + 1)
        #expect(status.epochStartVersion + 1 == status.version, "EPOCH, then VOTERS with the new active master as leader")
        let c = try follower.connect()
        _ = try c.open()
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "after", mode: 0o755)).wireStatus == .ok)
        #expect(follower.stop() == 0)
        let names = try follower.dumpedNamespace().names()
        #expect(Set(creator.acked).isSubset(of: names) && names.contains("after"))
    }

    /// DESIGN §7.6: after `POST /demote` no write is acknowledged; with `MASTER_HOST` naming the
    /// other master, the demoted one follows it once it is promoted, moving its own superseded
    /// changes aside.
    @Test func aDemotedMasterIsFencedAndRejoinsAsAFollower() throws {
        let (aPort, bPort) = (freePort(), freePort())
        let a = try MasterProcess.active(peerPort: aPort, syncReplicas: 0, extra: ["MASTER_HOST": "127.0.0.1:\(bPort)"])
        try a.start()
        let b = try MasterProcess.follower(of: aPort, extra: ["MATOML_LISTEN_PORT": "\(bPort)"])
        try b.start()
        let c = try a.connect()
        _ = try c.open()
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "before", mode: 0o755)).wireStatus == .ok)
        #expect(try Self.caughtUp(b, a))
        #expect(try a.post("/demote").0 == 200)
        let refused = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "fenced", mode: 0o755))
        #expect(refused.wireStatus == .notActive, "a write after the demote: \(refused)")
        #expect(try a.status().role == "fenced")
        #expect(eventually { (try? b.status().following?.connected) == false })
        #expect(try b.post("/promote").0 == 200)
        #expect(eventually { (try? a.status().role) == "follower" }, "A: \(a.log.suffix(2_000))")
        let d = try b.connect()
        _ = try d.open()
        #expect(try d.call(.mkdir(d.newID(), rootCaller, parent: .root, name: "new", mode: 0o755)).wireStatus == .ok)
        #expect(try Self.caughtUp(a, b))
        #expect(b.stop() == 0)
        #expect(a.stop() == 0)
        #expect(try NamespaceSignature(a.dumpedNamespace()) == NamespaceSignature(b.dumpedNamespace()))
    }

    @Test(arguments: [false, true]) func aFollowerCatchesUpAfterAPause(pastThePreserveWindow: Bool) throws {
        let active = try MasterProcess.active(syncReplicas: 0, extra: ["CHANGELOG_PRESERVE_SECONDS": "1"])
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort)
        try follower.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try metalogger.start()
        #expect(Self.peersCaughtUp(active, peers: 2))
        let pids = [follower.process!.processIdentifier, metalogger.process!.processIdentifier]
        for pid in pids { #expect(freeze(pid), "process \(pid) did not stop") }
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "p")
        creator.start(limit: 300)
        #expect(eventually { creator.isFinished })
        if pastThePreserveWindow { usleep(6_000_000) }  // past the preserve window and the silence timeout
        for pid in pids { kill(pid, SIGCONT) }
        #expect(try Self.caughtUp(follower, active, within: 30), "\(follower.log.suffix(2_000))")
        #expect(Self.peersCaughtUp(active, peers: 2), "\(metalogger.log.suffix(2_000))")
        if pastThePreserveWindow {
            #expect(follower.log.contains("downloading the metadata"), "\(follower.log.suffix(2_000))")
            #expect(metalogger.log.contains("downloading the metadata"), "\(metalogger.log.suffix(2_000))")
        }
        #expect(active.stop() == 0)
        #expect(follower.stop() == 0)
        #expect(metalogger.stop() == 0)
        let served = try NamespaceSignature(active.dumpedNamespace())
        #expect(try served == NamespaceSignature(follower.dumpedNamespace()))
        #expect(try served == NamespaceSignature(metalogger.restored()))
    }

    /// DESIGN §1: a master and a metalogger may share one `DATA_PATH` (their files and locks
    /// are named apart); the master restarts from it untroubled, and a restore merges both.
    @Test func aMetaloggerMayShareTheMastersDataPath() throws {
        let active = try MasterProcess.active(syncReplicas: 1)
        try active.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort], settings: ["DATA_PATH": active.dataPath])
        try metalogger.start()
        #expect(Self.peersCaughtUp(active, peers: 1))
        let creator = try PipelinedCreator(port: active.clientPort, prefix: "s")
        creator.start(limit: 300)
        #expect(eventually { creator.isFinished })
        #expect(Self.peersCaughtUp(active, peers: 1))
        let files = try FileManager.default.contentsOfDirectory(atPath: active.dataPath)
        #expect(files.contains("changelog_ml.0.mfs") && files.contains("metadata_ml.mfs.back") && files.contains(".mfsmetalogger.lock"))
        #expect(active.stop() == 0)
        try active.start()
        #expect(try active.status().version >= UInt64(creator.ackedCount))
        #expect(active.stop() == 0)
        #expect(metalogger.stop() == 0)
        let dumped = try active.dumpedNamespace()
        let restored = try metalogger.restored(in: active.dataPath)
        #expect(Set(creator.acked).isSubset(of: try restored.names()))
        #expect(restored.version >= dumped.version)
    }

    @Test func aWrongAuthCodeIsRefusedWithAClearMessage() throws {
        let active = try MasterProcess.active(syncReplicas: 0, extra: ["AUTH_CODE": "right"])
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["AUTH_CODE": "wrong"])
        // A new follower downloads before it listens: it never does with a wrong code.
        #expect(throws: MasterProcess.StartFailed.self) { try follower.startWithin(seconds: 3) }
        #expect(eventually { follower.log.contains("wrong AUTH_CODE") }, "\(follower.log.suffix(1_000))")
        #expect(eventually { active.log.contains("wrong AUTH_CODE") })
        let good = try MasterProcess.follower(of: active.peerPort, extra: ["AUTH_CODE": "right"])
        try good.start()
        #expect(try Self.caughtUp(good, active))
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort], settings: ["AUTH_CODE": "wrong"])
        try metalogger.start()
        #expect(eventually { metalogger.log.contains("wrong AUTH_CODE") }, "\(metalogger.log.suffix(1_000))")
        let none = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try none.start()
        #expect(eventually { none.log.contains("requires AUTH_CODE") }, "\(none.log.suffix(1_000))")
        #expect(try active.status().peers.map(\.role) == ["follower"])
    }

    @Test func aFollowerOfAnotherClusterIsRefused() throws {
        let active = try MasterProcess.active(syncReplicas: 0)
        try active.start()
        let other = try MasterProcess.active(syncReplicas: 0)
        try other.start()
        #expect(other.stop() == 0)
        // The other cluster's data, now told to follow the first master.
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["DATA_PATH": other.dataPath])
        try follower.start()
        #expect(eventually { follower.log.contains("another cluster") }, "\(follower.log.suffix(1_000))")
        #expect(try follower.status().following?.connected == false)
        // A metalogger that holds the other cluster's files is refused the same way.
        let third = try MasterProcess.active(syncReplicas: 0)
        try third.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [third.peerPort])
        try metalogger.start()
        #expect(eventually { (try? third.status().peers.count) == 1 })
        #expect(metalogger.stop() == 0)
        let stray = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try FileManager.default.removeItem(atPath: stray.dataPath)
        try FileManager.default.copyItem(atPath: metalogger.dataPath, toPath: stray.dataPath)
        try stray.start()
        #expect(eventually { stray.log.contains("another cluster") }, "\(stray.log.suffix(1_000))")
        #expect(try active.status().peers.isEmpty)
    }
}
