import Foundation
import Logging
import MFSStorage
import NIOCore
import Synchronization
import Testing

@testable import MFSMaster

#if canImport(Glibc)
    import Glibc
#endif

/// The client port's own event loop: its timers, its tasks from other threads, and sockets
/// through a real listener on loopback (partial sends, paused reads, both ways of ending).
@Suite struct PollLoopTests {
    @Test func timersComeOutByDeadlineThenByOrderAndCancelledOnesAreSkipped() {
        var queue = TimerQueue()
        let fired = Mutex<[String]>([])
        func timer(_ name: String) -> @Sendable () -> Void { { fired.withLock { $0.append(name) } } }
        _ = queue.add(at: 30, timer("c"))
        _ = queue.add(at: 10, timer("a1"))
        let b = queue.add(at: 20, timer("b"))
        _ = queue.add(at: 10, timer("a2"))
        #expect(queue.nextDeadline == 10)
        while let task = queue.popDue(now: 15) { task() }
        #expect(fired.withLock { $0 } == ["a1", "a2"])
        queue.cancel(b)
        #expect(queue.nextDeadline == 30)
        #expect(queue.popDue(now: 29) == nil)
        while let task = queue.popDue(now: 100) { task() }
        #expect(fired.withLock { $0 } == ["a1", "a2", "c"])
        #expect(queue.nextDeadline == nil)
    }

    @Test func tasksFromOtherThreadsRunOnTheLoopInTheOrderGiven() async throws {
        let loop = PollLoop.shared
        #expect(!loop.inEventLoop)
        let seen = Mutex<[Int]>([])
        for value in 0..<100 { loop.execute { if loop.inEventLoop { seen.withLock { $0.append(value) } } } }
        try await loop.submit {}.get()
        #expect(seen.withLock { $0 } == Array(0..<100))
    }

    @Test func aTimerFiresNotBeforeItsDeadlineAndACancelledOneNever() async throws {
        let loop = PollLoop.shared
        let start = NIODeadline.now()
        let firedAt = try await loop.scheduleTask(in: .milliseconds(50)) { NIODeadline.now() }.futureResult.get()
        #expect(firedAt - start >= .milliseconds(50))
        let ran = Atomic<Bool>(false)
        let cancelled = loop.scheduleTask(in: .milliseconds(100)) { ran.store(true, ordering: .relaxed) }
        cancelled.cancel()
        await #expect(throws: EventLoopError.self) { try await cancelled.futureResult.get() }
        try await Task.sleep(for: .milliseconds(250))
        let didRun = ran.load(ordering: .relaxed)
        #expect(!didRun)
    }

