import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import Testing

/// Bad input on the peer port (9419): each case closes that connection with a log line naming
/// what is wrong, or refuses the peer with its reason; the master keeps serving and its
/// namespace does not change. A peer that has seen a higher epoch fences the master (DESIGN
/// §7.6).
@Suite(.serialized) struct PeerPortBadInputTests {
    /// A raw connection to the peer port that has said hello as `role`.
    static func hello(_ master: MasterProcess, role: PeerRole = .metalogger, metaID: MetaID = .unknown, epoch: Epoch = .zero)
        throws -> (WireConnection, HelloReply)
    {
        let c = try WireConnection(port: master.peerPort)
        c.send(Hello(role: role, metaID: metaID, epoch: epoch).encode())
        guard let frame = try c.receive() else { throw WireConnection.Closed() }
        return (c, try HelloReply.decode(frame))
    }

    static func start(_ c: WireConnection, lastVersion: MetaVersion, tailEpoch: Epoch = .zero) throws -> PeerStart? {
        c.send(PeerRegister(lastVersion: lastVersion, tailEpoch: tailEpoch).encode())
        guard let frame = try c.receive() else { return nil }
        return try PeerStart.decode(frame)
    }

    @Test func badFramesCloseOnlyTheirConnection() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let before = try master.status()
        // A client on the peer port.
        let client = try WireConnection(port: master.peerPort)
        client.send(Hello(role: .client, metaID: .unknown, epoch: .zero, client: ClientHello(clientVersion: "t", mountPath: "/")).encode())
        #expect(client.isClosedByMaster())
        // A header announcing more than the frame limit.
        let huge = try WireConnection(port: master.peerPort)
        huge.send([0, 0, 0x03, 0xFC] + withUnsafeBytes(of: UInt32(WireLimits.maxFrameLength + 1).bigEndian, Array.init))
        #expect(huge.isClosedByMaster())
        // An acknowledgement instead of the register.
        let (early, _) = try Self.hello(master)
        early.send(PeerAck(version: MetaVersion(1)).encode())
        #expect(early.isClosedByMaster())
        // An acknowledgement of a version never sent.
        let (liar, _) = try Self.hello(master)
        guard case .stream = try Self.start(liar, lastVersion: before.version.asMetaVersion) else {
            Issue.record("no stream for a peer that holds everything")
            return
        }
        liar.send(PeerAck(version: MetaVersion(before.version + 1_000)).encode())
        #expect(liar.isClosedByMaster())
        // Random bytes after a hello.
        var rng = SeededRandom(seed: 9)
        for _ in 0..<50 {
            let (c, _) = try Self.hello(master)
            c.send((0..<Int(rng.next() % 64 + 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            _ = c.isClosedByMaster()
        }
        let after = try master.status()
        #expect(after.version == before.version && after.healthy && after.role == "active" && after.peers.isEmpty)
        for reason in ["wrong port", "frame of", "which was never sent", "where a peer register was expected"] {
            #expect(master.log.contains(reason), "no log line saying \(reason)")
        }
    }

    @Test func peersThatMustNotFollowAreRefusedWithTheirReason() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let status = try master.status()
        let (other, reply) = try Self.hello(master, metaID: MetaID(0xDEAD))
        #expect(reply.role == .active)
        guard case .refused(.wrongMetaID, let reason) = try Self.start(other, lastVersion: MetaVersion(5)) else {
            Issue.record("a peer of another cluster was not refused")
            return
        }
        #expect(reason.contains("000000000000dead"))
        let (ahead, _) = try Self.hello(master, metaID: reply.metaID)
        guard case .refused(_, let why) = try Self.start(ahead, lastVersion: MetaVersion(status.version + 10)) else {
            Issue.record("a peer ahead of the master was not refused")
            return
        }
        #expect(why.contains("lost changes"))
        let (fresh, _) = try Self.hello(master, metaID: .unknown)
        guard case .download(let version, let length) = try Self.start(fresh, lastVersion: .zero) else {
            Issue.record("a new peer was not told to download")
            return
        }
        #expect(version.rawValue == status.version && length > 0)
    }

    /// DESIGN §7.6: a peer that has seen a higher epoch tells this master it is stale; it fences
    /// itself and takes no write from then on.
    @Test func aPeerWithAHigherEpochFencesTheMaster() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let (c, reply) = try Self.hello(master, role: .follower, metaID: .unknown, epoch: Epoch(3))
        #expect(reply.epoch == .zero)
        guard case .refused(.staleEpoch, _) = try Self.start(c, lastVersion: MetaVersion(1), tailEpoch: Epoch(3)) else {
            Issue.record("a peer of a higher epoch was not refused as stale")
            return
        }
        #expect(eventually { (try? master.status().role) == "fenced" })
        let client = try master.connect()
        _ = try client.open()
        #expect(try client.call(.mkdir(client.newID(), rootCaller, parent: .root, name: "no", mode: 0o755)).wireStatus == .notActive)
        #expect(master.log.contains("fenced"))
        // A fenced master takes over again only when forced.
        let (refused, why) = try master.post("/promote")
        #expect(refused == 409 && why.contains("fenced"), "\(why)")
        #expect(try master.post("/promote?force=1").0 == 200)
        // Forced, it still begins an epoch above every one it was shown (3).
        #expect(try master.status().role == "active" && master.status().epoch == 4)
    }
}

extension UInt64 {
    fileprivate var asMetaVersion: MetaVersion { MetaVersion(self) }
}
