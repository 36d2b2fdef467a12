import Foundation
import Testing

/// The hooks take `mfscli` from `MFS_BIN`, a colon-separated list of
/// directories (the announcer's unit sets `/usr/local/sbin:/usr/local/bin`); a tool in none of
/// them is an error, never a `PATH` lookup that could find Debian's `/usr/bin/mfscli`.
@Suite struct HookBinTests {
    /// A status address where nothing listens (port 1, tcpmux, is not served here).
    static let silent = "127.0.0.1:1"

    @Test func theToolIsFoundInALaterDirectoryOfMFSBin() throws {
        let run = try Repository.script(
            "mfs-demote", [], environment: ["MFS_BIN": "/nonexistent:\(Repository.debugBinaries)", "MFS_STATUS": Self.silent])
        // mfscli ran (from the second directory) and found no master: nothing to fence.
        #expect(run.status == 0 && run.err.contains("no master answers at \(Self.silent): nothing to fence"), "\(run.err)")
    }

    @Test(arguments: ["mfs-demote", "mfs-promote"]) func aToolInNoDirectoryOfMFSBinIsAnError(_ hook: String) throws {
        let empty = try Repository.temporaryDirectory("hookbin")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        // An mfscli on PATH is not taken when MFS_BIN is set.
        let path = "\(Repository.debugBinaries):" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try Repository.script(
            hook, [], environment: ["MFS_BIN": "\(empty):/nonexistent", "MFS_STATUS": Self.silent, "PATH": path])
        #expect(run.status == 1 && run.err.contains("\(hook): mfscli is in none of MFS_BIN=\(empty):/nonexistent"), "\(run.err)")
    }

    /// The cold standby needs nothing from MFS_BIN but mfscli: it starts the master straight on
    /// the metalogger's files (no mfsmetarestore), with MFS_MASTER_START.
    @Test func theColdStandbyNeedsOnlyMfscliFromMFSBin() throws {
        let bin = try Repository.temporaryDirectory("hookbin-cli")
        defer { try? FileManager.default.removeItem(atPath: bin) }
        try FileManager.default.createSymbolicLink(atPath: bin + "/mfscli", withDestinationPath: Repository.debugBinaries + "/mfscli")
        let run = try Repository.script(
            "mfs-promote", [],
            environment: [
                "MFS_BIN": bin, "MFS_STATUS": Self.silent, "MFS_COLD_STANDBY": "1", "MFS_DATA_PATH": bin, "MFS_MASTER_START": "exit 3",
            ])
        #expect(run.status == 1 && run.err.contains("the master did not start"), "\(run.err)")
        #expect(!run.err.contains("in none of MFS_BIN"), "\(run.err)")
    }
}
