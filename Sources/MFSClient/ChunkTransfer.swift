import MFSCore
import MooseWire

/// Moving one chunk's bytes to and from chunkservers on port 9422, as MooseFS 3.0's clients do
/// (docs/research/moosefs-3.0-chunkserver-protocol.md §3): blocking, on the caller's thread.
public enum ChunkTransfer {
    /// Limits and waits of the data path.
    public struct Settings: Sendable {
        /// How long a connect to a chunkserver may take.
        public var connectTimeout: Double = 2
        /// How long a chunkserver may stay silent while an answer is due.
        public var answerTimeout: Double = 30
        /// Write pieces sent and not yet acknowledged by the whole chain: with 64 KiB pieces,
        /// 16 MiB in flight.
        public var piecesInFlight: Int = ChunkTransfer.maxPiecesInFlight
        public init() {}
    }

    /// The most pieces a write keeps unacknowledged (each holds up to 64 KiB in memory). Our
    /// chunkservers fsync the pieces that queued while their disk was busy together before
    /// answering them, so the window is also how much one fsync can cover: our chunkserver
    /// reads up to 256 pieces of a session (`ChunkserverLimits.maxWritesInFlight`).
    public static let maxPiecesInFlight = 256

    // MARK: read

    /// Reads `size` bytes at `offset` of the chunk from the first replica in `servers` that
    /// serves them, handing them to `sink` in order (lent: the bytes are valid only during the
    /// call), each piece checked against its CRC first
    /// (a piece that fails it is never handed on). A replica that fails mid-way (connection,
    /// error status, bad CRC) is left for the next one, which goes on from the first byte not
    /// yet handed on. An error `sink` throws ends the read: it is rethrown as it is.
    public static func read(
        chunk: ChunkID, version: UInt32, offset: Int, size: Int, servers: [ChunkserverAddress], settings: Settings = Settings(),
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Void {
        precondition(offset >= 0 && size >= 0 && offset + size <= MooseWireLimits.chunkSize, "read of \(size) at \(offset)")
        guard size > 0 else { return }
        guard !servers.isEmpty else { throw DataPathError.noReplica(chunk) }
        var done = 0
        var failures: [String] = []
        // The sink's own error ends the read at once (no other replica would help).
        var stopped: (any Error)?
        // In random order, as MooseFS's clients read: the load spreads over the replicas, and a
        // damaged copy is read (so found and repaired) rather than always skipped.
        for server in servers.shuffled() {
            do throws(DataPathError) {
                try readFrom(server, chunk: chunk, version: version, offset: offset + done, size: size - done, settings: settings) {
                    do { try sink($0) } catch {
                        stopped = error
                        throw error
                    }
                    done += $0.count
                }
                return
            } catch {
                if let stopped { throw stopped }
                failures.append("\(server): \(error)")
            }
        }
        throw DataPathError.allReplicasFailed(failures)
    }

    private static func readFrom(
        _ server: ChunkserverAddress, chunk: ChunkID, version: UInt32, offset: Int, size: Int, settings: Settings,
        sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws(DataPathError) {
        let socket = try DataSocket(server, timeout: settings.connectTimeout)
        defer { socket.close() }
        try socket.send(
            ReadRequest(chunkID: chunk, version: version, offset: UInt32(offset), size: UInt32(size)).encode(),
            timeout: settings.answerTimeout)
        var position = offset
        // Each piece is checked and handed on from the socket's buffer, without a copy.
        func take(_ piece: ReadDataView) throws(DataPathError) {
            guard piece.chunkID == chunk, piece.chunkOffset == position, position + piece.data.count <= offset + size else {
                throw .protocolViolation(server, "a piece at chunk offset \(piece.chunkOffset) while \(position) was due")
            }
            guard piece.crcMatches else { throw .badCRC(server, offset: position) }
            do { try sink(piece.data) } catch { throw .connection("the reader stopped: \(error)") }
            position += piece.data.count
        }
        // Every piece goes to `take`; what comes back is the read's end.
        let end = try socket.receive(timeout: settings.answerTimeout, expecting: { offset + size - position }, pieces: take)
        guard case .readStatus(let status) = end else { throw .protocolViolation(server, "an answer that is not part of a read") }
        guard status.status == .ok else { throw .refused(server, status.status, what: "read of chunk \(chunk)") }
        guard position == offset + size else {
            throw .protocolViolation(server, "the read ended at \(position - offset) of \(size) bytes")
        }
    }

    // MARK: write

    /// Writes the bytes `next` yields (in order, any sizes, `nil` at the end) at `offset` of
    /// the chunk through `chain` (the client connects to the first; each forwards to the
    /// next). Returns only once every server of the chain has acknowledged every piece (our
    /// chunkservers fsync before they do); throws otherwise, and then the master must be told
    /// the write failed (its version bump makes a partial replica stale). Returns the byte
    /// count written.
    @discardableResult
    public static func write(
        chunk: ChunkID, version: UInt32, chain: [ChunkserverAddress], offset: Int, settings: Settings = Settings(),
        next: () throws -> [UInt8]?
    ) throws -> Int {
        guard let first = chain.first else { throw DataPathError.noReplica(chunk) }
        let socket = try DataSocket(first, timeout: settings.connectTimeout)
        defer { socket.close() }
        try socket.send(
            WriteRequest(chunkID: chunk, version: version, chain: Array(chain.dropFirst())).encode(), timeout: settings.answerTimeout)
        var pending = Set<UInt32>([0])
        var nextID: UInt32 = 1
        var position = offset
        var pieces = PieceCutter(start: offset)
        func settle(_ reply: DataPortReply) throws(DataPathError) {
            guard case .writeStatus(let status) = reply, status.chunkID == chunk else {
                throw .protocolViolation(first, "an answer that is not a write status of chunk \(chunk)")
            }
            guard status.status == .ok else {
                throw .refused(first, status.status, what: status.writeID == 0 ? "write chain" : "write of piece \(status.writeID)")
            }
            guard pending.remove(status.writeID) != nil else { throw .protocolViolation(first, "a status for write \(status.writeID)") }
        }
        while let bytes = try next() {
            guard position + bytes.count <= MooseWireLimits.chunkSize else {
                throw DataPathError.protocolViolation(first, "a write past the end of the chunk (64 MiB)")
            }
            position += bytes.count
            for piece in pieces.cut(bytes) {
                while pending.count > settings.piecesInFlight { try settle(try socket.receive(timeout: settings.answerTimeout)) }
                try socket.send(
                    DataPortBulk.encode(WriteData(chunkID: chunk, writeID: nextID, piece: piece)), timeout: settings.answerTimeout)
                pending.insert(nextID)
                nextID += 1
                while let ready = try socket.receiveNow() { try settle(ready) }
            }
        }
        for piece in pieces.flush() {
            try socket.send(DataPortBulk.encode(WriteData(chunkID: chunk, writeID: nextID, piece: piece)), timeout: settings.answerTimeout)
            pending.insert(nextID)
            nextID += 1
        }
        while !pending.isEmpty { try settle(try socket.receive(timeout: settings.answerTimeout)) }
        try socket.send(WriteFinish(chunkID: chunk, version: version).encode(), timeout: settings.answerTimeout)
        return position - offset
    }
}

/// Cuts a stream of bytes starting at a chunk offset into pieces that never cross a 64 KiB
/// block boundary, holding back a partial block until it is full or the stream ends (fewer,
/// whole-block pieces: a whole block is written without reading it first).
struct PieceCutter {
    private(set) var position: Int
    private var held: [UInt8] = []

    init(start: Int) { position = start }

    mutating func cut(_ bytes: [UInt8]) -> [DataPiece] {
        var pieces: [DataPiece] = []
        var rest = bytes[...]
        if !held.isEmpty {
            // Complete the held partial block first.
            let room = MooseWireLimits.blockSize - (position + held.count) % MooseWireLimits.blockSize
            let taken = min(room, rest.count)
            held += rest.prefix(taken)
            rest = rest.dropFirst(taken)
            guard taken == room else { return [] }
            let inBlock = position % MooseWireLimits.blockSize
            pieces.append(piece(held, at: inBlock))
            held = []
        }
        // Whole pieces straight from the caller's bytes (one copy each, no held buffer).
        while true {
            let inBlock = position % MooseWireLimits.blockSize
            let room = MooseWireLimits.blockSize - inBlock
            guard rest.count >= room else { break }
            pieces.append(piece(Array(rest.prefix(room)), at: inBlock))
            rest = rest.dropFirst(room)
        }
        held = Array(rest)
        return pieces
    }

    mutating func flush() -> [DataPiece] {
        guard !held.isEmpty else { return [] }
        defer { held = [] }
        return [piece(held, at: position % MooseWireLimits.blockSize)]
    }

    private mutating func piece(_ bytes: [UInt8], at inBlock: Int) -> DataPiece {
        defer { position += bytes.count }
        return DataPiece(block: UInt16(position / MooseWireLimits.blockSize), offset: UInt16(inBlock), data: bytes)
    }
}
