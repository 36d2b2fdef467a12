import MFSCore

/// The master's answer to a `Hello` (`MasterToAny.hello`): who it is, so that the peer can
/// refuse a master of another cluster or a stale epoch (DESIGN §7.6) and find the active one.
///
/// ```
/// MasterToAny.hello (1001):
///   version:16 role:8 metaid:64 epoch:64 metaVersion:64
///   softwareVersionLength:8 softwareVersion:UTF-8 challengeLength:8 challenge:challengeLengthB
/// ```
/// A master that cannot read a peer's hello (another major version) still sends this reply, so
/// the peer can say which versions met, and then closes the connection.
public struct HelloReply: WireMessage {
    public var protocolVersion: ProtocolVersion
    public var role: MasterRole
    public var metaID: MetaID
    public var epoch: Epoch
    /// The master's metadata version (the last change applied).
    public var metaVersion: MetaVersion
    /// The master's software version, at most `WireLimits.maxVersionStringLength` bytes.
    public var softwareVersion: String
    /// Random bytes to answer with an `AuthResponse` when the export needs a password; empty
    /// when it does not. At most `WireLimits.maxChallengeLength` bytes.
    public var challenge: [UInt8]

    public init(
        protocolVersion: ProtocolVersion = .current, role: MasterRole, metaID: MetaID, epoch: Epoch,
        metaVersion: MetaVersion, softwareVersion: String, challenge: [UInt8] = []
    ) {
        self.protocolVersion = protocolVersion
        self.role = role
        self.metaID = metaID
        self.epoch = epoch
        self.metaVersion = metaVersion
        self.softwareVersion = softwareVersion
        self.challenge = challenge
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(MasterToAny.hello)
        writer.write(protocolVersion.rawValue)
        writer.write(role.rawValue)
        writer.write(metaID.rawValue)
        writer.write(epoch.rawValue)
        writer.write(metaVersion.rawValue)
        writer.write(shortString: softwareVersion.utf8, limit: WireLimits.maxVersionStringLength, field: "softwareVersion")
        writer.write(shortString: challenge, limit: WireLimits.maxChallengeLength, field: "challenge")
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> HelloReply {
        guard frame.type == MasterToAny.hello else { throw .helloExpected(found: frame.type) }
        var reader = PayloadReader(frame)
        let version = ProtocolVersion(rawValue: try reader.uint16())
        guard version.isSupported else { throw .unsupportedVersion(version, supported: .current) }
        let rawRole = try reader.uint8()
        guard let role = MasterRole(rawValue: rawRole) else { throw reader.malformed("role", "unknown master role \(rawRole)") }
        let metaID = MetaID(try reader.uint64())
        let epoch = try reader.epoch("epoch")
        let metaVersion = try reader.metaVersion("metaVersion")
        let software = try reader.shortText("softwareVersion", limit: WireLimits.maxVersionStringLength)
        let challenge = try reader.shortBytes("challenge", limit: WireLimits.maxChallengeLength)
        try reader.finish()
        return HelloReply(
            protocolVersion: version, role: role, metaID: metaID, epoch: epoch, metaVersion: metaVersion,
            softwareVersion: software, challenge: challenge)
    }
}
