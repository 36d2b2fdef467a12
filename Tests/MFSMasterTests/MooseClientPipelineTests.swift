import Foundation
import MFSCore
import MFSStorage
import MFSTestSupport
import MooseClientWire
import MooseWire
import Testing

/// Requests mfsmount sends on its one master connection while earlier ones wait for the
/// changelog (16 creators share that connection): the master keeps reading and applying them,
/// answers each once, by its msgid, and only once its changes are in the changelog, and the
/// changes of many requests share an fsync (group commit across one connection).
@Suite(.serialized) struct MooseClientPipelineTests {
    static func changelog(_ master: MasterProcess) throws -> String {
        String(decoding: try FileIO.read(master.dataPath + "/changelog.0.mfs"), as: UTF8.self)
    }

    static func fsyncs(_ master: MasterProcess) throws -> Int {
        let (code, body) = try httpRequest(port: master.statusPort, path: "/status")
        #expect(code == 200)
        let status = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (status?["changelog"] as? [String: Any])?["fsyncs"] as? Int ?? -1
    }

    /// A master in CHANGELOG_SAVE_MODE 2 and a MooseFS-dialect connection registered on it.
    static func registered() throws -> (MasterProcess, WireConnection)? {
        let master = try MasterProcess(exports: MooseClientDialectTests.exports, settings: ["CHANGELOG_SAVE_MODE": "2"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        guard case .session = try MooseClientDialectTests.register(c, password: "secret") else {
            Issue.record("no session")
            return nil
        }
        return (master, c)
    }

    @Test func pipelinedCreatesAreAnsweredOnceEachAfterTheirChangesAreStored() throws {
        guard let (master, c) = try Self.registered() else { return }
        let root = FuseCredentials(uid: 0, gids: [0])
        guard
            case .entry(_, 1, let dir, _) = try MooseClientDialectTests.ask(
                c, .mkdir(1, parent: 1, name: Array("d".utf8), mode: 0o755, umask: 0, root, copySGID: 0))
        else {
            Issue.record("mkdir failed")
            return
        }
        let before = try Self.fsyncs(master)
        let count = 300
        // Every create sent before any reply is read, each under a msgid of its own.
        var frames: [UInt8] = []
        for k in 0..<count {
            frames += FuseRequest.create(UInt32(100 + k), parent: dir, name: Array("f\(k)".utf8), mode: 0o644, umask: 0, root).encode()
        }
        #expect(c.send(frames))
        var answered = Set<UInt32>()
        for _ in 0..<count {
            guard let frame = try MooseClientDialectTests.receive(c),
                case .create(let id, _, let inode, let attr) = try FuseReply.decode(frame)
            else {
                Issue.record("no create reply")
                return
            }
            #expect(answered.insert(id).inserted, "msgid \(id) answered twice")
            #expect(attr.type == 1)
            // Both changes of this create (the node and its open) are in the changelog already.
            let written = try Self.changelog(master)
            #expect(written.contains("CREATE(\(dir),f\(id - 100),f,420,0,0,0):\(inode)|"))
            #expect(written.contains("ACQUIRE(\(inode),"))
        }
        #expect(answered == Set((0..<count).map { UInt32(100 + $0) }))
        // 600 changes; far fewer fsyncs, because requests were read and applied while earlier
        // ones waited for theirs.
        let fsyncs = try Self.fsyncs(master) - before
        #expect(fsyncs > 0 && fsyncs < count, "\(fsyncs) fsyncs for \(count) creates")
    }

    @Test func aReadBehindAWaitingChangeIsNotHeldBack() throws {
        guard let (master, c) = try Self.registered() else { return }
        let root = FuseCredentials(uid: 0, gids: [0])
        // A create and a getattr of the root sent together (one segment, one read): the getattr
        // is answered at once, the create once its changes are fsynced, each by its msgid.
        #expect(
            c.send(
                FuseRequest.create(7, parent: 1, name: Array("x".utf8), mode: 0o600, umask: 0, root).encode()
                    + FuseRequest.getattr(8, inode: 1, opened: nil, uid: nil, gid: nil).encode()))
        var order: [UInt32] = []
        for _ in 0..<2 {
            guard let frame = try MooseClientDialectTests.receive(c) else { break }
            switch try FuseReply.decode(frame) {
            case .create(let id, _, _, _), .attr(_, let id, _): order.append(id)
            case let other: Issue.record("unexpected \(other)")
            }
        }
        #expect(order == [8, 7])
        #expect(try Self.changelog(master).contains("CREATE(1,x,f,384,0,0,0)"))
    }
}
