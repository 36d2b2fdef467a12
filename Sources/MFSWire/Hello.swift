import MFSCore

/// The first frame of every connection to the master, from any peer (`AnyToMaster.hello`).
///
/// ```
/// AnyToMaster.hello (1000):
///   version:16 role:8 metaid:64 epoch:64
///   role == client: clientVersionLength:8 clientVersion:UTF-8
///                   mountPathLength:16 mountPath:UTF-8 resumeSession:32
/// ```
/// `metaid` and `epoch` are the highest the peer has seen (0: none yet). `resumeSession` is the
/// session to resume after a reconnect or failover, 0 for a new one.
///
/// A connection from a client then goes:
/// 1. client → `Hello`; master → `HelloReply` (its metaid, epoch, role, version and, for a
///    password-protected export, a challenge).
/// 2. only if the challenge is not empty: client → `AuthResponse`.
/// 3. master → `SessionReply`: the session, or the reason for refusing it.
/// 4. requests (`ClientRequest`) and replies (`MasterReply`), pipelined and matched by request id.
///
/// The version comes first so that a hello of another major version is refused with
/// `WireError.unsupportedVersion` before anything of it is read.
public struct Hello: WireMessage {
    public let protocolVersion: ProtocolVersion
    public let role: PeerRole
    /// The cluster the peer belongs to; `.unknown` for a new client or chunkserver, which then
    /// pins the master's.
    public let metaID: MetaID
    /// The highest master epoch the peer has seen: a master with a lower one is stale.
    public let epoch: Epoch
    /// The client's part: present exactly when `role` is `.client`.
    public let client: ClientHello?

    /// Traps unless `client` is given exactly for the client role.
    public init(
        protocolVersion: ProtocolVersion = .current, role: PeerRole, metaID: MetaID, epoch: Epoch,
        client: ClientHello? = nil
    ) {
        precondition((role == .client) == (client != nil), "a hello carries client details exactly for the client role")
        self.protocolVersion = protocolVersion
        self.role = role
        self.metaID = metaID
        self.epoch = epoch
        self.client = client
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(AnyToMaster.hello)
        writer.write(protocolVersion.rawValue)
        writer.write(role.rawValue)
        writer.write(metaID.rawValue)
        writer.write(epoch.rawValue)
        if let client {
            writer.write(shortString: client.clientVersion.utf8, limit: WireLimits.maxVersionStringLength, field: "clientVersion")
            writer.write(longString: client.mountPath.utf8, limit: WireLimits.maxMountPathLength, field: "mountPath")
            precondition(client.resumeSession != SessionID(0), "session 0 is \"none\": use nil")
            writer.write(client.resumeSession?.rawValue ?? 0)
        }
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> Hello {
        guard frame.type == AnyToMaster.hello else { throw .helloExpected(found: frame.type) }
        var reader = PayloadReader(frame)
        let version = ProtocolVersion(rawValue: try reader.uint16())
        guard version.isSupported else { throw .unsupportedVersion(version, supported: .current) }
        let rawRole = try reader.uint8()
        guard let role = PeerRole(rawValue: rawRole) else { throw reader.malformed("role", "unknown role \(rawRole)") }
        let metaID = MetaID(try reader.uint64())
        let epoch = try reader.epoch("epoch")
        var client: ClientHello?
        if role == .client {
            let clientVersion = try reader.shortText("clientVersion", limit: WireLimits.maxVersionStringLength)
            let mountPath = try reader.longText("mountPath", limit: WireLimits.maxMountPathLength)
            let session = try reader.uint32()
            client = ClientHello(
                clientVersion: clientVersion, mountPath: mountPath, resumeSession: session == 0 ? nil : SessionID(session))
        }
        try reader.finish()
        return Hello(protocolVersion: version, role: role, metaID: metaID, epoch: epoch, client: client)
    }
}

/// What a client adds to its hello.
public struct ClientHello: Equatable, Sendable {
    /// The client's software version, for `/status` and logs; at most
    /// `WireLimits.maxVersionStringLength` bytes of UTF-8.
    public var clientVersion: String
    /// The export path to mount (`/` or a subdirectory listed in `mfsexports.cfg`); at most
    /// `WireLimits.maxMountPathLength` bytes of UTF-8.
    public var mountPath: String
    /// The session to resume; nil for a new session.
    public var resumeSession: SessionID?

    public init(clientVersion: String, mountPath: String, resumeSession: SessionID? = nil) {
        self.clientVersion = clientVersion
        self.mountPath = mountPath
        self.resumeSession = resumeSession
    }
}
