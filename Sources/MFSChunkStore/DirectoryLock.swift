import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `.lock` file of a data directory, held while the directory is in use so that two
/// chunkservers never share it. Taken with `lockf(F_TLOCK)` as MooseFS 3.0 takes it, so a
/// MooseFS chunkserver and ours refuse each other. POSIX record locks belong to the process: a
/// second `lockf` from the same process succeeds, and closing any descriptor of the file drops
/// the lock. So the lock files this process holds are also kept in a process-wide set, and a
/// second attempt from this process is refused from `stat` alone, before it opens (and would
/// later close) a descriptor of the file.
public final class DirectoryLock: Sendable {
    public let path: String
    private let fd: Int32
    private let file: FileIdentity

    /// Why a data directory could not be locked.
    public struct Refused: Error, Hashable, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot lock \(path): \(reason)" }
    }

    /// Locks `directory/.lock` (created if missing) or throws, saying who holds it.
    public init(directory: String) throws(Refused) {
        let path = directory.hasSuffix("/") ? directory + ".lock" : directory + "/.lock"
        let (fd, file) = try Self.held.withLock { held throws(Refused) -> (Int32, FileIdentity) in
            var info = stat()
            if stat(path, &info) == 0, held.contains(FileIdentity(info)) {
                throw Refused(path: path, reason: "this process already uses this data directory")
            }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw Refused(path: path, reason: String(cString: strerror(errno))) }
            guard fstat(fd, &info) == 0, lockf(fd, F_TLOCK, 0) == 0 else {
                let reason =
                    errno == EACCES || errno == EAGAIN ? "another chunkserver uses this data directory" : String(cString: strerror(errno))
                close(fd)
                throw Refused(path: path, reason: reason)
            }
            held.insert(FileIdentity(info))
            return (fd, FileIdentity(info))
        }
        self.path = path
        self.fd = fd
        self.file = file
    }

    deinit {
        Self.held.withLock { held in
            held.remove(file)
            close(fd)
        }
    }

    /// Lock files this process holds.
    private static let held = Mutex<Set<FileIdentity>>([])
}

/// A file by device and inode, the same whichever path names it.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
