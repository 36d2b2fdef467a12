import Foundation
import MFSCore
import MFSTestSupport
import MooseWire
import Synchronization
import Testing

@testable import MFSClient

#if canImport(Glibc)
    import Glibc
#endif

/// `ChunkTransfer.read` against chunkservers played by the test on loopback: a piece whose
/// CRC does not match is never handed to the reader, the replica that sent it is left, and the
/// next replica goes on from the first byte not handed on. The pieces are lent to the reader
/// straight from the socket's buffer (`DataSocket.receive(timeout:expecting:pieces:)`).
@Suite struct ChunkReadCRCTests {
    static let chunk = ChunkID(0x42)
    static let blocks = 3
    static let data: [UInt8] = (0..<blocks * MooseWireLimits.blockSize).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }

    /// The frames a chunkserver answers `request` with: a piece per block it covers (whole
    /// blocks only, as this test asks), the piece of block `bad` (if any) with a CRC off by one.
    static func answer(_ request: ReadRequest, badBlock bad: Int?) -> [UInt8] {
        var frames: [UInt8] = []
        let first = Int(request.offset) / MooseWireLimits.blockSize
        for block in first..<first + Int(request.size) / MooseWireLimits.blockSize {
            let bytes = Array(data[block * MooseWireLimits.blockSize..<(block + 1) * MooseWireLimits.blockSize])
            var piece = DataPiece(block: UInt16(block), offset: 0, data: bytes)
            if block == bad { piece.crc &+= 1 }
            frames += ReadData(chunkID: chunk, piece: piece).encode()
        }
        return frames + ReadStatus(chunkID: chunk, status: .ok).encode()
    }

    /// Reads the whole chunk from `servers`; what the reader was handed, and the outcome.
    func read(_ servers: [ChunkserverAddress]) -> (handed: [UInt8], outcome: Result<Void, any Error>) {
        var handed: [UInt8] = []
        let outcome = Result {
            try ChunkTransfer.read(chunk: Self.chunk, version: 1, offset: 0, size: Self.data.count, servers: servers) {
                handed += $0
            }
        }
        return (handed, outcome)
    }

    @Test func aPieceWithABadCRCIsNeverHandedOnAndTheNextReplicaGoesOnFromIt() throws {
        let bad = try FakeChunkserver { Self.answer($0, badBlock: 1) }
        let good = try FakeChunkserver { Self.answer($0, badBlock: nil) }
        defer {
            bad.stop()
            good.stop()
        }
        // The bad replica alone: block 0 is handed on, block 1 and after are not.
        let alone = read([bad.address])
        #expect(throws: DataPathError.self) { try alone.outcome.get() }
        if case .failure(let error) = alone.outcome {
            #expect("\(error)".contains("CRC"), "\(error)")
        }
        let blockZero = alone.handed == Array(Self.data.prefix(MooseWireLimits.blockSize))
        #expect(blockZero, "handed \(alone.handed.count) bytes")
        // With a good replica too (the order is random): the whole chunk, each byte once.
        for _ in 0..<20 {
            let both = read([bad.address, good.address])
            #expect(throws: Never.self) { try both.outcome.get() }
            let whole = both.handed == Self.data
            #expect(whole, "handed \(both.handed.count) bytes")
        }
        // The bad replica was tried first at least once (all but certain in 20 tries): the
        // good one then went on from block 1.
        #expect(bad.connections >= 2)
    }
}

/// A listener on 127.0.0.1 that answers every connection's first request (a READ) with what
/// `answer` makes of it, then waits for the client to close.
final class FakeChunkserver: @unchecked Sendable {
    let address: ChunkserverAddress
    /// Connections accepted so far.
    var connections: Int { accepted.count.load(ordering: .relaxed) }
    private final class Accepted: Sendable { let count = Atomic(0) }
    private let accepted = Accepted()
    private let listener: Int32
    private let thread: Thread

    init(answer: @escaping @Sendable (ReadRequest) -> [UInt8]) throws {
        let (listener, port) = try #require(boundLoopbackSocket())
        try #require(listen(listener, 8) == 0)
        self.listener = listener
        self.address = ChunkserverAddress(127, 0, 0, 1, port: UInt16(port))
        let accepted = accepted
        thread = Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                accepted.count.add(1, ordering: .relaxed)
                var request = [UInt8](repeating: 0, count: 64)
                let received = recv(connection, &request, request.count, 0)
                if received > 0, let read = try? ReadRequest.decode(bytes: Array(request.prefix(received))) {
                    let answer = answer(read)
                    var sent = 0
                    while sent < answer.count {
                        let n = answer.withUnsafeBytes {
                            send(connection, $0.baseAddress! + sent, answer.count - sent, Int32(MSG_NOSIGNAL))
                        }
                        guard n > 0 else { break }
                        sent += n
                    }
                    // Until the client closes (it leaves a replica that sent a bad CRC at once).
                    while recv(connection, &request, request.count, 0) > 0 {}
                }
                close(connection)
            }
        }
        thread.start()
    }

    /// Stops accepting: the thread's `accept` fails once the listener is shut down.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
