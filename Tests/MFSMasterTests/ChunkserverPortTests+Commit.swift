import Foundation
import MFSCore
import MFSMetadata
import MFSTestSupport
import MFSWire
import MooseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A chunkserver never holds a chunk or a version that no committed metadata names, and what a
/// failover leaves behind (a committed chunk never created, a copy whose server is away) is
/// answered so that clients retry, never with a final EIO (docs/CHUNK-REGISTRY.md).
extension ChunkserverPortTests {
    /// The master's one `SYNC_REPLICAS` peer, a metalogger, is stopped (SIGSTOP): a new chunk's
    /// `ADDCHUNK` and a write's `INCVERSION` are stored but not committed, and their commands
    /// (create, set-version) stay unsent until the peer holds the change.
    @Test func createAndSetVersionGoOutOnlyOnceTheirChangeIsCommitted() throws {
        let port = freePort()
        let master = try MasterProcess.active(
            syncReplicas: 1,
            extra: [
                "MATOCS_LISTEN_HOST": "127.0.0.1", "MATOCS_LISTEN_PORT": "\(port)", "REPLICATIONS_DELAY_INIT": "0",
                "WRITE_HOLD_TIME": "0", "SYNC_TIMEOUT": "60s",
            ])
        try master.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [master.peerPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 1))
        let pid = try #require(metalogger.process?.processIdentifier)
        defer { kill(pid, SIGCONT) }
        let (a, b, _, _) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)

        #expect(freeze(pid), "the metalogger did not stop")
        let write = client.newID()
        client.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        let early = try a.awaitCommand(seconds: 1) { if case .create(let c) = $0 { c } else { nil } }
        #expect(early == nil, "a create went out before its ADDCHUNK was committed")
        kill(pid, SIGCONT)
        let onA = try #require(try a.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        let onB = try #require(try b.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        #expect(onA.chunkID == onB.chunkID && onA.version == 1)
        for server in [a, b] { server.send(ChunkCommandStatus(command: .create, chunkID: onA.chunkID, status: .ok)) }
        guard case .chunkLocation(write, let first) = try #require(try client.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the first write")
            return
        }
        #expect(first.version == 1 && first.servers.count == 2)
        #expect(
            try client.call(.writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: onA.chunkID, length: 70_000)).wireStatus == .ok)

        // The write went to two servers, so the next one bumps the version first.
        #expect(freeze(pid), "the metalogger did not stop")
        let second = client.newID()
        client.send(ClientRequest.writeChunk(second, rootCaller, inode: inode, index: 0).encode())
        let earlyBump = try a.awaitCommand(seconds: 1) { if case .setVersion(let s) = $0 { s } else { nil } }
        #expect(earlyBump == nil, "a set-version went out before its INCVERSION was committed")
        kill(pid, SIGCONT)
        let bumpA = try #require(try a.awaitCommand { if case .setVersion(let s) = $0 { s } else { nil } })
        let bumpB = try #require(try b.awaitCommand { if case .setVersion(let s) = $0 { s } else { nil } })
        #expect(bumpA.newVersion == 2 && bumpA.oldVersion == 1 && bumpB.newVersion == 2)
        for server in [a, b] { server.send(ChunkCommandStatus(command: .setVersion, chunkID: onA.chunkID, status: .ok)) }
        guard case .chunkLocation(second, let bumped) = try #require(try client.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the second write")
            return
        }
        #expect(bumped.version == 2)
    }

    /// A chunk whose `ADDCHUNK` was committed while no chunkserver ever created it (the master
    /// died with its creates unsent): after the restart, with every chunkserver registered, the
    /// retried write creates it afresh at the same id instead of failing as a lost chunk.
    @Test func aChunkCommittedButNeverCreatedIsCreatedForTheRetriedWrite() throws {
        let (master, port) = try Self.master()
        let first = try FakeChunkserver(port: port)
        let id = try first.register(on: master).chunkserverID
        let (client, inode) = try Self.openFile(master)
        client.send(ClientRequest.writeChunk(client.newID(), rootCaller, inode: inode, index: 0).encode())
        // The create is never carried out.
        let lost = try #require(try first.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        try Self.expectCreatedAgain(lost.chunkID, master, port: port, id: id, inode: inode)
        #expect(master.log.contains("past the file's end: created again at version 2"))
    }

    /// The same with a chunkserver the metadata names still away (its host died with the
    /// master): it may hold a copy with blocks a client already had acknowledged (mfsmount drops
    /// them from its cache before its end of write), so the write is told "chunkserver not
    /// present" after the write hold, and retries; once that server is back without the chunk,
    /// the chunk is created afresh.
    @Test func aChunkCommittedButNeverCreatedWaitsForAnAwayChunkserver() throws {
        let (master, port) = try Self.master(["WRITE_HOLD_TIME": "1"])
        let (a, b, idA, idB) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)
        client.send(ClientRequest.writeChunk(client.newID(), rootCaller, inode: inode, index: 0).encode())
        let lost = try #require(try a.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        _ = try #require(try b.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        let (a2, again) = try Self.restartWithOne(master, port: port, id: idA, inode: inode)
        #expect(try again.call(.writeChunk(again.newID(), rootCaller, inode: inode, index: 0)).wireStatus == .chunkserverAbsent)
        let b2 = try FakeChunkserver(port: port, address: Self.second)
        _ = try b2.register(id: idB)
        #expect(try eventually { try master.status().chunkserverList?.filter { $0.state == "registered" }.count == 2 })
        let write = again.newID()
        again.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        let create = try #require(try a2.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        #expect(create.chunkID == lost.chunkID && create.version == 2)
    }

    /// A new chunk whose only copy is reported lost before the write's end: the retried write
    /// gets "chunk lost", never a fresh empty chunk. The client may have had blocks acknowledged
    /// by that copy and dropped them; a fresh chunk would make them zeros that its end of write
    /// then counts as written.
    @Test func aChunkThatLostItsOnlyCopyIsNeverCreatedAfresh() throws {
        let (master, port) = try Self.master()
        let server = try FakeChunkserver(port: port)
        _ = try server.register(on: master)
        let (client, inode) = try Self.openFile(master)
        let write = client.newID()
        client.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        let create = try #require(try server.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok))
        guard case .chunkLocation(write, _) = try #require(try client.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the write")
            return
        }
        server.send(ChunkIDReport(.lost, chunkIDs: [create.chunkID]))
        #expect(try eventually { try master.status().chunks?.missing == 1 })
        // The client gives the failed write up (nothing counted: the length stays 0) and asks again.
        let end = try client.call(.writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: create.chunkID, length: 0))
        #expect(end.wireStatus == .ok)
        let retried = try client.call(.writeChunk(client.newID(), rootCaller, inode: inode, index: 0)).wireStatus
        #expect(retried == .chunkLost, "\(String(describing: retried))")
        #expect(try server.awaitCommand(seconds: 1) { if case .create(let c) = $0 { c } else { nil } } == nil)
    }

    /// Restarts the master; one chunkserver (id `id`) registers with no chunk, and a new session
    /// opens `inode` for writing: that chunkserver and the session's connection.
    static func restartWithOne(_ master: MasterProcess, port: Int, id: ChunkserverID, inode: InodeID) throws -> (
        FakeChunkserver, WireConnection
    ) {
        _ = master.stop()
        try master.start()
        let server = try FakeChunkserver(port: port)
        _ = try server.register(id: id)
        let again = try master.connect()
        _ = try again.open()
        #expect(try again.call(.open(again.newID(), rootCaller, inode: inode, flags: [.read, .write])).wireStatus == .ok)
        return (server, again)
    }

    /// Restarts the master with one chunkserver (id `id`) registering with no chunk, and checks
    /// that a write to `inode`'s first chunk, `chunk`, creates it afresh there at version 2 (a
    /// copy made at the old version that turns up later is stale) and gets that chain.
    static func expectCreatedAgain(_ chunk: ChunkID, _ master: MasterProcess, port: Int, id: ChunkserverID, inode: InodeID) throws {
        let (server, again) = try restartWithOne(master, port: port, id: id, inode: inode)
        let write = again.newID()
        again.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: 0).encode())
        let create = try #require(try server.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        #expect(create.chunkID == chunk && create.version == 2)
        server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok))
        guard case .chunkLocation(write, let location) = try #require(try again.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the retried write")
            return
        }
        #expect(location.chunk == chunk && location.version == 2 && location.servers == [server.address])
    }

    /// A written chunk whose only copies are on a chunkserver that has not come back: reads and
    /// writes are told "chunkserver not present" (MooseFS CSNOTPRESENT, which mfsmount retries)
    /// after the write hold, not EIO; once every chunkserver is back without it, "chunk lost",
    /// and a write never creates it afresh (its bytes were acknowledged).
    @Test func aWrittenChunkWhoseServerIsAwayIsAbsentThenLost() throws {
        let (master, port) = try Self.master(["WRITE_HOLD_TIME": "1"])
        let (a, b, idA, idB) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)
        _ = try Self.writeOnBoth(client, inode, a, b)

        _ = master.stop()
        try master.start()
        // A comes back without the chunk; B, which the metadata names, is away.
        let a2 = try FakeChunkserver(port: port)
        _ = try a2.register(id: idA)
        let again = try master.connect()
        _ = try again.open()
        #expect(try again.call(.open(again.newID(), rootCaller, inode: inode, flags: [.read, .write])).wireStatus == .ok)
        #expect(try again.call(.readChunk(again.newID(), inode: inode, index: 0)).wireStatus == .chunkserverAbsent)
        #expect(try again.call(.writeChunk(again.newID(), rootCaller, inode: inode, index: 0)).wireStatus == .chunkserverAbsent)
        let b2 = try FakeChunkserver(port: port, address: Self.second)
        _ = try b2.register(id: idB)
        #expect(try eventually { try master.status().chunkserverList?.filter { $0.state == "registered" }.count == 2 })
        #expect(try again.call(.readChunk(again.newID(), inode: inode, index: 0)).wireStatus == .chunkLost)
        #expect(try again.call(.writeChunk(again.newID(), rootCaller, inode: inode, index: 0)).wireStatus == .chunkLost)
    }
}

