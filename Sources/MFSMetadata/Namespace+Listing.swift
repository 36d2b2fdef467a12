import MFSCore
import Synchronization

extension Namespace {
    /// What a whole listing of a directory with attributes takes: its entry count and the
    /// bytes of its names, so a reply can be sized once before `forEachEntryWithAttributes`
    /// (under the same lock: nothing changes in between). Needs `access` on it: read, and for a
    /// listing with attributes MooseFS also asks for search (execute) permission.
    public func listingSize(of inode: InodeID, as who: Credentials, access: AccessMask = .read) throws(FSError) -> (
        entries: Int, nameBytes: Int
    ) {
        let dir = try directoryRecord(inode)
        try Self.check(dir, access, who)
        guard case .directory(let directory) = dir.payload else { throw .notDirectory }
        return (directory.count, directory.nameBytes)
    }

    /// Where `forEachEntryWithAttributes` leaves the sum of the fields it loads ahead (read by
    /// nobody: a store the compiler must keep).
    private static let listingLoads = Atomic<Int>(0)

    /// Every entry of a directory with its child's attributes, in cookie order (as `readdir`
    /// pages them), for a listing that carries attributes (MooseFS's READDIR with
    /// `GETDIR_FLAG_WITHATTR`, which mfsmount sends for every listing). Permission is checked by
    /// `listingSize`, called first; nothing for an inode that is not a directory.
    ///
    /// Everything is lent in place: `body` gets each name's bytes and the child's attributes
    /// without a copy of the entry, its name or the child's inode record (those copies, a
    /// retain and release each, and an array per page were most of a listing's cost). An entry
    /// whose inode is missing, which a consistent namespace never has, is left out.
    public func forEachEntryWithAttributes(
        of inode: InodeID, _ body: (_ name: UnsafeBufferPointer<UInt8>, _ attributes: Attributes) -> Void
    ) {
        inodes.withDirectory(Int(inode.rawValue)) { directory in
            // A block's children (records and names) are looked up first, in a tight loop, then
            // handed out: they lie scattered (entries are in hash order, inodes in creation
            // order), and loads with nothing in between let the processor wait for many at once.
            var found: [Attributes?] = []
            found.reserveCapacity(Directory.maxBlockEntries)
            for block in directory.blocks {
                block.withUnsafeBufferPointer { entries in
                    // First the records are only loaded, the first and the last field
                    // `attributes` reads (which can lie in two cache lines): with nothing waiting
                    // on these loads the processor keeps many misses outstanding, where the loop
                    // below, with an `Attributes` built per entry, kept a few. The sum is stored
                    // so the loads are not dropped.
                    var touched = 0
                    for i in entries.indices {
                        touched &+= inodes.read(Int(entries[i].inode)) { Int($0.typeRaw) &+ Int(truncatingIfNeeded: $0.size) } ?? 0
                    }
                    Self.listingLoads.store(touched, ordering: .relaxed)
                    found.removeAll(keepingCapacity: true)
                    var nameBytes = 0
                    for i in entries.indices {
                        let child = entries[i].inode
                        // A long name's storage is touched here too, so its miss overlaps the
                        // others (an inline one is in the entry: `DirectoryName`).
                        nameBytes &+= entries[i].name.count
                        found.append(inodes.read(Int(child)) { r in r.isEmpty ? nil : Self.attributes(InodeID(child), r) } ?? nil)
                    }
                    guard nameBytes >= 0 else { return }
                    // Through `block`, a local the names cannot be freed under: borrowed
                    // without a retain each (through `entries` they were retained for `body`).
                    for i in entries.indices {
                        guard let attributes = found[i] else { continue }
                        block[i].name.withUnsafeBufferPointer { body($0, attributes) }
                    }
                }
            }
        }
    }
}

extension Namespace {
    /// Every entry of a directory with its child's inode and type, in cookie order, for a
    /// listing without attributes (libmfsio's): from the entries alone, which keep each child's
    /// type, so no inode record is read (a cache miss each: half of such a listing's time when
    /// it went through `forEachEntryWithAttributes`). Permission is checked by `listingSize`,
    /// called first; nothing for an inode that is not a directory.
    public func forEachEntryType(
        of inode: InodeID, _ body: (_ name: UnsafeBufferPointer<UInt8>, _ child: InodeID, _ type: NodeType) -> Void
    ) {
        inodes.withDirectory(Int(inode.rawValue)) { directory in
            for block in directory.blocks {
                for i in block.indices {
                    guard let type = NodeType(rawValue: block[i].typeRaw) else { continue }
                    block[i].name.withUnsafeBufferPointer { body($0, InodeID(block[i].inode), type) }
                }
            }
        }
    }
}
