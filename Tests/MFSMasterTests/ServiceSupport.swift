import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

let t0 = UnixTime(1_795_315_206)

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mfsmaster-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A new cluster's service in `dir`, as mfsmaster starts one.
func newService(
    _ dir: String, mode: ChangelogSaveMode = .fsyncBeforeReply, backLogs: Int = 50, preallocate: Bool = false,
    syncReplicas: Int = 0
) throws -> MetadataService {
    let loaded = try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
    #expect(loaded.isNewCluster)
    var ns = loaded.namespace
    let first = try ns.setMetaID(MetaID(0xBEEF_0000_0000_0042), now: t0)
    let writer = try ChangelogWriter(
        directory: DataDirectory(dir), metaID: ns.metaID, mode: mode, backLogs: backLogs, lastVersion: .zero, preallocate: preallocate)
    try writer.append(first)
    let replication = ReplicationHub(
        settings: ReplicationHub.Settings(syncReplicas: syncReplicas), after: writer.status.appendedVersion, epoch: ns.epoch,
        epochStart: ns.epochStartVersion)
    return MetadataService(namespace: ns, writer: writer, directory: DataDirectory(dir), checksumInterval: 100, replication: replication)
}

func createFiles(_ service: MetadataService, _ range: Range<Int>) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for i in range {
            group.addTask {
                _ = try await service.change { (ns: inout Namespace) throws(FSError) in
                    let (attrs, record) = try ns.create(
                        .root, try EntryName(validating: "f\(i)"), type: .file, mode: 0o644, as: .root, now: t0)
                    return (attrs.inode, record)
                }
            }
        }
        try await group.waitForAll()
    }
}

/// Runs `body` with a new directory that is a tmpfs of `size` (`32k`): a disk that fills up.
func onSmallDisk(_ size: String, _ body: (String) async throws -> Void) async throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    guard mount("tmpfs", dir, "tmpfs", 0, "size=\(size)") == 0 else {
        Issue.record("mount tmpfs failed: \(String(cString: strerror(errno)))")
        return
    }
    defer { umount2(dir, Int32(MNT_DETACH)) }
    try await body(dir)
}

/// Runs `binary` with `arguments` to its end: exit status and output (stdout and stderr).
func runToEnd(_ binary: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardError = pipe
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// A cold standby's `mfsmaster.cfg` at `path`: a follower of `masterHost` (which may be
/// gone), on loopback, every port free, no chunkserver port; `extra` lines appended.
func writeColdStandbyConfig(
    _ path: String, dataPath: String, exports: String, masterHost: String, statusPort: Int, peerPort: Int = freePort(),
    extra: String = ""
) throws {
    try """
    DATA_PATH = \(dataPath)
    EXPORTS_FILENAME = \(exports)
    MASTER_ROLE = follower
    MASTER_HOST = \(masterHost)
    MATOCL_LISTEN_HOST = 127.0.0.1
    MATOCL_LISTEN_PORT = \(freePort())
    STATUS_LISTEN_HOST = 127.0.0.1
    STATUS_LISTEN_PORT = \(statusPort)
    MATOML_LISTEN_HOST = 127.0.0.1
    MATOML_LISTEN_PORT = \(peerPort)
    MATOCS_LISTEN_HOST = 127.0.0.1
    MATOCS_LISTEN_PORT = 0
    \(extra)

    """.write(toFile: path, atomically: true, encoding: .utf8)
}
