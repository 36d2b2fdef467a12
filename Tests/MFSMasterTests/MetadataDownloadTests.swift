import Foundation
import MFSCore
import MFSMaster
import MFSMetadata
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Peers that download the metadata (DESIGN §6): several at once, and each with bounded memory
/// on the master, however large the metadata and however slowly the peer reads.
@Suite(.serialized) struct MetadataDownloadTests {
    /// A master holding `files` files whose restart left it no changes in memory: every new peer
    /// downloads the metadata.
    static func masterToDownloadFrom(files: Int) throws -> MasterProcess {
        let master = try MasterProcess(settings: ["CHANGELOG_SAVE_MODE": "0", "SYNC_REPLICAS": "0"])
        try master.start()
        let creator = try PipelinedCreator(port: master.clientPort, prefix: "d", window: 64)
        creator.start(limit: files)
        #expect(eventually(120) { creator.isFinished }, "the creator stalled at \(creator.ackedCount)")
        #expect(master.stop() == 0)
        try master.start()
        return master
    }

    /// The master's resident memory, in bytes.
    static func residentBytes(_ master: MasterProcess) -> Int {
        let pid = master.process!.processIdentifier
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test func twoPeersDownloadingAtOnceBothFollow() throws {
        let master = try Self.masterToDownloadFrom(files: 20_000)
        let first = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        let second = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        try first.start()
        try second.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 2), "\(String(describing: try? master.status()))")
        #expect(master.log.components(separatedBy: "sending the metadata first").count - 1 == 2)
        let c = try master.connect()
        _ = try c.open()
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "after", mode: 0o755)).wireStatus == .ok)
        #expect(eventually { (try? master.status().peers.allSatisfy { $0.lag == 0 }) == true })
        #expect(master.stop() == 0)
        let served = try NamespaceSignature(master.dumpedNamespace())
        for metalogger in [first, second] {
            #expect(metalogger.stop() == 0)
            #expect(try NamespaceSignature(metalogger.restored()) == served)
        }
    }

    /// Peers that register, are sent the metadata and read none of it: each costs the master
    /// about `PeerServerLimits.downloadBufferedBytes`, not the metadata's size; at most
    /// `PeerServerLimits.maxDownloads` are under way at once, and a peer past them is refused
    /// with `EAGAIN` (it retries), until one of them ends.
    @Test func aPeerThatReadsNothingCostsTheMasterAtMostTheLimit() throws {
        let master = try Self.masterToDownloadFrom(files: 200_000)
        // One whole download first, so what every download needs once is in the baseline.
        let metalogger = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 1))
        let metadataBytes = try FileManager.default.attributesOfItem(atPath: master.dataPath + "/metadata.mfs")[.size] as? Int ?? 0
        usleep(500_000)
        let before = Self.residentBytes(master)
        let stalled = PeerServerLimits.maxDownloads
        func downloader() throws -> WireConnection {
            let peer = try WireConnection(port: master.peerPort)
            peer.send(Hello(role: .metalogger, metaID: .unknown, epoch: .zero).encode())
            peer.send(PeerRegister(lastVersion: .zero, tailEpoch: .zero).encode())
            return peer
        }
        var peers = try (0..<stalled).map { _ in try downloader() }
        // Sending has begun on every one: its socket holds the first blocks.
        var peek = [UInt8](repeating: 0, count: 256 * 1024)
        let started = eventually(60) {
            peers.allSatisfy { peer in
                peek.withUnsafeMutableBytes { recv(peer.fd, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_DONTWAIT)) } >= 16 * 1024
            }
        }
        #expect(started, "the downloads did not start")
        usleep(1_000_000)
        let grown = Self.residentBytes(master) - before
        let limit = stalled * PeerServerLimits.downloadBufferedBytes + 16 << 20
        print("metadata download: \(metadataBytes) bytes of metadata; \(stalled) stalled peers grew the master by \(grown) bytes")
        #expect(metadataBytes > 8 << 20, "the metadata is too small to tell")
        #expect(grown < limit, "\(stalled) peers that read nothing cost the master \(grown) bytes (limit \(limit))")
        // One more: refused with EAGAIN while the others hold every place.
        func start(of peer: WireConnection) throws -> PeerStart? {
            _ = try #require(try peer.receive(), "no hello reply")
            return try peer.receive().map { try PeerStart.decode($0) }
        }
        let refused = try downloader()
        guard case .refused(.tryAgain, let reason) = try start(of: refused) else {
            Issue.record("a download past the limit was not refused with EAGAIN")
            return
        }
        #expect(reason.contains("\(PeerServerLimits.maxDownloads) metadata downloads are under way"), "\(reason)")
        #expect(refused.isClosedByMaster())
        // One of them ends (the peer hangs up): the next peer is sent the metadata.
        peers.removeFirst()
        let restarted = eventually(10) {
            guard let peer = try? downloader(), case .download? = try? start(of: peer) else { return false }
            peers.append(peer)
            return true
        }
        #expect(restarted, "after a download ended, no next peer was sent the metadata")
        #expect(metalogger.stop() == 0)
    }
}
