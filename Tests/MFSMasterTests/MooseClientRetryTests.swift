import Foundation
import MFSTestSupport
import MooseClientWire
import MooseWire
import Testing

/// A create mfsmount sends again on a resumed session after a failover (its answer was lost with
/// the old master's connection, and MooseFS's requests carry no id that outlives it) gets the
/// first create's answer, not EEXIST; any other create of an existing name still gets EEXIST.
@Suite(.serialized) struct MooseClientRetryTests {
    typealias Dialect = MooseClientDialectTests

    @Test func aCreateSentAgainOnAResumedSessionGetsItsFirstAnswer() throws {
        guard let (master, first, grant) = try MooseClientRetryTests.firstSession() else { return }
        let root = FuseCredentials(uid: 0, gids: [0])
        let mkdir = FuseRequest.mkdir(5, parent: 1, name: Array("d".utf8), mode: 0o755, umask: 0, root, copySGID: 0)
        let create = FuseRequest.create(6, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, root)
        // A create whose first half (the node) the old master did before it died, and not the
        // open: a MKNOD here, then CREATE of the same name sent again.
        let made = FuseRequest.mknod(7, parent: 1, name: Array("g".utf8), type: 1, mode: 0o644, umask: 0, root, rdev: 0)
        let createMade = FuseRequest.create(7, parent: 1, name: Array("g".utf8), mode: 0o644, umask: 0, root)
        guard case .entry(_, 5, let dir, _) = try Dialect.ask(first, mkdir),
            case .create(6, _, let file, _) = try Dialect.ask(first, create),
            case .entry(_, 7, let node, _) = try Dialect.ask(first, made)
        else {
            Issue.record("mkdir, create or mknod failed")
            return
        }
        // The connection is lost before the client read the answers: it resumes its session on
        // a new connection and sends both again, each its thread's first request there.
        let resumed = try MooseClientRetryTests.resume(grant, on: master)
        guard case .entry(_, 5, dir, _) = try Dialect.ask(resumed, mkdir) else {
            Issue.record("the mkdir sent again did not get the directory it made")
            return
        }
        guard case .create(6, _, file, _) = try Dialect.ask(resumed, create) else {
            Issue.record("the create sent again did not get the file it made")
            return
        }
        guard case .create(7, _, node, _) = try Dialect.ask(resumed, createMade) else {
            Issue.record("the create sent again did not finish the node its first half made")
            return
        }
        // The same thread asking again is a new request: EEXIST.
        #expect(try Dialect.ask(resumed, mkdir) == .status(.fuseMkdir.reply, 5, .exists))
        // So is every create of another session.
        guard let other = try MooseClientRetryTests.anotherSession(on: master) else { return }
        #expect(try Dialect.ask(other, mkdir) == .status(.fuseMkdir.reply, 5, .exists))
        #expect(try Dialect.ask(other, create) == .status(.fuseCreate.reply, 6, .exists))
    }
}

/// The first answer given again is an acknowledgement like any other: it waits until the
/// change it reports is stored (here held back: `SYNC_DEGRADE = 0` and the only peer gone).
@Suite(.serialized) struct MooseClientRetryWaitTests {
    typealias Dialect = MooseClientDialectTests

    /// A master (MooseFS exports with a password) whose changes are stored only once its one
    /// metalogger has them (`SYNC_REPLICAS = 1`, `SYNC_DEGRADE = 0`), both started and in step.
    static func masterHeldByOneMetalogger(_ settings: [String: String] = [:]) throws -> (MasterProcess, MetaloggerProcess) {
        let peerPort = freePort()
        let master = try MasterProcess(
            exports: Dialect.exports,
            settings: ["MATOML_LISTEN_PORT": "\(peerPort)", "SYNC_REPLICAS": "1", "SYNC_DEGRADE": "0", "SYNC_TIMEOUT": "60s"]
                .merging(settings) { $1 },
            lone: false)
        try master.start()
        let metalogger = try MetaloggerProcess(masterPeerPorts: [peerPort])
        try metalogger.start()
        #expect(SyncReplicationTests.waitInStep(master, peers: 1))
        return (master, metalogger)
    }

    @Test func aCreateSentAgainIsNotAnsweredBeforeTheFirstIsStored() throws {
        let (master, metalogger) = try Self.masterHeldByOneMetalogger()
        let first = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Dialect.register(first, password: "secret") else {
            Issue.record("no session")
            return
        }
        metalogger.crash()
        #expect(eventually { (try? master.status().peers.isEmpty) == true }, "the master did not see its peer go")
        let root = FuseCredentials(uid: 0, gids: [0])
        let mkdir = FuseRequest.mkdir(5, parent: 1, name: Array("d".utf8), mode: 0o755, umask: 0, root, copySGID: 0)
        first.send(mkdir.encode())
        first.setTimeout(0.5)
        #expect(throws: (any Error).self, "the mkdir was answered without its peer") { try Dialect.receive(first) }
        // The client gives the first connection up and sends the mkdir again on a new one.
        let resumed = try MooseClientRetryTests.resume(grant, on: master)
        resumed.send(mkdir.encode())
        resumed.setTimeout(0.5)
        #expect(throws: (any Error).self, "the mkdir sent again was answered before the first was stored") {
            try Dialect.receive(resumed)
        }
        try metalogger.start()
        resumed.setTimeout(9)
        let answer = try Dialect.receive(resumed).map { try FuseReply.decode($0) }
        guard case .entry(_, 5, _, _) = answer else {
            Issue.record("the mkdir sent again did not get the directory once it was stored: \(String(describing: answer))")
            return
        }
        #expect(metalogger.stop() == 0)
        _ = master.stop()
    }
}

