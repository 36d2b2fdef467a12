import MFSCore

/// The master's last word of the handshake (`MasterToClient.session`): the client's session,
/// or why there is none.
///
/// ```
/// MasterToClient.session (1003):
///   status:8                                      (refused: any status but ok)
///   status:8=0 session:32 flags:8 root:32 rootUID:32 rootGID:32     (established)
/// ```
/// `flags`: 0x01 read-only; other bits are 0. `root` is the inode of the exported directory
/// (1 for `/`). Requests from uid 0 act as `rootUID`/`rootGID` (MooseFS's `maproot`).
///
/// Refusals: `badPassword` (wrong auth response), `accessDenied` (the address or path is not
/// exported), `badSession` (the session to resume is gone: say hello again for a new one),
/// `wrongMetaID` (the client belongs to another cluster), `notActive` (this master is not
/// active).
public enum SessionReply: WireMessage {
    case established(SessionGrant)
    /// Never `ok`.
    case refused(WireStatus)

    private static let readOnlyFlag: UInt8 = 0x01

    public func encode() -> [UInt8] {
        var writer = FrameWriter(MasterToClient.session)
        switch self {
        case .established(let grant):
            writer.write(WireStatus.ok.rawValue)
            writer.write(grant.session.rawValue)
            writer.write(grant.readOnly ? Self.readOnlyFlag : 0)
            writer.write(grant.root.rawValue)
            writer.write(grant.rootUID)
            writer.write(grant.rootGID)
        case .refused(let status):
            precondition(status != .ok, "a refusal with status ok")
            writer.write(status.rawValue)
        }
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> SessionReply {
        guard frame.type == MasterToClient.session else { throw .unexpectedType(frame.type, expected: "a session reply") }
        var reader = PayloadReader(frame)
        let status = WireStatus(rawValue: try reader.uint8())
        guard status == .ok else {
            try reader.finish()
            return .refused(status)
        }
        let session = SessionID(try reader.uint32())
        let flags = try reader.flags("flags", allowed: readOnlyFlag)
        let root = try reader.inode()
        let rootUID = try reader.uint32()
        let rootGID = try reader.uint32()
        try reader.finish()
        return .established(
            SessionGrant(session: session, readOnly: flags != 0, root: root, rootUID: rootUID, rootGID: rootGID))
    }
}

/// A session the master established for a client.
public struct SessionGrant: Equatable, Sendable {
    public var session: SessionID
    /// The export is read-only for this client: mutating requests get `readOnly`.
    public var readOnly: Bool
    /// The inode of the exported directory, the mount's root.
    public var root: InodeID
    /// Who uid 0 acts as.
    public var rootUID: UInt32
    /// The group uid 0 acts with.
    public var rootGID: UInt32

    public init(session: SessionID, readOnly: Bool, root: InodeID, rootUID: UInt32, rootGID: UInt32) {
        self.session = session
        self.readOnly = readOnly
        self.root = root
        self.rootUID = rootUID
        self.rootGID = rootGID
    }
}
