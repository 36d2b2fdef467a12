import MFSCore

/// One entry of a readdir page.
public struct DirectoryListingEntry: Equatable, Sendable {
    public var name: EntryName
    public var inode: InodeID
    public var type: NodeType
    /// Pass this back to continue after this entry.
    public var cookie: UInt64

    public init(name: EntryName, inode: InodeID, type: NodeType, cookie: UInt64) {
        (self.name, self.inode, self.type, self.cookie) = (name, inode, type, cookie)
    }
}

/// A page of a directory listing.
public struct DirectoryListing: Equatable, Sendable {
    public var entries: [DirectoryListingEntry]
    /// No entries follow the last one returned.
    public var atEnd: Bool
    /// The cookie to continue from (the last entry's, or the one passed in if none).
    public var nextCookie: UInt64
}

/// A chunk of a file with its version.
public struct ChunkInfo: Equatable, Sendable {
    public var index: UInt32
    public var chunk: ChunkID
    public var version: UInt32

    public init(index: UInt32, chunk: ChunkID, version: UInt32) {
        (self.index, self.chunk, self.version) = (index, chunk, version)
    }
}

extension Namespace {
    /// The attributes of an inode.
    public func attributes(of inode: InodeID) throws(FSError) -> Attributes {
        Self.attributes(inode, try existing(inode))
    }

    static func attributes(_ inode: InodeID, _ r: borrowing InodeRecord) -> Attributes {
        let device = r.typeRaw == NodeType.blockDevice.rawValue || r.typeRaw == NodeType.charDevice.rawValue
        return Attributes(
            inode: inode, type: r.type, mode: r.mode, uid: r.uid, gid: r.gid, atime: UnixTime(r.atime),
            mtime: UnixTime(r.mtime), ctime: UnixTime(r.ctime), nlink: r.nlink, length: device ? 0 : r.size,
            goal: r.goal, rdev: device ? UInt32(truncatingIfNeeded: r.size) : 0)
    }

    /// Looks a name up in a directory: needs search (x) permission on it.
    public func lookup(_ parent: InodeID, _ name: EntryName, as who: Credentials) throws(FSError) -> Attributes {
        let dir = try directoryRecord(parent)
        try Self.check(dir, .execute, who)
        guard let entry = dir.directory.lookup(name.bytes, hash: Directory.key(of: name.bytes)) else {
            throw .noEntry
        }
        return try attributes(of: InodeID(entry.inode))
    }

    /// A page of a directory's entries after `cookie` (0 for the start): needs read permission.
    /// Cookies stay valid across inserts, deletes and failovers; see `Directory`.
    public func readdir(
        _ inode: InodeID, after cookie: UInt64 = 0, limit: Int = 1_000, as who: Credentials
    ) throws(FSError) -> DirectoryListing {
        let dir = try directoryRecord(inode)
        try Self.check(dir, .read, who)
        let (entries, atEnd) = dir.directory.entries(after: cookie, limit: max(1, limit))
        let listed = entries.map {
            DirectoryListingEntry(
                name: EntryName(unchecked: $0.name.bytes), inode: InodeID($0.inode), type: NodeType(rawValue: $0.typeRaw)!,
                cookie: $0.hash)
        }
        return DirectoryListing(entries: listed, atEnd: atEnd, nextCookie: entries.last?.hash ?? cookie)
    }

    /// The target of a symlink (EINVAL for anything else).
    public func readlink(_ inode: InodeID) throws(FSError) -> [UInt8] {
        guard case .target(let target) = try existing(inode).payload else { throw .invalidArgument }
        return target
    }

    public func goal(of inode: InodeID) throws(FSError) -> UInt8 { try existing(inode).goal }

    /// The chunks of a file, holes left out.
    public func chunks(of inode: InodeID) throws(FSError) -> [ChunkInfo] {
        let r = try existing(inode)
        var result: [ChunkInfo] = []
        r.chunkList.forEach { index, id in
            result.append(ChunkInfo(index: index, chunk: ChunkID(id), version: chunks[Int(id)].version))
        }
        return result
    }

    /// The version of a chunk, nil if it does not exist.
    public func chunkVersion(_ chunk: ChunkID) -> UInt32? {
        guard chunk.rawValue < UInt64(Int.max) else { return nil }
        let c = chunks[Int(chunk.rawValue)]
        return c.isEmpty ? nil : c.version
    }

    /// Every live inode number in ascending order (for tools and tests; O(inodes)).
    public func allInodes() -> [InodeID] {
        var result: [InodeID] = []
        result.reserveCapacity(inodeCount)
        inodes.forEach { id, _ in result.append(InodeID(UInt32(id))) }
        return result
    }

    /// The directory holding a directory (the root is its own), for `..`; nil for anything
    /// that is not a directory.
    public func parentDirectory(of inode: InodeID) throws(FSError) -> InodeID? {
        let r = try existing(inode)
        guard r.isDirectory else { return nil }
        return r.parent == 0 ? inode : InodeID(r.parent)
    }

    /// The open count of an inode across all sessions.
    public func openCount(of inode: InodeID) throws(FSError) -> UInt32 { try existing(inode).openCount }
}

extension Namespace {
    /// Whether `inode` lies in the tree under the directory `top` (an export's root): a
    /// directory when `top` is on its chain of parents, anything else when one of its links is
    /// in that tree (a node with several links: the directory of any of them; as MooseFS's
    /// master, which follows every parent of a node). Unknown and unlinked inodes are outside.
    /// Reads parent links only, so the cost is the depth of the tree (times the directories of
    /// a hard-linked node's links).
    public func isInside(_ inode: InodeID, tree top: InodeID) -> Bool {
        if top == .root || inode == top { return true }
        guard let (parent, hardLinked) = inodes.read(Int(inode.rawValue), { r in (r.parent, !r.isDirectory && r.nlink > 1) }),
            parent != 0, inode != .root
        else { return false }
        guard hardLinked, let r = record(inode.rawValue) else { return chainReaches(top.rawValue, from: parent) }
        return directoriesHoldingLinks(of: inode.rawValue, r).contains { chainReaches(top.rawValue, from: $0) }
    }

    /// Whether directory `top` is `directory` or on its chain of parents.
    private func chainReaches(_ top: UInt32, from directory: UInt32) -> Bool {
        var current = directory
        // The root is its own parent, so the walk ends; the bound only guards a damaged tree.
        for _ in 0...NamespaceLimits.maxTreeWalk {
            if current == top { return true }
            guard current != InodeID.root.rawValue,
                let parent = inodes.read(Int(current), { $0.isEmpty ? 0 : $0.parent }), parent != 0
            else { return false }
            current = parent
        }
        return false
    }
}
