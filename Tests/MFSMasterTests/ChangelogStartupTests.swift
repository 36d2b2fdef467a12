import Foundation
import MFSChangelog
import MFSCore
import MFSMaster
import MFSMetadata
import MFSStorage
import Testing

/// What a master does at start with a `changelog.0.mfs` that does not parse (DESIGN §3, §5):
/// a torn last line (a crash mid-write) is dropped with a warning and cut off on disk; any
/// other line that does not parse stops the start, naming file and line, and the writer never
/// appends a version the changelog already has.
@Suite struct ChangelogStartupTests {
    /// A data directory as a master leaves it when it crashes: `metadata.mfs` at the dump, and
    /// `changelog.0.mfs` with the changes since. Returns the dumped and the last version.
    private func crashedMaster(_ dir: String) async throws -> (dumped: MetaVersion, last: MetaVersion) {
        let service = try newService(dir)
        try await createFiles(service, 0..<20)
        let dumped = try await service.dump()
        try await createFiles(service, 20..<40)
        let last = service.namespace.version
        service.writer.close()
        return (dumped, last)
    }

    /// The same after `mfsmaster -a`: `metadata.mfs` holds everything `changelog.0.mfs` holds.
    private func restoredMaster(_ dir: String) async throws -> MetaVersion {
        let (_, last) = try await crashedMaster(dir)
        let restored = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { _ in })
        #expect(restored.namespace.version == last && restored.needsDump)
        // The restore is in memory: the master dumps once it serves, as here.
        try FileIO.writeMetadata(restored.namespace, to: dir + "/metadata.mfs", keepPrevious: 1)
        return last
    }

    /// Replaces line `number` (1-based; the header is line 1) of `path` with `text`.
    private func replaceLine(_ number: Int, of path: String, with text: String) throws {
        var lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        lines[number - 1] = text
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func lineCount(_ path: String) throws -> Int {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count - 1
    }

    /// A start on `dir` stops, naming `path:line`, saying the line does not parse and what to do.
    private func expectStartRefused(_ dir: String, naming path: String, line: Int) {
        #expect {
            try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(path):\(line) does not parse") && text.contains("move \(path) aside")
        }
    }

    /// The last complete line is damaged (not torn: it ends with its `\n`). Skipping the file
    /// would let the master start at the dump and append versions the file already has.
    @Test func aDamagedLastLineStopsTheStart() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await crashedMaster(dir)
        let path = dir + "/changelog.0.mfs"
        let last = try lineCount(path)
        try replaceLine(last, of: path, with: "4x: 1795315206|CREATE(1,f39,f,420,0,0):41")
        expectStartRefused(dir, naming: path, line: last)
    }

    /// A damaged line in the middle of a changelog whose changes `metadata.mfs` already holds.
    @Test func aDamagedLineInTheMiddleStopsTheStart() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await restoredMaster(dir)
        let path = dir + "/changelog.0.mfs"
        try replaceLine(5, of: path, with: "27: 1795315206|CREATE(1,f2")
        expectStartRefused(dir, naming: path, line: 5)
    }

    /// An older changelog (`changelog.1.mfs`, rotated whole) is checked by its header and last
    /// line, which say what it holds: either damaged stops the start too, naming the file and
    /// line, rather than skipping a file that might hold changes past `metadata.mfs`.
    @Test func anOlderChangelogWithADamagedLastLineOrHeaderStopsTheStart() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await restoredMaster(dir)
        let path = dir + "/changelog.1.mfs"
        let whole = try FileIO.read(dir + "/changelog.0.mfs")
        try Data(whole).write(to: URL(fileURLWithPath: path))
        _ = try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in })  // intact: it starts
        let last = try lineCount(path)
        try replaceLine(last, of: path, with: "4x: 1795315206|CREATE(1,f39,f,420,0,0):41")
        expectStartRefused(dir, naming: path, line: last)
        try Data(whole).write(to: URL(fileURLWithPath: path))
        try replaceLine(1, of: path, with: "not a changelog header")
        expectStartRefused(dir, naming: path, line: 1)
    }

    /// A torn last line (no `\n`: the crash came mid-write) was never acknowledged: it is
    /// dropped with a warning and cut off the file before anything is appended, so the next
    /// line starts on a line of its own and a later restore sees no damage.
    @Test func aTornLastLineIsDroppedWithAWarningAndCutOff() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let last = try await restoredMaster(dir)
        let path = dir + "/changelog.0.mfs"
        let whole = try FileIO.read(path)
        try Data(whole + Array("\(last.next): 1795315206|CREATE(1,tor".utf8)).write(to: URL(fileURLWithPath: path))
        var warnings: [String] = []
        let loaded = try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { warnings.append($0) })
        #expect(loaded.namespace.version == last)
        #expect(warnings.contains { $0.contains(path) && $0.contains("torn") }, "\(warnings)")
        #expect(try FileIO.read(path) == whole, "the torn line is still in the file")
        // The writer appends after it; a restore finds nothing to drop.
        let writer = try ChangelogWriter(
            directory: DataDirectory(dir), metaID: loaded.namespace.metaID, mode: .fsyncBeforeReply, lastVersion: last)
        try writer.append(ChangelogRecord(version: last.next, time: t0, change: .idle))
        writer.close()
        var restoreWarnings: [String] = []
        let restored = try MasterStartup.load(dataPath: dir, autoRestore: true, warn: { restoreWarnings.append($0) })
        #expect(restored.namespace.version == last.next)
        #expect(restoreWarnings.isEmpty, "\(restoreWarnings)")
    }
}
