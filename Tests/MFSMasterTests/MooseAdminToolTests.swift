import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseClientWire
import MooseWire
import Testing

/// MooseFS's own `mfscli` (Debian moosefs-cli 3.0.117) against our master's client port: the
/// info, chunkserver and session requests it sends answered in MooseFS 3.0's layouts, so its
/// tables show our chunkservers and sessions. Runs the real tool and reads its output.
@Suite(.serialized) struct MooseAdminToolTests {
    static let mfscli = "/usr/bin/mfscli"

    static func mfscli(_ port: Int, _ section: String) throws -> String {
        let run = try runProgram(mfscli, ["-H", "127.0.0.1", "-P", String(port), "-p", "-n", section])
        #expect(run.status == 0, "mfscli \(section): \(run.err)")
        #expect(
            !run.out.contains("Traceback") && !run.err.contains("Traceback"), "mfscli \(section) failed inside:\n\(run.out)\n\(run.err)")
        return run.out
    }

    @Test func mfscliShowsOurChunkserversSessionsAndInfo() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.mfscli), "scripts/test.sh installs moosefs-cli")
        let master = try MasterProcess(exports: "*  /  rw,alldirs,maproot=0\n", settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let server = try FakeChunkserver(port: master.chunkserverPort, address: ChunkserverAddress(10, 0, 0, 7, port: 9422))
        try server.register()
        let mount = try WireConnection(port: master.clientPort)
        mount.send(FuseRegister.getRandom.encode())
        _ = try MooseClientDialectTests.receive(mount)
        let session = FuseRegister.NewSession(version: .v3_0_117, info: Array("/mnt/admin-test\0".utf8), path: Array("/\0".utf8))
        mount.send(FuseRegister.newSession(session).encode())
        guard let reply = try MooseClientDialectTests.receive(mount), case .session(let grant) = try FuseRegisterReply.decode(reply) else {
            Issue.record("no session")
            return
        }

        let servers = try Self.mfscli(master.clientPort, "-SCS")
        #expect(servers.contains("10.0.0.7") && servers.contains("9422"), "chunkservers:\n\(servers)")
        #expect(servers.contains("100 GiB") || servers.contains("100.0 GiB") || servers.contains("107374182400"), "its space:\n\(servers)")

        let mounts = try Self.mfscli(master.clientPort, "-SMS")
        #expect(mounts.contains("/mnt/admin-test") && mounts.contains(String(grant.sessionID)), "sessions:\n\(mounts)")

        let info = try Self.mfscli(master.clientPort, "-SIN")
        #expect(info.contains("3.0.117"), "info:\n\(info)")
        #expect(info.contains("127.0.0.1"), "the master listed:\n\(info)")
    }

    /// After answering, the connection still takes a register: MooseFS's master does the same
    /// (admin requests are for connections that have not registered).
    @Test func adminRequestsThenARegisterOnOneConnection() throws {
        let master = try MasterProcess(exports: "*  /  rw,alldirs\n", settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        c.send(MooseFrame(type: .masterInfo, payload: []).encode())
        let info = try MooseClientDialectTests.receive(c)
        #expect(info?.type == MooseMessageType.masterInfo.reply && info?.payload.count == MasterInfoReply.length)
        c.send(MooseFrame(type: .sessionList, payload: [4]).encode())
        #expect(try MooseClientDialectTests.receive(c)?.payload.prefix(2) == [0, 16])
        c.send(FuseRegister.getRandom.encode())
        #expect(try MooseClientDialectTests.receive(c)?.payload.count == MooseClientLimits.challengeLength)
        // A wrong length closes the connection, as MooseFS's master drops it.
        let bad = try WireConnection(port: master.clientPort)
        bad.send(MooseFrame(type: .masterInfo, payload: [1]).encode())
        #expect(try MooseClientDialectTests.receive(bad) == nil)
        let deadline = Date().addingTimeInterval(5)
        while !master.log.contains("MooseFS client:"), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(master.log.contains("MooseFS client:"), "the reason is logged:\n\(master.log)")
    }
}
