import Foundation
import MFSClient
import MFSConfig
import MFSCore
import MFSTestSupport
import MFSWire
import MooseWire
import Testing

/// `FileTransfer.read` (what `mfs get` runs) in process against a real master and our
/// chunkservers as processes, with a sink that checks every byte as it comes: bytes reach the
/// sink in order across chunks and holes; a chunk none of whose replicas serves it ends the read
/// with an error after exactly the bytes before it; a sink that fails ends the read at once.
@Suite(.serialized) struct ReadTests {
    static let chunk = MooseWireLimits.chunkSize
    /// Bytes written at the start of each stored chunk (the rest of it reads as zeros).
    static let stored = 1 << 20

    /// Chunks 0, 2, 3 and 5 stored, 1 and 4 holes, the file ending 12,345 bytes into chunk 6
    /// (a hole too): seven chunks, data and holes in turn.
    @Test func bytesReachTheSinkInOrderAcrossChunksAndHoles() async throws {
        let (cluster, client) = try await start()
        defer { cluster.teardown() }
        let length = 6 * Self.chunk + 12_345
        let file = try await make(client, "sparse", goal: 1, chunks: [0, 2, 3, 5], length: length)
        let (sink, outcome) = await read(client, file)
        #expect(try outcome.get() == UInt64(length) && sink.count == length, "read \(sink.count) B")
        #expect(sink.firstWrong == nil, "wrong byte at \(sink.firstWrong ?? -1)")
        await client.close()
    }

