import Logging
import MFSStatus
import MFSStorage
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The status and admin server on port 9428 (DESIGN §1): `GET /status` (JSON), `GET /metrics`
/// (Prometheus text), and the admin requests `POST /dump` (dump the metadata now, answered when
/// done), `POST /promote` (a follower becomes active; `?force=1` even while the active master
/// it follows answers), `POST /demote` (an active master stops taking writes) and
/// `POST /remove-chunkserver/ID` (forget a chunkserver that is gone for good), each from
/// loopback or with `ADMIN_AUTH_CODE` proven (`AdminAuth`, `admission`; the proof covers the
/// path, so the id too). `AUTH_CODE`, which every chunkserver and metalogger holds, never
/// admits one.
public struct StatusServer: Sendable {
    public let host: String
    public let port: Int
    public let registry: PrometheusCollectorRegistry
    public let status: @Sendable () async -> MasterStatus
    /// Runs before each `/metrics` answer, to bring gauges up to date.
    public let refreshMetrics: @Sendable () async -> Void
    /// Dumps the metadata now: the dumped version and the seconds it took, or why not.
    public let dump: @Sendable () async -> Result<(version: UInt64, seconds: Double), DumpRefused>
    /// Promote (`true`, with force) or demote (`false`): the answer's status and JSON or text.
    public let roleChange: @Sendable (_ promote: Bool, _ force: Bool) async -> AdminAnswer
    /// Forgets the chunkserver with this id (`ChunkHub.remove`): done (JSON) or refused.
    public let removeChunkserver: @Sendable (_ id: UInt16) async -> AdminAnswer
    /// `ADMIN_AUTH_CODE`: admin requests from other hosts must prove it (nil: none is admitted).
    public let adminAuthCode: String?
    /// `AUTH_CODE`, the peers' secret: only to tell whoever proves it that it is the wrong one.
    public let peerAuthCode: String?
    let logger: Logger