/// An UNLINK, RMDIR or RENAME mfsmount sends again on a resumed session after a failover (the
/// old master did it; its answer was lost) gets the first one's answer, not ENOENT; the same
/// remove asked again, or by another session, still gets ENOENT.
@Suite(.serialized) struct MooseClientRemoveRetryTests {
    typealias Dialect = MooseClientDialectTests

    @Test func aRemoveOrRenameSentAgainOnAResumedSessionGetsItsFirstAnswer() throws {
        guard let (master, first, grant) = try MooseClientRetryTests.firstSession() else { return }
        let root = FuseCredentials(uid: 0, gids: [0])
        let name = { (text: String) in Array(text.utf8) }
        guard case .create(1, _, let file, _) = try Dialect.ask(first, .create(1, parent: 1, name: name("f"), mode: 0o644, umask: 0, root)),
            case .entry(_, 2, let dir, _) = try Dialect.ask(
                first, .mkdir(2, parent: 1, name: name("d"), mode: 0o755, umask: 0, root, copySGID: 0)),
            case .create(3, _, let moved, _) = try Dialect.ask(first, .create(3, parent: 1, name: name("m"), mode: 0o644, umask: 0, root))
        else {
            Issue.record("the files were not made")
            return
        }
        let unlink = FuseRequest.unlink(4, parent: 1, name: name("f"), root)
        let rmdir = FuseRequest.rmdir(5, parent: 1, name: name("d"), root)
        let rename = FuseRequest.rename(6, parent: 1, name: name("m"), newParent: 1, newName: name("n"), root)
        guard case .removed(_, 4, file) = try Dialect.ask(first, unlink), case .removed(_, 5, dir) = try Dialect.ask(first, rmdir),
            case .entry(_, 6, moved, _) = try Dialect.ask(first, rename)
        else {
            Issue.record("unlink, rmdir or rename failed")
            return
        }
        // The answers are lost with the connection: the client resumes its session and sends the
        // three again, each its thread's first request on the new connection.
        let resumed = try MooseClientRetryTests.resume(grant, on: master)
        #expect(try Dialect.ask(resumed, unlink) == .removed(.fuseUnlink.reply, 4, inode: file), "the unlink sent again")
        #expect(try Dialect.ask(resumed, rmdir) == .removed(.fuseRmdir.reply, 5, inode: dir), "the rmdir sent again")
        guard case .entry(_, 6, moved, _) = try Dialect.ask(resumed, rename) else {
            Issue.record("the rename sent again did not get the entry it moved")
            return
        }
        // The same thread asking again is a new request: ENOENT.
        #expect(try Dialect.ask(resumed, unlink) == .status(.fuseUnlink.reply, 4, .noEntry))
        // So is every remove of another session.
        guard let other = try MooseClientRetryTests.anotherSession(on: master) else { return }
        #expect(try Dialect.ask(other, rmdir) == .status(.fuseRmdir.reply, 5, .noEntry))
        #expect(try Dialect.ask(other, rename) == .status(.fuseRename.reply, 6, .noEntry))
    }
}

extension MooseClientRetryTests {
    /// A master of its own and a first connection with a session; nil (recorded) when refused.
    static func firstSession() throws -> (MasterProcess, WireConnection, FuseRegisterReply.SessionGrant)? {
        let master = try MasterProcess(exports: Dialect.exports, settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let first = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Dialect.register(first, password: "secret") else {
            Issue.record("no session")
            return nil
        }
        return (master, first, grant)
    }

    /// A new connection that RECONNECTs the session of `grant` (its old connection was lost).
    static func resume(_ grant: FuseRegisterReply.SessionGrant, on master: MasterProcess) throws -> WireConnection {
        let resumed = try WireConnection(port: master.clientPort)
        resumed.send(FuseRegister.reconnect(sessionID: grant.sessionID, version: .v3_0_117, metaID: grant.metaID).encode())
        #expect(try Dialect.receive(resumed).map { try FuseRegisterReply.decode($0) } == .reconnected(version: .v3_0_117, status: .ok))
        return resumed
    }

    /// A connection with a session of its own, nil (recorded) when it was refused.
    static func anotherSession(on master: MasterProcess) throws -> WireConnection? {
        let other = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(other, password: "secret") else {
            Issue.record("no second session")
            return nil
        }
        return other
    }
}
