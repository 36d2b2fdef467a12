import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The client port of a real `mfsmaster` process: handshake, every operation, pipelining,
/// retries, exports, and the changes surviving a restart.
@Suite(.serialized) struct ClientPortTests {
    @Test func everyOperationOverTheWire() throws {
        let master = try MasterProcess()
        try master.start()
        let c = try master.connect()
        let grant = try c.open()
        #expect(grant.root == .root && !grant.readOnly)

        guard case .mkdir(_, let dir) = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "docs", mode: 0o755)) else {
            Issue.record("mkdir failed")
            return
        }
        guard
            case .mknod(_, let file) = try c.call(
                .mknod(c.newID(), rootCaller, parent: dir.inode, name: "a.txt", type: .file, mode: 0o644, rdev: 0))
        else {
            Issue.record("mknod failed")
            return
        }
        #expect(file.type == .file && file.mode == 0o644)
        guard case .lookup(_, let found) = try c.call(.lookup(c.newID(), rootCaller, parent: dir.inode, name: "a.txt")) else {
            Issue.record("lookup failed")
            return
        }
        #expect(found.inode == file.inode)
        #expect(try c.call(.lookup(c.newID(), rootCaller, parent: dir.inode, name: "nope")).wireStatus == .noEntry)
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "docs", mode: 0o755)).wireStatus == .exists)

        let changes = AttributeChanges(mode: 0o600, uid: 1000)
        guard case .setAttributes(_, let changed) = try c.call(.setAttributes(c.newID(), rootCaller, inode: file.inode, changes: changes))
        else {
            Issue.record("setattr failed")
            return
        }
        #expect(changed.mode == 0o600 && changed.uid == 1000)
        guard
            case .symlink(_, let link) = try c.call(
                .symlink(c.newID(), rootCaller, parent: dir.inode, name: "l", target: Array("a.txt".utf8)))
        else {
            Issue.record("symlink failed")
            return
        }
        guard case .readlink(_, let target) = try c.call(.readlink(c.newID(), inode: link.inode)) else {
            Issue.record("readlink failed")
            return
        }
        #expect(target == Array("a.txt".utf8))
        guard case .link(_, let linked) = try c.call(.link(c.newID(), rootCaller, inode: file.inode, newParent: .root, newName: "hard"))
        else {
            Issue.record("link failed")
            return
        }
        #expect(linked.nlink == 2)
        guard
            case .readdir(_, let entries, let atEnd) = try c.call(
                .readdir(c.newID(), rootCaller, inode: dir.inode, cookie: 0, maxEntries: 100))
        else {
            Issue.record("readdir failed")
            return
        }
        #expect(atEnd && Set(entries.map(\.name.description)) == ["a.txt", "l"])
        #expect(
            try c.call(.rename(c.newID(), rootCaller, parent: dir.inode, name: "a.txt", newParent: .root, newName: "b.txt")).wireStatus
                == .ok)
        guard case .open(_, let opened) = try c.call(.open(c.newID(), rootCaller, inode: file.inode, flags: [.read, .write])) else {
            Issue.record("open failed")
            return
        }
        #expect(opened.inode == file.inode)
        guard
            case .setLength(_, let grown) = try c.call(
                .setLength(c.newID(), rootCaller, inode: file.inode, length: 100 << 20, opened: true))
        else {
            Issue.record("setLength failed")
            return
        }
        #expect(grown.length == 100 << 20)
        let releaseID = c.newID()
        #expect(try c.call(.release(releaseID, rootCaller, inode: file.inode)) == .ok(releaseID))
        guard case .setGoal(_, let count) = try c.call(.setGoal(c.newID(), rootCaller, inode: .root, goal: 3, recursive: true)) else {
            Issue.record("setGoal failed")
            return
        }
        #expect(count >= 4)
        guard case .getGoal(_, let goal) = try c.call(.getGoal(c.newID(), inode: file.inode)) else {
            Issue.record("getGoal failed")
            return
        }
        #expect(goal == 3)
        guard case .chunks(_, let chunks, true) = try c.call(.chunks(c.newID(), inode: file.inode, firstIndex: 0, maxChunks: 10)) else {
            Issue.record("chunks failed")
            return
        }
        #expect(chunks.isEmpty)  // lengthened, never written: a hole
        #expect(try c.call(.unlink(c.newID(), rootCaller, parent: .root, name: "hard")).wireStatus == .ok)
        #expect(try c.call(.unlink(c.newID(), rootCaller, parent: .root, name: "b.txt")).wireStatus == .ok)
        #expect(try c.call(.unlink(c.newID(), rootCaller, parent: dir.inode, name: "l")).wireStatus == .ok)
        #expect(try c.call(.rmdir(c.newID(), rootCaller, parent: .root, name: "docs")).wireStatus == .ok)
        guard case .info(_, let info) = try c.call(.info(c.newID())) else {
            Issue.record("info failed")
            return
        }
        #expect(info.inodeCount == 1)
        #expect(try c.call(.closeSession(c.newID())).wireStatus == .ok)

        // SIGTERM dumps; the changes are in metadata.mfs and a restart serves the same cluster.
        let live = info.metaVersion
        #expect(master.stop() == 0)
        let dumped = try master.dumpedNamespace()
        #expect(dumped.version >= live && dumped.inodeCount == 1 && dumped.sessionIDs.isEmpty)
        try master.start()
        let again = try master.connect()
        let (hello, _) = try again.handshake(metaID: dumped.metaID)
        #expect(hello.metaID == dumped.metaID && hello.metaVersion >= dumped.version)
    }

    @Test func pipelinedRequestsAreAllAnswered() throws {
        let master = try MasterProcess()
        try master.start()
        let c = try master.connect()
        _ = try c.open()
        var batch: [UInt8] = []
        var ids: Set<RequestID> = []
        for i in 0..<500 {
            let id = c.newID()
            ids.insert(id)
            batch += ClientRequest.mknod(
                id, rootCaller, parent: .root, name: try EntryName(validating: "f\(i)"), type: .file, mode: 0o644, rdev: 0
            )
            .encode()
        }
        #expect(c.send(batch))
        var inodes: Set<InodeID> = []
        for _ in 0..<500 {
            let reply = try MasterReply.decode(try #require(try c.receive()))
            #expect(ids.remove(reply.requestID) != nil)
            inodes.insert(try #require(reply.attributes).inode)
        }
        #expect(ids.isEmpty && inodes.count == 500)
    }

    /// A mutating request retried with the same id, on a new connection resuming the session,
    /// gets its first result and changes nothing twice.
    @Test func retriedRequestGetsItsFirstResult() throws {
        let master = try MasterProcess()
        try master.start()
        let first = try master.connect()
        let grant = try first.open()
        let id = RequestID(77)
        let create = ClientRequest.mkdir(id, rootCaller, parent: .root, name: "once", mode: 0o755)
        guard case .mkdir(_, let made) = try first.call(create) else {
            Issue.record("mkdir failed")
            return
        }
        close(first.fd)  // connection lost
        let second = try master.connect()
        #expect(try second.open(resume: grant.session).session == grant.session)
        guard case .mkdir(_, let again) = try second.call(create) else {
            Issue.record("the retry was not answered with the first result")
            return
        }
        #expect(again.inode == made.inode)
        guard
            case .readdir(_, let entries, _) = try second.call(.readdir(RequestID(78), rootCaller, inode: .root, cookie: 0, maxEntries: 10))
        else {
            Issue.record("the readdir was not answered with entries")
            return
        }
        #expect(entries.map(\.name.description) == ["once"])
        // A session the master does not know is refused with badSession.
        let third = try master.connect()
        let (_, refused) = try third.handshake(resume: SessionID(9_999))
        #expect(refused == .refused(.badSession))
    }

    @Test func exportsDecideWhoMountsWhatAndHow() throws {
        let exports = """
            127.0.0.1  /       ro
            127.0.0.1  /rw     rw,maproot=0
            127.0.0.1  /secret rw,password=opensesame,maproot=0
            127.0.0.1  /gone   rw
            """
        let master = try MasterProcess(exports: exports + "\n127.0.0.1 / rw,maproot=0,password=rootpw\n")
        try master.start()
        // Make the exported directories through the password-protected read-write root.
        let admin = try master.connect()
        _ = try admin.open(password: "rootpw")
        for name in ["rw", "secret"] {
            #expect(
                try admin.call(.mkdir(admin.newID(), rootCaller, parent: .root, name: try EntryName(validating: name), mode: 0o777))
                    .wireStatus == .ok)
        }

        // No password: the read-only line.
        let reader = try master.connect()
        let grant = try reader.open()
        #expect(grant.readOnly)
        #expect(try reader.call(.mkdir(reader.newID(), rootCaller, parent: .root, name: "x", mode: 0o755)).wireStatus == .readOnly)
        #expect(try reader.call(.getAttributes(reader.newID(), inode: .root)).wireStatus == .ok)

        // A subdirectory export roots the session there.
        let sub = try master.connect()
        let subGrant = try sub.open(mountPath: "/rw")
        #expect(!subGrant.readOnly && subGrant.root != .root)

        // Passwords: right, wrong.
        let right = try master.connect()
        #expect(try right.open(mountPath: "/secret", password: "opensesame").readOnly == false)
        let wrong = try master.connect()
        let (_, refused) = try wrong.handshake(mountPath: "/secret", password: "guess")
        #expect(refused == .refused(.badPassword))
        #expect(wrong.isClosedByMaster())

        // A path nobody exports, and a directory that does not exist.
        let unexported = try master.connect()
        let (_, denied) = try unexported.handshake(mountPath: "/rw/sub")
        #expect(denied == .refused(.accessDenied))
        let missing = try master.connect()
        let (_, noEntry) = try missing.handshake(mountPath: "/gone")
        #expect(noEntry == .refused(.noEntry))
        #expect(master.log.contains("session refused"))
    }

    @Test func masterWithNewerChangelogsRefusesToStartWithoutA() throws {
        let master = try MasterProcess()
        try master.start()
        let c = try master.connect()
        _ = try c.open()
        for i in 0..<20 {
            _ = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: try EntryName(validating: "d\(i)"), mode: 0o755))
        }
        let version = try #require(c.call(.info(c.newID())).infoVersion)
        master.crash()  // no final dump: the changelog is ahead of metadata.mfs
        #expect(throws: MasterProcess.StartFailed.self) { try master.start() }
        #expect(master.log.contains("goes up to version \(version.rawValue)") && master.log.contains("mfsmaster -a"), "\(master.log)")
        try master.start(["-a"])
        let again = try master.connect()
        _ = try again.open()
        #expect(try again.call(.info(again.newID())).infoVersion! >= version)
        #expect(try again.call(.lookup(again.newID(), rootCaller, parent: .root, name: "d19")).wireStatus == .ok)
    }

    @Test func secondMasterOnOneDataPathIsRefused() throws {
        let master = try MasterProcess()
        try master.start()
        let (code, _, err) = try runBinary("mfsmaster", ["-c", master.configPath])
        #expect(code == 1 && err.contains(".mfsmaster.lock is locked by another process"), "\(err)")
    }

    @Test func badConfigurationNamesFileLineAndProblem() throws {
        let master = try MasterProcess(settings: ["CHANGELOG_SAVE_MODE": "3"])
        let (code, _, err) = try runBinary("mfsmaster", ["-c", master.configPath])
        #expect(code == 1 && err.contains("mfsmaster.cfg:") && err.contains("CHANGELOG_SAVE_MODE"), "\(err)")
        let missing = try runBinary("mfsmaster", ["-c", master.directory + "/nope.cfg"])
        #expect(missing.0 == 1 && missing.2.contains("nope.cfg"))
        try "*  /  rw,bogus\n".write(toFile: master.directory + "/mfsexports.cfg", atomically: true, encoding: .utf8)
        let ok = try MasterProcess()
        try "*  /  rw,bogus\n".write(toFile: ok.directory + "/mfsexports.cfg", atomically: true, encoding: .utf8)
        let exports = try runBinary("mfsmaster", ["-c", ok.configPath, "-t"])
        #expect(exports.0 == 1 && exports.2.contains("mfsexports.cfg:1"), "\(exports.2)")
        let usage = try runBinary("mfsmaster", ["--bogus"])
        #expect(usage.0 == 2 && usage.2.contains("usage:"))
    }

    /// The sample in config/ is what the code documents.
    @Test func sampleConfigurationIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try String(contentsOf: root.appendingPathComponent("config/mfsmaster.cfg.sample"), encoding: .utf8)
        let (code, out, _) = try runBinary("mfsmaster", ["--sample"])
        #expect(code == 0 && out == sample, "regenerate with: .build/debug/mfsmaster --sample > config/mfsmaster.cfg.sample")
    }
}

extension MasterReply {
    var infoVersion: MetaVersion? {
        if case .info(_, let info) = self { return info.metaVersion }
        return nil
    }
}
