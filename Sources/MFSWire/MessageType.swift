/// The `type` of a frame. A struct rather than an enum so that a frame of a type this version
/// does not know still decodes as a frame (and is then refused by name, with its number).
///
/// Numbers: where MooseFS has a message with the same meaning, its number is reused
/// (`CLTOMA_FUSE_LOOKUP` is 406 here too) so that readers who know `MFSCommunication.h` find
/// their way; the layouts are swift-mfs's own, not MooseFS's, and the hello (which a MooseFS
/// client never sends) keeps the two from ever talking past each other. Messages MooseFS does
/// not have are numbered from 1000.
///
/// | request | number | reply | number |
/// | --- | --- | --- | --- |
/// | `AnyToMaster.hello` | 1000 | `MasterToAny.hello` | 1001 |
/// | `ClientToMaster.authResponse` | 1002 | `MasterToClient.session` | 1003 |
/// | `ClientToMaster.info` | 402 | `MasterToClient.info` | 403 |
/// | `ClientToMaster.lookup` | 406 | `MasterToClient.lookup` | 407 |
/// | `ClientToMaster.getAttributes` | 408 | `MasterToClient.getAttributes` | 409 |
/// | `ClientToMaster.setAttributes` | 410 | `MasterToClient.setAttributes` | 411 |
/// | `ClientToMaster.readlink` | 412 | `MasterToClient.readlink` | 413 |
/// | `ClientToMaster.symlink` | 414 | `MasterToClient.symlink` | 415 |
/// | `ClientToMaster.mknod` | 416 | `MasterToClient.mknod` | 417 |
/// | `ClientToMaster.mkdir` | 418 | `MasterToClient.mkdir` | 419 |
/// | `ClientToMaster.unlink` | 420 | `MasterToClient.unlink` | 421 |
/// | `ClientToMaster.rmdir` | 422 | `MasterToClient.rmdir` | 423 |
/// | `ClientToMaster.rename` | 424 | `MasterToClient.rename` | 425 |
/// | `ClientToMaster.link` | 426 | `MasterToClient.link` | 427 |
/// | `ClientToMaster.readdir` | 428 | `MasterToClient.readdir` | 429 |
/// | `ClientToMaster.open` | 430 | `MasterToClient.open` | 431 |
/// | `ClientToMaster.readChunk` | 432 | `MasterToClient.readChunk` | 433 |
/// | `ClientToMaster.writeChunk` | 434 | `MasterToClient.writeChunk` | 435 |
/// | `ClientToMaster.writeChunkEnd` | 436 | `MasterToClient.status` | 1005 |
/// | `ClientToMaster.getGoal` | 446 | `MasterToClient.getGoal` | 447 |
/// | `ClientToMaster.setGoal` | 448 | `MasterToClient.setGoal` | 449 |
/// | `ClientToMaster.setLength` | 464 | `MasterToClient.setLength` | 465 |
/// | `ClientToMaster.release` | 1004 | `MasterToClient.status` | 1005 |
/// | `ClientToMaster.chunks` | 1006 | `MasterToClient.chunks` | 1007 |
/// | `ClientToMaster.closeSession` | 1008 | `MasterToClient.status` | 1005 |
///
/// `MasterToClient.status` also answers any request that failed.
///
/// Port 9419 (metaloggers and followers; layouts in `PeerMessages.swift`): `PeerToMaster.register`
/// 1020 → `MasterToPeer.start` 1021, then `MasterToPeer.metadataBlock` 1022,
/// `MasterToPeer.changes` 1023, `MasterToPeer.alive` 1024, and `PeerToMaster.ack` 1025.
public struct MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// The Swift name of a type this version knows (`"ClientToMaster.lookup"`), else nil.
    public var name: String? { MessageType.names[self] }

    /// Whether this version knows the type.
    public var isKnown: Bool { name != nil }

    /// `"ClientToMaster.lookup (406)"`, or `"type 12345"` for a type this version does not know.
    public var description: String {
        if let name { return "\(name) (\(rawValue))" }
        return "type \(rawValue)"
    }

    private static let names: [MessageType: String] = {
        var names: [MessageType: String] = [
            AnyToMaster.hello: "AnyToMaster.hello",
            MasterToAny.hello: "MasterToAny.hello",
        ]
        for (type, name) in ClientToMaster.all { names[type] = "ClientToMaster.\(name)" }
        for (type, name) in MasterToClient.all { names[type] = "MasterToClient.\(name)" }
        for (type, name) in PeerToMaster.all { names[type] = "PeerToMaster.\(name)" }
        for (type, name) in MasterToPeer.all { names[type] = "MasterToPeer.\(name)" }
        for (type, name) in VoteMessages.all { names[type] = "VoteMessages.\(name)" }
        return names
    }()
}

