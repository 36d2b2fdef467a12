import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseClientWire
import MooseWire
import Testing

/// Refusals as MooseFS 3.0.117's master makes them (exports.c `exports_check`, matoclserv.c):
/// a read-only export mounts with the READONLY session flag and writes get EROFS; a client
/// below `minversion` is not covered by that line (EACCES when no other line covers it).
@Suite(.serialized) struct MooseRefusalTests {
    static func register(_ c: WireConnection, version: MooseVersion = .v3_0_117, path: String = "/") throws -> FuseRegisterReply? {
        let session = FuseRegister.NewSession(version: version, info: Array("/mnt\0".utf8), path: Array("\(path)\0".utf8))
        c.send(FuseRegister.newSession(session).encode())
        return try MooseClientDialectTests.receive(c).map { try FuseRegisterReply.decode($0) }
    }

    @Test func aReadOnlyExportMountsReadOnlyAndWritesGetEROFS() throws {
        let master = try MasterProcess(exports: "*  /  ro,alldirs,maproot=0\n", settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Self.register(c) else {
            Issue.record("a read-only export was refused")
            return
        }
        #expect(grant.sessionFlags & FuseRegisterReply.SessionGrant.readOnly != 0)
        let root = FuseCredentials(uid: 0, gids: [0])
        #expect(
            try MooseClientDialectTests.ask(c, .mkdir(1, parent: 1, name: Array("d".utf8), mode: 0o777, umask: 0, root, copySGID: 0))
                == .status(.fuseMkdir.reply, 1, .readOnly))
        #expect(
            try MooseClientDialectTests.ask(c, .create(2, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, root))
                == .status(.fuseCreate.reply, 2, .readOnly))
        // Reads go on: the root's attributes, and a lookup saying the file system is read-only.
        guard case .attr(_, 3, let attr) = try MooseClientDialectTests.ask(c, .getattr(3, inode: 1, opened: nil, uid: 0, gid: 0)) else {
            Issue.record("getattr on a read-only export failed")
            return
        }
        #expect(attr.type == 2)
        let namespace = try master.dumpedNamespaceAfterStop()
        #expect(namespace.inodeCount == 1, "nothing was created")
    }

    @Test func aClientBelowMinversionIsNotCovered() throws {
        let master = try MasterProcess(
            exports: "*  /  rw,alldirs,minversion=3.0.118\n*  /pub  ro,minversion=3.0.100\n", settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        #expect(try Self.register(WireConnection(port: master.clientPort)) == .status(.accessDenied), "3.0.117 < 3.0.118")
        let newer = MooseVersion(major: 3, mid: 0, minor: 118)
        guard case .session = try Self.register(WireConnection(port: master.clientPort), version: newer) else {
            Issue.record("3.0.118 refused")
            return
        }
        // The other line still covers 3.0.117 for its own directory (EACCES only without one):
        // /pub does not exist, so the session cannot open there (ENOENT, as MooseFS answers).
        #expect(try Self.register(WireConnection(port: master.clientPort), path: "/pub") == .status(.noEntry))
    }

    /// `ignoregid`: the IGNOREGID session flag, and a root file of mode 640 readable (not
    /// writable) by a user outside its group, as MooseFS's `fsnodes_access` decides.
    @Test func ignoregidDropsTheGroupCheck() throws {
        let master = try MasterProcess(
            exports: "*  /  rw,alldirs,maproot=0,ignoregid,dynamicip\n", settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Self.register(c) else {
            Issue.record("no session")
            return
        }
        typealias Grant = FuseRegisterReply.SessionGrant
        #expect(grant.sessionFlags & (Grant.ignoreGID | Grant.dynamicIP) == Grant.ignoreGID | Grant.dynamicIP)
        let root = FuseCredentials(uid: 0, gids: [0])
        guard
            case .create(1, _, let file, _) = try MooseClientDialectTests.ask(
                c, .create(1, parent: 1, name: Array("f".utf8), mode: 0o640, umask: 0, root))
        else {
            Issue.record("create failed")
            return
        }
        let stranger = FuseCredentials(uid: 1000, gids: [1000])
        #expect(try MooseClientDialectTests.ask(c, .access(2, inode: file, stranger, mask: 4)) == .status(.fuseAccess.reply, 2, .ok))
        #expect(
            try MooseClientDialectTests.ask(c, .access(3, inode: file, stranger, mask: 2)) == .status(.fuseAccess.reply, 3, .accessDenied))
    }

    /// `mintrashtime`/`maxtrashtime`: a trash time outside the export's limits gets EPERM, as
    /// MooseFS's `sessions_check_trashtime` answers (before this master's "no trash" answers).
    @Test func trashTimesOutsideTheExportsLimitsGetEPERM() throws {
        let master = try MasterProcess(
            exports: "*  /  rw,maproot=0,mintrashtime=0,maxtrashtime=1h\n*  /keep  rw,mintrashtime=1h\n",
            settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Self.register(c) else {
            Issue.record("no session")
            return
        }
        #expect(grant.minTrashTime == 0 && grant.maxTrashTime == 3_600)
        let type = MooseMessageType.fuseSetTrashTime.reply
        #expect(
            try MooseClientDialectTests.ask(c, .setTrashTime(1, inode: 1, uid: 0, trashTime: 7_200, smode: 0))
                == .status(type, 1, .notPermitted), "above maxtrashtime")
        #expect(
            try MooseClientDialectTests.ask(c, .setTrashTime(2, inode: 1, uid: 0, trashTime: 7_200, smode: 2))
                == .status(type, 2, .notSupported), "DECREASE to 2 h is within the limits (and no trash is kept here)")
        #expect(
            try MooseClientDialectTests.ask(c, .setTrashTime(3, inode: 1, uid: 0, trashTime: 0, smode: 4))
                == .changedCounts(type, 3, changed: 0, notChanged: 1, notPermitted: 0), "recursive SET 0: within")
        // Below a minimum: the second line's session (mkdir /keep first through the first session).
        let root = FuseCredentials(uid: 0, gids: [0])
        _ = try MooseClientDialectTests.ask(c, .mkdir(4, parent: 1, name: Array("keep".utf8), mode: 0o777, umask: 0, root, copySGID: 0))
        let kept = try WireConnection(port: master.clientPort)
        guard case .session(let keepGrant) = try Self.register(kept, path: "/keep") else {
            Issue.record("no session on /keep")
            return
        }
        #expect(keepGrant.minTrashTime == 3_600)
        #expect(
            try MooseClientDialectTests.ask(kept, .setTrashTime(5, inode: 1, uid: 0, trashTime: 0, smode: 0))
                == .status(type, 5, .notPermitted), "below mintrashtime")
    }
}
