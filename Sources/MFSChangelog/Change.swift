import MFSCore

/// One change to the metadata: the operation and its arguments, without version, time or result.
/// Each case's changelog form is in its doc comment (`OP(args):result`; see `ChangelogRecord`).
public enum Change: Equatable, Sendable {
    /// `SETMETAID(metaid)`: the first change of a cluster.
    case setMetaID(MetaID)
    /// `EPOCH(epoch)`: written by a master when it becomes active; its version is the epoch's
    /// start version.
    case epoch(Epoch)
    /// `IDLE()`: written after a quiet period so followers see that the master lives.
    case idle
    /// `CHECKSUM(value)`: the namespace checksum after the previous change.
    case checksum(UInt64)
    /// `CREATE(parent,name,type,mode,uid,gid,rdev):inode`: a file, directory, fifo, socket or
    /// device. `mode` holds the permission bits (07777).
    case create(parent: InodeID, name: EntryName, type: NodeType, mode: UInt16, uid: UInt32, gid: UInt32, rdev: UInt32)
    /// `SYMLINK(parent,name,target,uid,gid):inode`
    case symlink(parent: InodeID, name: EntryName, target: [UInt8], uid: UInt32, gid: UInt32)
    /// `LINK(inode,parent,name)`: a hard link.
    case link(inode: InodeID, parent: InodeID, name: EntryName)
    /// `UNLINK(parent,name):inode`: removes a non-directory entry.
    case unlink(parent: InodeID, name: EntryName)
    /// `RMDIR(parent,name):inode`: removes an empty directory.
    case rmdir(parent: InodeID, name: EntryName)
    /// `RENAME(parent,name,newparent,newname):inode`: result is the moved inode.
    case rename(parent: InodeID, name: EntryName, newParent: InodeID, newName: EntryName)
    /// `ATTR(inode,mode,uid,gid,atime,mtime)`: the attributes after a setattr; ctime is the
    /// record's time.
    case setAttributes(inode: InodeID, mode: UInt16, uid: UInt32, gid: UInt32, atime: UnixTime, mtime: UnixTime)
    /// `LENGTH(inode,length)`: drops chunks past the end, bumps the version of a cut chunk.
    case setLength(inode: InodeID, length: UInt64)
    /// `SETGOAL(inode,goal,recursive):changed`: result is the number of inodes changed.
    case setGoal(inode: InodeID, goal: UInt8, recursive: Bool)
    /// `ADDCHUNK(inode,index):chunkid`: a new chunk (version 1) at a hole of the file.
    case addChunk(inode: InodeID, index: UInt32)
    /// `INCVERSION(chunkid):version`: before a write that could leave replicas different.
    case bumpChunkVersion(chunk: ChunkID)
    /// `SESSION(info):sessionid`: a new client session; `info` says who (address, mount).
    case openSession(info: [UInt8])
    /// `SESSIONCLOSE(sessionid)`: releases everything the session held.
    case closeSession(SessionID)
    /// `SESSIONLOST(sessionid)`: the session's connection is gone since the record's time.
    case sessionLost(SessionID)
    /// `SESSIONBACK(sessionid)`: the session reconnected.
    case sessionBack(SessionID)
    /// `ACQUIRE(inode,sessionid)`: the session opened the inode.
    case acquire(inode: InodeID, session: SessionID)
    /// `RELEASE(inode,sessionid)`: the session closed it; an unlinked inode goes at its last
    /// release.
    case release(inode: InodeID, session: SessionID)
    /// `VOTERS(k,leader,members)`: the cluster's voter set from here on (DESIGN §7.2). `k` is
    /// `syncReplicas` in decimal (0…255), `leader` the leader's `MemberID` as 16 lowercase hex
    /// digits (`0000000000000000` for none), `members` every member as `ID:KIND` (16 lowercase
    /// hex digits, `:`, `m` master or `l` metalogger) in ascending id order joined by `.`, empty
    /// for none. At most `ChangelogLimits.maxVoters` members.
    case voters(VoterSet)
    /// `CHUNKSERVER(id,ip,port)`: chunkserver `id` (1…65535, MooseFS's csid) is known at this
    /// data address (`ip` as a decimal u32, as MooseFS's `CSDBOP`): added, or moved from its
    /// previous address.
    case chunkserver(ChunkserverID, ChunkserverAddress)
    /// `CHUNKSERVERDEL(id)`: chunkserver `id` is forgotten (an operator removed it); its id may
    /// be given out again.
    case chunkserverRemoved(ChunkserverID)
    /// `FLOCK(inode,sessionid,owner,R|W|U)`, MooseFS 3.0's line (mfsmaster/flocklocks.c):
    /// `owner` (the FUSE lock owner of session `sessionid`) was granted a shared (`R`) or
    /// exclusive (`W`) flock(2) lock on the inode, replacing one it held, or gave its lock up
    /// (`U`). Waiting requests are not metadata and have no line.
    case flock(inode: InodeID, session: SessionID, owner: UInt64, LockChange)
    /// `POSIXLOCK(inode,sessionid,owner,R|W|U,start,end,pid)`, MooseFS 3.0's line
    /// (mfsmaster/posixlocks.c): the owner's read (`R`) or write (`W`) lock on bytes
    /// `start..<end` (process `pid`), or `U` unlocking that range; what the owner held on the
    /// range before is replaced (split as POSIX says).
    case posixLock(inode: InodeID, session: SessionID, owner: UInt64, LockChange, start: UInt64, end: UInt64, pid: UInt32)
}

/// The letter of a `FLOCK` or `POSIXLOCK` line: a read (shared) lock, a write (exclusive)
/// lock, or an unlock.
public enum LockChange: UInt8, Sendable, CaseIterable {
    case read = 82  // R
    case write = 87  // W
    case unlock = 85  // U

    public var letter: Character { Character(UnicodeScalar(rawValue)) }
}

/// The mutating request a change answered, so a retry after a failover gets the first result.
public struct RequestTag: Hashable, Sendable {
    public var session: SessionID
    public var request: RequestID
    public init(session: SessionID, request: RequestID) {
        self.session = session
        self.request = request
    }
}

/// One line of the changelog: `VERSION: TIME|OP(args)[:result][|r=SESSION.REQUEST]`, for example
/// `1042: 1795315206|CREATE(1,notes.txt,f,420,0,0,0):17`.
public struct ChangelogRecord: Equatable, Sendable {
    public var version: MetaVersion
    public var time: UnixTime
    public var change: Change
    /// The operation's result (an inode, a chunk id, a count), for the operations that have one.
    public var result: UInt64?
    public var request: RequestTag?

    public init(version: MetaVersion, time: UnixTime, change: Change, result: UInt64? = nil, request: RequestTag? = nil) {
        self.version = version
        self.time = time
        self.change = change
        self.result = result
        self.request = request
    }
}