    /// Goal 2, one copy of chunk 1 of two damaged: every read yields the right bytes (the
    /// chunkserver refuses the damaged block and the other copy serves from there).
    @Test func aDamagedCopyOfTheSecondChunkGivesWayToTheOtherCopy() async throws {
        let (cluster, client) = try await start()
        defer { cluster.teardown() }
        let length = Self.chunk + Self.stored
        let file = try await make(client, "one-damaged", goal: 2, chunks: [0, 1], length: length)
        let copies = try copiesOf(file, chunk: 1, in: cluster)
        try cluster.flip(server: copies[0].server, name: copies[0].name, at: 8192 + Self.damaged + 100, mask: 0x5A)
        for _ in 0..<3 {
            let (sink, outcome) = await read(client, file)
            let done = try outcome.get()
            #expect(
                done == UInt64(length) && sink.count == length && sink.firstWrong == nil,
                "\(sink.count) B, wrong at \(sink.firstWrong ?? -1)")
        }
        await client.close()
    }

    /// Goal 2, three stored chunks, both copies of chunk 1 damaged: each read fails; the sink got
    /// chunk 0 whole and at most the blocks of chunk 1 before the damaged one, every byte
    /// right, and nothing of chunk 2.
    @Test func aChunkThatNoReplicaServesEndsTheReadAfterExactlyTheBytesBeforeIt() async throws {
        let (cluster, client) = try await start()
        defer { cluster.teardown() }
        let file = try await make(client, "both-damaged", goal: 2, chunks: [0, 1, 2], length: 2 * Self.chunk + Self.stored)
        for copy in try copiesOf(file, chunk: 1, in: cluster) {
            try cluster.flip(server: copy.server, name: copy.name, at: 8192 + Self.damaged + 100, mask: 0x5A)
        }
        for attempt in 1...2 {
            // The first read finds both copies bad (DataPathError); the chunkservers report them,
            // so the second may already hear from the master that no copy is valid (EIO).
            let (sink, outcome) = await read(client, file)
            var thrown: (any Error)?
            if case .failure(let error) = outcome { thrown = error }
            #expect(thrown is DataPathError || thrown is ClientError, "read \(attempt): \(String(describing: thrown))")
            #expect(sink.count >= Self.chunk && sink.count <= Self.chunk + Self.damaged, "read \(attempt): handed on \(sink.count) B")
            #expect(sink.firstWrong == nil, "read \(attempt): a wrong byte at \(sink.firstWrong ?? -1) was handed on")
        }
        await client.close()
    }

    /// A sink that fails (a closed pipe, a full disk) ends the read with its own error at
    /// once: no other replica is tried, nothing more is handed to it.
    @Test func aSinkThatFailsEndsTheReadWithItsOwnError() async throws {
        let (cluster, client) = try await start()
        defer { cluster.teardown() }
        let file = try await make(client, "sink", goal: 2, chunks: [0, 1], length: Self.chunk + Self.stored)
        struct Full: Error, Equatable {}
        let sink = CheckingSink(file)
        await #expect(throws: Full()) {
            try await FileTransfer(client: client).read(file.inode) { piece in
                guard sink.count < 3 * MooseWireLimits.blockSize else { throw Full() }
                sink.take(Array(piece))
            }
        }
        #expect(sink.count == 3 * MooseWireLimits.blockSize && sink.firstWrong == nil, "handed on \(sink.count) B")
        await client.close()
    }

    /// Where the tests damage a chunk: in its block 3.
    static let damaged = 3 * MooseWireLimits.blockSize

    /// The two copies of the file's chunk `chunk` (a chunk file's data starts after its 8 KiB header).
    func copiesOf(_ file: Made, chunk: Int, in cluster: DataCluster) throws -> [(server: Int, name: String, bytes: [UInt8])] {
        let id = String(file.ids[chunk]!.rawValue, radix: 16, uppercase: true)
        let prefix = "chunk_" + String(repeating: "0", count: 16 - id.count) + id + "_"
        let copies = cluster.chunkFiles().filter { $0.name.hasPrefix(prefix) }
        try #require(copies.count == 2, "copies of chunk \(chunk): \(cluster.chunkFiles().map(\.name))")
        return copies
    }

    // MARK: helpers

    /// A file whose chunks at `chunks` hold `stored` seeded bytes each at their start.
    struct Made: Sendable {
        let inode: InodeID
        let length: Int
        let ids: [Int: ChunkID]
        /// The bytes at the start of each stored chunk.
        let data: [Int: [UInt8]]
    }

    /// Two chunkservers, a master and a client of it.
    func start() async throws -> (DataCluster, MasterClient) {
        let cluster = try await offPool { try DataCluster(chunkservers: 2) }
        do {
            let client = try await MasterClient.connect(
                ClientOptions(masters: [HostPort(host: "127.0.0.1", port: UInt16(cluster.master.clientPort))]))
            return (cluster, client)
        } catch {
            cluster.teardown()
            throw error
        }
    }

    /// `FileTransfer.read` of the whole file into a checking sink: the sink, and the count read
    /// or the error.
    func read(_ client: MasterClient, _ file: Made) async -> (sink: CheckingSink, outcome: Result<UInt64, any Error>) {
        let sink = CheckingSink(file)
        do { return (sink, .success(try await FileTransfer(client: client).read(file.inode, into: { sink.take(Array($0)) }))) } catch {
            return (sink, .failure(error))
        }
    }

    /// Writes each of `chunks` with `ChunkTransfer.write` (so the chunks between them stay
    /// holes), then sets the length.
    func make(_ client: MasterClient, _ name: String, goal: UInt8, chunks: [Int], length: Int) async throws -> Made {
        let file = try await client.mknod(client.grant.root, try EntryName(validating: name), type: .file, mode: 0o644)
        _ = try await client.setGoal(file.inode, goal, recursive: false)
        _ = try await client.open(file.inode, flags: [.write])
        var ids: [Int: ChunkID] = [:]
        var data: [Int: [UInt8]] = [:]
        for index in chunks {
            var rng = SeededRandom(seed: UInt64(index + 1))
            var bytes = [UInt8](repeating: 0, count: Self.stored)
            bytes.withUnsafeMutableBytes { raw in
                for word in 0..<Self.stored / 8 { raw.storeBytes(of: rng.next(), toByteOffset: word * 8, as: UInt64.self) }
            }
            let location = try await client.writeChunk(file.inode, index: UInt32(index))
            let content = bytes
            let written = try await offPool {
                var left: [UInt8]? = content
                return try ChunkTransfer.write(chunk: location.chunk, version: location.version, chain: location.servers, offset: 0) {
                    defer { left = nil }
                    return left
                }
            }
            #expect(written == bytes.count)
            try await client.writeChunkEnd(file.inode, chunk: location.chunk, length: UInt64(index * Self.chunk + bytes.count))
            ids[index] = location.chunk
            data[index] = bytes
        }
        _ = try await client.setLength(file.inode, UInt64(length), opened: true)
        try await client.release(file.inode)
        return Made(inode: file.inode, length: length, ids: ids, data: data)
    }

    /// Checks each byte handed to it against the file's content as it comes.
    final class CheckingSink: @unchecked Sendable {
        private let file: Made
        private let lock = NSLock()
        private var received = 0
        private var wrong: Int?
        private static let zeros = [UInt8](repeating: 0, count: FileTransfer.readSize)

        init(_ file: Made) { self.file = file }

        var count: Int { lock.withLock { received } }
        var firstWrong: Int? { lock.withLock { wrong } }

        func take(_ piece: [UInt8]) {
            lock.withLock {
                var at = 0
                while at < piece.count, wrong == nil {
                    let offset = received + at
                    let (index, inChunk) = offset.quotientAndRemainder(dividingBy: ReadTests.chunk)
                    let data = file.data[index] ?? []
                    let n: Int
                    let same: Bool
                    if inChunk < data.count {
                        n = min(piece.count - at, data.count - inChunk)
                        same = piece[at..<at + n].elementsEqual(data[inChunk..<inChunk + n])
                    } else {
                        n = min(piece.count - at, ReadTests.chunk - inChunk, Self.zeros.count)
                        same = piece[at..<at + n].withUnsafeBytes { a in
                            Self.zeros.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, n) == 0 }
                        }
                    }
                    if !same { wrong = offset }
                    at += n
                }
                received += piece.count
            }
        }
    }
}

/// Runs blocking work (processes, chunk writes) on a thread of its own, off the pool the
/// client needs meanwhile.
private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