    @Test func aListenerOnAPortInUseSaysSoWithTheKeys() throws {
        let first = try Self.listener { _ in }
        defer { first.stop() }
        #expect {
            _ = try PollListener(
                host: "127.0.0.1", port: first.port, backlog: 8, name: "client port", keys: "MATOCL_LISTEN_PORT", loop: .shared,
                logger: Logger(label: "test")
            ) { _ in }
        } throws: { error in
            "\(error)"
                == "cannot listen on 127.0.0.1:\(first.port) for the client port (MATOCL_LISTEN_PORT): Address already in use (errno 98)"
        }
    }

    /// 16 MiB written at once to a client that does not read at first: the socket takes part
    /// (loopback buffers hold a few MiB),
    /// the rest goes as the client reads (`POLLOUT`), all of it, in order.
    @Test func aReplyLargerThanTheSocketTakesGoesOutWholeAndInOrder() async throws {
        let size = 16 << 20
        let pattern = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        let first = ByteBuffer(bytes: pattern[..<(size / 2)])
        let second = Array(pattern[(size / 2)...])
        let listener = try Self.listener { connection in
            connection.write(first)
            connection.write(second)
            connection.flush()
        }
        defer { listener.stop() }
        let client = try WireConnection(port: listener.port)
        try await Task.sleep(for: .milliseconds(200))  // the server's send blocks meanwhile
        let received = client.read(count: size)
        #expect(received.count == size)
        #expect(received == pattern)
    }

    /// A client that sends requests and reads none of the replies: past
    /// `PollLoopLimits.maxQueuedOutputBytes` queued the connection reads and answers no more
    /// (here 5 replies of 1 MiB, the fifth passing 4 MiB), and once the client reads, every
    /// reply comes, in order.
    @Test func aClientThatReadsNothingIsAnsweredNoFurtherThanTheQueueLimit() async throws {
        let amplifier = Amplifier()
        let listener = try Self.listener { amplifier.attach($0) }
        defer { listener.stop() }
        let client = try WireConnection(port: listener.port)
        let requests = 20
        client.send([UInt8](repeating: 1, count: requests))
        let limit = PollLoopLimits.maxQueuedOutputBytes / (1 << 20) + 1
        for _ in 0..<200 where amplifier.answered.load(ordering: .relaxed) < limit { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(300))  // time for more answers, if any were to come
        #expect(amplifier.answered.load(ordering: .relaxed) == limit, "answered while the client read nothing")
        let received = client.read(count: requests << 20)
        #expect(received.count == requests << 20)
        #expect(amplifier.answered.load(ordering: .relaxed) == requests)
        let expected = Array(Amplifier.reply.readableBytesView)
        #expect((0..<requests).allSatisfy { k in received[(k << 20)..<((k + 1) << 20)].elementsEqual(expected) })
    }

    @Test func pausedReadsWaitAndResumeAndEachEndIsToldOnce() async throws {
        let recorder = Recorder()
        let listener = try Self.listener { recorder.attach($0) }
        defer { listener.stop() }
        let client = try WireConnection(port: listener.port)
        client.send([1, 2, 3])
        try await recorder.until { $0.bytes == 3 }
        try await PollLoop.shared.submit { recorder.connection?.readingPaused = true }.get()
        client.send([4, 5])
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.state.withLock { $0.bytes } == 3)
        try await PollLoop.shared.submit { recorder.connection?.readingPaused = false }.get()
        try await recorder.until { $0.bytes == 5 }
        shutdown(client.fd, Int32(SHUT_RDWR))
        try await recorder.until { !$0.ends.isEmpty }
        try await Task.sleep(for: .milliseconds(100))
        #expect(recorder.state.withLock { $0.ends } == ["clean"])

        let reset = Recorder()
        let second = try Self.listener { reset.attach($0) }
        defer { second.stop() }
        do {
            let rude = try WireConnection(port: second.port)
            rude.send([9])
            try await reset.until { $0.bytes == 1 }
            rude.resetOnClose()
        }
        try await reset.until { !$0.ends.isEmpty }
        #expect(reset.state.withLock { $0.ends } == ["recv: Connection reset by peer"])
    }

    /// More connections waiting than one pass accepts (`PollListenerLimits.acceptsPerPass`):
    /// the rest are accepted in the next passes, each with its peer's address.
    @Test func connectionsBeyondOnePassOfAcceptsAreAllAccepted() async throws {
        let count = PollListenerLimits.acceptsPerPass * 2 + 1
        let peers = Mutex<[String]>([])
        let listener = try Self.listener { connection in peers.withLock { $0.append("\(connection.remoteAddress)") } }
        defer { listener.stop() }
        let clients = try (0..<count).map { _ in try WireConnection(port: listener.port) }
        for _ in 0..<500 where peers.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(10)) }
        #expect(peers.withLock { $0 } == Array(repeating: "127.0.0.1", count: count))
        #expect(clients.count == count)
    }

    static func listener(_ accepted: @escaping (PollConnection) -> Void) throws -> PollListener {
        let listener = try PollListener(
            host: "127.0.0.1", port: 0, backlog: 8, name: "test port", keys: "-", loop: .shared, logger: Logger(label: "test"),
            accepted: accepted)
        listener.start()
        return listener
    }
}

/// Answers each byte received with 1 MiB (a request whose reply is large), taking bytes one
/// at a time as the client port's handler takes frames: none while the connection's output is
/// full, the rest once it drained.
private final class Amplifier: PollConnectionDelegate, @unchecked Sendable {
    static let reply = ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 / 4096) })
    let answered = Atomic<Int>(0)
    var connection: PollConnection?
    var pending = 0

    func attach(_ connection: PollConnection) {
        self.connection = connection
        connection.delegate = self
    }

    func received(_ bytes: UnsafeRawBufferPointer) {
        pending += bytes.count
        answer()
    }

    func outputDrained() { answer() }
    func ended(error: String?) {}

    private func answer() {
        guard let connection else { return }
        while pending > 0, !connection.isOutputFull {
            pending -= 1
            connection.write(Self.reply)
            answered.add(1, ordering: .relaxed)
        }
    }
}

/// Counts what a connection received and how it ended.
private final class Recorder: PollConnectionDelegate, @unchecked Sendable {
    let state = Mutex<(bytes: Int, ends: [String])>((0, []))
    var connection: PollConnection?

    func attach(_ connection: PollConnection) {
        self.connection = connection
        connection.delegate = self
    }

    func received(_ bytes: UnsafeRawBufferPointer) { state.withLock { $0.bytes += bytes.count } }
    func ended(error: String?) { state.withLock { $0.ends.append(error ?? "clean") } }
    func outputDrained() {}

    func until(_ condition: ((bytes: Int, ends: [String])) -> Bool) async throws {
        for _ in 0..<500 {
            if state.withLock({ condition($0) }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out; state \(state.withLock { $0 })")
    }
}

extension WireConnection {
    /// `count` bytes as they come, fewer if the connection ends.
    func read(count: Int) -> [UInt8] {
        var all = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while all.count < count {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got <= 0 { break }
            all += buffer[0..<got]
        }
        return all
    }

    /// Makes the close a reset (SO_LINGER 0) instead of a FIN.
    func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}
