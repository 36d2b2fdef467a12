import MFSCore

/// One inode as the namespace stores it: 80 bytes in its page (48 of fields, and the payload,
/// whose largest case, a `Directory`, takes 32), plus the payload's heap storage.
struct InodeRecord: PagedElement {
    /// `NodeType.rawValue`, or 0 for a free slot.
    var typeRaw: UInt8
    var goal: UInt8
    /// Permission bits (07777).
    var mode: UInt16
    var uid: UInt32
    var gid: UInt32
    var atime: UInt32
    var mtime: UInt32
    var ctime: UInt32
    var nlink: UInt32
    /// For a directory, its parent (the root is its own parent); for other types a directory
    /// that holds one of its links (`Namespace+Links.swift` says which), 0 once unlinked.
    var parent: UInt32
    /// Opens across all sessions; an unlinked inode stays while this is above zero.
    var openCount: UInt32
    /// Files: length in bytes. Directories: number of entries. Symlinks: target length.
    /// Devices: rdev.
    var size: UInt64
    var payload: Payload

    enum Payload: Sendable {
        case none
        case directory(Directory)
        /// Chunk ids by chunk index; 0 is a hole.
        case chunks(ChunkList)
        case target([UInt8])
    }

    static let empty = InodeRecord(
        typeRaw: 0, goal: 0, mode: 0, uid: 0, gid: 0, atime: 0, mtime: 0, ctime: 0, nlink: 0, parent: 0,
        openCount: 0, size: 0, payload: .none)

    var isEmpty: Bool { typeRaw == 0 }
    var type: NodeType { NodeType(rawValue: typeRaw)! }
    var isDirectory: Bool { typeRaw == NodeType.directory.rawValue }

    var chunkList: ChunkList {
        if case .chunks(let list) = payload { return list }
        return ChunkList()
    }

    var directory: Directory {
        if case .directory(let directory) = payload { return directory }
        return Directory()
    }

    /// This inode's share of the namespace checksum: every field but the open count (sessions are
    /// checked apart) and the chunk list (each chunk contributes through the chunk table).
    func checksumContribution(id: UInt32) -> UInt64 {
        var h = StableHash.combine(0x1D0D_E5EE_D000_0001, UInt64(id))
        h = StableHash.combine(h, UInt64(typeRaw) | UInt64(goal) << 8 | UInt64(mode) << 16 | UInt64(nlink) << 32)
        h = StableHash.combine(h, UInt64(uid) | UInt64(gid) << 32)
        h = StableHash.combine(h, UInt64(atime) | UInt64(mtime) << 32)
        h = StableHash.combine(h, UInt64(ctime) | UInt64(parent) << 32)
        h = StableHash.combine(h, size)
        if case .target(let target) = payload {
            h = StableHash.combine(h, target.withUnsafeBufferPointer { StableHash.bytes($0) })
        }
        return StableHash.mix(h)
    }
}

/// A chunk as the namespace records it. Where its replicas live is not persisted: chunkservers
/// report that when they register (DESIGN §2).
struct ChunkRecord: PagedElement {
    /// 0 marks a free slot; a live chunk starts at version 1.
    var version: UInt32
    var inode: UInt32
    var index: UInt32

    static let empty = ChunkRecord(version: 0, inode: 0, index: 0)
    var isEmpty: Bool { version == 0 }

    func checksumContribution(id: UInt64) -> UInt64 {
        let h = StableHash.combine(0xC4_0C4_0000_0002, id)
        return StableHash.mix(StableHash.combine(h, UInt64(version) | UInt64(inode) << 32) ^ UInt64(index))
    }
}
