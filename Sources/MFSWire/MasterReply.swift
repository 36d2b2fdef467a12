import MFSCore
import MFSMetadata

/// The master's answer to a `ClientRequest`, matched to it by request id (replies may come in
/// any order). Each case's frame layout is in its doc comment; `ATTR`, `ENTRY` and `CHUNK` are
/// described on `WireFields`.
///
/// A request that fails, whatever its kind, is answered with `.status` and the error's code;
/// so are the successes that return nothing (`release`, `closeSession`). The result types are
/// MFSMetadata's, so the master passes what the namespace returned straight through.
public enum MasterReply: WireMessage {
    /// A request's outcome without a result. `activeMaster` is the `host:port` of the active
    /// master, for `notActive` when this master knows it (at most `WireLimits.maxAddressLength`
    /// bytes, never empty; nil when unknown or irrelevant).
    /// `MasterToClient.status (1005)`: `requestID:64 status:8 addressLength:8 address:UTF-8`.
    case status(RequestID, WireStatus, activeMaster: String?)

    /// `MasterToClient.info (403)`:
    /// `requestID:64 totalBytes:64 availableBytes:64 inodeCount:64 chunkCount:64 metaVersion:64`.
    case info(RequestID, MasterInfo)

    /// The entry's attributes (the inode is in them). `MasterToClient.lookup (407)`: `requestID:64 ATTR`.
    case lookup(RequestID, Attributes)

    /// `MasterToClient.getAttributes (409)`: `requestID:64 ATTR`.
    case getAttributes(RequestID, Attributes)

    /// The attributes after the change. `MasterToClient.setAttributes (411)`: `requestID:64 ATTR`.
    case setAttributes(RequestID, Attributes)

    /// `MasterToClient.readlink (413)`: `requestID:64 targetLength:16 target:targetLengthB`
    /// (at most `WireLimits.maxSymlinkTargetLength` bytes).
    case readlink(RequestID, target: [UInt8])

    /// The new symlink. `MasterToClient.symlink (415)`: `requestID:64 ATTR`.
    case symlink(RequestID, Attributes)

    /// The new inode. `MasterToClient.mknod (417)`: `requestID:64 ATTR`.
    case mknod(RequestID, Attributes)

    /// The new directory. `MasterToClient.mkdir (419)`: `requestID:64 ATTR`.
    case mkdir(RequestID, Attributes)

    /// The inode whose entry went (the client drops it from its caches).
    /// `MasterToClient.unlink (421)`: `requestID:64 inode:32`.
    case unlink(RequestID, removed: InodeID)

    /// `MasterToClient.rmdir (423)`: `requestID:64 inode:32`.
    case rmdir(RequestID, removed: InodeID)

    /// The inode that moved. `MasterToClient.rename (425)`: `requestID:64 inode:32`.
    case rename(RequestID, moved: InodeID)

    /// The linked inode, its link count raised. `MasterToClient.link (427)`: `requestID:64 ATTR`.
    case link(RequestID, Attributes)

    /// A page of entries, at most `WireLimits.maxReaddirEntries`; `atEnd`: none follow.
    /// Continue with the last entry's cookie. `MasterToClient.readdir (429)`:
    /// `requestID:64 atEnd:8 count:16 count*ENTRY`.
    case readdir(RequestID, entries: [DirectoryListingEntry], atEnd: Bool)

    /// The opened file's attributes. `MasterToClient.open (431)`: `requestID:64 ATTR`.
    case open(RequestID, Attributes)

    /// `MasterToClient.getGoal (447)`: `requestID:64 goal:8`.
    case getGoal(RequestID, goal: UInt8)

    /// How many inodes changed. `MasterToClient.setGoal (449)`: `requestID:64 changed:64`.
    case setGoal(RequestID, changed: UInt64)

    /// The attributes after the change. `MasterToClient.setLength (465)`: `requestID:64 ATTR`.
    case setLength(RequestID, Attributes)

    /// A page of a file's chunks (holes left out), at most `WireLimits.maxChunksPerReply`;
    /// `atEnd`: no chunk follows. `MasterToClient.chunks (1007)`:
    /// `requestID:64 atEnd:8 count:16 count*CHUNK`; see `WireFields` for where chunkserver
    /// locations will go.
    case chunks(RequestID, [ChunkInfo], atEnd: Bool)

    /// Where to read or write one chunk; the location's `access` picks the frame type.
    /// `MasterToClient.readChunk (433)` and `MasterToClient.writeChunk (435)`:
    /// `requestID:64 LOCATION` (see `ChunkLocation`).
    case chunkLocation(RequestID, ChunkLocation)
}

extension MasterReply {
    /// A failed request's reply.
    public static func failure(_ id: RequestID, _ error: FSError) -> MasterReply {
        .status(id, WireStatus(error), activeMaster: nil)
    }

    /// The reply to a request that succeeded with nothing to return.
    public static func ok(_ id: RequestID) -> MasterReply { .status(id, .ok, activeMaster: nil) }

    /// The id of the request this answers.
    public var requestID: RequestID {
        switch self {
        case .status(let id, _, _), .info(let id, _), .lookup(let id, _), .getAttributes(let id, _),
            .setAttributes(let id, _), .readlink(let id, _), .symlink(let id, _), .mknod(let id, _), .mkdir(let id, _),
            .unlink(let id, _), .rmdir(let id, _), .rename(let id, _), .link(let id, _), .readdir(let id, _, _),
            .open(let id, _), .getGoal(let id, _), .setGoal(let id, _), .setLength(let id, _), .chunks(let id, _, _),
            .chunkLocation(let id, _):
            id
        }
    }

    /// The attributes in the reply, for the kinds that return them.
    public var attributes: Attributes? {
        switch self {
        case .lookup(_, let a), .getAttributes(_, let a), .setAttributes(_, let a), .symlink(_, let a), .mknod(_, let a),
            .mkdir(_, let a), .link(_, let a), .open(_, let a), .setLength(_, let a):
            a
        case .status, .info, .readlink, .unlink, .rmdir, .rename, .readdir, .getGoal, .setGoal, .chunks, .chunkLocation:
            nil
        }
    }

    /// Whether this can be the reply to `request`: the same id, and either a status or the
    /// request's own reply type. A client that gets a reply for which this is false closes the
    /// connection (the peer is confused).
    public func answers(_ request: ClientRequest) -> Bool {
        requestID == request.requestID && (messageType == MasterToClient.status || messageType == request.replyType)
    }
}
