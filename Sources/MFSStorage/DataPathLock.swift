#if canImport(Glibc)
    import Glibc
#endif

/// The lock a daemon takes in its data directory (`.mfsmaster.lock`, `.mfsmetalogger.lock`), so
/// two daemons of one kind never share a `DATA_PATH`, while a master and a metalogger may
/// (DESIGN §1). Held with `flock` for the life of the process: the kernel drops it when the
/// process dies, so a crash leaves no stale lock. The file holds the holder's PID for messages.
public final class DataPathLock: Sendable {
    public let path: String
    private let fd: Int32

    public struct Held: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var holder: String
        public var description: String {
            "\(path) is locked by another process (pid \(holder)): is another daemon of this kind using this DATA_PATH?"
        }
    }

    /// Takes the lock `DATA_PATH/.NAME.lock` or throws, naming the process that holds it.
    public init(directory: DataDirectory, daemon: String) throws {
        path = directory.file(".\(daemon).lock")
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? FileIO.read(path)).map { String(decoding: $0, as: UTF8.self).trimmingNewlines } ?? "unknown"
            close(fd)
            throw Held(path: path, holder: holder.isEmpty ? "unknown" : holder)
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit { close(fd) }
}

extension String {
    fileprivate var trimmingNewlines: String {
        var s = self
        while s.last == "\n" || s.last == "\r" || s.last == " " { s.removeLast() }
        return s
    }
}
