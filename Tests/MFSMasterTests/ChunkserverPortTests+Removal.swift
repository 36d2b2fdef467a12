import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseWire
import Testing

/// `mfscli remove-chunkserver ID` (`POST /remove-chunkserver/ID`): a chunkserver gone for good
/// leaves the metadata and the registry, so a restarted or promoted master no longer waits for
/// it and a chunk only it held reads as lost; refusals name what is wrong.
extension ChunkserverPortTests {
    @Test func aChunkserverGoneForGoodIsRemovedAndStaysRemovedAfterARestart() throws {
        let (master, port) = try Self.master(["WRITE_HOLD_TIME": "1"])
        let (a, b, idA, idB) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)
        let chunk = try Self.writeOnBoth(client, inode, a, b)
        /// `mfscli remove-chunkserver` against the master's status port (a new one each start).
        func remove(_ id: String) throws -> (status: Int32, output: String) {
            try runToEnd(MasterProcess.binaryPath("mfscli"), ["-H", "127.0.0.1:\(master.statusPort)", "remove-chunkserver", id])
        }
        func states() throws -> [Int: String] {
            Dictionary(uniqueKeysWithValues: (try master.status().chunkserverList ?? []).map { ($0.id, $0.state) })
        }

        // B is gone; after a restart the metadata still names it: "not seen".
        _ = master.stop()
        try master.start()
        let a2 = try FakeChunkserver(port: port)
        _ = try a2.register(id: idA, chunks: [ListedChunk(chunkID: chunk, version: 1)])
        #expect(try eventually { try states() == [Int(idA.rawValue): "registered", Int(idB.rawValue): "not seen"] })

        let connected = try remove("\(idA.rawValue)")
        #expect(connected.status == 1 && connected.output.contains("is connected: stop it first"), "\(connected)")
        let unknown = try remove("999")
        #expect(unknown.status == 1 && unknown.output.contains("no chunkserver 999 is known"), "\(unknown)")
        let malformed = try remove("0")
        #expect(malformed.status == 2 && malformed.output.contains("needs a chunkserver id (1-65535)"), "\(malformed)")
        let removed = try remove("\(idB.rawValue)")
        #expect(removed.status == 0 && removed.output.contains("chunkserver removed"), "\(removed)")
        #expect(try states() == [Int(idA.rawValue): "registered"])
        #expect(master.log.contains("chunkserver removed"))

        // Gone from the metadata too: the next start does not list or expect it, and a read
        // finds the copy on A at once.
        _ = master.stop()
        try master.start()
        let a3 = try FakeChunkserver(port: port)
        _ = try a3.register(id: idA, chunks: [ListedChunk(chunkID: chunk, version: 1)])
        #expect(try eventually { try states() == [Int(idA.rawValue): "registered"] })
        let again = try master.connect()
        _ = try again.open()
        guard case .chunkLocation(_, let location) = try again.call(.readChunk(again.newID(), inode: inode, index: 0)) else {
            Issue.record("no location for the chunk on A")
            return
        }
        #expect(location.servers == [a3.address])
    }
}
