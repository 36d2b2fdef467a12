import Foundation
import Logging
import MFSCore
import MFSStatus
import MFSStorage
import MFSTestSupport
import NIOHTTP1
import Prometheus
import Synchronization
import Testing

@testable import MFSMaster

#if canImport(Glibc)
    import Glibc
#endif

/// A plain HTTP/1.0 request over a TCP socket to 127.0.0.1: status code and body.
func httpRequest(port: Int, method: String = "GET", path: String) throws -> (Int, String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let request = Array("\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[0..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    let code = Int(text.split(separator: " ").dropFirst().first ?? "0") ?? 0
    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    return (code, body)
}

/// Runs blocking work on a thread of its own, so it never holds one of the (few) cooperative
/// threads the server under test needs to answer it.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

@Suite struct StatusServerTests {
    @Test func statusAndMetricsAreServed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mfsstatus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ns = try MasterStartup.load(dataPath: dir, autoRestore: false, warn: { _ in }).namespace
        let first = try ns.setMetaID(MetaID(0x1234), now: UnixTime(1))
        let writer = try ChangelogWriter(directory: DataDirectory(dir), metaID: ns.metaID, mode: .fsyncBeforeReply, lastVersion: .zero)
        try writer.append(first)
        defer { writer.close() }
        let service = MetadataService(namespace: ns, writer: writer, directory: DataDirectory(dir))
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "mfs_test_counter").increment(by: Int64(3))
        let ports = AsyncStream<Int>.makeStream()
        let server = StatusServer(host: "127.0.0.1", port: 0, registry: registry, logger: Logger(label: "test")) { await service.status() }
        let task = Task { try await server.run(bound: { ports.continuation.yield($0) }) }
        defer { task.cancel() }
        var iterator = ports.stream.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let (code, body) = (try await offPool { try httpRequest(port: port, path: "/status") })
        #expect(code == 200)
        let status = try JSONDecoder().decode(MasterStatus.self, from: Data(body.utf8))
        #expect(status.role == "active" && status.writable && status.healthy)
        #expect(status.metaid == "0000000000001234" && status.version == 1 && status.changelog.mode == 2)
        for field in ["\"epochStartVersion\"", "\"sessions\"", "\"chunkservers\"", "\"peers\"", "\"changelog\""] {
            #expect(body.contains(field), "missing \(field)")
        }
        let metrics = (try await offPool { try httpRequest(port: port, path: "/metrics") })
        #expect(metrics.0 == 200 && metrics.1.contains("mfs_test_counter 3"))
        #expect((try await offPool { try httpRequest(port: port, path: "/nope") }).0 == 404)
        #expect((try await offPool { try httpRequest(port: port, method: "POST", path: "/status") }).0 == 405)
        // No roles behind this server: a promote is refused, saying why.
        #expect((try await offPool { try httpRequest(port: port, method: "POST", path: "/promote") }).0 == 409)

        // mfscli reads the same status.
        let table = try await offPool { try runBinary("mfscli", ["-H", "127.0.0.1:\(port)", "--timeout", "60"]) }
        #expect(table.0 == 0, "\(table.2)")
        #expect(
            table.1.contains("active (writable)") && table.1.contains("0000000000001234") && table.1.contains("fsync before reply"),
            "\(table.1)")
        let json = try await offPool { try runBinary("mfscli", ["-H", "127.0.0.1:\(port)", "--json", "--timeout", "60"]) }
        #expect(json.0 == 0 && (try? JSONDecoder().decode(MasterStatus.self, from: Data(json.1.utf8)))?.version == 1)
    }

    /// `POST /promote` and `/demote` from another host need the `AUTH_CODE` proof, fresh.
    @Test func roleChangesFromAnotherHostNeedTheAuthCodeProof() async throws {
        let calls = Mutex<[Bool]>([])
        let server = StatusServer(
            host: "127.0.0.1", port: 0, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"),
            roleChange: { promote, _ in
                calls.withLock { $0.append(promote) }
                return (true, "{}")
            }, authCode: "s3cret"
        ) { fatalError("no status here") }
        func post(_ path: String, _ header: String?) async -> Int {
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            if let header { head.headers.add(name: "X-MFS-Auth", value: header) }
            return Int(await server.respond(to: head, fromLoopback: false).0.code)
        }
        let now = AdminAuth.now()
        #expect(await post("/promote", nil) == 403)
        #expect(await post("/promote", AdminAuth.header(path: "/promote", code: "wrong", now: now)) == 403)
        #expect(await post("/promote", AdminAuth.header(path: "/demote", code: "s3cret", now: now)) == 403, "a proof for another path")
        #expect(await post("/promote", AdminAuth.header(path: "/promote", code: "s3cret", now: now - 120)) == 403, "a stale proof")
        #expect(await post("/promote", AdminAuth.header(path: "/promote", code: "s3cret", now: now)) == 200)
        #expect(await post("/demote", AdminAuth.header(path: "/demote", code: "s3cret", now: now)) == 200)
        #expect(calls.withLock { $0 } == [true, false])
    }

    @Test func mfscliSaysWhenTheMasterCannotBeReached() throws {
        let unreachable = try runBinary("mfscli", ["-H", "127.0.0.1:1"])
        #expect(unreachable.0 == 1 && unreachable.2.contains("cannot connect to 127.0.0.1:1"), "\(unreachable.2)")
        let usage = try runBinary("mfscli", ["--bogus"])
        #expect(usage.0 == 2 && usage.2.contains("usage:"))
    }
}
