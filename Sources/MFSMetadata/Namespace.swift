import MFSChangelog
import MFSCore

/// The whole metadata the master holds: inodes, directory entries, chunks, sessions, and the
/// version, cluster id and epoch. A pure value: no I/O, no clock. Every change takes `now` and
/// returns the changelog record that describes it; `apply(_:)` replays a record through the same
/// code and checks that it gives the recorded result (DESIGN §2).
///
/// Copying a `Namespace` is cheap (its tables are paged copy-on-write), so the master dumps from
/// a copy while it goes on changing the original.
public struct Namespace: Sendable {
    public internal(set) var metaID: MetaID = .unknown
    public internal(set) var version: MetaVersion = .zero
    public internal(set) var epoch: Epoch = .zero
    public internal(set) var epochStartVersion: MetaVersion = .zero
    /// The incrementally kept namespace checksum (inodes, entries, chunks, the voter set).
    public internal(set) var checksum: UInt64 = 0
    public internal(set) var parameters: NamespaceParameters
    /// The cluster's voters (DESIGN §7.2), as the last `VOTERS` change set them; empty before any.
    public internal(set) var voters: VoterSet = .empty
    /// The version of the last `VOTERS` change applied, `.zero` if none.
    public internal(set) var votersVersion: MetaVersion = .zero
    /// The chunkservers the cluster gave ids to, with their data address (`CHUNKSERVER`), so a
    /// new active master knows them.
    public internal(set) var chunkservers: [ChunkserverID: ChunkserverAddress] = [:]

    var inodes = PagedTable<InodeRecord>()
    var chunks = PagedTable<ChunkRecord>()
    /// The directories of the links of every node with more than one (`Namespace+Links.swift`).
    var hardLinkDirectories = PagedTable<LinkDirectories>()
    /// Freed inode numbers with the time they were freed, oldest first.
    var freedInodes = PagedQueue<FreedInode>()
    /// Inode numbers from here on were never used.
    var nextInode: UInt32 = 2
    var nextChunk: UInt64 = 1
    var nextSession: UInt32 = 1
    var sessions: [SessionID: SessionState] = [:]
    /// Granted flock and POSIX locks (`Namespace+Locks.swift`).
    var locks = LockRecords()

    public internal(set) var inodeCount = 0
    public internal(set) var chunkCount = 0

    /// An empty namespace: version 0, no metaid yet, only the root directory (mode 0755, owned
    /// by root, times set by the `SETMETAID` change).
    public init(parameters: NamespaceParameters = NamespaceParameters()) {
        self.parameters = parameters
        var root = InodeRecord.empty
        root.typeRaw = NodeType.directory.rawValue
        root.goal = NamespaceLimits.defaultGoal
        root.mode = 0o755
        root.nlink = 2
        root.parent = InodeID.root.rawValue
        root.payload = .directory(Directory())
        store(InodeID.root.rawValue, root)
    }

    /// Pages copied because a snapshot shared them (for tests of snapshot cost).
    public var pageCopies: Int { inodes.pageCopies + chunks.pageCopies + hardLinkDirectories.pageCopies }
    /// What the chunk table's pages hold, in bytes (benchmarks).
    public var chunkTableBytes: Int { chunks.bytes }

    /// The sessions open now.
    public var sessionIDs: [SessionID] { sessions.keys.sorted() }
}

/// Cluster-wide parameters that change what an operation returns, so every master and replay
/// must use the same values: they are stored in the metadata file with the namespace.
public struct NamespaceParameters: Equatable, Sendable {
    /// A freed inode number is not given out again for this many seconds (`INODE_REUSE_DELAY`).
    public var inodeReuseDelaySeconds: UInt32
    /// Mutating requests remembered per session with their results (`REQUEST_MEMORY`).
    public var requestMemory: UInt32

    public init(inodeReuseDelaySeconds: UInt32 = 86_400, requestMemory: UInt32 = 1_024) {
        self.inodeReuseDelaySeconds = inodeReuseDelaySeconds
        self.requestMemory = requestMemory
    }
}

