#if canImport(Glibc)
    import Glibc
#endif

/// Writes a message to standard error (file descriptor 2) unbuffered, as daemons and tools log.
public func printError(_ message: String) {
    var text = message
    text.withUTF8 { buffer in
        var done = 0
        while done < buffer.count {
            let n = write(STDERR_FILENO, buffer.baseAddress! + done, buffer.count - done)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }
}
