#if canImport(Glibc)
    import Glibc
#endif

/// What `statvfs` says of a data directory's file system, in bytes.
public struct FileSystemSpace: Hashable, Sendable {
    /// The size, less the blocks reserved for root (`f_blocks − (f_bfree − f_bavail)`).
    public var total: UInt64
    /// What an ordinary user may still write (`f_bavail`).
    public var available: UInt64

    public init(total: UInt64, available: UInt64) {
        self.total = total
        self.available = available
    }

    /// Reads the file system holding `path`.
    public static func of(_ path: String) throws(PosixError) -> FileSystemSpace {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw PosixError("statvfs", path) }
        let unit = UInt64(info.f_frsize)
        let reserved = UInt64(info.f_bfree) - min(UInt64(info.f_bfree), UInt64(info.f_bavail))
        return FileSystemSpace(
            total: unit * (UInt64(info.f_blocks) - min(UInt64(info.f_blocks), reserved)), available: unit * UInt64(info.f_bavail))
    }
}

/// The space one data directory reports to the master: `total` and `used = total − available`.
public struct DirectoryUsage: Hashable, Sendable {
    public var total: UInt64
    public var available: UInt64
    public var used: UInt64 { total - min(total, available) }

    public init(total: UInt64, available: UInt64) {
        self.total = total
        self.available = available
    }

    /// Space left free on every directory without a `-SIZE` in mfshdd.cfg
    /// (HDD_LEAVE_SPACE_DEFAULT, 256 MiB).
    public static let defaultLeaveFree: UInt64 = 256 << 20

    /// The usage of a directory with `limit` on a file system with `space`, holding chunk files
    /// of `chunkBytes` bytes in all.
    ///
    /// - no limit or `-SIZE`: the file system's total, and its available space less what must
    ///   stay free;
    /// - `SIZE`: total = the limit, used = the chunk files' bytes, and never more available than
    ///   the file system has. MooseFS estimates the chunk bytes from a sample and, on a directory
    ///   with no chunks yet, falls back to the whole file system's used bytes, so an empty
    ///   limited directory can look full (notes §2.5, pitfall 15); we know every chunk's length.
    public static func of(
        space: FileSystemSpace, limit: DataDirectoryEntry.SizeLimit, chunkBytes: UInt64, leaveFree: UInt64 = defaultLeaveFree
    )
        -> DirectoryUsage
    {
        switch limit {
        case .none: return DirectoryUsage(total: space.total, available: space.available - min(space.available, leaveFree))
        case .leaveFree(let keep): return DirectoryUsage(total: space.total, available: space.available - min(space.available, keep))
        case .useAtMost(let most):
            return DirectoryUsage(total: most, available: min(most - min(most, chunkBytes), space.available))
        }
    }
}

/// The totals the master's registration (`CSTOMA_REGISTER` BEGIN) and `CSTOMA_SPACE` carry
/// (notes §2.2, §2.5): used, total and chunk count of the directories in use, and the same for
/// the directories marked for removal. Failed directories count in neither.
public struct SpaceTotals: Hashable, Sendable {
    public var usedSpace: UInt64 = 0
    public var totalSpace: UInt64 = 0
    public var chunkCount: UInt32 = 0
    public var markedForRemovalUsedSpace: UInt64 = 0
    public var markedForRemovalTotalSpace: UInt64 = 0
    public var markedForRemovalChunkCount: UInt32 = 0

    public init() {}

    /// Adds one directory.
    public mutating func add(_ usage: DirectoryUsage, chunks: Int, markedForRemoval: Bool) {
        let count = UInt32(clamping: chunks)
        if markedForRemoval {
            markedForRemovalUsedSpace &+= usage.used
            markedForRemovalTotalSpace &+= usage.total
            markedForRemovalChunkCount &+= count
        } else {
            usedSpace &+= usage.used
            totalSpace &+= usage.total
            chunkCount &+= count
        }
    }
}
