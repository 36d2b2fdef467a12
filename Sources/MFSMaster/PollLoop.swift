import Dispatch
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The client port's event loop: one thread, `poll(2)` over the listening sockets and every
/// client connection, as MooseFS's master serves its clients (docs/BENCHMARKS-METADATA.md: a
/// request through SwiftNIO's pipeline cost about 5 µs more user time and 10–20 µs more round
/// trip than through such a loop). It is a NIO `EventLoop` too, so the connections' timers,
/// `NIOLoopBound` and the hand-backs from the changelog writer (`execute`) work as on NIO's.
///
/// One iteration: `poll` (no wait when tasks are queued; until the next timer otherwise), the
/// ready sockets (reads handled, frames answered), the timers that are due, the queued tasks
/// (until none is left, up to `PollLoopLimits.taskRounds` rounds), then one `send` per
/// connection that asked for a flush. Sockets and their state belong to the loop's thread;
/// `execute` and `scheduleTask` may be called from any thread (a wake-up pipe ends the `poll`).
final class PollLoop: EventLoop, @unchecked Sendable {
    /// The loop every client port of this process runs on (started at first use, never stopped).
    static let shared = PollLoop(name: "mfs-clients")

    private let name: String
    /// `pthread_self()` of the loop's thread, 0 until it runs.
    private let thread = Atomic<UInt>(0)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private let timers = Mutex(TimerQueue())

    // The loop thread's own state.
    private var sockets: [any PollSocket] = []
    private var pollSet: [pollfd] = []
    private var membershipChanged = false
    private var flushes: [PollConnection] = []
    /// The other halves of `tasks` and `flushes` while a pass runs them (empty between).
    private var running: [@Sendable () -> Void] = []
    private var flushing: [PollConnection] = []
    /// Where reads land before the connection's decoder copies them.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: PollLoopLimits.readSize, alignment: 16)

    private init(name: String) {
        self.name = name
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "cannot create the client loop's wake-up pipe: errno \(errno)")
        for end in ends { setNonBlocking(end) }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        pollSet = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let retained = Unmanaged.passRetained(self).toOpaque()
        var id = pthread_t()
        let created = pthread_create(
            &id, nil,
            { argument in
                let loop = Unmanaged<PollLoop>.fromOpaque(argument!).takeRetainedValue()
                loop.run()
                return nil
            }, retained)
        precondition(created == 0, "cannot start the client loop's thread: \(created)")
    }

    // MARK: EventLoop

    var inEventLoop: Bool { thread.load(ordering: .relaxed) == UInt(pthread_self()) }

    func execute(_ task: @escaping @Sendable () -> Void) {
        let first = tasks.withLock { tasks in
            tasks.append(task)
            return tasks.count == 1
        }
        if first, !inEventLoop { wake() }
    }

    @discardableResult
    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise: EventLoopPromise<T> = makePromise()
        let id = timers.withLock { queue in
            queue.add(at: deadline.uptimeNanoseconds) {
                // On the loop, where the promise's callbacks run.
                let isolated = promise.assumeIsolatedUnsafeUnchecked()
                do { isolated.succeed(try task()) } catch { promise.fail(error) }
            }
        }
        if !inEventLoop { wake() }
        return Scheduled(promise: promise) { [weak self] in self?.timers.withLock { $0.cancel(id) } }
    }

    @discardableResult
    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, "not on the \(name) loop", file: file, line: line)
    }

    func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, "on the \(name) loop", file: file, line: line)
    }

    func next() -> any EventLoop { self }
    func makeIterator() -> EventLoopIterator { EventLoopIterator([self]) }

    /// The shared loop lives as long as the process.
    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        callback(EventLoopError.unsupportedOperation)
    }

    // MARK: sockets (on the loop's thread)

    /// Adds a socket to the poll set from the next iteration on.
    func register(_ socket: any PollSocket) {
        preconditionInEventLoop(file: #file, line: #line)
        sockets.append(socket)
        membershipChanged = true
    }

    /// Drops a closed socket from the poll set (at the end of this iteration).
    func unregistered() { membershipChanged = true }

    /// `connection` sends what it buffered at the end of this iteration (one `send` for every
    /// reply written in it).
    func flushSoon(_ connection: PollConnection) { flushes.append(connection) }

    // MARK: the loop

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe means a wake-up is pending already
    }

    private func run() {
        thread.store(UInt(pthread_self()), ordering: .relaxed)
        nameThisThread(name)
        while true {
            if membershipChanged { rebuildPollSet() }
            for index in sockets.indices { pollSet[index + 1].events = sockets[index].interest }
            let ready = poll(&pollSet, nfds_t(pollSet.count), pollTimeout())
            if ready > 0 {
                if pollSet[0].revents != 0 { drainWakeUps() }
                // Sockets registered during this pass are polled from the next one.
                for index in 0..<sockets.count {
                    let events = pollSet[index + 1].revents
                    if events != 0, sockets[index].isOpen { sockets[index].ready(events) }
                }
            } else if ready < 0, errno != EINTR {
                usleep(PollLoopLimits.pollRetryMicroseconds)  // out of memory for a moment: try again
            }
            runDueTimers()
            runTasks()
            flushAll()
        }
    }

    private func rebuildPollSet() {
        membershipChanged = false
        sockets.removeAll { !$0.isOpen }
        pollSet.removeSubrange(1...)
        for socket in sockets { pollSet.append(pollfd(fd: socket.descriptor, events: socket.interest, revents: 0)) }
    }

    /// No wait when tasks are queued; otherwise until the next timer (rounded up to a whole
    /// millisecond, so a timer is never polled for early in a loop); forever when there is none.
    private func pollTimeout() -> Int32 {
        if !flushes.isEmpty || tasks.withLock({ !$0.isEmpty }) { return 0 }
        guard let next = timers.withLock({ $0.nextDeadline }) else { return -1 }
        let now = NIODeadline.now().uptimeNanoseconds
        guard next > now else { return 0 }
        return Int32(clamping: (next - now + 999_999) / 1_000_000)
    }

    private func drainWakeUps() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &sink, sink.count) == sink.count {}
    }

    private func runDueTimers() {
        let now = NIODeadline.now().uptimeNanoseconds
        while let task = timers.withLock({ $0.popDue(now: now) }) { task() }
    }

    /// The queue and `running` trade buffers, so neither is copied or allocated per pass (a
    /// copy of the queue followed by `removeAll(keepingCapacity:)` allocated a new one each time).
    private func runTasks() {
        for _ in 0..<PollLoopLimits.taskRounds {
            tasks.withLock { swap(&$0, &running) }
            if running.isEmpty { return }
            for task in running { task() }
            running.removeAll(keepingCapacity: true)
        }
    }

    private func flushAll() {
        guard !flushes.isEmpty else { return }
        swap(&flushes, &flushing)
        for connection in flushing { connection.sendNow() }
        flushing.removeAll(keepingCapacity: true)
    }
}

