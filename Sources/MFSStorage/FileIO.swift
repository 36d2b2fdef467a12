#if canImport(Glibc)
    import Glibc
#endif

/// A file operation that failed, with the path and the system's reason.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var path: String
    public var code: Int32

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// Whole-file reads and crash-safe writes.
public enum FileIO {
    /// Reads a whole file.
    public static func read(_ path: String) throws(StorageError) -> [UInt8] {
        try read(path, upTo: nil)
    }

    /// Reads a file's first `limit` bytes (all of it without a limit). The buffer is not zeroed
    /// first: a 57 MB metadata file would otherwise be written twice (memset, then read).
    public static func read(_ path: String, upTo limit: Int?) throws(StorageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError("open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError("stat", path) }
        let size = min(Int(info.st_size), limit ?? Int.max)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    failed = n < 0
                    break
                }
                done += n
            }
            count = done
        }
        if failed { throw StorageError("read", path) }
        return bytes
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Reads a whole file; nil when there is no such file.
    public static func readIfPresent(_ path: String) throws(StorageError) -> [UInt8]? { exists(path) ? try read(path) : nil }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// File names in a directory (no `.`/`..`), sorted.
    public static func list(_ directory: String) throws(StorageError) -> [String] {
        guard let dir = opendir(directory) else { throw StorageError("open directory", directory) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Writes `path` so that a crash leaves either the old file or the whole new one, and never
    /// no file: the bytes go to `path.tmp`, are fsynced, the previous file is kept as
    /// `path.back.1` … (shifting up to `keepPrevious` copies; `.back.1` is a hard link to the
    /// file, so `path` stays in place), the temporary file is renamed over `path` (one atomic
    /// replace), and the directory is fsynced.
    public static func writeAtomically(
        _ path: String, keepPrevious: Int = 1, _ produce: (_ write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) -> Void
    ) throws(StorageError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError("create", temporary) }
        var closed = false
        defer { if !closed { close(fd) } }
        var currentMovedAway = false
        do throws(StorageError) {
            try produce { (chunk: [UInt8]) throws(StorageError) in try writeAll(fd, chunk, temporary) }
            guard fsync(fd) == 0 else { throw StorageError("fsync", temporary) }
            closed = true
            guard close(fd) == 0 else { throw StorageError("close", temporary) }
            if keepPrevious > 0, exists(path) {
                for n in stride(from: keepPrevious - 1, through: 1, by: -1) where exists("\(path).back.\(n)") {
                    guard rename("\(path).back.\(n)", "\(path).back.\(n + 1)") == 0 else {
                        throw StorageError("rename", "\(path).back.\(n)")
                    }
                }
                let newest = "\(path).back.1"
                if exists(newest) { unlink(newest) }
                if link(path, newest) != 0 {
                    // A file system without hard links: fall back to the rename (for a moment
                    // there is then no `path`, which `-a` finds in `.back.1`).
                    guard errno == EPERM || errno == ENOTSUP || errno == EXDEV else { throw StorageError("link", path) }
                    guard rename(path, newest) == 0 else { throw StorageError("rename", path) }
                    currentMovedAway = true
                }
            }
            guard rename(temporary, path) == 0 else { throw StorageError("rename", temporary) }
        } catch {
            // A dump cut short by a full disk would otherwise keep its tens of megabytes there,
            // and the disk full, until the next dump; but once the current file was renamed
            // away (no hard links), the temporary file is the newest copy there is: it stays.
            if !currentMovedAway { unlink(temporary) }
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Appends `bytes` to `path` and fsyncs it (and the directory when the file is new),
    /// writing `header` first into a new or empty file.
    public static func appendDurably(_ path: String, header: [UInt8], _ bytes: [UInt8]) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError("open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError("stat", path) }
        try writeAll(fd, info.st_size == 0 ? header + bytes : bytes, path)
        guard fsync(fd) == 0 else { throw StorageError("fsync", path) }
        if info.st_size == 0 { try syncDirectory(of: path) }
    }

    /// Cuts `path` to `length` bytes and fsyncs it.
    public static func truncateDurably(_ path: String, to length: Int) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError("open", path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw StorageError("truncate", path) }
        guard fsync(fd) == 0 else { throw StorageError("fsync", path) }
    }

    /// Renames durably (the directory is fsynced).
    public static func renameDurably(_ from: String, _ to: String) throws(StorageError) {
        guard rename(from, to) == 0 else { throw StorageError("rename \(from) to", to) }
        try syncDirectory(of: to)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw StorageError("write", path) }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`, the descriptor's position unchanged).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: off_t, _ path: String) throws(StorageError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, offset + off_t(done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw StorageError("write", path) }
            done += n
        }
    }

    /// fsyncs the directory holding `path`, so a rename in it is durable.
    public static func syncDirectory(of path: String) throws(StorageError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let fd = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError("open directory", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError("fsync directory", directory) }
    }
}
