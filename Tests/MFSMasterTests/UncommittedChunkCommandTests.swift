import Foundation
import MFSTestSupport
import MooseClientWire
import MooseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The chunk registry decides deletions on the namespace as applied, which holds changes not yet
/// stored or replicated. A copy deleted for such a change would be gone if this master died
/// before the change was committed: the next master has the file and no copy of its chunk. So
/// those commands wait until the version they were decided on is committed.
@Suite(.serialized) struct UncommittedChunkCommandTests {
    typealias Dialect = MooseClientDialectTests

    @Test func aTruncatedFilesChunkIsNotDeletedBeforeTheTruncateIsStored() throws {
        let (master, metalogger) = try MooseClientRetryWaitTests.masterHeldByOneMetalogger(
            ["REPLICATIONS_DELAY_INIT": "0", "MATOCS_LISTEN_HOST": "127.0.0.1"])
        defer { _ = master.stop() }
        let server = try ChunkserverProcess(masterPort: UInt16(master.chunkserverPort), silence: "3s")
        try server.start()
        defer { server.remove() }
        guard waitUntil(30, { (try? master.status().chunkserverList?.filter { $0.state == "registered" }.count) == 1 }) else {
            Issue.record("the chunkserver did not register:\n\(server.log)")
            return
        }
        let local = master.directory + "/local"
        try Data(repeating: 0x5A, count: 100_000).write(to: URL(fileURLWithPath: local))
        let put = try runBinary("mfs", ["-H", "127.0.0.1:\(master.clientPort)", "-P", "secret", "put", "-q", local, "/f"])
        #expect(put.status == 0, "\(put.err)")
        #expect(server.chunkFiles().count == 1)
        let client = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(client, password: "secret"),
            case .lookup(_, let file, _, _, _) = try Dialect.ask(client, .lookup(1, parent: 1, name: Array("f".utf8), Dialect.root))
        else {
            Issue.record("no session, or no file f")
            return
        }

        // The peer goes: the truncate is applied, and cannot be stored as SYNC_REPLICAS asks.
        metalogger.crash()
        #expect(eventually { (try? master.status().peers.isEmpty) == true }, "the master did not see its peer go")
        client.send(FuseRequest.truncate(2, inode: file, flags: 0, Dialect.root, length: 0).encode())
        // The registry ticks every second; the orphan's deletion went out at the first tick.
        #expect(Self.answer(client, within: 3) == nil, "the truncate was answered without its peer")
        #expect(server.chunkFiles().count == 1, "the chunk was deleted before the truncate that freed it was stored")

        // Stored: the truncate is answered and the copy goes.
        try metalogger.start()
        let answer = Self.answer(client, within: 20)
        guard case .truncate(2, _, _) = answer else {
            Issue.record("the truncate was not answered once stored: \(String(describing: answer))\n\(master.log)")
            return
        }
        #expect(waitUntil(30) { server.chunkFiles().isEmpty }, "the freed chunk was never deleted:\n\(master.log)\n\(server.log)")
        #expect(metalogger.stop() == 0)
    }

    /// The client's next answer within `seconds` (the master's NOPs skipped), a NOP sent every
    /// second meanwhile as mfsmount sends them (a client silent for 10 s is closed); nil if
    /// none came.
    static func answer(_ c: WireConnection, within seconds: Double) -> FuseReply? {
        let deadline = Date().addingTimeInterval(seconds)
        var lastNop = Date.distantPast
        while Date() < deadline {
            if Date().timeIntervalSince(lastNop) >= 1 {
                c.send(FuseRequest.nop(messageID: nil).encode())
                lastNop = Date()
            }
            guard let frames = try? c.framesNow() else { return nil }
            if let frame = frames.first(where: { $0.type.rawValue != 0 }) {
                return try? FuseReply.decode(MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload))
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }
}
