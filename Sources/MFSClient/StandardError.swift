#if canImport(Glibc)
    import Glibc
#endif

/// Writes text to standard error unbuffered, so messages from tools keep their order with
/// whatever the process writes next.
public func writeStandardError(_ text: String) {
    var text = text
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
