import Foundation
import MFSCore
import MFSMetadata
import MFSStatus
import MFSStorage
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A master whose changelog disk fills up: a tmpfs of `DiskFull.bytes` as `DATA_PATH`.
/// Needs root (mount); reported as skipped otherwise.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to mount a small tmpfs as DATA_PATH"))
struct ChangelogDiskFullTests {
    @Test(arguments: [0, 1, 2]) func fullDiskStopsChangesAndIsReported(mode: Int) throws {
        let master = try MasterProcess(settings: ["CHANGELOG_SAVE_MODE": "\(mode)", "METADATA_SAVE_FREQ": "24"])
        let disk = try DiskFull(master.dataPath)
        defer {
            master.crash()
            disk.unmount()
        }
        try master.start()
        let c = try master.connect()
        _ = try c.open()

        // Long names fill the changelog fast; go on until the master refuses.
        var made: [EntryName] = []
        var refusal: WireStatus?
        for n in 0..<100_000 {
            let name = EntryName(unchecked: Array(String(format: "%06d", n).utf8) + [UInt8](repeating: 0x78, count: 240))
            let status = try c.call(.mknod(c.newID(), rootCaller, parent: .root, name: name, type: .file, mode: 0o644, rdev: 0))
                .wireStatus
            guard status == .ok else {
                refusal = status
                break
            }
            made.append(name)
        }
        #expect(refusal == .ioError, "mode \(mode): the master went on taking changes or answered \(String(describing: refusal))")
        #expect(made.count > 100)
        // In mode 0 the reply does not wait for the disk: the failure shows a little later.
        if mode == 0 { usleep(100_000) }
        // From then on every change is refused (no space is freed by refusing), reads work.
        #expect(try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "later", mode: 0o755)).wireStatus == .ioError)
        #expect(try c.call(.getAttributes(c.newID(), inode: .root)).wireStatus == .ok)
        let status = try StatusClient.fetch("127.0.0.1:\(master.statusPort)")
        #expect(!status.healthy && !status.writable)
        #expect(status.changelog.error?.contains("No space left on device") == true, "\(String(describing: status.changelog.error))")
        #expect(master.log.contains("changelog write failed"))
        #expect(master.isRunning)

        // Every change acknowledged before the failure is in the changelog (mode 0 promises
        // nothing: its replies never waited for the disk).
        master.crash()
        if mode > 0 {
            let changelog = try FileIO.read(master.dataPath + "/changelog.0.mfs")
            let text = String(decoding: changelog, as: UTF8.self)
            for name in made {
                #expect(
                    text.contains(String(decoding: name.bytes, as: UTF8.self)),
                    "mode \(mode): an acknowledged create is not in the changelog")
            }
            // No torn line at the end.
            #expect(changelog.last == 0x0A)
        }
    }
}

/// A tmpfs mounted over a directory, so that writes there fail with ENOSPC.
struct DiskFull {
    static let bytes = 256 * 1024
    let path: String

    init(_ path: String) throws {
        self.path = path
        let mounted = "size=\(Self.bytes)".withCString { mount("tmpfs", path, "tmpfs", 0, $0) }
        guard mounted == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func unmount() { umount2(path, Int32(MNT_DETACH)) }
}
