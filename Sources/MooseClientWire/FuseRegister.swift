import MooseWire

/// CLTOMA_FUSE_REGISTER (400): the first frame of every MooseFS client connection, and its
/// close (notes §2). `blob:64 rcode:8` then, by `rcode`:
///
/// | rcode | case | after rcode |
/// | --- | --- | --- |
/// | 1 | `getRandom` | nothing (65 B) |
/// | 2 | `newSession` | `version:32 ileng:32 info pleng:32 path [sessionid:32 [metaid:64]] [passcode:16]` |
/// | 3 | `reconnect` | `sessionid:32 version:32 [metaid:64]` (73 or 81 B) |
/// | 4 | `tools` | `sessionid:32 version:32` (73 B) |
/// | 5 | `newMetaSession` | `version:32 ileng:32 info [sessionid:32 [metaid:64]] [passcode:16]` |
/// | 6 | `closeSession` | `sessionid:32 [metaid:64]` (69 or 77 B) |
///
/// `info` (the mount point) and `path` (the subfolder) include their trailing NUL. Which
/// optional fields a new session carries follows from the length alone, as MooseFS reads it.
/// The blob must be `FuseRegister.blob`, the only one a 3.0.117 master accepts.
public enum FuseRegister: MooseMessage {
    case getRandom
    case newSession(NewSession)
    case reconnect(sessionID: UInt32, version: MooseVersion, metaID: UInt64?)
    case tools(sessionID: UInt32, version: MooseVersion)
    case newMetaSession(NewSession)
    case closeSession(sessionID: UInt32, metaID: UInt64?)

    /// A NEWSESSION or NEWMETASESSION (a meta session has no `path`).
    public struct NewSession: Hashable, Sendable {
        public var version: MooseVersion
        /// The mount point, with its NUL as sent.
        public var info: [UInt8]
        /// The subfolder, with its NUL; nil for a meta session.
        public var path: [UInt8]?
        /// A lost session to re-attach, with the cluster's metaid when the client knows it.
        public var sessionID: UInt32?
        public var metaID: UInt64?
        /// `MD5(random[0..<16] ‖ MD5(password) ‖ random[16..<32])`, when the client has a password.
        public var passcode: [UInt8]?

        public init(
            version: MooseVersion, info: [UInt8], path: [UInt8]?, sessionID: UInt32? = nil, metaID: UInt64? = nil,
            passcode: [UInt8]? = nil
        ) {
            precondition(metaID == nil || sessionID != nil, "a metaid without a session id")
            precondition(passcode == nil || passcode!.count == MooseClientLimits.passcodeLength, "passcode length")
            (self.version, self.info, self.path, self.sessionID, self.metaID, self.passcode) =
                (version, info, path, sessionID, metaID, passcode)
        }

        /// `info` without trailing NULs, as the master stores it.
        public var trimmedInfo: [UInt8] { Array(info.reversed().drop { $0 == 0 }.reversed()) }
    }

    /// `FUSE_REGISTER_BLOB_ACL`: the 64 ASCII bytes every 3.0 client sends.
    public static let blob = Array("DjI1GAQDULI5d2YjA26ypc3ovkhjvhciTQVx3CS4nYgtBoUcsljiVpsErJENHaw0".utf8)

    public static var messageTypes: [MooseMessageType] { [.fuseRegister] }
    public var messageType: MooseMessageType { .fuseRegister }

    public var rcode: UInt8 {
        switch self {
        case .getRandom: 1
        case .newSession: 2
        case .reconnect: 3
        case .tools: 4
        case .newMetaSession: 5
        case .closeSession: 6
        }
    }

