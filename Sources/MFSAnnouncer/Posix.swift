#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call: what was attempted and `errno`'s text.
public struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var code: Int32

    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
}

/// The whole file as UTF-8 text (invalid bytes repaired).
func readTextFile(_ path: String) throws(SystemCallError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemCallError("open \(path)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw SystemCallError("read \(path)")
        }
        if n == 0 { break }
        bytes.append(contentsOf: buffer[..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes `bytes` to `path.tmp` and renames it over `path`, so readers see the old or the new
/// file whole. No fsync: the status file lives on tmpfs (/run) and is rewritten often.
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(SystemCallError) {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemCallError("open \(temporary)") }
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
            let error = SystemCallError("write \(temporary)")
            close(fd)
            throw error
        }
        done += n
    }
    close(fd)
    guard rename(temporary, path) == 0 else { throw SystemCallError("rename \(temporary) to \(path)") }
}

/// Creates `path` and its missing parents (mode 0755).
func makeDirectories(_ path: String) throws(SystemCallError) {
    var current = ""
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST { throw SystemCallError("mkdir \(current)") }
    }
}

/// The directory part of an absolute path (`/run/mfs` for `/run/mfs/x.status`).
func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}

/// Seconds since 1970 with milliseconds, for status files and log lines (not for timers).
public func wallClockSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec / 1_000_000) / 1000
}

extension Duration {
    /// A `timespec` for ppoll, negative durations as zero.
    var timespecValue: timespec {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return timespec(tv_sec: 0, tv_nsec: 0) }
        return timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    }
}
