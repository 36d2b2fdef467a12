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
        let master = try MasterProcess(exports: Dialect.exports, settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let root = FuseCredentials(uid: 0, gids: [0])
        let first = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Dialect.register(first, password: "secret") else {
            Issue.record("no session")
            return
        }
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
        let resumed = try WireConnection(port: master.clientPort)
        resumed.send(FuseRegister.reconnect(sessionID: grant.sessionID, version: .v3_0_117, metaID: grant.metaID).encode())
        #expect(try Dialect.receive(resumed).map { try FuseRegisterReply.decode($0) } == .reconnected(version: .v3_0_117, status: .ok))
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
        let other = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(other, password: "secret") else {
            Issue.record("no second session")
            return
        }
        #expect(try Dialect.ask(other, mkdir) == .status(.fuseMkdir.reply, 5, .exists))
        #expect(try Dialect.ask(other, create) == .status(.fuseCreate.reply, 6, .exists))
    }
}
