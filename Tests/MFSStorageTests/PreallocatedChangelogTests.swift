import Foundation
import MFSChangelog
import MFSCore
import MFSRestore
import Testing

@testable import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// `ChangelogWriter(preallocate: true)` (`CHANGELOG_PREALLOCATE`): zeros ahead of the last
/// line while it runs, none after a rotation or a stop, and what a crash leaves read by every
/// reader as the lines alone.
@Suite struct PreallocatedChangelogTests {
    private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The header line and `records`, as the file must hold them.
    private func expected(_ records: some Sequence<ChangelogRecord>) -> [UInt8] {
        var text = ChangelogHeader(metaID: metaID).format()
        for record in records { ChangelogCodec.append(record, to: &text) }
        return text
    }

    private func writer(_ dir: String, lastVersion: MetaVersion = .zero) throws -> ChangelogWriter {
        try ChangelogWriter(
            directory: DataDirectory(dir), metaID: metaID, mode: .fsyncBeforeReply, lastVersion: lastVersion, preallocate: true)
    }

    @Test func zerosRunAheadWhileItWritesAndGoAtTheStop() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(200)
        let writer = try writer(dir)
        for record in all { try writer.append(record) }
        try writer.sync()
        let live = try bytes(writer.currentPath)
        // What a crash now would leave: the lines, then zeros up to a step past the end of the
        // batch that last needed more (the lines may have gone out in several batches).
        #expect(live.count > expected(all).count)
        #expect(live.count <= expected(all).count + Int(ChangelogWriter.preallocationStepBytes))
        #expect(PreallocatedTail.content(of: live) == expected(all))
        writer.close()
        #expect(try bytes(writer.currentPath) == expected(all), "a stopped writer leaves no zeros")
    }

    @Test func aRotatedFileHasNoZeros() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(50)
        let writer = try writer(dir)
        for record in all.prefix(30) { try writer.append(record) }
        try writer.rotate()
        for record in all.dropFirst(30) { try writer.append(record) }
        writer.close()
        #expect(try bytes(dir + "/changelog.1.mfs") == expected(all.prefix(30)))
        #expect(try bytes(dir + "/changelog.0.mfs") == expected(all.dropFirst(30)))
    }

    /// More than a step of lines: each step's zeros are written once, and the lines over them
    /// stay whole and in order.
    @Test func linesPastSeveralStepsStayWhole() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(12_000, nameLength: 200)
        let writer = try writer(dir)
        for (n, record) in all.enumerated() {
            try writer.append(record)
            if n % 1_000 == 0 { try writer.sync() }
        }
        try writer.sync()
        let live = try bytes(writer.currentPath)
        #expect(expected(all).count > 2 * Int(ChangelogWriter.preallocationStepBytes))
        #expect(PreallocatedTail.content(of: live) == expected(all))
        #expect(live.count >= expected(all).count)
        writer.close()
    }

    /// A crash leaves the zeros: the restore's reader takes the lines alone (not a torn line),
    /// and the next writer cuts the zeros off before it goes on after the last line.
    @Test func whatACrashLeavesReadsAsTheLinesAndTheNextWriterContinues() throws {
        let dir = try temporaryDirectory()
        let copy = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: copy)
        }
        let all = records(120)
        let writer = try writer(dir)
        for record in all.prefix(100) { try writer.append(record) }
        try writer.sync()
        // The file as a crash of the host would leave it (everything here was fsynced).
        try FileManager.default.copyItem(atPath: writer.currentPath, toPath: copy + "/changelog.0.mfs")
        writer.close()

        let crashed = try bytes(copy + "/changelog.0.mfs")
        #expect(crashed.last == 0)
        let file = try ChangelogFile(name: "changelog.0.mfs", bytes: crashed)
        #expect(!file.tornLastLine)
        try file.parseLines(lastOnly: false)
        #expect(file.lastVersion == all[99].version)
        let tail = ForkTail(crashed, after: all[97].version)
        #expect(tail.lines.count == 2)

        let next = try self.writer(copy, lastVersion: all[99].version)
        for record in all.dropFirst(100) { try next.append(record) }
        try next.sync()
        #expect(PreallocatedTail.content(of: try bytes(next.currentPath)) == expected(all))
        next.close()
        #expect(try bytes(next.currentPath) == expected(all))
    }

    /// A line torn by the crash, then the zeros: still a torn line, dropped as one.
    @Test func aTornLineBeforeTheZerosIsStillTorn() throws {
        var text = expected(records(3))
        text += Array("4: 1795315206|CREATE(1,".utf8)
        text += [UInt8](repeating: 0, count: 4_096)
        let file = try ChangelogFile(name: "changelog.0.mfs", bytes: text)
        #expect(file.tornLastLine)
        #expect(file.completeLength == expected(records(3)).count)
    }

    /// A follower's `moveAside` cuts the live file back to a line; `fileWasCut` tells the
    /// writer, so that it neither writes nor cuts at its old end.
    @Test func aFileCutFromOutsideGoesOnAtItsNewEnd() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let all = records(40)
        let writer = try writer(dir)
        for record in all.prefix(30) { try writer.append(record) }
        try writer.sync()
        let moved = try ChangelogTail.moveAside(
            [writer.currentPath], after: all[19].version, epochAtFork: Epoch(0), header: ChangelogHeader(metaID: metaID).format(),
            in: DataDirectory(dir))
        #expect(moved.map(\.count) == [10])
        #expect(try bytes(writer.currentPath) == expected(all.prefix(20)))
        writer.fileWasCut()
        // The same writer goes on, as a follower's does once it has the metadata again: the
        // rotation leaves the cut file as the cut left it (not grown back to where the
        // writer's own last line had ended), and the next file starts after the fork point.
        try writer.rotate(restartAfter: all[19].version)
        for record in all.dropFirst(20).prefix(5) { try writer.append(record) }
        writer.close()
        #expect(try bytes(dir + "/changelog.1.mfs") == expected(all.prefix(20)))
        #expect(try bytes(writer.currentPath) == expected(all.dropFirst(20).prefix(5)))
    }

    /// On a file system with less than `preallocationMinimumFreeBytes` free (a tmpfs of
    /// 8 MiB), no zeros are written: the lines are appended.
    @Test(.enabled(if: getuid() == 0, "needs root to mount a small tmpfs"))
    func aDiskShortOfSpaceGetsNoZeros() throws {
        let dir = try temporaryDirectory()
        guard "size=8m".withCString({ mount("tmpfs", dir, "tmpfs", 0, $0) }) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        defer {
            umount2(dir, Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: dir)
        }
        #expect(ChangelogWriter.preallocationMinimumFreeBytes > 8 << 20)
        let all = records(100)
        let writer = try writer(dir)
        for record in all { try writer.append(record) }
        try writer.sync()
        #expect(try bytes(writer.currentPath) == expected(all))
        writer.close()
    }

    @Test func contentLengthStopsAtTheLastByteThatIsNotZero() {
        #expect(PreallocatedTail.contentLength(of: []) == 0)
        #expect(PreallocatedTail.contentLength(of: [0, 0]) == 0)
        #expect(PreallocatedTail.contentLength(of: [0x41, 0x0A]) == 2)
        #expect(PreallocatedTail.contentLength(of: [0x41, 0x0A, 0, 0, 0]) == 2)
        #expect(PreallocatedTail.content(of: [0x41, 0, 0x0A, 0]) == [0x41, 0, 0x0A])
    }
}
