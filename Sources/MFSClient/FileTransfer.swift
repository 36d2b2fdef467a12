import Foundation
import MFSCore
import MFSMetadata
import MooseWire

/// A whole file to or from the cluster, streamed chunk by chunk (no whole file in memory: at
/// most one read buffer and the pieces in flight of one chunk): `mfs put`, `get` and `cat`.
public struct FileTransfer: Sendable {
    public let client: MasterClient
    public var settings = ChunkTransfer.Settings()
    /// How many bytes are read from the source at a time.
    public static let readSize = 1 << 20

    public init(client: MasterClient) { self.client = client }

    /// Writes everything `source` yields (nil at the end) into `inode` from offset 0, chunk
    /// after chunk, each acknowledged by its whole chain before the next starts; `progress`
    /// hears the bytes done so far. The file must be open for writing in this session. Its
    /// length becomes the byte count written (a longer file keeps its tail: truncate first).
    @discardableResult
    public func write(
        _ inode: InodeID, from source: @escaping @Sendable () throws -> [UInt8]?, progress: @Sendable (UInt64) -> Void = { _ in }
    ) async throws -> UInt64 {
        let chunkSize = MooseWireLimits.chunkSize
        let reader = BufferedSource(source)
        var written: UInt64 = 0
        var index: UInt32 = 0
        while try reader.hasMore() {
            let location = try await client.writeChunk(inode, index: index)
            let settings = self.settings
            let current = index
            let result: Result<Int, any Error> = await Self.offThread {
                Result {
                    try ChunkTransfer.write(
                        chunk: location.chunk, version: location.version, chain: location.servers, offset: 0,
                        settings: settings
                    ) { try reader.next(upTo: min(Self.readSize, chunkSize - reader.taken(since: current))) }
                }
            }
            let count = (try? result.get()) ?? 0
            try await client.writeChunkEnd(inode, chunk: location.chunk, length: written + UInt64(count))
            _ = try result.get()
            written += UInt64(count)
            progress(written)
            index += 1
            reader.startChunk(index)
        }
        return written
    }

    /// Reads `inode` from offset 0 to its end, handing the bytes to `sink` in order; holes
    /// read as zeros. Each chunk is read from the first replica that serves it; a replica that
    /// fails (connection, error, a piece whose CRC does not match) gives way to the next.
    @discardableResult
    public func read(
        _ inode: InodeID, into sink: @escaping @Sendable ([UInt8]) throws -> Void, progress: @Sendable (UInt64) -> Void = { _ in }
    ) async throws -> UInt64 {
        let chunkSize = UInt64(MooseWireLimits.chunkSize)
        var done: UInt64 = 0
        var index: UInt32 = 0
        var length = try await client.getAttributes(inode).length
        while done < length {
            let location = try await client.readChunk(inode, index: index)
            length = location.fileLength
            guard done < length else { break }
            let size = Int(min(chunkSize, length - done))
            if location.chunk == ChunkID(0) {
                try Self.zeros(size, into: sink)
            } else {
                let settings = self.settings
                let result: Result<Void, any Error> = await Self.offThread {
                    Result {
                        try ChunkTransfer.read(
                            chunk: location.chunk, version: location.version, offset: 0, size: size,
                            servers: location.servers, settings: settings, sink: sink)
                    }
                }
                try result.get()
            }
            done += UInt64(size)
            progress(done)
            index += 1
        }
        return done
    }

    private static func zeros(_ count: Int, into sink: ([UInt8]) throws -> Void) throws {
        var left = count
        let block = [UInt8](repeating: 0, count: min(count, readSize))
        while left > 0 {
            let n = min(left, block.count)
            try sink(n == block.count ? block : Array(block[0..<n]))
            left -= n
        }
    }

    /// Runs blocking work (socket and file I/O) on a thread of its own, not the concurrency pool.
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in Thread { done.resume(returning: work()) }.start() }
    }
}

/// The source of a write, read ahead by at most one buffer so a chunk ends exactly at 64 MiB
/// and the next chunk is asked for only when bytes remain.
final class BufferedSource: @unchecked Sendable {
    private let source: @Sendable () throws -> [UInt8]?
    private var buffer: [UInt8] = []
    private var ended = false
    private var chunkIndex: UInt32 = 0
    private var takenInChunk = 0
    private let lock = NSLock()

    init(_ source: @escaping @Sendable () throws -> [UInt8]?) { self.source = source }

    func hasMore() throws -> Bool {
        try lock.withLock {
            while buffer.isEmpty, !ended {
                if let more = try source() { buffer = more } else { ended = true }
            }
            return !buffer.isEmpty
        }
    }

    /// Bytes taken from the current chunk so far (`index` is the chunk asked about).
    func taken(since index: UInt32) -> Int { lock.withLock { chunkIndex == index ? takenInChunk : 0 } }

    func startChunk(_ index: UInt32) {
        lock.withLock {
            chunkIndex = index
            takenInChunk = 0
        }
    }

    /// At most `limit` bytes (nil when the source ended or the chunk is full).
    func next(upTo limit: Int) throws -> [UInt8]? {
        guard limit > 0, try hasMore() else { return nil }
        return lock.withLock {
            let n = min(limit, buffer.count)
            let out = n == buffer.count ? buffer : Array(buffer[0..<n])
            buffer.removeFirst(n)
            takenInChunk += n
            return out
        }
    }
}
