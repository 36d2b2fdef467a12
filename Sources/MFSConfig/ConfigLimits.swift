/// Named limits on configuration files, enforced by both parsers (daemon `.cfg` files and
/// `mfsexports.cfg`), so a wrong file given by mistake (a binary, a log) is refused quickly and
/// with a short report.
public enum ConfigLimits {
    /// The longest line, in bytes, not counting its terminator (`\n` or `\r\n`).
    public static let maxLineBytes = 4096

    /// The largest file, in bytes. A caller reading the file may stop after `maxFileBytes + 1`
    /// bytes: a longer file is refused as a whole without looking at its lines.
    public static let maxFileBytes = 1 << 20

    /// The most errors reported one by one; further errors are only counted, so a file that is
    /// nothing but errors still gives a report an operator can read.
    public static let maxReportedErrors = 100
}
