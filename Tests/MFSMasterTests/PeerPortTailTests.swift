import Foundation
import MFSCore
import MFSMaster
import MFSTestSupport
import MFSWire
import Testing

/// A candidate's tail requests on the peer port (DESIGN §7.2) are served one after the other:
/// each reads the changelogs it covers, so a connection may have at most
/// `PeerServerLimits.maxTailsQueued` waiting; past that it is closed with a reason.
@Suite struct PeerPortTailTests {
    @Test func tailsAreServedOneAtATimeAndTooManyWaitingCloseTheConnection() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let status = try master.status()
        let metaID = MetaID(try #require(UInt64(status.metaid, radix: 16)))
        let through = MetaVersion(status.version)
        let c = try WireConnection(port: master.peerPort)
        c.setTimeout(10)
        c.send(Hello(role: .master, metaID: metaID, epoch: Epoch(status.epoch)).encode())
        _ = try #require(try c.receive(), "no hello reply")
        let request = TailRequest(after: .zero, afterEpoch: .zero, through: through).encode()
        // One request: answered, ending with its TailEnd.
        c.send(request)
        var ended: TailEnd?
        while ended == nil, let frame = try c.receive() {
            if frame.type == VoteMessages.tailEnd { ended = try TailEnd.decode(frame) }
        }
        #expect(ended != nil, "no tail end")
        // Ten at once: one is read, four wait, the sixth closes the connection.
        c.send(Array([[UInt8]](repeating: request, count: 10).joined()))
        #expect(c.isClosedByMaster())
        #expect(
            eventually { master.log.contains("more than \(PeerServerLimits.maxTailsQueued) tail requests waiting") },
            "\(master.log.suffix(2_000))")
        #expect(master.isRunning)
    }
}
