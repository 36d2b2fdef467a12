import Foundation
import MFSChunkStore
import MFSCore
import Testing

@Suite struct ScanTests {
    func place(_ dir: TestDirectory, _ relative: String, _ bytes: [UInt8]) throws {
        let path = dir.path + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    func emptyChunk(_ id: UInt64, _ version: UInt32) -> [UInt8] {
        ChunkHeader(id: ChunkID(id), version: ChunkVersion(version)).bytes + [UInt8](repeating: 0, count: 4096)
    }

    /// Misnamed and misshapen files are reported and left in place; the same chunk in two
    /// directories keeps the higher version; all 256 subdirectories are created.
    @Test func strayFilesAreReportedAndDuplicatesKeepTheHigherVersion() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try place(dir, "hdd1/00/chunk_0000000000000001_00000001.mfs", emptyChunk(1, 1))
        try place(dir, "hdd1/3A/chunk_0000000000000002_00000004.mfs", emptyChunk(2, 4))
        try place(dir, "hdd2/FF/chunk_0000000000000002_00000005.mfs", emptyChunk(2, 5))
        try place(dir, "hdd2/01/chunk_0000000000000001_00000001.mfs", emptyChunk(1, 1))
        // Not a chunk's header, so not a torn chunk file either (below).
        try place(dir, "hdd1/00/chunk_0000000000000003_00000001.mfs", [UInt8](repeating: 7, count: 8195))
        try place(dir, "hdd1/00/chunk_000000000000000a_00000001.mfs", emptyChunk(10, 1))
        try place(dir, "hdd1/00/notes.txt", [1])
        try place(dir, "hdd2/00/chunk_0000000000000004_80000000.mfs", emptyChunk(4, 0x8000_0000))
        let store = try ChunkStore(directories: [dir.entry("hdd1"), dir.entry("hdd2")], options: testOptions())
        #expect(store.chunks.map(\.id) == [ChunkID(1), ChunkID(2)])
        #expect(store.chunk(ChunkID(2))?.version == ChunkVersion(5))
        #expect(store.chunk(ChunkID(2))?.path == dir.path + "/hdd2/FF/chunk_0000000000000002_00000005.mfs")
        #expect(store.chunk(ChunkID(1))?.directory == dir.path + "/hdd1/")
        let problems = Set(store.scanProblems.map(\.description))
        #expect(store.scanProblems.count == 6)
        #expect(problems.contains { $0.contains("chunk_0000000000000004_80000000.mfs: skipped") && $0.contains("version above 7FFFFFFF") })
        #expect(
            problems.contains("\(dir.path)/hdd1/00/chunk_0000000000000003_00000001.mfs: skipped, 8195 bytes is not a chunk file's length"))
        #expect(problems.contains { $0.contains("chunk_000000000000000a_00000001.mfs: skipped") && $0.contains("uppercase hex") })
        #expect(problems.contains { $0.contains("notes.txt: skipped") })
        #expect(
            store.scanProblems.contains(
                .duplicate(
                    kept: dir.path + "/hdd2/FF/chunk_0000000000000002_00000005.mfs",
                    ignored: dir.path + "/hdd1/3A/chunk_0000000000000002_00000004.mfs")))
        #expect(
            store.scanProblems.contains(
                .duplicate(
                    kept: dir.path + "/hdd1/00/chunk_0000000000000001_00000001.mfs",
                    ignored: dir.path + "/hdd2/01/chunk_0000000000000001_00000001.mfs")))
        // Nothing was deleted.
        for kept in [
            "hdd1/00/chunk_0000000000000003_00000001.mfs", "hdd1/3A/chunk_0000000000000002_00000004.mfs",
            "hdd2/01/chunk_0000000000000001_00000001.mfs",
        ] {
            #expect(FileManager.default.fileExists(atPath: dir.path + "/" + kept))
        }
        let subdirectories = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/hdd1").filter { $0 != ".lock" }
        #expect(subdirectories.sorted() == ChunkSubdirectory.all.map(\.description))
        // The registration list reports the directory marked for removal with bit 31.
        #expect(store.chunks.map(\.reportedVersion) == [1, 5])
    }

    /// A chunk file that ends inside a block, as a crash leaves a write that extends the chunk:
    /// the whole blocks before it (which may hold acknowledged writes) stay readable, the torn
    /// bytes (never acknowledged) go, and the scan says so. A file that only looks torn (a
    /// 1024-byte header's CRC table where a 4096-byte header has zeros, another chunk's header),
    /// or lies in a directory marked for removal, is skipped and left as it was.
    @Test func aTornTailIsCutBackToTheLastWholeBlock() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let data = pattern(2 * ChunkLimits.blockSize, seed: 9)
        let relative: String
        do {
            let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
            try store.create(ChunkID(5), version: ChunkVersion(3))
            try store.write(ChunkID(5), version: ChunkVersion(3), offset: 0, bytes: data, crc: BlockCRC.checksum(data))
            try store.finish(ChunkID(5))
            relative = String(try #require(store.chunk(ChunkID(5))?.path).dropFirst(dir.path.count + 1))
        }
        let whole = dir.bytes(relative)
        #expect(whole.count == ChunkLimits.dataOffset + 2 * ChunkLimits.blockSize)
        try place(dir, relative, whole + pattern(5000, seed: 10))
        var old = emptyChunk(6, 1) + [UInt8](repeating: 0, count: 100)
        old[2000] = 1  // a CRC entry of a file with a 1024-byte header
        try place(dir, "hdd1/06/chunk_0000000000000006_00000001.mfs", old)
        try place(dir, "hdd1/07/chunk_0000000000000007_00000001.mfs", emptyChunk(8, 1) + [1])
        try place(dir, "hdd2/09/chunk_0000000000000009_00000001.mfs", emptyChunk(9, 1) + [1, 2])
        var removing = dir.entry("hdd2")
        removing.markedForRemoval = true

        let store = try ChunkStore(directories: [dir.entry(), removing], options: testOptions())
        #expect(store.chunks.map(\.id) == [ChunkID(5)])
        #expect(store.chunk(ChunkID(5))?.blocks == 2)
        #expect(dir.bytes(relative) == whole)
        let read = try store.read(ChunkID(5), version: ChunkVersion(3), offset: 0, size: data.count).flatMap(\.bytes)
        #expect(read == data)
        let problems = Set(store.scanProblems.map(\.description))
        #expect(
            problems.contains(
                "\(dir.path)/\(relative): \(whole.count + 5000) bytes, ending inside block 2: cut back to 2 whole blocks (5000 bytes of "
                    + "a write a crash cut short, never acknowledged)"))
        #expect(
            problems.contains("\(dir.path)/hdd1/06/chunk_0000000000000006_00000001.mfs: skipped, 8292 bytes is not a chunk file's length"))
        #expect(
            problems.contains("\(dir.path)/hdd1/07/chunk_0000000000000007_00000001.mfs: skipped, 8193 bytes is not a chunk file's length"))
        #expect(
            problems.contains("\(dir.path)/hdd2/09/chunk_0000000000000009_00000001.mfs: skipped, 8194 bytes is not a chunk file's length"))
        #expect(dir.bytes("hdd1/06/chunk_0000000000000006_00000001.mfs") == old)
        #expect(dir.bytes("hdd1/07/chunk_0000000000000007_00000001.mfs").count == 8193)
        #expect(dir.bytes("hdd2/09/chunk_0000000000000009_00000001.mfs").count == 8194)
        // The limits: a file of a header, a table and every block is whole; one byte more is
        // neither whole nor torn.
        #expect(ChunkFileLayout(tornLength: ChunkLimits.maxFileLength - 1)?.blocks == ChunkLimits.blocksPerChunk - 1)
        #expect(ChunkFileLayout(tornLength: ChunkLimits.maxFileLength) == nil)
        #expect(ChunkFileLayout(fileLength: ChunkLimits.maxFileLength)?.blocks == ChunkLimits.blocksPerChunk)
        #expect(ChunkFileLayout(tornLength: ChunkLimits.maxFileLength + 1) == nil)
        #expect(ChunkFileLayout(tornLength: ChunkLimits.dataOffset) == nil)
        #expect(ChunkFileLayout(tornLength: ChunkLimits.dataOffset + 1)?.blocks == 0)
    }

    /// The write a crash cut short may have written whole blocks before the torn one, whose
    /// table entries (stored only when a write is made durable) still say "no block": they go
    /// too. A block whose real CRC no longer matches (an acknowledged block changed in place)
    /// stays, and reads as damaged rather than vanishing.
    @Test func aTornTailTakesTheWholeBlocksOfTheSameWriteWithIt() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var paths: [UInt64: String] = [:]
        do {
            let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
            for (id, blocks) in [(11 as UInt64, 1), (12, 2)] {
                let data = pattern(blocks * ChunkLimits.blockSize, seed: id)
                try store.create(ChunkID(id), version: ChunkVersion(1))
                try store.write(ChunkID(id), version: ChunkVersion(1), offset: 0, bytes: data, crc: BlockCRC.checksum(data))
                try store.finish(ChunkID(id))
                paths[id] = String(try #require(store.chunk(ChunkID(id))?.path).dropFirst(dir.path.count + 1))
            }
        }
        let eleven = try #require(paths[11])
        let twelve = try #require(paths[12])
        let first = dir.bytes(eleven)
        try place(dir, eleven, first + pattern(ChunkLimits.blockSize + 3000, seed: 20))
        var second = dir.bytes(twelve)
        second[ChunkLimits.dataOffset + ChunkLimits.blockSize + 100] ^= 0x01
        try place(dir, twelve, second + pattern(3000, seed: 21))

        let store = try ChunkStore(directories: [dir.entry()], options: testOptions())
        #expect(store.chunk(ChunkID(11))?.blocks == 1)
        #expect(dir.bytes(eleven) == first)
        #expect(store.chunk(ChunkID(12))?.blocks == 2)
        #expect(dir.bytes(twelve) == second)
        #expect(throws: ChunkStoreError.self) { try store.read(ChunkID(12), version: .any, offset: ChunkLimits.blockSize, size: 10) }
        let problems = Set(store.scanProblems.map(\.description))
        #expect(
            problems.contains(
                "\(dir.path)/\(eleven): \(first.count + ChunkLimits.blockSize + 3000) bytes, ending inside block 2: cut back "
                    + "to 1 whole blocks (\(ChunkLimits.blockSize + 3000) bytes of a write a crash cut short, never acknowledged)"),
            "\(problems)")
    }

    @Test func chunksOnADirectoryMarkedForRemovalCarryBit31() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        try place(dir, "hdd1/00/chunk_0000000000000001_00000003.mfs", emptyChunk(1, 3))
        var entry = dir.entry("hdd1")
        entry.markedForRemoval = true
        let store = try ChunkStore(directories: [entry, dir.entry("hdd2")], options: testOptions())
        #expect(store.chunk(ChunkID(1))?.reportedVersion == 0x8000_0003)
        let totals = store.spaceTotals
        #expect(totals.markedForRemovalChunkCount == 1 && totals.chunkCount == 0)
        #expect(totals.totalSpace > 0 && totals.markedForRemovalTotalSpace > 0)
        // New chunks never go to a directory marked for removal.
        let record = try store.create(ChunkID(2), version: ChunkVersion(1))
        #expect(record.directory == dir.path + "/hdd2/")
    }

    /// A second store on the same directory is refused with a clear error; the first keeps it.
    @Test func aSecondStoreOnTheSameDirectoryIsRefused() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let first = try ChunkStore(directories: [dir.entry()], options: testOptions())
        #expect {
            _ = try ChunkStore(directories: [dir.entry()], options: testOptions())
        } throws: { error in
            (error as? ChunkStoreOpenError)?.description
                == "cannot lock \(dir.path)/hdd1/.lock: this process already uses this data directory"
        }
        try first.create(ChunkID(1), version: ChunkVersion(1))
        // Another process (python's lockf, as MooseFS's) is refused while we hold it.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        probe.arguments = [
            "-c", "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX|fcntl.LOCK_NB)", dir.path + "/hdd1/.lock",
        ]
        probe.standardError = FileHandle.nullDevice
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") {
            try probe.run()
            probe.waitUntilExit()
            #expect(probe.terminationStatus != 0)
        } else {
            Issue.record("python3 is missing (scripts/test.sh installs it): the other process's lock was not tried")
        }
    }

    @Test func identityFilesRoundTrip() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        #expect(try ChunkserverIdentity.read(dataPath: dir.path) == nil)
        let identity = ChunkserverIdentity(chunkserverID: 1, metaID: MetaID(0x6B13_4FC9_B07C_B1CB))
        try identity.write(dataPath: dir.path)
        #expect(dir.bytes("chunkserverid.mfs") == [0x00, 0x01, 0x6B, 0x13, 0x4F, 0xC9, 0xB0, 0x7C, 0xB1, 0xCB])
        #expect(try ChunkserverIdentity.read(dataPath: dir.path) == identity)
        FileManager.default.createFile(atPath: dir.path + "/chunkserverid.mfs", contents: Data([0, 7]))
        #expect(try ChunkserverIdentity.read(dataPath: dir.path) == ChunkserverIdentity(chunkserverID: 7, metaID: .unknown))
        FileManager.default.createFile(atPath: dir.path + "/chunkserverid.mfs", contents: Data([0, 7, 1]))
        #expect(throws: ChunkserverIdentityError.wrongLength(path: dir.path + "/chunkserverid.mfs", length: 3, expected: [2, 10])) {
            try ChunkserverIdentity.read(dataPath: dir.path)
        }
        try ChunkserverIdentity.writeMetaID(MetaID(0x0102_0304_0506_0708), directory: dir.path)
        #expect(dir.bytes(".metaid") == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try ChunkserverIdentity.readMetaID(directory: dir.path) == MetaID(0x0102_0304_0506_0708))
    }
}
