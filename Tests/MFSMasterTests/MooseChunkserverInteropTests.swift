import Foundation
import MFSCore
import MFSStatus
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `mfschunkserver` 3.0.117 against our master, in network namespaces (DESIGN §9: a
/// bridge with no uplink, 169.254.0.0/16, names unique to the run, all removed at the end):
/// it registers (a fresh chunkserver: MooseFS chunkservers remember a metaid), shows in
/// /status with its space, gets a chunk created through a native `writeChunk` and deletes it
/// once the file is unlinked.
@Suite(.serialized) struct MooseChunkserverInteropTests {
    static let chunkserverBinary = "/usr/sbin/mfschunkserver"
    static let runnable = NetnsLab.available && FileManager.default.fileExists(atPath: chunkserverBinary)

    @Test(
        .enabled(
            if: runnable,
            "needs root with ip netns and Debian's moosefs-chunkserver 3.0.117 (scripts/test.sh installs it)"),
        .timeLimit(.minutes(3)))
    func mooseFSChunkserverRegistersAndFollowsCommands() throws {
        let lab = try NetnsLab(prefix: "mfc\(getpid() % 100_000)", hosts: ["m", "c"])
        defer { lab.teardown() }
        let masterHost = lab.host("m")
        let master = try MasterProcess(
            settings: [
                "MATOCS_LISTEN_HOST": masterHost.address, "MATOCS_LISTEN_PORT": "9420", "REPLICATIONS_DELAY_INIT": "0",
                "WRITE_HOLD_TIME": "0",
            ],
            launcher: ["/usr/sbin/ip", "netns", "exec", masterHost.namespace])
        try master.start()
        defer { master.stop() }

        let data = lab.path("cs-data")
        let disk = lab.path("cs-disk")
        for directory in [data, disk] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try lab.write("mfshdd.cfg", "\(disk)\n")
        try lab.write(
            "mfschunkserver.cfg",
            """
            WORKING_USER = root
            WORKING_GROUP = root
            DATA_PATH = \(data)
            HDD_CONF_FILENAME = \(lab.path("mfshdd.cfg"))
            MASTER_HOST = \(masterHost.address)
            MASTER_PORT = 9420
            CSSERV_LISTEN_HOST = \(lab.host("c").address)
            HDD_TEST_SPEED = 0

            """)
        let chunkserver = try lab.spawn(
            "c", [Self.chunkserverBinary, "-f", "-c", lab.path("mfschunkserver.cfg"), "start"], log: lab.path("cs.log"))
        defer { if chunkserver.isRunning { kill(chunkserver.processIdentifier, SIGTERM) } }

        let status: @Sendable () -> MasterStatus? = {
            lab.inNamespace("m") { try? StatusClient.fetch("127.0.0.1:\(master.statusPort)", timeout: 5) } ?? nil
        }
        let registered = waitUntil(30) {
            guard let server = status()?.chunkserverList?.first else { return false }
            return server.state == "registered" && server.totalBytes > 0
        }
        #expect(registered, "chunkserver log:\n\(lab.read("cs.log"))\nmaster log:\n\(master.log)")
        guard registered, let listed = status()?.chunkserverList?.first else { return }
        #expect(listed.address == "\(lab.host("c").address):9422")

        // A native client in the master's namespace writes a new file's first chunk.
        let clientPort = master.clientPort
        let written: (chain: MasterReply?, inode: InodeID?, end: WireStatus?) =
            lab.inNamespace("m") {
                guard let client = try? WireConnection(port: clientPort), (try? client.open()) != nil,
                    let created = try? client.call(
                        .mknod(client.newID(), rootCaller, parent: .root, name: "f", type: .file, mode: 0o644, rdev: 0)),
                    let inode = created.attributes?.inode,
                    (try? client.call(.open(client.newID(), rootCaller, inode: inode, flags: [.write]))) != nil,
                    let chain = try? client.call(.writeChunk(client.newID(), rootCaller, inode: inode, index: 0))
                else { return (nil, nil, nil) }
                guard case .chunkLocation(_, let location) = chain else { return (chain, inode, nil) }
                let end = try? client.call(
                    .writeChunkEnd(client.newID(), rootCaller, inode: inode, chunk: location.chunk, length: 0))
                _ = try? client.call(.release(client.newID(), rootCaller, inode: inode))
                return (chain, inode, end?.wireStatus)
            } ?? (nil, nil, nil)
        guard case .chunkLocation(_, let location)? = written.chain else {
            Issue.record("writeChunk answered \(String(describing: written.chain)); master log:\n\(master.log)")
            return
        }
        #expect(location.servers == [ChunkserverAddress(169, 254, 0, 11, port: 9422)] && location.version == 1)
        #expect(written.end == .ok)
        let chunkFile = String(format: "chunk_%016llX_00000001.mfs", location.chunk.rawValue)
        #expect(waitUntil(10) { Self.find(chunkFile, in: disk) }, "no \(chunkFile) under \(disk)")

        // Unlinked: the chunk is an orphan, and the chunkserver is told to delete it.
        let unlinked: WireStatus? =
            lab.inNamespace("m") {
                guard let client = try? WireConnection(port: clientPort), (try? client.open()) != nil else { return nil }
                return (try? client.call(.unlink(client.newID(), rootCaller, parent: .root, name: "f")))?.wireStatus
            } ?? nil
        #expect(unlinked == .ok)
        #expect(waitUntil(30) { !Self.find(chunkFile, in: disk) }, "\(chunkFile) still there; master log:\n\(master.log)")
        #expect(status()?.chunks?.total == 0)
    }

    /// Whether a file named `name` exists anywhere below `directory`.
    static func find(_ name: String, in directory: String) -> Bool {
        let found = FileManager.default.enumerator(atPath: directory)?.contains { ($0 as? String)?.hasSuffix(name) == true }
        return found ?? false
    }
}
