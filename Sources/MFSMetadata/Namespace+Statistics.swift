import MFSCore

/// What MooseFS's `mfsdirinfo` shows of a tree (GETDIRSTATS), counted as MooseFS's master
/// counts it (`fsnodes_get_stats`): a node reached through two links counts twice.
public struct TreeStatistics: Equatable, Sendable {
    public var inodes: UInt32 = 0
    public var directories: UInt32 = 0
    public var files: UInt32 = 0
    /// Chunks that exist (holes left out).
    public var chunks: UInt32 = 0
    /// File lengths, plus symbolic link target lengths.
    public var length: UInt64 = 0
    /// What the chunks take on one chunkserver: whole 64 KiB blocks up to each file's length
    /// and each chunk file's header.
    public var size: UInt64 = 0
    /// `size` times each file's goal: what all its copies take.
    public var realSize: UInt64 = 0

    public init() {}

    /// The bytes one chunk file takes besides its blocks (MooseFS's `MFSHDRSIZE`).
    public static let chunkHeaderBytes: UInt64 = 8_192
    /// The unit a chunk file grows by (MooseFS's `MFSBLOCKSIZE`).
    public static let blockBytes: UInt64 = 65_536

    static func += (a: inout TreeStatistics, b: TreeStatistics) {
        a.inodes &+= b.inodes
        a.directories &+= b.directories
        a.files &+= b.files
        a.chunks &+= b.chunks
        a.length &+= b.length
        a.size &+= b.size
        a.realSize &+= b.realSize
    }
}

/// How many nodes of a tree have each goal (MooseFS's GETSCLASS, GETTRASHTIME and GETEATTR
/// answer with such counts, files apart from directories).
public struct GoalCounts: Equatable, Sendable {
    public var files: [UInt8: UInt32] = [:]
    public var directories: [UInt8: UInt32] = [:]
    public init() {}
}

extension Namespace {
    /// The statistics of `inode`'s tree: a directory with everything under it, or one file,
    /// link or special node. O(nodes in the tree), on a snapshot of the namespace.
    public func statistics(of inode: InodeID) throws(FSError) -> TreeStatistics {
        _ = try existing(inode)
        var total = TreeStatistics()
        forEachNode(under: inode) { total += Self.statistics(of: $0) }
        return total
    }

    /// Counts of goals over `inode` alone, or its whole tree with `recursive`.
    public func goalCounts(of inode: InodeID, recursive: Bool) throws(FSError) -> GoalCounts {
        let top = try existing(inode)
        var counts = GoalCounts()
        let count = { (r: InodeRecord) in
            if r.isDirectory { counts.directories[r.goal, default: 0] &+= 1 } else { counts.files[r.goal, default: 0] &+= 1 }
        }
        if recursive { forEachNode(under: inode, count) } else { count(top) }
        return counts
    }

    /// A file's chunk slots (one past its highest chunk index, holes included: MooseFS's CHECK
    /// counts holes) and its chunks in index order.
    public func chunkSlots(of inode: InodeID) throws(FSError) -> (count: Int, chunks: [ChunkID]) {
        let r = try existing(inode)
        guard r.type == .file else { throw .notPermitted }
        var chunks: [ChunkID] = []
        r.chunkList.forEach { _, id in chunks.append(ChunkID(id)) }
        return (r.chunkList.slots, chunks)
    }

    /// Every path of `inode` inside the directory `top`, names joined by `/` with no leading
    /// one, as MooseFS's PATHS gives them (`top` itself is `/`). Only the directories holding a
    /// link are searched (`directoriesHoldingLinks`).
    public func paths(of inode: InodeID, under top: InodeID) throws(FSError) -> [[UInt8]] {
        if inode == top { return [[0x2F]] }
        return try links(of: inode).compactMap { link in
            path(of: link.directory, under: top.rawValue).map { $0.isEmpty ? link.name : $0 + [0x2F] + link.name }
        }
    }

    /// The directories holding `inode`'s links, each once (MooseFS's PARENTS).
    public func linkDirectories(of inode: InodeID) throws(FSError) -> [InodeID] {
        directoriesHoldingLinks(of: inode.rawValue, try existing(inode)).map { InodeID($0) }
    }

    /// Every link of `inode`: its directory and name there, from the directories that hold its
    /// links (`directoriesHoldingLinks`). None for the root or an unlinked file still open.
    private func links(of inode: InodeID) throws(FSError) -> [(directory: UInt32, name: [UInt8])] {
        let r = try existing(inode)
        var links: [(directory: UInt32, name: [UInt8])] = []
        for directory in directoriesHoldingLinks(of: inode.rawValue, r) {
            inodes.withDirectory(Int(directory)) { d in
                d.forEach { if $0.inode == inode.rawValue { links.append((directory, $0.name.bytes)) } }
            }
        }
        return links
    }

    /// The path of a directory inside `top` (empty for `top` itself), nil when it lies outside.
    private func path(of directory: UInt32, under top: UInt32) -> [UInt8]? {
        var names: [[UInt8]] = []
        var current = directory
        for _ in 0...NamespaceLimits.maxTreeWalk {
            if current == top { return names.reversed().joined(separator: [0x2F]).map { $0 } }
            guard current != InodeID.root.rawValue, let r = record(current), r.parent != 0 else { return nil }
            var name: [UInt8]?
            inodes.withDirectory(Int(r.parent)) { d in
                d.forEach { if name == nil, $0.inode == current { name = $0.name.bytes } }
            }
            guard let name else { return nil }
            names.append(name)
            current = r.parent
        }
        return nil
    }

    /// Calls `body` with `top`'s record and, for a directory, every record below it, one per
    /// link (depth first, with a stack of its own: no recursion however deep the tree).
    private func forEachNode(under top: InodeID, _ body: (InodeRecord) -> Void) {
        var pending = [top.rawValue]
        while let id = pending.popLast() {
            guard let r = record(id) else { continue }
            body(r)
            if r.isDirectory { inodes.withDirectory(Int(id)) { $0.forEachChild { pending.append($0) } } }
        }
    }

    /// One node's share (a directory's own: one inode, one directory).
    static func statistics(of r: InodeRecord) -> TreeStatistics {
        var s = TreeStatistics()
        s.inodes = 1
        switch r.type {
        case .directory:
            s.directories = 1
        case .symlink:
            s.length = r.size
        case .file:
            s.files = 1
            s.length = r.size
            let chunkSize = UInt64(NamespaceLimits.chunkSize)
            let header = TreeStatistics.chunkHeaderBytes
            let block = TreeStatistics.blockBytes
            // The last chunk holds the blocks up to the length; a chunk past it (left by a
            // truncation) is counted but takes nothing here, as in MooseFS.
            let last = r.size > 0 ? (r.size - 1) / chunkSize : 0
            let lastBytes = r.size > 0 ? ((r.size - 1) % chunkSize + block) / block * block + header : header
            r.chunkList.forEach { index, _ in
                s.chunks += 1
                let index = UInt64(index)
                if index < last {
                    s.size += chunkSize + header
                } else if index == last {
                    s.size += lastBytes
                }
            }
            s.realSize = s.size * UInt64(r.goal)
        case .fifo, .socket, .blockDevice, .charDevice:
            break
        }
        return s
    }
}
