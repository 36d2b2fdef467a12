import Foundation
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import Testing

/// A follower's periodic dump and what replaces its files from the active master (a download
/// installed, superseded changes moved aside) never cross: both write `metadata.mfs.tmp`, and
/// a dump's older snapshot renamed in after an install would leave `metadata.mfs` behind a
/// changelog that starts after the installed version.
@Suite struct DumpExclusionTests {
    @Test func aDumpAskedForDuringAnInstallWaitsForIt() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir)
        defer { service.writer.close() }  // its thread holds it unowned
        try await createFiles(service, 0..<10)
        let before = service.lastDump
        let dump: Task<MetaVersion, any Error> = service.withoutDumps {
            let task = Task { try await service.dump() }
            Thread.sleep(forTimeInterval: 0.3)
            #expect(service.lastDump?.version == before?.version, "a dump ran while the metadata files were held")
            return task
        }
        let dumped = try await dump.value
        #expect(dumped == service.namespace.version)

        // An install, then a dump: metadata.mfs holds the installed namespace.
        var newer = service.namespace
        for i in 0..<5 { _ = try newer.create(.root, try EntryName(validating: "new-\(i)"), type: .file, mode: 0o644, as: .root, now: t0) }
        try service.install(newer)
        #expect(try await service.dump() == newer.version)
        let onDisk = try MetadataFile.decode(try FileIO.read(dir + "/metadata.mfs"))
        #expect(onDisk.version == newer.version)
    }
}