extension ChunkserverPortTests {
    /// `INCVERSION` committed but its set-version never carried out (the master died between
    /// the two): after the restart every copy is one version behind the namespace. A read asks
    /// again (CHUNKBUSY) while the copies are moved up (and cut to the file's end: which change
    /// it was, a write's or a truncate's, is not known), then finds them.
    @Test func copiesOneVersionBehindAreMovedUpWhenAClientAsks() throws {
        let (master, port) = try Self.master()
        let (a, b, idA, idB) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)
        let chunk = try Self.writeOnBoth(client, inode, a, b)
        // The second write bumps to version 2; neither chunkserver carries it out.
        client.send(ClientRequest.writeChunk(client.newID(), rootCaller, inode: inode, index: 0).encode())
        _ = try #require(try a.awaitCommand { if case .setVersion(let s) = $0 { s } else { nil } })
        let (a2, b2, again) = try Self.restart(master, port: port, ids: (idA, idB), holding: ListedChunk(chunkID: chunk, version: 1))
        #expect(try again.call(.readChunk(again.newID(), inode: inode, index: 0)).wireStatus == .chunkBusy)
        // The file ends inside the chunk: the copies are cut to its 70,000 bytes as they move up.
        for server in [a2, b2] {
            let up = try #require(try server.awaitCommand { if case .truncate(let t) = $0 { t } else { nil } })
            #expect(up.chunkID == chunk && up.length == 70_000 && up.newVersion == 2 && up.oldVersion == 1)
            server.send(ChunkCommandStatus(command: .truncate, chunkID: chunk, status: .ok))
        }
        #expect(master.log.contains("every copy is at version 1, the metadata at 2"))
        #expect(try Self.readsChunkZero(again, inode, version: 2, from: [a2.address, b2.address]))
    }
}

