import MFSCore
import MFSMetadata

/// A request from a client to the master, after the handshake (see `Hello`). Each case's
/// frame layout is in its doc comment; `CREDENTIALS`, `NAME` and `CHANGES` are described on
/// `WireFields`.
///
/// Every request starts with a `requestID` that the client makes unique within its session:
/// replies are matched by it, so a client keeps many requests in flight on one connection and
/// the master may answer them out of order. The session is the connection's (from the
/// handshake), so the master tags a mutating request with (session, request id) and a request
/// retried after a failover is answered with its first result (DESIGN §2).
///
/// Credentials (uid, gid, supplementary groups) travel with every request that is mutating or
/// checks permissions; `getAttributes`, `readlink`, `getGoal`, `chunks`, `readChunk` and `info` need none
/// (MooseFS does not check permissions on them either; reading a file's data needs an `open`).
public enum ClientRequest: WireMessage {
    /// Statfs-style figures. `ClientToMaster.info (402)`: `requestID:64`.
    /// Reply: `MasterReply.info`.
    case info(RequestID)

    /// A name in a directory (needs search permission).
    /// `ClientToMaster.lookup (406)`: `requestID:64 CREDENTIALS parent:32 name:NAME`.
    /// Reply: `MasterReply.lookup`.
    case lookup(RequestID, Credentials, parent: InodeID, name: EntryName)

    /// An inode's attributes. `ClientToMaster.getAttributes (408)`: `requestID:64 inode:32`.
    /// Reply: `MasterReply.getAttributes`.
    case getAttributes(RequestID, inode: InodeID)

    /// chmod, chown, utimes in one (mutating).
    /// `ClientToMaster.setAttributes (410)`: `requestID:64 CREDENTIALS inode:32 CHANGES`.
    /// Reply: `MasterReply.setAttributes`.
    case setAttributes(RequestID, Credentials, inode: InodeID, changes: AttributeChanges)

    /// A symlink's target. `ClientToMaster.readlink (412)`: `requestID:64 inode:32`.
    /// Reply: `MasterReply.readlink`.
    case readlink(RequestID, inode: InodeID)

    /// Creates a symlink (mutating); the target is at most `WireLimits.maxSymlinkTargetLength`
    /// bytes. `ClientToMaster.symlink (414)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME targetLength:16 target:targetLengthB`.
    /// Reply: `MasterReply.symlink`.
    case symlink(RequestID, Credentials, parent: InodeID, name: EntryName, target: [UInt8])

    /// Creates a file, fifo, socket or device (mutating; `Namespace.create`). `type` is one of
    /// `f q s b c`: directories have `mkdir`, symlinks `symlink`. `mode` is the permission bits
    /// after the client's umask. `ClientToMaster.mknod (416)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME type:8 mode:16 rdev:32`.
    /// Reply: `MasterReply.mknod`.
    case mknod(RequestID, Credentials, parent: InodeID, name: EntryName, type: NodeType, mode: UInt16, rdev: UInt32)

    /// Creates a directory (mutating). `ClientToMaster.mkdir (418)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME mode:16`. Reply: `MasterReply.mkdir`.
    case mkdir(RequestID, Credentials, parent: InodeID, name: EntryName, mode: UInt16)

    /// Removes a non-directory entry (mutating). `ClientToMaster.unlink (420)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME`. Reply: `MasterReply.unlink`.
    case unlink(RequestID, Credentials, parent: InodeID, name: EntryName)

    /// Removes an empty directory (mutating). `ClientToMaster.rmdir (422)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME`. Reply: `MasterReply.rmdir`.
    case rmdir(RequestID, Credentials, parent: InodeID, name: EntryName)

    /// rename(2) (mutating). `ClientToMaster.rename (424)`:
    /// `requestID:64 CREDENTIALS parent:32 name:NAME newParent:32 newName:NAME`.
    /// Reply: `MasterReply.rename`.
    case rename(RequestID, Credentials, parent: InodeID, name: EntryName, newParent: InodeID, newName: EntryName)

    /// A hard link to `inode` (mutating). `ClientToMaster.link (426)`:
    /// `requestID:64 CREDENTIALS inode:32 newParent:32 newName:NAME`. Reply: `MasterReply.link`.
    case link(RequestID, Credentials, inode: InodeID, newParent: InodeID, newName: EntryName)

    /// A page of a directory after `cookie` (0: from the start), at most `maxEntries`
    /// (1…`WireLimits.maxReaddirEntries`) entries. `ClientToMaster.readdir (428)`:
    /// `requestID:64 CREDENTIALS inode:32 cookie:64 maxEntries:16`. Reply: `MasterReply.readdir`.
    case readdir(RequestID, Credentials, inode: InodeID, cookie: UInt64, maxEntries: Int)

    /// Opens a file: the session acquires the inode (mutating, through the changelog).
    /// `ClientToMaster.open (430)`: `requestID:64 CREDENTIALS inode:32 flags:8` (`OpenFlags`).
    /// Reply: `MasterReply.open`.
    case open(RequestID, Credentials, inode: InodeID, flags: OpenFlags)

    /// Closes a file the session opened (mutating). `ClientToMaster.release (1004)`:
    /// `requestID:64 CREDENTIALS inode:32`. Reply: `MasterReply.status` with `ok`.
    case release(RequestID, Credentials, inode: InodeID)

    /// An inode's goal. `ClientToMaster.getGoal (446)`: `requestID:64 inode:32`.
    /// Reply: `MasterReply.getGoal`.
    case getGoal(RequestID, inode: InodeID)

    /// Sets the goal of an inode or a whole subtree (mutating). `ClientToMaster.setGoal (448)`:
    /// `requestID:64 CREDENTIALS inode:32 goal:8 flags:8` (0x01 recursive).
    /// Reply: `MasterReply.setGoal`.
    case setGoal(RequestID, Credentials, inode: InodeID, goal: UInt8, recursive: Bool)

