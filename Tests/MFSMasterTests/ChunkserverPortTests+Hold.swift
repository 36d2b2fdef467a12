import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseWire
import Testing

extension ChunkserverPortTests {
    /// Issue 14's "enough chunkservers" at a master that just became active: a new chunk of goal 2
    /// waits (at most WRITE_HOLD_TIME) while fewer than 2 of the chunkservers the metadata knows
    /// have registered again, and goes on, on both, as soon as the second one has.
    @Test func aNewChunkWaitsForAsManyChunkserversAsItsGoalAfterARestart() throws {
        let (master, port) = try Self.master(["WRITE_HOLD_TIME": "20"])
        let second = ChunkserverAddress(10, 0, 0, 2, port: 9422)
        let firstA = try FakeChunkserver(port: port)
        let firstB = try FakeChunkserver(port: port, address: second)
        let idA = try firstA.register().chunkserverID
        let idB = try firstB.register().chunkserverID
        #expect(idA != idB)
        #expect(try eventually { try master.status().chunkservers == 2 })
        _ = master.stop()
        try master.start()
        let a = try FakeChunkserver(port: port)
        _ = try a.register(id: idA)
        let (client, inode) = try Self.openFile(master)
        let write = client.newID()
        client.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        // One of two registered: held, no chunk created yet.
        let early = try a.awaitCommand(seconds: 1) { if case .create(let c) = $0 { c } else { nil } }
        #expect(early == nil, "a goal-2 chunk was created with one chunkserver while the other could still register")
        let b = try FakeChunkserver(port: port, address: second)
        _ = try b.register(id: idB)
        let onA = try #require(try a.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        let onB = try #require(try b.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        #expect(onA.chunkID == onB.chunkID)
        a.send(ChunkCommandStatus(command: .create, chunkID: onA.chunkID, status: .ok))
        b.send(ChunkCommandStatus(command: .create, chunkID: onB.chunkID, status: .ok))
        guard case .chunkLocation(write, let location) = try #require(try client.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the held write")
            return
        }
        #expect(Set(location.servers) == [a.address, second])
    }
}