extension ChunkserverPortTests {
    /// Copies one version ahead of the metadata (their INCVERSION lost in a failover without
    /// synchronous replicas, here made by the chunkservers reporting version 2 for a chunk the
    /// metadata has at 1): the metadata takes their version, and the file reads from them.
    @Test func copiesOneVersionAheadAreAdoptedWhenAClientAsks() throws {
        let (master, port) = try Self.master()
        let (a, b, idA, idB) = try Self.twoChunkservers(master, port: port)
        let (client, inode) = try Self.openFile(master)
        let chunk = try Self.writeOnBoth(client, inode, a, b)
        let ahead = ListedChunk(chunkID: chunk, version: 2)
        let (a2, b2, again) = try Self.restart(master, port: port, ids: (idA, idB), holding: ahead)
        #expect(try Self.readsChunkZero(again, inode, version: 2, from: [a2.address, b2.address]))
        #expect(master.log.contains("one ahead of the metadata"))
        // A change like any other: after the next restart the metadata has version 2 at once.
        _ = master.stop()
        try master.start()
        let a3 = try FakeChunkserver(port: port)
        _ = try a3.register(id: idA, chunks: [ahead])
        let third = try master.connect()
        _ = try third.open()
        guard case .chunkLocation(_, let location) = try third.call(.readChunk(third.newID(), inode: inode, index: 0)) else {
            Issue.record("the adopted version did not survive the restart")
            return
        }
        #expect(location.version == 2 && location.servers == [a3.address])
    }
}

extension ChunkserverPortTests {
    static let second = ChunkserverAddress(10, 0, 0, 2, port: 9422)

    /// Two fake chunkservers (10.0.0.1 and `second`) registered, with the ids they were given.
    static func twoChunkservers(_ master: MasterProcess, port: Int) throws -> (
        FakeChunkserver, FakeChunkserver, ChunkserverID, ChunkserverID
    ) {
        let a = try FakeChunkserver(port: port)
        let b = try FakeChunkserver(port: port, address: second)
        let idA = try a.register().chunkserverID
        let idB = try b.register().chunkserverID
        #expect(try eventually { try master.status().chunkserverList?.filter { $0.state == "registered" }.count == 2 })
        return (a, b, idA, idB)
    }

