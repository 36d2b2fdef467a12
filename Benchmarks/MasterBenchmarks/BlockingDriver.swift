import Foundation
import MFSClient
import MFSConfig
import MFSCore
import MFSMetadata
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// The default driver: one thread per client, each with a blocking socket and one request at
/// a time, built the way the C driver drives MooseFS (libmfsio is blocking too). It measures
/// the master rather than a client library's event loops: on a 2-core machine the two sides
/// share the cores, and an asynchronous client's thread hops would show up as master latency.
/// `--driver library` runs the same phases through `MFSClient` instead.
struct BlockingDriver {
    let settings: BenchmarkSettings

    func run() throws(BenchmarkError) -> [PhaseResult] {
        let pid = getpid()
        var connections: [BlockingConnection] = []
        for k in 0..<settings.clients {
            do {
                connections.append(
                    try BlockingConnection(settings.masters[0], top: "b\(pid)_\(k)", listedFiles: MasterBenchmark.listedFiles))
            } catch {
                throw BenchmarkError("setting up client \(k): \(error)")
            }
        }
        var results: [PhaseResult] = []
        for op in BenchmarkPhase.allCases {
            results.append(try phase(op, connections))
        }
        for (k, connection) in connections.enumerated() {
            do { try connection.cleanUp(settings.opsPerClient) } catch { throw BenchmarkError("cleaning up client \(k): \(error)") }
        }
        return results
    }

    /// Starts every client's thread, releases them together, and times the phase from the
    /// release to the last one's end.
    private func phase(_ op: BenchmarkPhase, _ connections: [BlockingConnection]) throws(BenchmarkError) -> PhaseResult {
        let count = settings.opsPerClient
        let ready = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for _ in connections { ready.enter() }
        let finished = onThreads(connections) { connection in
            ready.leave()
            start.wait()
            return connection.run(op, count: count)
        }
        ready.wait()
        let clock = ContinuousClock()
        let began = clock.now
        for _ in connections { start.signal() }
        let outcomes = finished()
        let elapsed = clock.now - began
        var latencies: [Double] = []
        for (k, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let some): latencies += some
            case .failure(let error): throw BenchmarkError("\(op) of client \(k) failed: \(error)")
            }
        }
        return PhaseResult(
            op: op.rawValue, clients: connections.count, ops: latencies.count, seconds: seconds(elapsed), latencies: latencies)
    }
}

/// The phases, in the order they run; each works on what the one before left.
enum BenchmarkPhase: String, CaseIterable {
    case mkdir, create, stat, readdir, rename, unlink
}

/// Starts `body` for every connection on a thread of its own; the function returned waits
/// for them all and gives each one's result, in the connections' order.
func onThreads<T: Sendable>(
    _ connections: [BlockingConnection], _ body: @escaping @Sendable (BlockingConnection) -> Result<T, DriverError>
) -> () -> [Result<T, DriverError>] {
    let results = LockedBox<[Result<T, DriverError>?]>(Array(repeating: nil, count: connections.count))
    let finished = DispatchGroup()
    for (k, connection) in connections.enumerated() {
        finished.enter()
        Thread.detachNewThread {
            let outcome = body(connection)
            results.withLock { $0[k] = outcome }
            finished.leave()
        }
    }
    return {
        finished.wait()
        return results.value.map { $0! }
    }
}

struct DriverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One client: a session over a blocking socket, its top directory and listed directory, and
/// the inodes its create phase made (for the stat phase).
final class BlockingConnection: @unchecked Sendable {
    private let fd: Int32
    private var frames = FrameDecoder()
    private var nextID: UInt64 = 1
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private let caller = Credentials(uid: getuid(), gid: getgid())
    private let topName: EntryName
    private static let listedName: EntryName = "r"
    private var root = InodeID.root
    private var top = InodeID.root
    private var listed = InodeID.root
    private var created: [InodeID] = []
    private let listedFiles: Int

