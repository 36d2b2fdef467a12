#if canImport(Glibc)
    import Glibc
#endif

/// Syslog severities, as journald reads them from a `<N>` prefix.
public enum LogLevel: Int, Comparable, Sendable {
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    var word: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// Where the announcer's log lines go.
public protocol AnnouncerLogSink: AnyObject {
    func log(_ level: LogLevel, _ message: String)
}

/// Standard error, one `write` per line. Under systemd (`JOURNAL_STREAM` set) each line starts
/// with `<N>` so journald records its priority; otherwise with the wall-clock time.
public final class StandardErrorLog: AnnouncerLogSink {
    let journald = getenv("JOURNAL_STREAM") != nil
    let minimumLevel: LogLevel

    public init(minimumLevel: LogLevel = .info) { self.minimumLevel = minimumLevel }

    public func log(_ level: LogLevel, _ message: String) {
        guard level <= minimumLevel else { return }
        var line: String
        if journald {
            line = "<\(level.rawValue)>\(message)\n"
        } else {
            let now = wallClockSeconds()
            let seconds = Int(now)
            let milliseconds = Int((now - Double(seconds)) * 1000)
            var time = time_t(seconds)
            var parts = tm()
            localtime_r(&time, &parts)
            let clock = [parts.tm_hour, parts.tm_min, parts.tm_sec].map { pad(Int($0), 2) }.joined(separator: ":")
            line = "\(clock).\(pad(milliseconds, 3)) mfsannouncer[\(getpid())] \(level.word): \(message)\n"
        }
        line.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