/// Named limits of the namespace.
public enum NamespaceLimits {
    /// Hard links to a file, and subdirectories + 2 of a directory (EMLINK past it).
    public static let maxLinks: UInt32 = 65_000
    public static let minGoal: UInt8 = 1
    public static let maxGoal: UInt8 = 9
    public static let defaultGoal: UInt8 = 2
    /// Bytes in a chunk.
    public static let chunkSize: UInt64 = 64 << 20
    /// The longest file (128 PiB, as MooseFS), EFBIG past it.
    public static let maxFileLength: UInt64 = 1 << 57
    /// Chunk indexes run below this.
    public static let maxChunkIndex = UInt32(maxFileLength / chunkSize)
    /// Opens of one inode without a release, by one session and by all together (each is
    /// counted in 32 bits); one more is refused with ENOSPC.
    public static let maxOpens = UInt32.max
    /// Inode numbers run below this (ENOSPC past it).
    public static let maxInode: UInt32 = UInt32.max - 1
    /// The longest symlink target (PATH_MAX).
    public static let maxSymlinkTargetLength = 4_096
    /// The longest session description.
    public static let maxSessionInfoLength = 1_024
    /// Parent links followed at most when checking that an inode is inside an export's tree
    /// (deeper than any real tree: a path of this many components is longer than PATH_MAX).
    public static let maxTreeWalk = 65_536
}

struct FreedInode: Sendable {
    var inode: UInt32
    var freedAt: UInt32
}

/// What a caller is: the uid, gid and supplementary groups sent with each request.
public struct Credentials: Hashable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: [UInt32]
    /// The export's `ignoregid` (MooseFS's IGNOREGID session flag): group membership is not
    /// checked; whoever is not the owner gets the group's and the others' bits together, and
    /// an owner may give a file to any group.
    public var ignoresGroups = false

    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    public static let root = Credentials(uid: 0, gid: 0)
    public var isRoot: Bool { uid == 0 }
    public func isMember(of group: UInt32) -> Bool { gid == group || groups.contains(group) }
}

/// The attributes of an inode, as getattr returns them.
public struct Attributes: Equatable, Sendable {
    public var inode: InodeID
    public var type: NodeType
    /// Permission bits (07777).
    public var mode: UInt16
    public var uid: UInt32
    public var gid: UInt32
    public var atime: UnixTime
    public var mtime: UnixTime
    public var ctime: UnixTime
    public var nlink: UInt32
    /// Files: bytes; directories: entries; symlinks: target length; devices: 0.
    public var length: UInt64
    public var goal: UInt8
    /// Device number for block and character devices, else 0.
    public var rdev: UInt32

    public init(
        inode: InodeID, type: NodeType, mode: UInt16, uid: UInt32, gid: UInt32, atime: UnixTime, mtime: UnixTime, ctime: UnixTime,
        nlink: UInt32, length: UInt64, goal: UInt8, rdev: UInt32
    ) {
        (self.inode, self.type, self.mode, self.uid, self.gid) = (inode, type, mode, uid, gid)
        (self.atime, self.mtime, self.ctime) = (atime, mtime, ctime)
        (self.nlink, self.length, self.goal, self.rdev) = (nlink, length, goal, rdev)
    }
}

extension Namespace {
    // MARK: Storage helpers. Every change to an inode goes through `updateInode` so the checksum
    // is kept right in one place.

    @inline(__always)
    func record(_ id: UInt32) -> InodeRecord? {
        let r = inodes[Int(id)]
        return r.isEmpty ? nil : r
    }

    @inline(__always)
    func existing(_ id: InodeID) throws(FSError) -> InodeRecord {
        guard id.rawValue != 0, let r = record(id.rawValue) else { throw .noEntry }
        return r
    }

    func directoryRecord(_ id: InodeID) throws(FSError) -> InodeRecord {
        let r = try existing(id)
        guard r.isDirectory else { throw .notDirectory }
        return r
    }

    /// What a change needs to know about a name in a directory, read in place (copying the
    /// directory's record would retain and release its entries on every change).
    struct Located {
        var nlink: UInt32
        var goal: UInt8
        var position: Directory.Position
        /// The entry's inode and type if the name exists.
        var child: UInt32
        var childType: UInt8
    }

