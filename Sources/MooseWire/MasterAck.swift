import MFSCore

/// MATOCS_MASTER_ACK (104): the master's answer to a register BEGIN or CHUNKS packet. The first
/// byte (`atype`) and the length pick the form; a chunkserver accepts only lengths 1, 5, 7, 9,
/// 15, 17 and 33 (notes §2.3):
///
/// ```
/// atype 0 (17 B)  atype:8=0 version:32 timeout:16 csid:16 metaid:64   BEGIN accepted (chunkserver ≥ 2.0.33)
/// atype 0  (9 B)  atype:8=0 version:32 timeout:16 csid:16             BEGIN accepted, no metaid check
/// atype 0  (5 B)  atype:8=0 version:32                                v5 BEGIN accepted
/// atype 0  (1 B)  atype:8=0                                           "next CHUNKS packet, please"
/// atype 1  (5 B)  atype:8=1 ip:32                                     redirect: I am not the leader
/// atype 2  (7 B)  atype:8=2 version:32 timeout:16                     wait: stay connected, unregistered
/// atype 2 (15 B)  atype:8=2 version:32 timeout:16 metaid:64           wait, with a metaid check
/// atype 3 (33 B)  atype:8=3 random:32B                                password challenge
/// ```
/// A chunkserver that already knows a different non-zero metaid **exits** on atype 0, so a
/// master must send the cluster's metaid (or 0). A redirect keeps the port; ip 0 means "leader
/// unknown, look MASTER_HOST up again". CE 3.0.117 masters send only atypes 0 and 3; the
/// chunkserver understands all four, and our follower master uses atype 1.
public enum MasterAck: MooseMessage {
    case registered(RegisterAccepted)
    case registeredV5(version: MooseVersion)
    case nextChunks
    /// `ipv4` 0: the leader is unknown.
    case redirect(ipv4: UInt32)
    case wait(version: MooseVersion, timeoutSeconds: UInt16, metaID: MetaID?)
    case challenge(RegisterChallenge)

    public static let messageTypes: [MooseMessageType] = [.matocsMasterAck]
    public var messageType: MooseMessageType { .matocsMasterAck }

    private enum AckType: UInt8 { case accepted = 0, redirect = 1, wait = 2, challenge = 3 }

    public func encode(into writer: inout MooseWriter) {
        switch self {
        case .registered(let accepted):
            writer.write(AckType.accepted.rawValue)
            writer.write(accepted.version.rawValue)
            writer.write(accepted.timeoutSeconds)
            writer.write(accepted.chunkserverID.rawValue)
            if let metaID = accepted.metaID { writer.write(metaID.rawValue) }
        case .registeredV5(let version):
            writer.write(AckType.accepted.rawValue)
            writer.write(version.rawValue)
        case .nextChunks:
            writer.write(AckType.accepted.rawValue)
        case .redirect(let ipv4):
            writer.write(AckType.redirect.rawValue)
            writer.write(ipv4)
        case .wait(let version, let timeout, let metaID):
            writer.write(AckType.wait.rawValue)
            writer.write(version.rawValue)
            writer.write(timeout)
            if let metaID { writer.write(metaID.rawValue) }
        case .challenge(let challenge):
            writer.write(AckType.challenge.rawValue)
            writer.write(bytes: challenge.random)
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> MasterAck {
        let raw = try reader.uint8("atype")
        guard let atype = AckType(rawValue: raw) else { throw reader.malformed("atype", "unknown ACK type \(raw)") }
        switch atype {
        case .accepted:
            try reader.expectLength(1, 5, 9, 17)
            if reader.length == 1 { return .nextChunks }
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            if reader.length == 5 { return .registeredV5(version: version) }
            let timeout = try reader.uint16("timeout")
            let csid = ChunkserverID(try reader.uint16("csid"))
            let metaID = reader.length == 17 ? MetaID(try reader.uint64("metaid")) : nil
            return .registered(RegisterAccepted(version: version, timeoutSeconds: timeout, chunkserverID: csid, metaID: metaID))
        case .redirect:
            try reader.expectLength(5)
            return .redirect(ipv4: try reader.uint32("ip"))
        case .wait:
            try reader.expectLength(7, 15)
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            let timeout = try reader.uint16("timeout")
            let metaID = reader.length == 15 ? MetaID(try reader.uint64("metaid")) : nil
            return .wait(version: version, timeoutSeconds: timeout, metaID: metaID)
        case .challenge:
            try reader.expectLength(1 + MooseWireLimits.registerChallengeLength)
            return .challenge(RegisterChallenge(random: try reader.bytes(MooseWireLimits.registerChallengeLength, "random")))
        }
    }
}

/// The fields of an accepting ACK (atype 0, 17 or 9 bytes).
public struct RegisterAccepted: Hashable, Sendable {
    /// The master's version; the chunkserver switches behaviour on it.
    public var version: MooseVersion
    /// The connection timeout the master uses (the chunkserver's own if it sent one).
    public var timeoutSeconds: UInt16
    /// The id the master gives this chunkserver (≥ 1).
    public var chunkserverID: ChunkserverID
    /// The cluster's id: nil only for the 9-byte form sent to chunkservers before 2.0.33.
    public var metaID: MetaID?

    public init(version: MooseVersion = .v3_0_117, timeoutSeconds: UInt16, chunkserverID: ChunkserverID, metaID: MetaID?) {
        self.version = version
        self.timeoutSeconds = timeoutSeconds
        self.chunkserverID = chunkserverID
        self.metaID = metaID
    }
}