    public func encode(into writer: inout MooseWriter) {
        writer.write(bytes: Self.blob)
        writer.write(rcode)
        switch self {
        case .getRandom:
            break
        case .newSession(let session), .newMetaSession(let session):
            writer.write(session.version.rawValue)
            writer.write(UInt32(session.info.count))
            writer.write(bytes: session.info)
            if let path = session.path {
                writer.write(UInt32(path.count))
                writer.write(bytes: path)
            }
            if let id = session.sessionID { writer.write(id) }
            if let metaID = session.metaID { writer.write(metaID) }
            if let passcode = session.passcode { writer.write(bytes: passcode) }
        case .reconnect(let id, let version, let metaID):
            writer.write(id)
            writer.write(version.rawValue)
            if let metaID { writer.write(metaID) }
        case .tools(let id, let version):
            writer.write(id)
            writer.write(version.rawValue)
        case .closeSession(let id, let metaID):
            writer.write(id)
            if let metaID { writer.write(metaID) }
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> FuseRegister {
        guard try reader.bytes(blob.count, "blob") == blob else { throw reader.malformed("blob", "not FUSE_REGISTER_BLOB_ACL") }
        let rcode = try reader.uint8("rcode")
        switch rcode {
        case 1:
            try reader.expectLength(65)
            return .getRandom
        case 2, 5:
            let session = try newSession(&reader, withPath: rcode == 2)
            return rcode == 2 ? .newSession(session) : .newMetaSession(session)
        case 3:
            try reader.expectLength(73, 81)
            let id = try reader.uint32("sessionid")
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            return .reconnect(sessionID: id, version: version, metaID: reader.length == 81 ? try reader.uint64("metaid") : nil)
        case 4:
            try reader.expectLength(73)
            return .tools(sessionID: try reader.uint32("sessionid"), version: MooseVersion(rawValue: try reader.uint32("version")))
        case 6:
            try reader.expectLength(69, 77)
            let id = try reader.uint32("sessionid")
            return .closeSession(sessionID: id, metaID: reader.length == 77 ? try reader.uint64("metaid") : nil)
        default:
            throw reader.malformed("rcode", "\(rcode) is no register kind (1…6)")
        }
    }

    private static func newSession(_ reader: inout MooseReader, withPath: Bool) throws(MooseWireError) -> NewSession {
        let version = MooseVersion(rawValue: try reader.uint32("version"))
        let info = try string(&reader, "info")
        let path = withPath ? try string(&reader, "path") : nil
        // What is left: [sessionid [metaid]] [passcode], told apart by length as MooseFS does.
        let (session, meta, pass): (Bool, Bool, Bool)
        switch reader.remaining {
        case 0: (session, meta, pass) = (false, false, false)
        case 4: (session, meta, pass) = (true, false, false)
        case 12: (session, meta, pass) = (true, true, false)
        case 16: (session, meta, pass) = (false, false, true)
        case 20: (session, meta, pass) = (true, false, true)
        case 28: (session, meta, pass) = (true, true, true)
        default:
            let base = reader.length - reader.remaining
            throw .wrongLength(message: reader.message, length: reader.length, expected: "\(base) + 0, 4, 12, 16, 20 or 28")
        }
        let id = session ? try reader.uint32("sessionid") : nil
        let metaID = meta ? try reader.uint64("metaid") : nil
        let passcode = pass ? try reader.bytes(MooseClientLimits.passcodeLength, "passcode") : nil
        return NewSession(version: version, info: info, path: path, sessionID: id, metaID: metaID, passcode: passcode)
    }

    /// `length:32 bytes` ending in a NUL (MooseFS drops a connection whose path has none).
    private static func string(_ reader: inout MooseReader, _ field: String) throws(MooseWireError) -> [UInt8] {
        let count = Int(try reader.uint32("\(field) length"))
        guard count <= MooseClientLimits.maxRegisterStringLength else {
            throw .countOutOfRange(
                message: reader.message, field: "\(field) length", count: count, limit: MooseClientLimits.maxRegisterStringLength)
        }
        let bytes = try reader.bytes(count, field)
        if field == "path", bytes.last != 0 { throw reader.malformed(field, "does not end in a NUL") }
        return bytes
    }
}

/// MATOCL_FUSE_REGISTER (401), told apart by length (the client does the same):
///
/// | length | case |
/// | --- | --- |
/// | 1 | `status` (refusals, CLOSESESSION and TOOLS answers; clients before 3.0.95 at RECONNECT) |
/// | 4 | `redirect(leaderIP)` (a follower: the active master's IPv4, 0 = not known yet) |
/// | 5 | `reconnected(version, status)` |
/// | 27 | `metaSession` |
/// | 32 | `random` (the password challenge) |
/// | 49 | `session` (NEWSESSION granted, clients 3.0.112 and later) |
public enum FuseRegisterReply: MooseMessage {
    case status(FuseStatus)
    case redirect(leaderIP: UInt32)
    case reconnected(version: MooseVersion, status: FuseStatus)
    case metaSession(
        version: MooseVersion, sessionID: UInt32, metaID: UInt64, sessionFlags: UInt8, goals: ClosedRange<UInt8>,
        trashTimes: ClosedRange<UInt32>)
    case random([UInt8])
    case session(SessionGrant)

    /// What a granted session gets (49 B): `version:32 sessionid:32 metaid:64 sesflags:8
    /// umask:16 rootuid:32 rootgid:32 mapalluid:32 mapallgid:32 mingoal:8 maxgoal:8
    /// mintrashtime:32 maxtrashtime:32 disables:32`.
    public struct SessionGrant: Hashable, Sendable {
        public var version: MooseVersion
        public var sessionID: UInt32
        public var metaID: UInt64
        /// READONLY 0x01, DYNAMICIP 0x02, IGNOREGID 0x04, ADMIN 0x08, MAPALL 0x10.
        public var sessionFlags: UInt8
        public var umask: UInt16
        public var rootUID: UInt32
        public var rootGID: UInt32
        public var mapAllUID: UInt32
        public var mapAllGID: UInt32
        public var minGoal: UInt8
        public var maxGoal: UInt8
        public var minTrashTime: UInt32
        public var maxTrashTime: UInt32
        /// Bit n set: operation n refused with EPERM (notes §2.4).
        public var disables: UInt32

        public init(
            version: MooseVersion, sessionID: UInt32, metaID: UInt64, sessionFlags: UInt8, umask: UInt16, rootUID: UInt32,
            rootGID: UInt32, mapAllUID: UInt32, mapAllGID: UInt32, minGoal: UInt8, maxGoal: UInt8, minTrashTime: UInt32,
            maxTrashTime: UInt32, disables: UInt32
        ) {
            (self.version, self.sessionID, self.metaID, self.sessionFlags, self.umask) = (version, sessionID, metaID, sessionFlags, umask)
            (self.rootUID, self.rootGID, self.mapAllUID, self.mapAllGID) = (rootUID, rootGID, mapAllUID, mapAllGID)
            (self.minGoal, self.maxGoal, self.minTrashTime, self.maxTrashTime, self.disables) =
                (minGoal, maxGoal, minTrashTime, maxTrashTime, disables)
        }

        public static let readOnly: UInt8 = 0x01
        public static let dynamicIP: UInt8 = 0x02
        public static let ignoreGID: UInt8 = 0x04
        public static let admin: UInt8 = 0x08
        public static let mapAll: UInt8 = 0x10
    }

    public static var messageTypes: [MooseMessageType] { [.fuseRegisterReply] }
    public var messageType: MooseMessageType { .fuseRegisterReply }

    public func encode(into writer: inout MooseWriter) {
        switch self {
        case .status(let status):
            writer.write(status.rawValue)
        case .redirect(let ip):
            writer.write(ip)
        case .reconnected(let version, let status):
            writer.write(version.rawValue)
            writer.write(status.rawValue)
        case .metaSession(let version, let id, let metaID, let flags, let goals, let trash):
            writer.write(version.rawValue)
            writer.write(id)
            writer.write(metaID)
            writer.write(flags)
            writer.write(goals.lowerBound)
            writer.write(goals.upperBound)
            writer.write(trash.lowerBound)
            writer.write(trash.upperBound)
        case .random(let bytes):
            precondition(bytes.count == MooseClientLimits.challengeLength, "a challenge of \(bytes.count) bytes")
            writer.write(bytes: bytes)
        case .session(let grant):
            writer.write(grant.version.rawValue)
            writer.write(grant.sessionID)
            writer.write(grant.metaID)
            writer.write(grant.sessionFlags)
            writer.write(grant.umask)
            for value in [grant.rootUID, grant.rootGID, grant.mapAllUID, grant.mapAllGID] { writer.write(value) }
            writer.write(grant.minGoal)
            writer.write(grant.maxGoal)
            for value in [grant.minTrashTime, grant.maxTrashTime, grant.disables] { writer.write(value) }
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> FuseRegisterReply {
        switch reader.length {
        case 1:
            return .status(FuseStatus(rawValue: try reader.uint8("status")))
        case 4:
            return .redirect(leaderIP: try reader.uint32("leaderip"))
        case 5:
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            return .reconnected(version: version, status: FuseStatus(rawValue: try reader.uint8("status")))
        case 27:
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            let id = try reader.uint32("sessionid")
            let metaID = try reader.uint64("metaid")
            let flags = try reader.uint8("sesflags")
            let goals = try range(try reader.uint8("mingoal"), try reader.uint8("maxgoal"), "goal", &reader)
            let trash = try range(try reader.uint32("mintrashtime"), try reader.uint32("maxtrashtime"), "trashtime", &reader)
            return .metaSession(version: version, sessionID: id, metaID: metaID, sessionFlags: flags, goals: goals, trashTimes: trash)
        case 32:
            return .random(try reader.bytes(32, "random"))
        case 49:
            let version = MooseVersion(rawValue: try reader.uint32("version"))
            let id = try reader.uint32("sessionid")
            let metaID = try reader.uint64("metaid")
            let flags = try reader.uint8("sesflags")
            let umask = try reader.uint16("umask")
            let (rootUID, rootGID) = (try reader.uint32("rootuid"), try reader.uint32("rootgid"))
            let (allUID, allGID) = (try reader.uint32("mapalluid"), try reader.uint32("mapallgid"))
            let (minGoal, maxGoal) = (try reader.uint8("mingoal"), try reader.uint8("maxgoal"))
            let (minTrash, maxTrash) = (try reader.uint32("mintrashtime"), try reader.uint32("maxtrashtime"))
            return .session(
                SessionGrant(
                    version: version, sessionID: id, metaID: metaID, sessionFlags: flags, umask: umask, rootUID: rootUID,
                    rootGID: rootGID, mapAllUID: allUID, mapAllGID: allGID, minGoal: minGoal, maxGoal: maxGoal, minTrashTime: minTrash,
                    maxTrashTime: maxTrash, disables: try reader.uint32("disables")))
        default:
            throw .wrongLength(message: reader.message, length: reader.length, expected: "1, 4, 5, 27, 32 or 49")
        }
    }

    private static func range<T: Comparable>(_ low: T, _ high: T, _ field: String, _ reader: inout MooseReader) throws(MooseWireError)
        -> ClosedRange<T>
    {
        guard low <= high else { throw reader.malformed(field, "minimum \(low) above maximum \(high)") }
        return low...high
    }
}