/// Messages any peer sends the master (MooseFS's `ANTOMA`).
public enum AnyToMaster {
    /// The first frame of every connection to the master; see `Hello`.
    public static let hello = MessageType(1000)
}

/// Messages the master sends any peer (MooseFS's `MATOAN`).
public enum MasterToAny {
    /// The master's answer to a hello; see `HelloReply`.
    public static let hello = MessageType(1001)
}

/// Messages a client sends the master on port 9421 (MooseFS's `CLTOMA`). Layouts are on the
/// matching `ClientRequest` case and on `AuthResponse`.
public enum ClientToMaster {
    public static let authResponse = MessageType(1002)
    public static let info = MessageType(402)
    public static let lookup = MessageType(406)
    public static let getAttributes = MessageType(408)
    public static let setAttributes = MessageType(410)
    public static let readlink = MessageType(412)
    public static let symlink = MessageType(414)
    public static let mknod = MessageType(416)
    public static let mkdir = MessageType(418)
    public static let unlink = MessageType(420)
    public static let rmdir = MessageType(422)
    public static let rename = MessageType(424)
    public static let link = MessageType(426)
    public static let readdir = MessageType(428)
    public static let open = MessageType(430)
    public static let readChunk = MessageType(432)
    public static let writeChunk = MessageType(434)
    public static let writeChunkEnd = MessageType(436)
    public static let getGoal = MessageType(446)
    public static let setGoal = MessageType(448)
    public static let setLength = MessageType(464)
    public static let release = MessageType(1004)
    public static let chunks = MessageType(1006)
    public static let closeSession = MessageType(1008)

    /// Every type with its name, for descriptions and tests.
    public static let all: [(MessageType, String)] = [
        (authResponse, "authResponse"), (info, "info"), (lookup, "lookup"), (getAttributes, "getAttributes"),
        (setAttributes, "setAttributes"), (readlink, "readlink"), (symlink, "symlink"), (mknod, "mknod"),
        (mkdir, "mkdir"), (unlink, "unlink"), (rmdir, "rmdir"), (rename, "rename"), (link, "link"),
        (readdir, "readdir"), (open, "open"), (getGoal, "getGoal"), (setGoal, "setGoal"),
        (setLength, "setLength"), (release, "release"), (chunks, "chunks"), (closeSession, "closeSession"),
        (readChunk, "readChunk"), (writeChunk, "writeChunk"), (writeChunkEnd, "writeChunkEnd"),
    ]
}

/// Messages the master sends a client on port 9421 (MooseFS's `MATOCL`). Layouts are on the
/// matching `MasterReply` case and on `SessionReply`.
public enum MasterToClient {
    public static let session = MessageType(1003)
    public static let info = MessageType(403)
    public static let lookup = MessageType(407)
    public static let getAttributes = MessageType(409)
    public static let setAttributes = MessageType(411)
    public static let readlink = MessageType(413)
    public static let symlink = MessageType(415)
    public static let mknod = MessageType(417)
    public static let mkdir = MessageType(419)
    public static let unlink = MessageType(421)
    public static let rmdir = MessageType(423)
    public static let rename = MessageType(425)
    public static let link = MessageType(427)
    public static let readdir = MessageType(429)
    public static let open = MessageType(431)
    public static let readChunk = MessageType(433)
    public static let writeChunk = MessageType(435)
    public static let getGoal = MessageType(447)
    public static let setGoal = MessageType(449)
    public static let setLength = MessageType(465)
    /// A request's outcome without a result: a failure, or the success of a request that
    /// returns nothing (release, close session).
    public static let status = MessageType(1005)
    public static let chunks = MessageType(1007)

    /// Every type with its name, for descriptions and tests.
    public static let all: [(MessageType, String)] = [
        (session, "session"), (info, "info"), (lookup, "lookup"), (getAttributes, "getAttributes"),
        (setAttributes, "setAttributes"), (readlink, "readlink"), (symlink, "symlink"), (mknod, "mknod"),
        (mkdir, "mkdir"), (unlink, "unlink"), (rmdir, "rmdir"), (rename, "rename"), (link, "link"),
        (readdir, "readdir"), (open, "open"), (getGoal, "getGoal"), (setGoal, "setGoal"),
        (setLength, "setLength"), (status, "status"), (chunks, "chunks"), (readChunk, "readChunk"),
        (writeChunk, "writeChunk"),
    ]
}
