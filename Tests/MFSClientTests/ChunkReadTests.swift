import Foundation
import MFSTestSupport
import Testing

@testable import MFSClient

/// A chunk read ahead: its transfer's pieces reach the sink in order, the queue stops the
/// transfer at its limit, a failure hands on only what came before it, and a sink that stops
/// stops the transfer.
@Suite struct ChunkReadTests {
    struct Broken: Error, Equatable { let at: Int }

    /// Piece `index` of a test transfer: `size` bytes, each naming the piece.
    static func piece(_ index: Int, size: Int = 1000) -> [UInt8] { [UInt8](repeating: UInt8(index & 0xFF), count: size) }

    /// Counts what a transfer managed to hand over, across threads.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add(_ n: Int) { lock.withLock { value += n } }
        var count: Int { lock.withLock { value } }
    }

    /// Starts a transfer of `pieces` pieces of 1,000 bytes; the counter says how many bytes it
    /// handed over so far.
    func start(_ read: ChunkRead, pieces: Int) -> Counter {
        let handed = Counter()
        read.start { hand in
            for index in 0..<pieces {
                try hand(Self.piece(index))
                handed.add(1000)
            }
        }
        return handed
    }

    @Test func piecesReachTheSinkInOrderThroughAQueueSmallerThanTheChunk() throws {
        let read = ChunkRead(limit: 3000)
        read.start { hand in for index in 0..<500 { try hand(Self.piece(index)) } }
        var got: [[UInt8]] = []
        try read.drain { got.append($0) }
        #expect(got == (0..<500).map { Self.piece($0) })
    }

    /// Below a wake-up batch (`ChunkRead.wakeBatch`) queued, the transfer's end still wakes the
    /// drain, and pieces past a batch arrive in order too.
    @Test func aTransferEndingBelowAWakeUpBatchIsDrainedWhole() throws {
        for pieces in [3, ChunkRead.wakeBatch / 65_536 * 3 + 1] {
            let read = ChunkRead(limit: 8 << 20)
            read.start { hand in for index in 0..<pieces { try hand(Self.piece(index, size: 65_536)) } }
            var got: [[UInt8]] = []
            try read.drain { got.append($0) }
            #expect(got == (0..<pieces).map { Self.piece($0, size: 65_536) }, "\(pieces) pieces")
        }
    }

    /// The transfer stops once `limit` bytes wait for the sink, and goes on when they are taken.
    @Test func theTransferWaitsAtTheLimitAndGoesOnOnceDrained() throws {
        let read = ChunkRead(limit: 4000)
        let handed = start(read, pieces: 10)
        #expect(waitUntil(10) { handed.count == 4000 })
        Thread.sleep(forTimeInterval: 0.2)
        #expect(handed.count == 4000, "the transfer queued past its limit of 4000 bytes")
        var got = 0
        try read.drain { got += $0.count }
        #expect(got == 10_000 && handed.count == 10_000)
    }

    /// A piece one byte past the limit is queued whole; the next one waits.
    @Test func aPieceThatCrossesTheLimitIsQueuedWholeAndTheNextWaits() throws {
        let read = ChunkRead(limit: 1500)
        let handed = start(read, pieces: 3)
        #expect(waitUntil(10) { handed.count == 2000 })
        Thread.sleep(forTimeInterval: 0.2)
        #expect(handed.count == 2000)
        var got: [[UInt8]] = []
        try read.drain { got.append($0) }
        #expect(got == (0..<3).map { Self.piece($0) })
    }

    @Test func aFailedTransferHandsOnWhatCameBeforeTheFailureThenThrows() {
        let read = ChunkRead(limit: 2000)
        read.start { hand in
            for index in 0..<7 { try hand(Self.piece(index)) }
            throw Broken(at: 7)
        }
        var got: [[UInt8]] = []
        #expect(throws: Broken(at: 7)) { try read.drain { got.append($0) } }
        #expect(got == (0..<7).map { Self.piece($0) })
    }

    /// A sink that throws ends the drain with its error and cancels the transfer, which ends
    /// at its next piece instead of running to the chunk's end.
    @Test func aSinkThatStopsCancelsTheTransfer() {
        let read = ChunkRead(limit: 1000)
        let handed = Counter()
        let ended = Counter()
        read.start { hand in
            defer { ended.add(1) }
            for index in 0..<1000 {
                try hand(Self.piece(index))
                handed.add(1)
            }
        }
        var got = 0
        #expect(throws: Broken(at: 3)) {
            try read.drain {
                guard got < 3 else { throw Broken(at: got) }
                got += $0.count / 1000
            }
        }
        #expect(waitUntil(10) { ended.count == 1 })
        #expect(handed.count < 10, "the transfer went on after the sink stopped: \(handed.count) pieces")
    }

    @Test func aCancelledReadThrowsCancelledToItsTransfer() {
        let read = ChunkRead(limit: 1000)
        let outcome = Counter()
        read.start { hand in
            do {
                for index in 0..<1000 { try hand(Self.piece(index)) }
            } catch is ChunkRead.Cancelled {
                outcome.add(1)
                throw ChunkRead.Cancelled()
            }
        }
        read.cancel()
        #expect(waitUntil(10) { outcome.count == 1 })
    }
}