    /// Finds `name` in directory `parent`: ENOENT if `parent` does not exist, ENOTDIR if it is
    /// not a directory.
    @inline(__always)
    func locate(_ parent: InodeID, _ name: [UInt8], hash: UInt64) throws(FSError) -> Located {
        guard parent.rawValue != 0 else { throw .noEntry }
        let found = inodes.read(Int(parent.rawValue)) { (r: borrowing InodeRecord) -> Located? in
            guard case .directory(let directory) = r.payload else { return nil }
            let p = directory.position(of: name, hash: hash)
            var located = Located(nlink: r.nlink, goal: r.goal, position: p, child: 0, childType: 0)
            if p.found {
                directory.blocks[p.block].withUnsafeBufferPointer { entries in
                    located.child = entries[p.index].inode
                    located.childType = entries[p.index].typeRaw
                }
            }
            return located
        }
        guard let found else { throw .noEntry }
        guard let located = found else {
            throw inodes[Int(parent.rawValue)].isEmpty ? .noEntry : .notDirectory
        }
        return located
    }

    /// Applies `body` to an existing inode and keeps the checksum.
    @inline(__always)
    mutating func updateInode<R>(_ id: UInt32, _ body: (inout InodeRecord) -> R) -> R {
        let sum = checksum
        var delta: UInt64 = 0
        let result = inodes.modify(Int(id)) { (r: inout InodeRecord) -> R in
            precondition(!r.isEmpty, "updating free inode \(id)")
            let before = r.checksumContribution(id: id)
            let result = body(&r)
            delta = r.checksumContribution(id: id) &- before
            return result
        }
        checksum = sum &+ delta
        return result
    }

    /// Stores a new inode in a free slot.
    mutating func store(_ id: UInt32, _ r: InodeRecord) {
        inodes.set(Int(id), r)
        checksum &+= r.checksumContribution(id: id)
        inodeCount += 1
    }

    /// Removes an inode (its chunks must be gone already) and queues its number for reuse.
    mutating func freeInode(_ id: UInt32, now: UnixTime) {
        let r = inodes[Int(id)]
        checksum &-= r.checksumContribution(id: id)
        inodes.set(Int(id), .empty)
        inodeCount -= 1
        freedInodes.append(FreedInode(inode: id, freedAt: now.rawValue))
    }

    /// The inode number the next create gets: the oldest freed one once `INODE_REUSE_DELAY` has
    /// passed, else a never used one.
    func peekNextInode(now: UnixTime) -> UInt32? {
        if let head = freedInodes.first,
            now.seconds(since: UnixTime(head.freedAt)) >= parameters.inodeReuseDelaySeconds
        {
            return head.inode
        }
        return nextInode <= NamespaceLimits.maxInode ? nextInode : nil
    }

    mutating func takeNextInode(now: UnixTime) -> UInt32 {
        let id = peekNextInode(now: now)!
        if let head = freedInodes.first, head.inode == id, id != nextInode {
            freedInodes.removeFirst()
        } else {
            nextInode += 1
        }
        return id
    }

    /// Changes the directory `id`'s entries; the payload is taken out first so the entries are
    /// not shared (and copied) while they change.
    @inline(__always)
    mutating func modifyDirectory<R>(_ id: UInt32, _ body: (inout Directory) -> R) -> R {
        inodes.modify(Int(id)) { (r: inout InodeRecord) -> R in
            guard case .directory(var directory) = r.payload else {
                preconditionFailure("inode \(id) is not a directory")
            }
            r.payload = .none
            let result = body(&directory)
            r.payload = .directory(directory)
            return result
        }
    }

    /// The checksum contribution of one directory entry.
    @inline(__always)
    static func entryContribution(parent: UInt32, hash: UInt64, child: UInt32) -> UInt64 {
        StableHash.mix(StableHash.combine(StableHash.combine(0xE47_0000_0003, UInt64(parent) << 32 | UInt64(child)), hash))
    }
}