    public struct DumpRefused: Error, Sendable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        refreshMetrics: @escaping @Sendable () async -> Void = {},
        dump: @escaping @Sendable () async -> Result<(version: UInt64, seconds: Double), DumpRefused> = {
            .failure(DumpRefused("no metadata here"))
        },
        roleChange: @escaping @Sendable (Bool, Bool) async -> AdminAnswer = { _, _ in
            AdminAnswer(ok: false, body: "no roles here")
        },
        removeChunkserver: @escaping @Sendable (UInt16) async -> AdminAnswer = { _ in
            AdminAnswer(ok: false, body: "no chunkservers here")
        },
        adminAuthCode: String? = nil, peerAuthCode: String? = nil,
        status: @escaping @Sendable () async -> MasterStatus
    ) {
        self.roleChange = roleChange
        self.removeChunkserver = removeChunkserver
        self.adminAuthCode = adminAuthCode
        self.peerAuthCode = peerAuthCode
        self.refreshMetrics = refreshMetrics
        self.dump = dump
        self.host = host
        self.port = port
        self.registry = registry
        self.logger = logger
        self.status = status
    }

    /// Binds and serves until the task is cancelled. `bound` is called with the bound port (0 in
    /// `port` picks a free one, for tests).
    public func run(bound: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await ListenFailed.naming("status server", host: host, port, keys: "STATUS_LISTEN_HOST, STATUS_LISTEN_PORT") {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                    }
                }
        }
        bound(server.channel.localAddress?.port ?? port)
        logger.info("status server listening", metadata: ["address": "\(host):\(server.channel.localAddress?.port ?? port)"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let fromLoopback = connection.channel.remoteAddress?.ipAddress.map { $0.hasPrefix("127.") || $0 == "::1" } ?? false
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let h): head = h
                    case .body: break
                    case .end:
                        guard let request = head else { return }
                        let (status, type, body) = await respond(to: request, fromLoopback: fromLoopback)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: type)
                        headers.add(name: "Content-Length", value: String(body.count))
                        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: status, headers: headers)))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        try await outbound.write(.end(nil))
                        if !request.isKeepAlive { return }
                        head = nil
                    }
                }
            }
        } catch {
            logger.debug("status connection ended", metadata: ["error": "\(error)"])
        }
    }

    func respond(to request: HTTPRequestHead, fromLoopback: Bool) async -> (HTTPResponseStatus, String, [UInt8]) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        switch (request.method, path) {
        case (.GET, "/status"):
            return (.ok, "application/json", await status().json())
        case (.GET, "/metrics"):
            await refreshMetrics()
            return (.ok, "text/plain; version=0.0.4", registry.emitToBuffer())
        case (.POST, _) where Self.isAdmin(path):
            let proof = request.headers["X-MFS-Auth"].first
            if let refusal = Self.admission(
                path: path, fromLoopback: fromLoopback, proof: proof, adminCode: adminAuthCode, peerCode: peerAuthCode,
                now: AdminAuth.now())
            {
                logger.warning("admin request refused", metadata: ["path": "\(path)", "reason": "\(refusal)"])
                return (.forbidden, "text/plain", Array((refusal + "\n").utf8))
            }
            return await admin(path, force: request.uri.contains("force=1"))
        case (_, "/status"), (_, "/metrics"):
            return (.methodNotAllowed, "text/plain", Array("use GET\n".utf8))
        case (_, _) where Self.isAdmin(path):
            return (.methodNotAllowed, "text/plain", Array("use POST\n".utf8))
        default:
            return (.notFound, "text/plain", Array("not found: \(path) (try /status or /metrics)\n".utf8))
        }
    }

    /// The path of a chunkserver's removal, before its id.
    static let removalPrefix = "/remove-chunkserver/"

    /// Whether `path` names an admin request (POST only, admitted by `admission`).
    static func isAdmin(_ path: String) -> Bool {
        path == "/dump" || path == "/promote" || path == "/demote" || path.hasPrefix(removalPrefix)
    }

    /// An admitted admin request.
    private func admin(_ path: String, force: Bool) async -> (HTTPResponseStatus, String, [UInt8]) {
        guard path == "/dump" else {
            let outcome: AdminAnswer
            if path.hasPrefix(Self.removalPrefix) {
                guard let id = UInt16(path.dropFirst(Self.removalPrefix.count)), id > 0 else {
                    return (.badRequest, "text/plain", Array("\(path): the chunkserver id must be 1-65535\n".utf8))
                }
                outcome = await removeChunkserver(id)
            } else {
                outcome = await roleChange(path == "/promote", force)
            }
            let status: HTTPResponseStatus = outcome.ok ? .ok : outcome.retryLater ? .serviceUnavailable : .conflict
            return (status, outcome.ok ? "application/json" : "text/plain", Array((outcome.body + "\n").utf8))
        }
        switch await dump() {
        case .success(let done):
            return (.ok, "application/json", Array("{\"version\":\(done.version),\"seconds\":\(done.seconds)}\n".utf8))
        case .failure(let refused):
            return (.internalServerError, "text/plain", Array("dump failed: \(refused.reason)\n".utf8))
        }
    }

    /// Whether an admin request (`POST path`) is admitted: from loopback, or with `proof` (the
    /// `X-MFS-Auth` header) of `adminCode` (`ADMIN_AUTH_CODE`). Nil when admitted, else why not,
    /// for the 403 answer. A proof of `peerCode` (`AUTH_CODE`) is refused saying so: that is
    /// the secret every chunkserver and metalogger holds.
    static func admission(path: String, fromLoopback: Bool, proof: String?, adminCode: String?, peerCode: String?, now: Int64)
        -> String?
    {
        if fromLoopback { return nil }
        if let adminCode, AdminAuth.verifies(proof, path: path, code: adminCode, now: now) { return nil }
        let how = "prove ADMIN_AUTH_CODE (mfscli --admin-auth-code CODE, or MFS_ADMIN_AUTH_CODE)"
        let unset = "ADMIN_AUTH_CODE is not set on this master, so admin requests are allowed from its own host only"
        if let peerCode, AdminAuth.verifies(proof, path: path, code: peerCode, now: now) {
            return "\(path) refused: the X-MFS-Auth proof is of AUTH_CODE, the peers' secret, which grants no admin request; "
                + (adminCode == nil ? unset : how)
        }
        guard adminCode != nil else { return "\(path) refused: \(unset)" }
        guard proof != nil else { return "\(path) refused: from another host it needs the X-MFS-Auth header: \(how)" }
        return "\(path) refused: the X-MFS-Auth proof is wrong, for another path, or more than \(AdminAuth.maxSkewSeconds) s "
            + "off this master's clock: \(how)"
    }
}

/// The answer to an admin request that changes something (`POST /promote`, `/demote`,
/// `/remove-chunkserver/ID`): done (JSON) or refused (the reason).
/// `retryLater`: the refusal may pass on its own soon (too few voters granted within the wait,
/// a promotion under way); it is sent as HTTP 503 rather than 409, `mfscli` then exits 75
/// (EX_TEMPFAIL) and the announcer asks again without backing off (docs/FAILOVER.md).
public struct AdminAnswer: Sendable, Equatable {
    public var ok: Bool
    public var body: String
    public var retryLater: Bool

    public init(ok: Bool, body: String, retryLater: Bool = false) {
        self.ok = ok
        self.body = body
        self.retryLater = retryLater
    }
}
