import Foundation
import MFSCore
import MFSMaster
import MFSTestSupport
import MFSWire
import Testing

/// The peer port (9419) holds at most `PeerServerLimits.maxConnections` connections: one past
/// them is closed at once with a logged reason, and a place freed is taken again.
@Suite struct PeerPortLimitTests {
    @Test func aConnectionPastTheLimitIsClosedAndAFreedPlaceIsTakenAgain() throws {
        let master = try MasterProcess.active(syncReplicas: 0)
        try master.start()
        let status = try master.status()
        let metaID = MetaID(try #require(UInt64(status.metaid, radix: 16)))
        let hello = Hello(role: .metalogger, metaID: metaID, epoch: Epoch(status.epoch)).encode()
        /// Whether a new connection is answered a hello (not closed).
        func answered(_ c: WireConnection) -> Bool {
            c.setTimeout(10)
            c.send(hello)
            return (try? c.receive()).flatMap { $0 } != nil
        }
        // A lone master: nothing else holds a place on its peer port.
        var open: [WireConnection] = []
        for n in 0..<PeerServerLimits.maxConnections {
            let c = try WireConnection(port: master.peerPort)
            #expect(answered(c), "connection \(n + 1) of \(PeerServerLimits.maxConnections) was not answered")
            open.append(c)
        }
        let past = try WireConnection(port: master.peerPort)
        past.setTimeout(10)
        #expect(past.isClosedByMaster(), "a connection past the limit stayed open")
        #expect(
            eventually { master.log.contains("too many peer connections (limit \(PeerServerLimits.maxConnections))") },
            "\(master.log.suffix(2_000))")
        // One hangs up: a new connection takes its place.
        open.removeFirst()
        #expect(eventually(10) { (try? WireConnection(port: master.peerPort)).map(answered) == true })
        #expect(master.isRunning)
    }
}