/// Names the calling thread (as `top -H` and `perf` show it; a new thread otherwise keeps its
/// creator's name, a Swift concurrency worker's). Best effort: Linux's `/proc/thread-self/comm`.
private func nameThisThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = Array(name.utf8.prefix(15)).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    _ = close(fd)
}

/// Makes `fd` non-blocking and closed on exec.
func setNonBlocking(_ fd: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
}

/// Named limits of the client loop.
enum PollLoopLimits {
    /// Bytes read from a socket at once (more stays in the socket for the next iteration).
    static let readSize = 65_536
    /// Rounds of queued tasks run in one iteration before the sockets are polled again (tasks
    /// queued by tasks, such as a reply once its change is stored, go out in the same pass).
    static let taskRounds = 16
    /// How long the loop waits after `poll` itself failed (ENOMEM) before it polls again.
    static let pollRetryMicroseconds: UInt32 = 10_000
    /// Replies queued for a client that does not read them: past this many bytes the
    /// connection reads no more requests (and its handler takes no more from what it read)
    /// until the queue is down to `resumeOutputBytes`. What is queued past it is bounded by
    /// other limits: the request in hand's reply, the replies already waiting for the
    /// changelog (`ClientServerLimits.maxRepliesWaiting`), MooseFS's notices and keep-alives.
    static let maxQueuedOutputBytes = 4 << 20
    static let resumeOutputBytes = 1 << 20
}

/// A socket in the loop's poll set: a listener or a connection.
protocol PollSocket: AnyObject {
    var descriptor: Int32 { get }
    var isOpen: Bool { get }
    /// The `poll` events wanted now.
    var interest: Int16 { get }
    func ready(_ events: Int16)
}

/// The loop's timers: a binary heap of deadlines; a cancelled timer's task is dropped and its
/// heap entry skipped when it comes up.
struct TimerQueue {
    private var heap: [(deadline: UInt64, id: UInt64)] = []
    private var tasks: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 0

    var nextDeadline: UInt64? {
        mutating get {
            while let top = heap.first, tasks[top.id] == nil { removeTop() }
            return heap.first?.deadline
        }
    }

    mutating func add(at deadline: UInt64, _ task: @escaping @Sendable () -> Void) -> UInt64 {
        nextID += 1
        tasks[nextID] = task
        heap.append((deadline, nextID))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.earlier(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
        return nextID
    }

    mutating func cancel(_ id: UInt64) { tasks[id] = nil }

    /// The task of the earliest timer due at `now`, taken out of the queue.
    mutating func popDue(now: UInt64) -> (@Sendable () -> Void)? {
        while let top = heap.first, top.deadline <= now {
            removeTop()
            if let task = tasks.removeValue(forKey: top.id) { return task }
        }
        return nil
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count, Self.earlier(heap[left], heap[first]) { first = left }
            if right < heap.count, Self.earlier(heap[right], heap[first]) { first = right }
            if first == parent { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }

    private static func earlier(_ a: (deadline: UInt64, id: UInt64), _ b: (deadline: UInt64, id: UInt64)) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.id < b.id
    }
}
