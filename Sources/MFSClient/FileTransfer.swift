import Foundation
import MFSCore
import MFSMetadata
import MFSWire
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
    /// after chunk; `progress` hears the bytes done so far. The file must be open for writing
    /// in this session. Its length becomes the byte count written (a longer file keeps its
    /// tail: truncate first).
    ///
    /// Two chunks overlap (`maxChunksInFlight`): once chunk k has taken all its bytes from the
    /// source, chunk k+1 is granted by the master and starts sending while chunk k's last
    /// pieces are still being fsynced along its chain; so the chain never idles at a chunk's
    /// end. Chunks still end at the master in order, each only once its whole chain
    /// acknowledged it, so the file's length never covers bytes not yet acknowledged. After a
    /// failure no chunk is started; the ones in flight are ended (the failed one with the
    /// length acknowledged so far) before the error is thrown.
    @discardableResult
    public func write(
        _ inode: InodeID, from source: @escaping @Sendable () throws -> [UInt8]?, progress: @Sendable (UInt64) -> Void = { _ in }
    ) async throws -> UInt64 {
        let reader = BufferedSource(source)
        var written: UInt64 = 0
        var index: UInt32 = 0
        var inFlight: [ChunkWrite] = []
        var failure: (any Error)?
        /// Waits for the oldest chunk in flight and ends it at the master.
        func endOldest() async {
            let chunk = inFlight.removeFirst()
            let result = await Self.offThread { chunk.result() }
            let count = failure == nil ? ((try? result.get()) ?? 0) : 0
            do {
                try await client.writeChunkEnd(inode, chunk: chunk.location.chunk, length: written + UInt64(count))
                _ = try result.get()
                if failure == nil {
                    written += UInt64(count)
                    progress(written)
                }
            } catch {
                if failure == nil { failure = error }
            }
        }
        while failure == nil, try reader.hasMore() {
            if inFlight.count >= Self.maxChunksInFlight { await endOldest() }
            guard failure == nil else { break }
            let location: ChunkLocation
            do { location = try await client.writeChunk(inode, index: index) } catch {
                failure = error
                break
            }
            let chunk = ChunkWrite(location: location, source: reader)
            chunk.start(settings: settings)
            inFlight.append(chunk)
            // The next chunk may read the source only once this one has taken all its bytes.
            await Self.offThread { chunk.waitUntilSourceDone() }
            index += 1
        }
        while !inFlight.isEmpty { await endOldest() }
        if let failure { throw failure }
        return written
    }

    /// Chunks written at once by `write` (the next starts while the last one drains).
    public static let maxChunksInFlight = 2

    /// Reads `inode` from offset 0 to its end, handing the bytes to `sink` in order (lent: valid
    /// only during the call); holes read as zeros. Each chunk is read from the first replica that serves it; a replica that
    /// fails (connection, error, a piece whose CRC does not match) gives way to the next.
    @discardableResult
    public func read(
        _ inode: InodeID, into sink: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void,
        progress: @Sendable (UInt64) -> Void = { _ in }
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

    private static func zeros(_ count: Int, into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var left = count
        let block = [UInt8](repeating: 0, count: min(count, readSize))
        try block.withUnsafeBytes { zeros in
            while left > 0 {
                let n = min(left, zeros.count)
                try sink(UnsafeRawBufferPointer(rebasing: zeros[0..<n]))
                left -= n
            }
        }
    }

    /// Runs blocking work (socket and file I/O) on a thread of its own, not the concurrency pool.
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in Thread { done.resume(returning: work()) }.start() }
    }
}

/// One chunk of a `FileTransfer.write`: its transfer on a thread of its own, taking at most
/// a chunk's bytes from the shared source; `waitUntilSourceDone` returns once it took them all,
/// the source ended, or the transfer stopped (so the next chunk can read the source).
final class ChunkWrite: @unchecked Sendable {
    let location: ChunkLocation
    private let source: BufferedSource
    private let lock = NSCondition()
    private var taken = 0
    private var sourceDone = false
    private var outcome: Result<Int, any Error>?

    init(location: ChunkLocation, source: BufferedSource) { (self.location, self.source) = (location, source) }

    func start(settings: ChunkTransfer.Settings) {
        let location = self.location
        Thread {
            let result = Result {
                try ChunkTransfer.write(
                    chunk: location.chunk, version: location.version, chain: location.servers, offset: 0, settings: settings
                ) { try self.next() }
            }
            self.lock.withLock {
                self.outcome = result
                self.sourceDone = true
                self.lock.broadcast()
            }
        }.start()
    }

    private func next() throws -> [UInt8]? {
        let left = MooseWireLimits.chunkSize - lock.withLock { taken }
        let bytes = left > 0 ? try source.next(upTo: min(FileTransfer.readSize, left)) : nil
        lock.withLock {
            taken += bytes?.count ?? 0
            if bytes == nil || taken == MooseWireLimits.chunkSize {
                sourceDone = true
                lock.broadcast()
            }
        }
        return bytes
    }

    /// Blocks until the chunk no longer reads the source.
    func waitUntilSourceDone() { lock.withLock { while !sourceDone { lock.wait() } } }

    /// Blocks until the transfer ended: the byte count its whole chain acknowledged, or its error.
    func result() -> Result<Int, any Error> {
        lock.withLock {
            while outcome == nil { lock.wait() }
            return outcome!
        }
    }
}

/// The source of a write, read ahead by at most one buffer so a chunk ends exactly at 64 MiB
/// and the next chunk is asked for only when bytes remain.
final class BufferedSource: @unchecked Sendable {
    private let source: @Sendable () throws -> [UInt8]?
    private var buffer: [UInt8] = []
    private var ended = false
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

    /// At most `limit` bytes (nil when the source ended).
    func next(upTo limit: Int) throws -> [UInt8]? {
        guard limit > 0, try hasMore() else { return nil }
        return lock.withLock {
            let n = min(limit, buffer.count)
            let out = n == buffer.count ? buffer : Array(buffer[0..<n])
            buffer.removeFirst(n)
            return out
        }
    }
}
