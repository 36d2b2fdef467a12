import Foundation

/// One chunk of a `FileTransfer.read`: its transfer runs on a thread of its own and queues the
/// pieces it has checked (each already through its CRC) until the reader drains them, so the
/// next chunk's replica sends while this one's bytes go to the sink.
///
/// Memory is bounded: the transfer waits while `limit` bytes are queued (a piece is queued
/// whole, so at most `limit` + one piece), and `drain` holds at most what it took at once; one
/// chunk read holds at most 2 × `limit` + one piece.
///
/// The order of the pieces is kept; after the transfer failed, `drain` hands on the pieces
/// queued before the failure and then throws the transfer's error. `cancel` makes a running
/// transfer stop at its next piece (its thread then ends on its own).
final class ChunkRead: @unchecked Sendable {
    /// Bytes queued before the transfer waits for the reader.
    let limit: Int
    private let lock = NSCondition()
    private var queue: [[UInt8]] = []
    private var queued = 0
    private var outcome: Result<Void, any Error>?
    private var cancelled = false
    /// Whether `drain` or the transfer sleeps on `lock`: the other wakes it only then, and
    /// `drain` only once a batch is queued, so a chunk costs a few hundred wake-ups rather than
    /// one per piece (each piece handed across costs a futex wake and a context switch).
    private var drainWaits = false
    private var transferWaits = false
    /// Bytes queued before a waiting `drain` is woken (or the transfer's end).
    let batch: Int

    /// The error a cancelled transfer's hand-over throws (the transfer ends with it).
    struct Cancelled: Error {}

    /// Bytes queued before a waiting `drain` is woken, for limits above it.
    static let wakeBatch = 1 << 20

    init(limit: Int) {
        precondition(limit > 0, "a read-ahead limit of \(limit) bytes")
        self.limit = limit
        // At most the limit: a transfer that waits for room always has a batch queued.
        batch = min(limit, Self.wakeBatch)
    }

    /// Starts `transfer` on a thread of its own: it hands its pieces, in order, to the closure
    /// it is given (which waits while the queue is full and throws `Cancelled` once cancelled).
    func start(_ transfer: @escaping @Sendable (_ hand: ([UInt8]) throws -> Void) throws -> Void) {
        Thread {
            let result = Result { try transfer { try self.put($0) } }
            self.lock.withLock {
                self.outcome = result
                if self.drainWaits { self.lock.broadcast() }
            }
        }.start()
    }

    private func put(_ piece: [UInt8]) throws {
        try lock.withLock {
            while queued >= limit, !cancelled {
                transferWaits = true
                lock.wait()
                transferWaits = false
            }
            guard !cancelled else { throw Cancelled() }
            queue.append(piece)
            queued += piece.count
            if drainWaits, queued >= batch { lock.broadcast() }
        }
    }

    /// Blocks until the transfer ended, handing every piece to `sink` in order as it comes;
    /// then returns, or throws the transfer's error once the pieces queued before it were
    /// handed on. A `sink` that throws cancels the transfer; its error is rethrown.
    func drain(into sink: ([UInt8]) throws -> Void) throws {
        while true {
            let (taken, ended): ([[UInt8]], Result<Void, any Error>?) = lock.withLock {
                while queued < batch, outcome == nil {
                    drainWaits = true
                    lock.wait()
                    drainWaits = false
                }
                let taken = queue
                queue = []
                queued = 0
                if transferWaits { lock.broadcast() }
                return (taken, taken.isEmpty ? outcome : nil)
            }
            if let ended { return try ended.get() }
            do {
                for piece in taken { try sink(piece) }
            } catch {
                cancel()
                throw error
            }
        }
    }

    /// Stops the transfer at its next piece; nothing more is queued.
    func cancel() {
        lock.withLock {
            cancelled = true
            queue = []
            queued = 0
            lock.broadcast()
        }
    }
}
