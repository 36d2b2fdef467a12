import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseClientWire
import MooseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the master pushes to mfsmount unasked, at the points MooseFS's master does
/// (matoclserv.c), and a write's end leaving the mtime to the client: two MooseFS sessions over
/// real TCP, one fake chunkserver.
@Suite(.serialized) struct MooseClientNoticeTests {
    typealias Dialect = MooseClientDialectTests
    static let root = FuseCredentials(uid: 0, gids: [0])

    /// The next frame that is not a NOP, decoded, within `seconds`.
    static func next(_ c: WireConnection, seconds: Double = 5) throws -> FuseReply? {
        c.setTimeout(seconds)
        defer { c.setTimeout(20) }
        return try Dialect.receive(c).map { try FuseReply.decode($0) }
    }

    /// WRITE_CHUNK of a file's first chunk, new: each server is asked to create it and says
    /// yes; the writer's chunk (nil, with the issue recorded, if none came).
    static func newChunk(_ c: WireConnection, id: UInt32, inode: UInt32, on servers: [FakeChunkserver]) throws -> FuseReply.ChunkLocation? {
        c.send(FuseRequest.writeChunk(id, inode: inode, index: 0, chunkOpFlags: 0).encode())
        for server in servers {
            let create = try #require(try server.awaitCommand { if case .create(let c) = $0 { c } else { nil } })
            server.send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok))
        }
        guard case .chunk(_, id, _, let location) = try next(c) else {
            Issue.record("no chunk for the writer")
            return nil
        }
        return location
    }

    /// A started master for chunk writes: no peers to wait for, no write hold, replication at
    /// once, its chunkserver port on loopback (for `FakeChunkserver`s).
    static func startedMaster() throws -> MasterProcess {
        let master = try MasterProcess(
            exports: "*  /  rw,alldirs,maproot=0\n",
            settings: ["SYNC_REPLICAS": "0", "WRITE_HOLD_TIME": "0", "REPLICATIONS_DELAY_INIT": "0", "MATOCS_LISTEN_HOST": "127.0.0.1"])
        try master.start()
        return master
    }

    @Test func theOtherHolderIsToldOfWritesAndTruncatesAndAWriteEndKeepsTheMtime() throws {
        let master = try Self.startedMaster()
        let server = try FakeChunkserver(port: master.chunkserverPort)
        try server.register(on: master)
        let writer = try WireConnection(port: master.clientPort)
        let reader = try WireConnection(port: master.clientPort)
        let bystander = try WireConnection(port: master.clientPort)
        for c in [writer, reader, bystander] {
            guard case .session = try Dialect.register(c, password: nil) else {
                Issue.record("no session")
                return
            }
        }
        let created = try Dialect.ask(writer, .create(1, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, Self.root))
        guard case .create(1, _, let inode, _) = created else {
            // nil: the master closed the connection. Failed once in a loaded CI run, after 93 s.
            Issue.record("create failed: \(String(describing: created)); the master's log:\n\(master.log.suffix(4_000))")
            return
        }
        guard case .open = try Dialect.ask(reader, .open(1, inode: inode, Self.root, flags: 0x01)) else {
            Issue.record("the reader's open failed")
            return
        }
        // tar's order: the data, then utime; the write's end comes after the utime.
        let old: UInt32 = 981_173_106
        let setTime = FuseRequest.SetattrFields(setMask: FuseRequest.SetattrFields.mtimeBit, mtime: old)
        guard case .attr(_, 2, let set) = try Dialect.ask(writer, .setattr(2, inode: inode, opened: 1, Self.root, setTime)),
            set.mtime == old
        else {
            Issue.record("setattr failed")
            return
        }
        guard let location = try Self.newChunk(writer, id: 3, inode: inode, on: [server]) else { return }
        // A chunk given to a writer: CHUNK_HAS_CHANGED to the reader (it has the file open),
        // nothing to the bystander (it has not).
        #expect(
            try Self.next(reader)
                == .chunkHasChanged(
                    inode: inode, index: 0, chunkID: location.chunkID, version: location.version, fileLength: 0, truncated: 0))
        #expect(
            try Dialect.ask(writer, .writeChunkEnd(4, chunkID: location.chunkID, inode: inode, index: 0, length: 70_000, chunkOpFlags: 0))
                == .status(.fuseWriteChunkEnd.reply, 4, .ok))
        #expect(
            try Self.next(reader)
                == .chunkHasChanged(
                    inode: inode, index: 0, chunkID: location.chunkID, version: location.version, fileLength: 70_000, truncated: 0))
        guard case .attr(_, 5, let after) = try Dialect.ask(writer, .getattr(5, inode: inode, opened: nil, uid: nil, gid: nil)) else {
            Issue.record("getattr failed")
            return
        }
        #expect(after.length == 70_000)
        #expect(after.mtime == old, "the write's end moved the mtime the client had set")
        // A truncate that cuts inside the chunk: CHUNK_HAS_CHANGED with the truncate flag.
        guard case .truncate(6, 70_000, _) = try Dialect.ask(writer, .truncate(6, inode: inode, flags: 0x01, Self.root, length: 1_000))
        else {
            Issue.record("truncate failed")
            return
        }
        guard case .chunkHasChanged(inode, 0, location.chunkID, let version, 1_000, 1) = try Self.next(reader) else {
            Issue.record("no CHUNK_HAS_CHANGED with the truncate flag")
            return
        }
        #expect(version > location.version)
        // One to a whole number of chunks: FLENG_HAS_CHANGED.
        guard case .truncate(7, 1_000, _) = try Dialect.ask(writer, .truncate(7, inode: inode, flags: 0x01, Self.root, length: 0)) else {
            Issue.record("truncate to 0 failed")
            return
        }
        #expect(try Self.next(reader) == .lengthHasChanged(inode: inode, fileLength: 0))
        // A chunkserver that goes: INVALIDATE_CHUNK_CACHE to every session, the bystander too,
        // which has had no other notice.
        shutdown(server.connection.fd, Int32(SHUT_RDWR))
        #expect(try Self.next(bystander) == .invalidateChunkCache)
        #expect(try Self.next(reader) == .invalidateChunkCache)
    }

    /// A read while the chunk's copies move to a new version (the next write's bump) gets
    /// CHUNKBUSY, which mfsmount retries, not EIO, which it returns to the program at once. Two
    /// copies (goal 2): the end of a write to them makes the next write bump the version.
    @Test func aReadWhileTheChunkIsReVersionedIsBusyNotAnError() throws {
        let master = try Self.startedMaster()
        let servers = try [1, 2].map { n in
            try FakeChunkserver(port: master.chunkserverPort, address: ChunkserverAddress(10, 0, 0, UInt8(n), port: 9422))
        }
        for server in servers { try server.register(on: master) }
        let admin = try master.connect()
        _ = try admin.open()
        guard case .setGoal = try admin.call(.setGoal(admin.newID(), rootCaller, inode: .root, goal: 2, recursive: true)) else {
            Issue.record("goal 2 not set")
            return
        }
        let c = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(c, password: nil),
            case .create(1, _, let inode, _) = try Dialect.ask(
                c, .create(1, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, Self.root))
        else {
            Issue.record("no session or no file")
            return
        }
        guard let location = try Self.newChunk(c, id: 2, inode: inode, on: servers) else { return }
        #expect(
            try Dialect.ask(c, .writeChunkEnd(3, chunkID: location.chunkID, inode: inode, index: 0, length: 1_000, chunkOpFlags: 0))
                == .status(.fuseWriteChunkEnd.reply, 3, .ok))
        // The next write bumps the version; the chunkservers do not answer yet.
        c.send(FuseRequest.writeChunk(4, inode: inode, index: 0, chunkOpFlags: 0).encode())
        for server in servers { #expect(try server.awaitCommand { if case .setVersion(let v) = $0 { v } else { nil } } != nil) }
        #expect(try Dialect.ask(c, .readChunk(5, inode: inode, index: 0, chunkOpFlags: 0)) == .status(.fuseReadChunk.reply, 5, .chunkBusy))
    }

    /// One copy (goal 1): the end of a write cannot leave copies that differ, so the next write
    /// of the chunk is granted at once, at the same version, with no command to the chunkserver
    /// (which answers nothing here: a version bump would never be answered).
    @Test func aWriteAfterAWriteEndToTheOnlyCopyKeepsTheVersion() throws {
        let master = try Self.startedMaster()
        let server = try FakeChunkserver(port: master.chunkserverPort)
        try server.register(on: master)
        let c = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(c, password: nil),
            case .create(1, _, let inode, _) = try Dialect.ask(
                c, .create(1, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, Self.root))
        else {
            Issue.record("no session or no file")
            return
        }
        guard let first = try Self.newChunk(c, id: 2, inode: inode, on: [server]) else { return }
        var id: UInt32 = 3
        for _ in 0..<3 {
            #expect(
                try Dialect.ask(c, .writeChunkEnd(id, chunkID: first.chunkID, inode: inode, index: 0, length: 1_000, chunkOpFlags: 0))
                    == .status(.fuseWriteChunkEnd.reply, id, .ok))
            c.send(FuseRequest.writeChunk(id + 1, inode: inode, index: 0, chunkOpFlags: 0).encode())
            guard case .chunk(_, id + 1, _, let again) = try Self.next(c) else {
                Issue.record("the write after a write end was not granted at once")
                return
            }
            #expect(again.chunkID == first.chunkID)
            #expect(again.version == first.version)
            id += 2
        }
    }
}
