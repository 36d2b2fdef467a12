#if canImport(Glibc)
    import Glibc
#endif

/// A system call on a file that failed: which call, which path and the errno. The same shape as
/// `MFSStorage.StorageError`, kept apart so the chunkserver's store does not depend on the
/// metadata modules MFSStorage brings, and Hashable so errors compare in tests and reports.
public struct PosixError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var code: Int32

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    /// The file system is full (or the write was short, which is how a full disk shows).
    public var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
}

/// An open file descriptor with the few calls the chunk store needs; every call retries on
/// EINTR and reports short transfers as errors. Not shared between threads: the store uses one
/// under its lock.
final class PosixFile {
    let path: String
    private(set) var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Opens an existing file for reading and writing (or reading only).
    static func open(_ path: String, writable: Bool = true) throws(PosixError) -> PosixFile {
        try open(path, flags: (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)
    }

    /// Creates a file that must not exist yet.
    static func create(_ path: String) throws(PosixError) -> PosixFile {
        try open(path, flags: O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC)
    }

    private static func open(_ path: String, flags: Int32) throws(PosixError) -> PosixFile {
        while true {
            let fd = Glibc.open(path, flags, 0o644)
            if fd >= 0 { return PosixFile(path: path, fd: fd) }
            if errno != EINTR { throw PosixError("open", path) }
        }
    }

    /// The file's length in bytes.
    func length() throws(PosixError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw PosixError("stat", path) }
        return Int(info.st_size)
    }

    /// Reads exactly `count` bytes at `offset`; a file that ends sooner is an EIO error.
    func read(count: Int, at offset: Int) throws(PosixError) -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { (buffer, initialized) throws(PosixError) in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Fills `space` with the bytes at `offset` (one `pread` unless interrupted or short); a
    /// file that ends sooner is an EIO error.
    func read(into space: UnsafeMutableRawBufferPointer, at offset: Int) throws(PosixError) {
        var done = 0
        while done < space.count {
            let n = pread(fd, space.baseAddress! + done, space.count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw PosixError("read", path, code: n == 0 ? EIO : errno) }
            done += n
        }
    }

    /// Fills `spaces`, in order, with the bytes from `offset` on: one `preadv` for all of them
    /// unless interrupted or short (then the rest goes on from where it stopped). A file that
    /// ends sooner is an EIO error. At most `PosixFile.maxVectors` spaces.
    func read(into spaces: some Collection<UnsafeMutableRawBufferPointer>, at offset: Int) throws(PosixError) {
        precondition(spaces.count <= Self.maxVectors, "\(spaces.count) spaces for one preadv")
        var vectors = spaces.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        var first = 0
        var position = offset
        while first < vectors.count {
            let n = vectors.withUnsafeBufferPointer { all in
                preadv(fd, all.baseAddress! + first, Int32(all.count - first), off_t(position))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw PosixError("read", path, code: n == 0 ? EIO : errno) }
            position += n
            // Past the spaces filled whole; into the one filled in part.
            var left = n
            while first < vectors.count, left >= vectors[first].iov_len {
                left -= vectors[first].iov_len
                first += 1
            }
            if left > 0 {
                vectors[first].iov_base = vectors[first].iov_base! + left
                vectors[first].iov_len -= left
            }
        }
    }

    /// The most spaces one `read(into:at:)` takes (Linux's `IOV_MAX`).
    static let maxVectors = 1_024

    /// Writes all of `bytes` at `offset`; a short write is reported as ENOSPC, as a full disk
    /// makes it.
    func write(_ bytes: ArraySlice<UInt8>, at offset: Int) throws(PosixError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw PosixError("write", path, code: n == 0 ? ENOSPC : errno) }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws(PosixError) { try write(bytes[...], at: offset) }

    func truncate(to length: Int) throws(PosixError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw PosixError("truncate", path) }
    }

    func sync() throws(PosixError) {
        guard fsync(fd) == 0 else { throw PosixError("fsync", path) }
    }

    /// A second descriptor of the same open file (`dup`), closed on its own: an fsync through
    /// it covers every write made through this one before the fsync starts.
    func duplicate() throws(PosixError) -> PosixFile {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { throw PosixError("dup", path) }
        return PosixFile(path: path, fd: copy)
    }

    func close() throws(PosixError) {
        let fd = self.fd
        self.fd = -1
        guard Glibc.close(fd) == 0 else { throw PosixError("close", path) }
    }
}

/// Path-level calls: rename, unlink, directories, fsync of a directory.
enum PosixPath {
    static func rename(_ from: String, _ to: String) throws(PosixError) {
        guard Glibc.rename(from, to) == 0 else { throw PosixError("rename \(from) to", to) }
    }

    static func unlink(_ path: String) throws(PosixError) {
        guard Glibc.unlink(path) == 0 else { throw PosixError("unlink", path) }
    }

    /// Creates a directory unless it exists already.
    static func makeDirectory(_ path: String) throws(PosixError) {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw PosixError("mkdir", path) }
    }

    /// fsyncs a directory, so a create, rename or unlink in it is durable.
    static func syncDirectory(_ path: String) throws(PosixError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PosixError("open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PosixError("fsync directory", path) }
    }

    /// Names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(PosixError) -> [String] {
        guard let dir = opendir(path) else { throw PosixError("open directory", path) }
        defer { closedir(dir) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        guard errno == 0 else { throw PosixError("read directory", path) }
        return names
    }

    /// The length and kind of a path (nil kind when it does not exist).
    static func status(_ path: String) throws(PosixError) -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PosixError("stat", path) }
        return info
    }

    /// Reads a whole small file.
    static func readFile(_ path: String) throws(PosixError) -> [UInt8] {
        let file = try PosixFile.open(path, writable: false)
        return try file.read(count: try file.length(), at: 0)
    }

    /// Replaces a small file durably: a temporary file, fsync, rename, fsync of the directory.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(PosixError) {
        let temporary = path + ".tmp"
        _ = Glibc.unlink(temporary)
        let file = try PosixFile.create(temporary)
        try file.write(bytes, at: 0)
        try file.sync()
        try file.close()
        try rename(temporary, path)
        try syncDirectory(directory(of: path))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
