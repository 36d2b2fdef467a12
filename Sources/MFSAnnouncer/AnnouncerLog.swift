import MFSLogging

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

/// Standard error, one `write` per line, in the daemons' format (`DaemonLogHandler`): under
/// systemd (`JOURNAL_STREAM` set) each line starts with `<N>` so journald records its priority;
/// otherwise with the local time to the millisecond, as the master's lines do, so a failover can
/// be followed across both logs.
public final class StandardErrorLog: AnnouncerLogSink {
    let journald = getenv("JOURNAL_STREAM") != nil
    let minimumLevel: LogLevel

    public init(minimumLevel: LogLevel = .info) { self.minimumLevel = minimumLevel }

    public func log(_ level: LogLevel, _ message: String) {
        guard level <= minimumLevel else { return }
        var line = Self.line(level, message, time: journald ? nil : DaemonLogHandler.wallClock())
        line.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// One line, newline included: `time level mfsannouncer: message`, or `<N>mfsannouncer:
    /// message` when `time` is nil (under journald). Pure, for the tests.
    static func line(_ level: LogLevel, _ message: String, time: String?) -> String {
        guard let time else { return "<\(level.rawValue)>mfsannouncer: \(message)\n" }
        return "\(time) \(level.word) mfsannouncer: \(message)\n"
    }
}
