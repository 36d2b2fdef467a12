import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The data path end to end on loopback (issue #12): one master, three of our chunkservers as
/// separate processes, and `mfs put`/`get` as a user runs them; every check on real files.
@Suite(.serialized) struct DataPathTests {
    static let chunk = 64 << 20

    @Test func putAndGetEverySizeAtGoalsOneTwoAndThree() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let sizes = [0, 1, 65_535, 65_536, 65_537, Self.chunk - 1, Self.chunk, Self.chunk + 1, 200 << 20]
        for (index, size) in sizes.enumerated() {
            let local = try cluster.localFile("in-\(size)", size: size, seed: UInt64(index + 1))
            for goal in 1...3 {
                let name = "/f-\(size)-g\(goal)"
                let put = try cluster.mfs(["put", "-q", "-g", "\(goal)", local, name])
                #expect(put.status == 0, "put \(size) B at goal \(goal): \(put.err)\n\(cluster.logs())")
                let back = cluster.path("back")
                let get = try cluster.mfs(["get", "-q", name, back])
                #expect(get.status == 0, "get \(size) B at goal \(goal): \(get.err)")
                #expect(DataCluster.same(local, back), "\(size) B at goal \(goal) came back different")
                let listed = try cluster.mfs(["stat", name]).out
                #expect(listed.contains("\(size)"), "stat of \(name): \(listed)")
                try? FileManager.default.removeItem(atPath: back)
                try cluster.mfs(["rm", name])
            }
            try? FileManager.default.removeItem(atPath: local)
        }
        let status = try cluster.status()
        #expect(status.chunks?.missing == 0, "\(String(describing: status.chunks))")
    }

    /// Each chunk is stored at its goal: as many copies as the goal, on distinct servers.
    @Test func eachChunkHasGoalCopiesOnDistinctServers() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let local = try cluster.localFile("two-chunks", size: Self.chunk + 5, seed: 9)
        #expect(try cluster.mfs(["put", "-q", "-g", "2", local, "/g2"]).status == 0)
        let files = cluster.chunkFiles()
        let byChunk = Dictionary(grouping: files) { String($0.name.dropFirst("chunk_".count).prefix(16)) }
        #expect(byChunk.count == 2, "\(files.map(\.name))")
        for (id, copies) in byChunk {
            #expect(copies.count == 2 && Set(copies.map(\.server)).count == 2, "chunk \(id): \(copies.map { ($0.server, $0.name) })")
        }
        // `mfs info` gives the connected chunkservers' space, the total /status lists; a
        // chunkserver that stopped no longer counts.
        let info = try cluster.mfs(["info"])
        let total = try #require(cluster.status().chunkserverList).reduce(UInt64(0)) { $0 + $1.totalBytes }
        #expect(total > 0 && info.status == 0 && info.out.contains("total space:       \(total)\n"), "\(total): \(info)")
        #expect(cluster.servers[2].stop() == 0)
        #expect(waitUntil(30) { (try? cluster.status().chunkserverList?.filter { $0.state == "disconnected" }.count) == 1 })
        let connected = try #require(cluster.status().chunkserverList).filter { $0.state != "disconnected" }
        let left = connected.reduce(UInt64(0)) { $0 + $1.totalBytes }
        let after = try cluster.mfs(["info"])
        #expect(connected.count == 2 && after.out.contains("total space:       \(left)\n"), "\(left): \(after)")
    }

    /// A chunkserver killed in the middle of a goal-2 write: the put either reports success
    /// and then every byte reads back, or fails with a clear message; never a short replica
    /// set called success.
    @Test func aChunkserverKilledDuringAGoalTwoWrite() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let local = try cluster.localFile("big", size: 200 << 20, seed: 3)
        let put = Process()
        put.executableURL = URL(fileURLWithPath: MasterProcess.binaryPath("mfs"))
        put.arguments = ["-H", "127.0.0.1:\(cluster.master.clientPort)", "put", "-q", "-g", "2", local, "/k"]
        let errors = Pipe()
        put.standardError = errors
        try put.run()
        // Kill a server once chunk data is flowing to it, while the write still runs (else the
        // test would check nothing: a write that ended before the kill).
        var victim: Int?
        #expect(
            waitUntil(30) {
                victim = cluster.chunkFiles().first { $0.bytes.count > 8192 }?.server
                return victim != nil || !put.isRunning
            })
        let killed = try #require(victim, "no chunk data reached a chunkserver")
        #expect(put.isRunning, "the write ended before a chunkserver was killed")
        cluster.servers[killed].kill()
        put.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if put.terminationStatus == 0 {
            let back = cluster.path("back")
            #expect(try cluster.mfs(["get", "-q", "/k", back]).status == 0)
            #expect(DataCluster.same(local, back), "a put reported done but the file reads back different")
        } else {
            #expect(message.contains("cannot store '/k'"), "a failed put says what failed: \(message)")
            // The file's length covers only chunks every replica acknowledged (two chunks are
            // in flight at a time; a later one that succeeded does not extend past a failure).
            let back = cluster.path("back-failed")
            #expect(try cluster.mfs(["get", "-q", "/k", back]).status == 0)
            let (got, sent) = (try Data(contentsOf: URL(fileURLWithPath: back)), try Data(contentsOf: URL(fileURLWithPath: local)))
            #expect(got.count % (64 << 20) == 0 && got.count < sent.count, "a failed put left a length of \(got.count) bytes")
            #expect(got == sent.prefix(got.count), "the acknowledged part of a failed put reads back different")
        }
        #expect(
            cluster.servers.indices.allSatisfy { $0 == killed || cluster.servers[$0].isRunning }
                && cluster.master.process?.isRunning == true)
        // A new write goes on without the dead server.
        let small = try cluster.localFile("small", size: 100_000, seed: 4)
        #expect(try cluster.mfs(["put", "-q", "-g", "2", small, "/after"]).status == 0)
        let back = cluster.path("back-small")
        #expect(try cluster.mfs(["get", "-q", "/after", back]).status == 0 && DataCluster.same(small, back))
    }

    /// A flipped byte in a stored block is detected (its CRC), never served: the read comes
    /// from the other copy, the master is told and the chunk is repaired from a good copy.
    @Test func aFlippedByteIsNeverServedAndTheChunkIsRepaired() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let size = 300_000
        let local = try cluster.localFile("flip", size: size, seed: 5)
        #expect(try cluster.mfs(["put", "-q", "-g", "2", local, "/flip"]).status == 0)
        let copies = cluster.chunkFiles()
        try #require(copies.count == 2, "\(copies.map(\.name))")
        let victim = copies[0]
        try cluster.flip(server: victim.server, name: victim.name, at: 8192 + 70_000, mask: 0x5A)
        // Reads come back right whichever copy they try first (the client tries them in random
        // order); one that hits the damaged copy gets the CRC error there, tells nobody wrong
        // bytes, and the chunkserver reports the damage. Read until the chunk is repaired: two
        // copies again, each holding the right bytes.
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: local)))
        var reads = 0
        let repaired = waitUntil(60) {
            let back = cluster.path("back-\(reads)")
            reads += 1
            let get = try? cluster.mfs(["get", "-q", "/flip", back])
            #expect(get?.status == 0 && DataCluster.same(local, back), "read \(reads): \(get?.err ?? "-")")
            try? FileManager.default.removeItem(atPath: back)
            let now = cluster.chunkFiles()
            return now.count == 2 && now.allSatisfy { Array($0.bytes[8192..<min($0.bytes.count, 8192 + size)]) == expected }
        }
        #expect(repaired, "the damaged copy was not replaced: \(cluster.chunkFiles().map { ($0.server, $0.name) })\n\(cluster.logs())")
    }

    /// A chunkserver that was down while a chunk's version moved on comes back with the old
    /// version: that copy is deleted, and the chunk goes back to its goal.
    @Test func aStaleCopyIsDeletedWhenItsServerComesBack() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let local = try cluster.localFile("stale", size: 100_000, seed: 6)
        #expect(try cluster.mfs(["put", "-q", "-g", "3", local, "/s"]).status == 0)
        let before = cluster.chunkFiles()
        try #require(before.count == 3)
        let oldName = before.first { $0.server == 0 }!.name
        #expect(cluster.servers[0].stop() == 0)
        let cut = try cluster.mfs(["truncate", "-s", "50000", "/s"])
        #expect(cut.status == 0, "\(cut.err)")
        try cluster.servers[0].start()
        let deleted = waitUntil(60) {
            let now = cluster.chunkFiles()
            return !now.contains { $0.server == 0 && $0.name == oldName } && now.count == 3 && Set(now.map(\.name)).count == 1
        }
        #expect(deleted, "stale copy \(oldName) still there: \(cluster.chunkFiles().map { ($0.server, $0.name) })\n\(cluster.logs())")
        let back = cluster.path("back")
        #expect(try cluster.mfs(["get", "-q", "/s", back]).status == 0)
        #expect(
            Array(try Data(contentsOf: URL(fileURLWithPath: back)))
                == Array(try Data(contentsOf: URL(fileURLWithPath: local)).prefix(50_000)))
    }

    /// Goal raised: the chunk is replicated to it; lowered: the extra copies are trimmed.
    @Test func raisingAndLoweringTheGoalReplicatesAndTrims() throws {
        let cluster = try DataCluster(chunkservers: 3)
        defer { cluster.teardown() }
        let local = try cluster.localFile("goal", size: 1 << 20, seed: 7)
        #expect(try cluster.mfs(["put", "-q", "-g", "1", local, "/g"]).status == 0)
        #expect(cluster.chunkFiles().count == 1)
        #expect(try cluster.mfs(["setgoal", "3", "/g"]).status == 0)
        #expect(
            waitUntil(60) { cluster.chunkFiles().count == 3 }, "not replicated to goal 3: \(cluster.chunkFiles().count)\n\(cluster.logs())")
        #expect(try cluster.mfs(["setgoal", "1", "/g"]).status == 0)
        #expect(waitUntil(60) { cluster.chunkFiles().count == 1 }, "not trimmed to goal 1: \(cluster.chunkFiles().count)")
        let back = cluster.path("back")
        #expect(try cluster.mfs(["get", "-q", "/g", back]).status == 0 && DataCluster.same(local, back))
    }

    /// Holes read as zeros: a file extended by truncate past its data, across chunks; `cat`
    /// prints what `get` writes.
    @Test func sparseFilesReadZerosAndCatPrintsTheData() throws {
        let cluster = try DataCluster(chunkservers: 2)
        defer { cluster.teardown() }
        let local = try cluster.localFile("head", size: 70_000, seed: 11)
        #expect(try cluster.mfs(["put", "-q", "-g", "2", local, "/sparse"]).status == 0)
        let length = Self.chunk * 2 + 12_345
        #expect(try cluster.mfs(["truncate", "-s", "\(length)", "/sparse"]).status == 0)
        let back = cluster.path("back")
        #expect(try cluster.mfs(["get", "-q", "/sparse", back]).status == 0)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: back)))
        let head = Array(try Data(contentsOf: URL(fileURLWithPath: local)))
        #expect(bytes.count == length && Array(bytes.prefix(70_000)) == head)
        #expect(bytes[70_000...].allSatisfy { $0 == 0 }, "the hole after the data reads as zeros")
        // Only the first chunk holds data: the rest of the file is holes, not stored zeros.
        #expect(Set(cluster.chunkFiles().map(\.name)).count == 1)
        let text = (1...2_000).map { "line \($0)\n" }.joined()
        let small = cluster.path("text")
        try text.write(toFile: small, atomically: true, encoding: .utf8)
        #expect(try cluster.mfs(["put", "-q", small, "/text"]).status == 0)
        let cat = try cluster.mfs(["cat", "/text"])
        #expect(cat.status == 0 && cat.out == text, "cat printed \(cat.out.count) characters")
    }

    /// A data directory that fills up: the write fails with a clear message, nothing crashes,
    /// and what was stored before still reads back.
    @Test func aFullDataDirectoryFailsTheWriteCleanly() throws {
        guard getuid() == 0 else {
            Issue.record("needs root to mount a small tmpfs (scripts/test.sh runs as root)")
            return
        }
        let mountPoint = NSTemporaryDirectory() + "mfsfull-\(getpid())"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(runShell("mount -t tmpfs -o size=80m tmpfs \(mountPoint)") == 0)
        defer {
            _ = runShell("umount -l \(mountPoint)")
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let cluster = try DataCluster(chunkservers: 1, chunkDirectories: [0: mountPoint])
        defer { cluster.teardown() }
        let small = try cluster.localFile("small", size: 1 << 20, seed: 8)
        let first = try cluster.mfs(["put", "-q", "-g", "1", small, "/small"])
        let big = try cluster.localFile("big", size: 200 << 20, seed: 9)
        let put = try cluster.mfs(["put", "-q", "-g", "1", big, "/big"])
        #expect(put.status != 0, "a 200 MiB put onto an 80 MiB disk reported success")
        #expect(put.err.contains("cannot store '/big'") && (put.err.contains("space") || put.err.contains("NOSPACE")), "\(put.err)")
        #expect(cluster.servers[0].isRunning && cluster.master.process?.isRunning == true)
        if first.status == 0 {
            let back = cluster.path("back")
            #expect(try cluster.mfs(["get", "-q", "/small", back]).status == 0 && DataCluster.same(small, back))
        }
    }
}

/// `sh -c command`'s exit status.
func runShell(_ command: String) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}
