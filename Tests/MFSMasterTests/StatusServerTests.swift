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

    /// `POST /promote`, `/demote` and `/dump` from another host need the `ADMIN_AUTH_CODE`
    /// proof, fresh and for that path; a proof of `AUTH_CODE` (the peers' secret) is refused
    /// saying so.
    @Test func adminRequestsFromAnotherHostNeedTheAdminAuthCodeProof() async throws {
        let calls = Mutex<[String]>([])
        let server = StatusServer(
            host: "127.0.0.1", port: 0, registry: PrometheusCollectorRegistry(), logger: Logger(label: "test"),
            dump: {
                calls.withLock { $0.append("dump") }
                return .success((7, 0.1))
            },
            roleChange: { promote, _ in
                calls.withLock { $0.append(promote ? "promote" : "demote") }
                return AdminAnswer(ok: true, body: "{}")
            }, adminAuthCode: "admin secret", peerAuthCode: "peer secret"
        ) { fatalError("no status here") }
        func post(_ path: String, _ header: String?) async -> (Int, String) {
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
            if let header { head.headers.add(name: "X-MFS-Auth", value: header) }
            let (status, _, body) = await server.respond(to: head, fromLoopback: false)
            return (Int(status.code), String(decoding: body, as: UTF8.self))
        }
        let now = AdminAuth.now()
        for path in ["/promote", "/demote", "/dump"] {
            let none = await post(path, nil)
            #expect(none.0 == 403 && none.1.contains("needs the X-MFS-Auth header"), "\(none)")
            let peer = await post(path, AdminAuth.header(path: path, code: "peer secret", now: now))
            #expect(peer.0 == 403, "AUTH_CODE must not admit \(path)")
            #expect(peer.1.contains("proof is of AUTH_CODE") && peer.1.contains("--admin-auth-code"), "\(peer.1)")
            let wrong = await post(path, AdminAuth.header(path: path, code: "wrong", now: now))
            #expect(wrong.0 == 403 && wrong.1.contains("proof is wrong"), "\(wrong)")
            let otherPath = await post(path, AdminAuth.header(path: path == "/dump" ? "/demote" : "/dump", code: "admin secret", now: now))
            #expect(otherPath.0 == 403, "a proof for another path admitted \(path)")
            let stale = await post(path, AdminAuth.header(path: path, code: "admin secret", now: now - 120))
            #expect(stale.0 == 403, "a stale proof admitted \(path)")
            #expect(calls.withLock { $0 }.isEmpty, "a refused request ran")
            let admitted = await post(path, AdminAuth.header(path: path, code: "admin secret", now: now))
            #expect(admitted.0 == 200, "\(path): \(admitted)")
            #expect(calls.withLock { $0.removeLast() } == String(path.dropFirst()))
        }
    }

    /// Without `ADMIN_AUTH_CODE`, no admin request from another host is admitted, whatever it
    /// proves; from loopback every one is, with no proof.
    @Test func withoutAnAdminAuthCodeAdminRequestsComeFromLoopbackOnly() {
        let now = AdminAuth.now()
        for path in ["/promote", "/demote", "/dump"] {
            let peerProof = AdminAuth.header(path: path, code: "peer", now: now)
            for proof in [nil, peerProof, AdminAuth.header(path: path, code: "anything", now: now)] {
                let refusal = StatusServer.admission(
                    path: path, fromLoopback: false, proof: proof, adminCode: nil, peerCode: "peer", now: now)
                #expect(refusal?.contains("ADMIN_AUTH_CODE is not set on this master") == true, "\(String(describing: refusal))")
            }
            #expect(
                StatusServer.admission(path: path, fromLoopback: false, proof: peerProof, adminCode: nil, peerCode: "peer", now: now)?
                    .contains("proof is of AUTH_CODE") == true)
            #expect(StatusServer.admission(path: path, fromLoopback: true, proof: nil, adminCode: nil, peerCode: "peer", now: now) == nil)
            #expect(StatusServer.admission(path: path, fromLoopback: true, proof: nil, adminCode: "a", peerCode: nil, now: now) == nil)
        }
    }

    /// `ADMIN_AUTH_CODE = AUTH_CODE` stops the master before it starts, naming the line.
    @Test func anAdminAuthCodeEqualToTheAuthCodeIsRefused() throws {
        let same = try MasterKeys.schema.parse("AUTH_CODE = s3cret\nADMIN_AUTH_CODE = s3cret\n", file: "m.cfg")
        #expect {
            try MasterSettings.check(same)
        } throws: {
            "\($0)".hasPrefix("m.cfg:2: ADMIN_AUTH_CODE must differ from AUTH_CODE")
        }
        try MasterSettings.check(try MasterKeys.schema.parse("AUTH_CODE = s3cret\nADMIN_AUTH_CODE = other\n", file: "m.cfg"))
        try MasterSettings.check(try MasterKeys.schema.parse("AUTH_CODE =\nADMIN_AUTH_CODE =\n", file: "m.cfg"))
        let settings = MasterSettings(try MasterKeys.schema.parse("AUTH_CODE = p\nADMIN_AUTH_CODE = a\n", file: "m.cfg"), file: "m.cfg")
        #expect(settings.authCode == "p" && settings.adminAuthCode == "a")
        #expect(MasterSettings(MasterKeys.schema.defaults, file: nil).adminAuthCode == nil)
    }

    @Test func mfscliSaysWhenTheMasterCannotBeReached() throws {
        let unreachable = try runBinary("mfscli", ["-H", "127.0.0.1:1"])
        #expect(unreachable.0 == 1 && unreachable.2.contains("cannot connect to 127.0.0.1:1"), "\(unreachable.2)")
        let usage = try runBinary("mfscli", ["--bogus"])
        #expect(usage.0 == 2 && usage.2.contains("usage:"))
        // The old flag proved AUTH_CODE, which no longer grants admin requests.
        let old = try runBinary("mfscli", ["--auth-code", "x", "demote"])
        #expect(old.0 == 2 && old.2.contains("--auth-code is gone") && old.2.contains("--admin-auth-code CODE"), "\(old.2)")
    }
}