    init(_ master: HostPort, top name: String, listedFiles: Int) throws(DriverError) {
        topName = EntryName(unchecked: Array(name.utf8))
        self.listedFiles = listedFiles
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DriverError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t((master.port ?? 9421).bigEndian)
        guard inet_pton(AF_INET, master.host, &address.sin_addr) == 1 else { throw DriverError("\(master.host) is not an IPv4 address") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw DriverError("connect to \(master): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        try handshake()
        top = try made(call { .mkdir($0, self.caller, parent: self.root, name: self.topName, mode: 0o755) })
        listed = try made(call { .mkdir($0, self.caller, parent: self.top, name: Self.listedName, mode: 0o755) })
        for i in 0..<listedFiles {
            let name = entryName
            _ = try made(call { .mknod($0, self.caller, parent: self.listed, name: name("e", i), type: .file, mode: 0o644, rdev: 0) })
        }
    }

    deinit { close(fd) }

    /// One phase of `count` operations, one at a time; the latency of each, in seconds.
    func run(_ phase: BenchmarkPhase, count: Int) -> Result<[Double], DriverError> {
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        let clock = ContinuousClock()
        do {
            for i in 0..<count {
                let before = clock.now
                try operate(phase, i)
                latencies.append(seconds(clock.now - before))
            }
            return .success(latencies)
        } catch let error as DriverError {
            return .failure(error)
        } catch {
            return .failure(DriverError("\(error)"))
        }
    }

    /// Requests until `stop` says so, alternating a stat of a file this client made with a
    /// mkdir: for each, when it started (seconds on `clock` since `origin`) and its latency.
    func mixedLoad(
        until stop: @Sendable () -> Bool, origin: ContinuousClock.Instant
    ) -> Result<[(start: Double, latency: Double)], DriverError> {
        var samples: [(start: Double, latency: Double)] = []
        let clock = ContinuousClock()
        var random = SystemRandomNumberGenerator()
        var i = 0
        do throws(DriverError) {
            while !stop() {
                let before = clock.now
                if i % 2 == 0, !created.isEmpty {
                    try operate(.stat, Int.random(in: 0..<created.count, using: &random))
                } else {
                    _ = try made(call { .mkdir($0, self.caller, parent: self.top, name: entryName("m", i), mode: 0o755) })
                }
                let after = clock.now
                samples.append((seconds(before - origin), seconds(after - before)))
                i += 1
            }
            return .success(samples)
        } catch {
            return .failure(error)
        }
    }

    private func operate(_ phase: BenchmarkPhase, _ i: Int) throws(DriverError) {
        let name = entryName
        let who = caller
        switch phase {
        case .mkdir:
            _ = try made(call { .mkdir($0, who, parent: self.top, name: name("d", i), mode: 0o755) })
        case .create:
            created.append(try made(call { .mknod($0, who, parent: self.top, name: name("f", i), type: .file, mode: 0o644, rdev: 0) }))
        case .stat:
            let inode = created[i]
            _ = try made(call { .getAttributes($0, inode: inode) })
        case .readdir:
            var seen = 0
            var cookie: UInt64 = 0
            while true {
                let reply = try call { .readdir($0, who, inode: self.listed, cookie: cookie, maxEntries: 1_000) }
                guard case .readdir(_, let entries, let atEnd) = reply else { throw DriverError("readdir: \(reply)") }
                seen += entries.count
                guard !atEnd, let last = entries.last else { break }
                cookie = last.cookie
            }
            guard seen == listedFiles else { throw DriverError("listed \(seen) entries, expected \(listedFiles)") }
        case .rename:
            try succeeded(call { .rename($0, who, parent: self.top, name: name("f", i), newParent: self.top, newName: name("g", i)) })
        case .unlink:
            try succeeded(call { .unlink($0, who, parent: self.top, name: name("g", i)) })
        }
    }

    /// Removes what the run made, untimed.
    func cleanUp(_ count: Int) throws(DriverError) {
        let name = entryName
        let who = caller
        for i in 0..<count { try succeeded(call { .rmdir($0, who, parent: self.top, name: name("d", i)) }) }
        for i in 0..<listedFiles { try succeeded(call { .unlink($0, who, parent: self.listed, name: name("e", i)) }) }
        try succeeded(call { .rmdir($0, who, parent: self.top, name: Self.listedName) })
        try succeeded(call { .rmdir($0, who, parent: self.root, name: self.topName) })
    }

    // MARK: wire

    private func handshake() throws(DriverError) {
        let hello = Hello(
            role: .client, metaID: .unknown, epoch: .zero, client: ClientHello(clientVersion: "swift-mfs MasterBenchmarks", mountPath: "/"))
        try send(hello.encode())
        let reply: HelloReply
        do { reply = try HelloReply.decode(receive()) } catch { throw DriverError("hello: \(error)") }
        if !reply.challenge.isEmpty {
            let response = passwordResponse(secretDigest: passwordDigest(""), challenge: reply.challenge)
            try send(AuthResponse(response: response).encode())
        }
        let session: SessionReply
        do { session = try SessionReply.decode(receive()) } catch { throw DriverError("session: \(error)") }
        guard case .established(let grant) = session else { throw DriverError("session refused: \(session)") }
        root = grant.root
    }

    private func call(_ make: (RequestID) -> ClientRequest) throws(DriverError) -> MasterReply {
        let id = RequestID(nextID)
        nextID += 1
        try send(make(id).encode())
        let reply: MasterReply
        do { reply = try MasterReply.decode(receive()) } catch { throw DriverError("reply: \(error)") }
        guard reply.requestID == id else { throw DriverError("reply to request \(reply.requestID), expected \(id)") }
        return reply
    }

    private func made(_ reply: MasterReply) throws(DriverError) -> InodeID {
        guard let attributes = reply.attributes else { throw DriverError("\(reply)") }
        return attributes.inode
    }

    private func succeeded(_ reply: MasterReply) throws(DriverError) {
        switch reply {
        case .status(_, .ok, _), .unlink, .rmdir, .rename: return
        default: throw DriverError("\(reply)")
        }
    }

    private func send(_ bytes: [UInt8]) throws(DriverError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw DriverError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    private func receive() throws(DriverError) -> Frame {
        while true {
            do {
                if let frame = try frames.next() { return frame }
            } catch {
                throw DriverError("bad frame from the master: \(error)")
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw DriverError(n == 0 ? "the master closed the connection" : "recv: \(String(cString: strerror(errno)))")
            }
            frames.append(buffer[0..<n])
        }
    }
}

func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// `prefix` followed by `i`: always a valid entry name.
func entryName(_ prefix: String, _ i: Int) -> EntryName {
    EntryName(unchecked: Array("\(prefix)\(i)".utf8))
}
