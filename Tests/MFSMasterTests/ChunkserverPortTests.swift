import Foundation
import MFSCore
import MFSStatus
import MFSTestSupport
import MFSWire
import MooseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Port 9420 of a real `mfsmaster` process, driven by `FakeChunkserver` (MooseWire over a
/// blocking socket) and a native client on 9421.
@Suite struct ChunkserverPortTests {
    /// A lone master with its chunkserver port on loopback, no start-up delays.
    static func master(_ extra: [String: String] = [:]) throws -> (MasterProcess, Int) {
        let port = freePort()
        var settings = [
            "MATOCS_LISTEN_HOST": "127.0.0.1", "MATOCS_LISTEN_PORT": "\(port)", "REPLICATIONS_DELAY_INIT": "0",
            "WRITE_HOLD_TIME": "0",
        ]
        settings.merge(extra) { $1 }
        let master = try MasterProcess(settings: settings)
        try master.start()
        return (master, port)
    }

    @Test func registrationIsPacedAndNothingComesBeforeTheBeginIsAnswered() throws {
        let (master, port) = try Self.master()
        let server = try FakeChunkserver(port: port)
        usleep(1_500_000)
        #expect(try server.connection.framesNow().isEmpty, "the master spoke before BEGIN")
        let chunks = (1...5).map { ListedChunk(chunkID: ChunkID(UInt64(1_000_000 + $0)), version: 1) }
        let accepted = try server.register(chunks: chunks, perPacket: 2)
        #expect(accepted.chunkserverID == ChunkserverID(1))
        #expect(accepted.version == .v3_0_117)
        #expect(accepted.metaID?.hex == (try master.status()).metaid)
        usleep(300_000)
        #expect(try server.connection.framesNow().isEmpty, "END must not be answered")
        #expect(
            try eventually {
                let status = try master.status()
                return status.chunkserverList?.first?.state == "registered" && status.chunkservers == 1
            })
        let listed = try #require(try master.status().chunkserverList?.first)
        #expect(listed.address == "10.0.0.1:9422" && listed.totalBytes == 100 << 30 && listed.usedBytes == 1 << 30)
        #expect(listed.chunks == 5)
    }

    @Test func authCodeRightAndWrong() throws {
        let (master, port) = try Self.master(["AUTH_CODE": "secretpw"])
        let good = try FakeChunkserver(port: port)
        #expect(try good.register(authCode: "secretpw").chunkserverID == ChunkserverID(1))
        let bad = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 2, port: 9422))
        #expect(throws: (any Error).self) { try bad.register(authCode: "wrong") }
        #expect(bad.connection.isClosedByMaster())
        #expect(master.log.contains("AUTH_CODE answer is wrong"))
        #expect(try master.status().chunkservers == 1)
    }

    @Test func chunkserverIDSurvivesARestart() throws {
        let (master, port) = try Self.master()
        do {
            let first = try FakeChunkserver(port: port)
            #expect(try first.register().chunkserverID == ChunkserverID(1))
            let second = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 2, port: 9422))
            #expect(try second.register().chunkserverID == ChunkserverID(2))
        }
        #expect(master.stop() == 0)
        #expect(try master.dumpedNamespace().chunkservers[ChunkserverID(2)] == ChunkserverAddress(10, 0, 0, 2, port: 9422))
        try master.start()
        // The second comes back knowing its id; the first lost its id file: found by address.
        let second = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 2, port: 9422))
        #expect(try second.register(id: ChunkserverID(2)).chunkserverID == ChunkserverID(2))
        let first = try FakeChunkserver(port: port)
        #expect(try first.register().chunkserverID == ChunkserverID(1))
        let third = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 3, port: 9422))
        #expect(try third.register().chunkserverID == ChunkserverID(3))
    }

    /// A native client writes a new file: the master creates the chunk on the chunkserver and
    /// answers with the chain; a read then finds it there; stale copies elsewhere are deleted,
    /// copies of chunks the master does not know are left alone.
    @Test func writeCreatesReadFindsStaleIsDeletedUnknownIsKept() throws {
        let (master, port) = try Self.master()
        let server = try FakeChunkserver(port: port)
        try server.register(on: master)
        let client = try master.connect()
        _ = try client.open()
        let created = try client.call(.mknod(client.newID(), rootCaller, parent: .root, name: "f", type: .file, mode: 0o644, rdev: 0))
        let inode = try #require(created.attributes).inode
        #expect(try client.call(.open(client.newID(), rootCaller, inode: inode, flags: [.read, .write])).wireStatus == .ok)
        // A read of a hole: chunk 0, no servers.
        let hole = try client.call(.readChunk(client.newID(), inode: inode, index: 0))
        #expect(hole == .chunkLocation(hole.requestID, ChunkLocation(access: .read, fileLength: 0, chunk: .none, version: 0, servers: [])))

        let write = client.newID()
        client.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        let create = try #require(try server.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        #expect(create.version == 1)
        server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok))
        let chain = try #require(try client.receive().map(MasterReply.decode))
        #expect(
            chain
                == .chunkLocation(
                    write, ChunkLocation(access: .write, fileLength: 0, chunk: create.chunkID, version: 1, servers: [server.address])))
        let end = try client.call(.writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: create.chunkID, length: 70_000))
        #expect(end.wireStatus == .ok)
        #expect(try client.call(.getAttributes(client.newID(), inode: inode)).attributes?.length == 70_000)
        let read = try client.call(.readChunk(client.newID(), inode: inode, index: 0))
        #expect(
            read
                == .chunkLocation(
                    read.requestID,
                    ChunkLocation(access: .read, fileLength: 70_000, chunk: create.chunkID, version: 1, servers: [server.address])))

        // A second chunkserver with a stale copy and a chunk from elsewhere.
        let unknown = ChunkID(5_000_000)
        let stale = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 2, port: 9422))
        try stale.register(chunks: [ListedChunk(chunkID: create.chunkID, version: 7), ListedChunk(chunkID: unknown, version: 1)])
        var deleted: [ChunkID] = []
        _ = try stale.awaitCommand(seconds: 8) { message -> Bool? in
            if case .delete(let d) = message {
                deleted.append(d.chunkID)
                stale.send(ChunkCommandStatus(command: .delete, chunkID: d.chunkID, status: .ok))
                if d.chunkID == create.chunkID { return true }
            }
            return nil
        }
        #expect(deleted == [create.chunkID])
        #expect(
            try eventually(5) {
                let status = try master.status()
                // Goal 2 (the default): one valid copy is under goal, not missing.
                return status.chunks?.total == 1 && status.chunks?.missing == 0
            })
    }

    @Test func statusShowsTheRegistryInMfscli() throws {
        let (master, port) = try Self.master()
        let server = try FakeChunkserver(port: port)
        try server.register()
        #expect(try eventually { try master.status().chunkserverList?.first?.state == "registered" })
        let output = try runBinary("mfscli", ["-H", "127.0.0.1:\(master.statusPort)"]).out
        #expect(output.contains("chunkserver") && output.contains("10.0.0.1:9422 registered"), "\(output)")
        #expect(output.contains("chunks"))
        let metrics = try StatusClient.get(host: "127.0.0.1", port: master.statusPort, path: "/metrics", timeout: 5)
        #expect(String(decoding: metrics.1, as: UTF8.self).contains("mfs_master_chunkservers 1"))
    }

    @Test func aFollowerRedirectsToTheActiveMaster() throws {
        let active = try MasterProcess.active(syncReplicas: 0)
        try active.start()
        let port = freePort()
        let follower = try MasterProcess.follower(
            of: active.peerPort, extra: ["MATOCS_LISTEN_HOST": "127.0.0.1", "MATOCS_LISTEN_PORT": "\(port)"])
        try follower.start()
        #expect(try eventually { try follower.status().role == "follower" })
        let server = try FakeChunkserver(port: port)
        server.send(server.begin())
        let answer = try server.receive(nops: true)
        #expect(answer == .ack(.redirect(ipv4: 0x7F00_0001)))
        #expect(server.connection.isClosedByMaster())
        // Only the active master keeps a chunk registry: a follower shows no chunk side (its
        // chunks would all count as missing), the active master does.
        let status = try follower.status()
        #expect(status.chunkservers == 0 && status.chunkserverList == nil && status.chunks == nil, "\(status)")
        #expect(try active.status().chunks != nil)
    }

    @Test func badInputClosesThatConnectionOnly() throws {
        let (master, port) = try Self.master()
        let version = try master.status().version
        var random = SeededRandom(seed: 0x9420)
        let garbage: [[UInt8]] = [
            (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) },
            [0, 0, 0, 100, 0, 0, 0, 4, 60, 0, 0, 0],  // BEGIN of 4 bytes
            [0, 0, 0, 100, 0xFF, 0xFF, 0xFF, 0xFF],  // a 4 GiB frame announced
            ChunkserverRegister.chunks([ListedChunk(chunkID: ChunkID(1), version: 1)]).encode(),  // CHUNKS before BEGIN
            SpaceMessage(SpaceReport(normal: .zero)).encode(),  // a report before BEGIN
        ]
        for bytes in garbage {
            let server = try FakeChunkserver(port: port)
            server.connection.send(bytes)
            #expect(server.connection.isClosedByMaster(), "\(bytes.prefix(12))")
        }
        // END before BEGIN, then a second BEGIN after registering.
        let twice = try FakeChunkserver(port: port)
        try twice.register()
        twice.send(twice.begin())
        #expect(twice.connection.isClosedByMaster())
        #expect(master.isRunning)
        #expect(master.log.contains("closing chunkserver connection"))
        // Only the one good registration changed the metadata (its CHUNKSERVER record).
        #expect(try master.status().version <= version + 1)
        let good = try FakeChunkserver(port: port, address: ChunkserverAddress(10, 0, 0, 9, port: 9422))
        #expect(try good.register().chunkserverID == ChunkserverID(2))
    }
}