    /// Restarts the master; both chunkservers register again (ids `ids`) holding `copy`, and a
    /// new client session is opened: the two chunkservers and the session's connection.
    static func restart(_ master: MasterProcess, port: Int, ids: (ChunkserverID, ChunkserverID), holding copy: ListedChunk) throws
        -> (FakeChunkserver, FakeChunkserver, WireConnection)
    {
        _ = master.stop()
        try master.start()
        let a = try FakeChunkserver(port: port)
        let b = try FakeChunkserver(port: port, address: second)
        _ = try a.register(id: ids.0, chunks: [copy])
        _ = try b.register(id: ids.1, chunks: [copy])
        #expect(try eventually { try master.status().chunkserverList?.filter { $0.state == "registered" }.count == 2 })
        let client = try master.connect()
        _ = try client.open()
        return (a, b, client)
    }

    /// Whether a read of the file's first chunk is answered, within 5 s, at `version` from
    /// exactly `servers`.
    static func readsChunkZero(_ client: WireConnection, _ inode: InodeID, version: UInt32, from servers: Set<ChunkserverAddress>) throws
        -> Bool
    {
        try eventually(5) {
            guard case .chunkLocation(_, let location) = try client.call(.readChunk(client.newID(), inode: inode, index: 0)) else {
                return false
            }
            return location.version == version && Set(location.servers) == servers
        }
    }

    /// A client session with a new file `f` open for writing: the connection and the inode.
    static func openFile(_ master: MasterProcess) throws -> (WireConnection, InodeID) {
        let client = try master.connect()
        _ = try client.open()
        let created = try client.call(.mknod(client.newID(), rootCaller, parent: .root, name: "f", type: .file, mode: 0o644, rdev: 0))
        let inode = try #require(created.attributes).inode
        #expect(try client.call(.open(client.newID(), rootCaller, inode: inode, flags: [.read, .write])).wireStatus == .ok)
        return (client, inode)
    }

    /// The file's first chunk created on `a` and `b` (goal 2) and its write ended at 70,000
    /// bytes: the chunk.
    static func writeOnBoth(_ client: WireConnection, _ inode: InodeID, _ a: FakeChunkserver, _ b: FakeChunkserver) throws -> ChunkID {
        client.send(ClientRequest.writeChunk(client.newID(), rootCaller, inode: inode, index: 0).encode())
        let create = try #require(try a.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        _ = try #require(try b.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        for server in [a, b] { server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok)) }
        _ = try client.receive()
        let end = try client.call(.writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: create.chunkID, length: 70_000))
        #expect(end.wireStatus == .ok)
        return create.chunkID
    }
}

/// A write at the last chunk index a file may have (2³¹ − 1, at 128 PiB − 64 MiB): the master
/// records one entry for it, not a chunk array as long as the index (16 GiB, as MooseFS's
/// master allocates), and the chunk is there after a dump and a restart.
extension ChunkserverPortTests {
    @Test func aWriteAtTheLastChunkIndexCostsTheMasterOneEntry() throws {
        let (master, port) = try Self.master()
        let server = try FakeChunkserver(port: port)
        _ = try server.register(on: master)
        let (client, inode) = try Self.openFile(master)
        let before = MetadataDownloadTests.residentBytes(master)
        let last = NamespaceLimits.maxChunkIndex - 1
        let write = client.newID()
        client.send(ClientRequest.writeChunk(write, rootCaller, inode: inode, index: last).encode())
        let create = try #require(try server.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
        server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok))
        guard case .chunkLocation(write, _) = try #require(try client.receive().map(MasterReply.decode)) else {
            Issue.record("no chain for the write at the last index")
            return
        }
        let length = NamespaceLimits.maxFileLength
        #expect(
            try client.call(.writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: create.chunkID, length: length)).wireStatus
                == .ok)
        #expect(try client.call(.writeChunk(client.newID(), rootCaller, inode: inode, index: last + 1)).wireStatus == .fileTooLarge)
        let grown = MetadataDownloadTests.residentBytes(master) - before
        #expect(grown < 256 << 20, "the master grew by \(grown) bytes for one chunk")
        func listed(_ c: WireConnection) throws -> [ChunkInfo] {
            guard case .chunks(_, let chunks, true) = try c.call(.chunks(c.newID(), inode: inode, firstIndex: 0, maxChunks: 10)) else {
                return []
            }
            return chunks
        }
        #expect(try listed(client).map(\.index) == [last])
        // Dumped at the stop and loaded again.
        #expect(master.stop() == 0)
        #expect(try master.dumpedNamespace().chunks(of: inode).map(\.index) == [last])
        try master.start()
        let again = try master.connect()
        _ = try again.open()
        #expect(try listed(again).map(\.chunk) == [create.chunkID])
        #expect(try again.call(.getAttributes(again.newID(), inode: inode)).attributes?.length == length)
    }
}
