import MFSCore

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

    /// Every entry of a directory with its child's attributes, for a listing that carries
    /// attributes (MooseFS's READDIR with `GETDIR_FLAG_WITHATTR`, which mfsmount sends for every
    /// listing), in two passes. Permission is checked by `listingSize`, called first; nothing
    /// for an inode that is not a directory.
    ///
    /// First `entry` gets each name and child in cookie order (as `readdir` pages them) and
    /// returns a slot, where the caller wants that child's attributes (a reply writes the name
    /// and leaves room for them). Then `attributes` gets each slot with its child's attributes,
    /// in inode order: nil for a child without an inode record, which a consistent namespace
    /// never has.
    ///
    /// Why two passes: entries lie in hash order and inode records in creation order, so reading
    /// the records in entry order took a cache miss for each (a third of a 10,000-entry
    /// listing's time in `perf annotate`, even with the loads overlapped). In inode order the
    /// records of files made together are read one after the other, and the misses move to the
    /// stores into the slots, which the processor does not wait for. Everything is lent in
    /// place: no copy of an entry, a name or an inode record.
    public func forEachEntryWithAttributes(
        of inode: InodeID, entry: (_ name: UnsafeBufferPointer<UInt8>, _ child: InodeID) -> UInt32,
        attributes: (_ slot: UInt32, _ attributes: Attributes?) -> Void
    ) {
        var order: [UInt64] = []
        inodes.withDirectory(Int(inode.rawValue)) { directory in
            order.reserveCapacity(directory.count)
            for block in directory.blocks {
                for i in block.indices {
                    let child = block[i].inode
                    let slot = block[i].name.withUnsafeBufferPointer { entry($0, InodeID(child)) }
                    order.append(UInt64(child) << 32 | UInt64(slot))
                }
            }
        }
        InodeOrder.sort(&order)
        for key in order {
            let child = UInt32(truncatingIfNeeded: key >> 32)
            let slot = UInt32(truncatingIfNeeded: key)
            attributes(slot, inodes.read(Int(child)) { r in r.isEmpty ? nil : Self.attributes(InodeID(child), r) } ?? nil)
        }
    }
}

/// Sorts a listing's `child << 32 | slot` keys by child inode (`forEachEntryWithAttributes`).
enum InodeOrder {
    /// Sorts `keys` by their upper 32 bits, keeping the order of keys whose upper halves are
    /// equal: a radix sort, one pass per byte in which the upper halves differ from the
    /// smallest (two for 10,000 inodes made together), where a comparison sort of 10,000 keys
    /// took longer than the cache misses it saves.
    static func sort(_ keys: inout [UInt64]) {
        guard keys.count > 1 else { return }
        var low = UInt32.max
        var high = UInt32.min
        for key in keys {
            let inode = UInt32(truncatingIfNeeded: key >> 32)
            low = min(low, inode)
            high = max(high, inode)
        }
        let span = high - low
        var other = [UInt64](repeating: 0, count: keys.count)
        var counts = [Int](repeating: 0, count: 256)
        var shift: UInt32 = 0
        while shift < 32, span >> shift != 0 {
            counts.withUnsafeMutableBufferPointer { counts in
                keys.withUnsafeBufferPointer { from in
                    other.withUnsafeMutableBufferPointer { to in
                        let digit = { (key: UInt64) in Int((UInt32(truncatingIfNeeded: key >> 32) &- low) >> shift & 0xFF) }
                        counts.update(repeating: 0)
                        for key in from { counts[digit(key)] += 1 }
                        var start = 0
                        for d in counts.indices {
                            let n = counts[d]
                            counts[d] = start
                            start += n
                        }
                        for key in from {
                            let d = digit(key)
                            to[counts[d]] = key
                            counts[d] += 1
                        }
                    }
                }
            }
            swap(&keys, &other)
            shift += 8
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
