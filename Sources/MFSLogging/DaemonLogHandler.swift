import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The daemons' log lines (mfsmaster, mfsmetalogger, mfschunkserver) on standard error, one
/// `write` per line so that threads never interleave within a line:
///
/// - under systemd (`JOURNAL_STREAM` set): `<N>label: key=value [source] message`, `N` the
///   syslog priority, which journald records (and stamps the time itself, to the microsecond);
/// - otherwise: `2026-12-06T13:30:54.123+0000 notice label: key=value [source] message`, the
///   local time to the millisecond, so that a failover can be followed across hosts' logs
///   (swift-log's `StreamLogHandler`, used before, gave whole seconds).
public struct DaemonLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider? = nil
    let label: String
    let journald: Bool

    public init(label: String, journald: Bool = getenv("JOURNAL_STREAM") != nil) {
        self.label = label
        self.journald = journald
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.line(
            level: event.level, label: label, metadata: merged(event.metadata), source: event.source, message: "\(event.message)",
            time: journald ? nil : Self.wallClock())
        line.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// The handler's metadata, the provider's, then the event's: the later wins a key.
    func merged(_ explicit: Logger.Metadata?) -> Logger.Metadata {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit { all.merge(explicit) { $1 } }
        return all
    }

    /// One line, newline included: starting with `time` (the local time), or with the syslog
    /// priority when `time` is nil (under journald). Pure, for the tests.
    static func line(
        level: Logger.Level, label: String, metadata: Logger.Metadata, source: String, message: String, time: String?
    ) -> String {
        let pairs = metadata.isEmpty ? "" : " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let body = "\(label):\(pairs) [\(source)] \(message)\n"
        guard let time else { return "<\(syslogPriority(level))>\(body)" }
        return "\(time) \(level) \(body)"
    }

    /// The syslog priority journald reads from a `<N>` prefix.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Now, local time: `2026-12-06T13:30:54.123+0000`.
    public static func wallClock() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let date = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        var zone = [CChar](repeating: 0, count: 8)
        let zoneLength = strftime(&zone, zone.count, "%z", &parts)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let fraction = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        let datePart = String(decoding: buffer[..<date].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let zonePart = String(decoding: zone[..<zoneLength].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(datePart).\(fraction)\(zonePart)"
    }
}