    /// truncate/extend a file (mutating). `opened`: the caller holds it open for writing
    /// (`ftruncate`), so write permission is not checked again; the master checks the session
    /// has it acquired. `ClientToMaster.setLength (464)`:
    /// `requestID:64 CREDENTIALS inode:32 flags:8 length:64` (flags 0x01 opened).
    /// Reply: `MasterReply.setLength`.
    case setLength(RequestID, Credentials, inode: InodeID, length: UInt64, opened: Bool)

    /// A page of a file's chunks from chunk index `firstIndex`, at most `maxChunks`
    /// (1…`WireLimits.maxChunksPerReply`). `ClientToMaster.chunks (1006)`:
    /// `requestID:64 inode:32 firstIndex:32 maxChunks:16`. Reply: `MasterReply.chunks`.
    case chunks(RequestID, inode: InodeID, firstIndex: UInt32, maxChunks: Int)

    /// Ends the session: the master releases everything it held (mutating; the only one without
    /// credentials, since it touches no inode on the caller's behalf).
    /// `ClientToMaster.closeSession (1008)`: `requestID:64`. Reply: `MasterReply.status`.
    case closeSession(RequestID)

    /// Where to read chunk `index` of a file: its valid copies, or a hole. Reading a file's data
    /// needs no credentials here, as `chunks` (the client opened the file first).
    /// `ClientToMaster.readChunk (432)`: `requestID:64 inode:32 index:32`.
    /// Reply: `MasterReply.chunkLocation` (`MasterToClient.readChunk`).
    case readChunk(RequestID, inode: InodeID, index: UInt32)

    /// Where to write chunk `index` of a file (mutating): the master creates the chunk at a hole
    /// (`ADDCHUNK`) or bumps its version when the write could leave copies different
    /// (`INCVERSION`), and locks it for this writer until `writeChunkEnd`. The session must hold
    /// the file open (as `setLength` with `opened`). `ClientToMaster.writeChunk (434)`:
    /// `requestID:64 CREDENTIALS inode:32 index:32`.
    /// Reply: `MasterReply.chunkLocation` (`MasterToClient.writeChunk`), the chain in order.
    ///
    /// Chunk errors, for reads and writes: no valid copy of the chunk → `ioError` (EIO); no
    /// chunkserver to put a new chunk or a copy on → `noSpace` (ENOSPC); another write holds
    /// the chunk → `locked`, the chunk is busy → `chunkBusy`, too few chunkservers registered
    /// after a failover once the master's bounded wait passed → `tryAgain` (all three: retry,
    /// see `WireStatus.isRetryable`). Before that wait passes the master holds the request.
    case writeChunk(RequestID, Credentials, inode: InodeID, index: UInt32)

    /// The write through `chunk` is over, done or failed (mutating): the master raises the
    /// file's length to `length` (the end of what the client wrote) when that is longer, and
    /// releases the chunk's write lock. `ClientToMaster.writeChunkEnd (436)`:
    /// `requestID:64 CREDENTIALS inode:32 chunk:64 length:64`. Reply: `MasterReply.status`.
    case writeChunkEnd(RequestID, Credentials, inode: InodeID, chunk: ChunkID, length: UInt64)
}

extension ClientRequest {
    /// The request's id, to match its reply.
    public var requestID: RequestID {
        switch self {
        case .info(let id), .getAttributes(let id, _), .readlink(let id, _), .getGoal(let id, _),
            .chunks(let id, _, _, _), .closeSession(let id), .readChunk(let id, _, _):
            id
        case .lookup(let id, _, _, _), .setAttributes(let id, _, _, _), .symlink(let id, _, _, _, _),
            .mknod(let id, _, _, _, _, _, _), .mkdir(let id, _, _, _, _), .unlink(let id, _, _, _),
            .rmdir(let id, _, _, _), .rename(let id, _, _, _, _, _), .link(let id, _, _, _, _),
            .readdir(let id, _, _, _, _), .open(let id, _, _, _), .release(let id, _, _),
            .setGoal(let id, _, _, _, _), .setLength(let id, _, _, _, _), .writeChunk(let id, _, _, _),
            .writeChunkEnd(let id, _, _, _, _):
            id
        }
    }

    /// Who asks, for requests that carry credentials.
    public var credentials: Credentials? {
        switch self {
        case .info, .getAttributes, .readlink, .getGoal, .chunks, .closeSession, .readChunk:
            nil
        case .lookup(_, let who, _, _), .setAttributes(_, let who, _, _), .symlink(_, let who, _, _, _),
            .mknod(_, let who, _, _, _, _, _), .mkdir(_, let who, _, _, _), .unlink(_, let who, _, _),
            .rmdir(_, let who, _, _), .rename(_, let who, _, _, _, _), .link(_, let who, _, _, _),
            .readdir(_, let who, _, _, _), .open(_, let who, _, _), .release(_, let who, _),
            .setGoal(_, let who, _, _, _), .setLength(_, let who, _, _, _), .writeChunk(_, let who, _, _),
            .writeChunkEnd(_, let who, _, _, _):
            who
        }
    }

    /// Whether the request changes metadata (through the changelog): a follower or fenced
    /// master answers it with `notActive`, and the master remembers its result for retries.
    public var isMutating: Bool {
        switch self {
        case .info, .lookup, .getAttributes, .readlink, .readdir, .getGoal, .chunks, .readChunk:
            false
        case .setAttributes, .symlink, .mknod, .mkdir, .unlink, .rmdir, .rename, .link, .open, .release, .setGoal,
            .setLength, .closeSession, .writeChunk, .writeChunkEnd:
            true
        }
    }
}
