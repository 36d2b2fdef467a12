import MFSCore

/// The text forms of scalar values in daemon configuration files, and how defaults are written
/// back into sample files (always in a form these parsers accept).
enum ValueSyntax {
    // MARK: Integers

    /// An optional `-` and decimal digits (`NICE_LEVEL = -19`). Numbers too large for `Int`
    /// are out of range rather than malformed. Leading zeros are refused: MooseFS writes
    /// `FILE_UMASK = 027` in octal, and reading such a value as decimal would be silently wrong.
    static func integer(_ text: Substring, range: String) throws(ValueProblem) -> Int {
        let digits = text.first == "-" ? text.dropFirst() : text
        guard ConfigText.isDigits(digits) else { throw .bad() }
        guard digits.utf8.count == 1 || digits.utf8.first != UInt8(ascii: "0") else {
            throw .bad("leading zero (octal or decimal?)")
        }
        guard let value = Int(text) else { throw .outOfRange(range) }
        return value
    }

    // MARK: Booleans

    /// `0` and `1` as in MooseFS, plus `no` and `yes` in any case. `true`/`false` and `on`/`off`
    /// are not accepted, so there is one obvious spelling to grep for.
    static func boolean(_ text: Substring) throws(ValueProblem) -> Bool {
        switch text.lowercased() {
        case "1", "yes": return true
        case "0", "no": return false
        default: throw .bad()
        }
    }

    static func render(_ value: Bool) -> String { value ? "1" : "0" }

    // MARK: Durations

    /// Units a duration may carry, largest first (rendering picks the largest exact one).
    private static let durationUnits: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// A whole number with an optional unit: `ms`, `s`, `m`, `h` or `d`, in any case. A plain
    /// number is in `plainUnit` milliseconds: seconds, as every MooseFS timeout is
    /// (`SYNC_TIMEOUT = 1`), unless the key keeps another MooseFS unit (`METADATA_SAVE_FREQ` is
    /// in hours). Fractions are not accepted: write `1500ms` rather than `1.5`.
    static func duration(_ text: Substring, range: String, plainUnit: Int64 = 1_000) throws(ValueProblem) -> Duration {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let written = text[digits.endIndex...]
        let suffix = written.lowercased()
        guard !digits.isEmpty else { throw .bad() }
        let unit: Int64
        if suffix.isEmpty {
            unit = plainUnit
        } else if let match = durationUnits.first(where: { $0.suffix == suffix }) {
            unit = match.milliseconds
        } else {
            throw .bad("unknown unit \(ConfigText.quoted(written))")
        }
        guard let count = Int64(digits) else { throw .outOfRange(range) }
        let (milliseconds, overflow) = count.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw .outOfRange(range) }
        return .milliseconds(milliseconds)
    }

    /// Whole milliseconds in `duration`; nil if it has a finer part (which no file can express).
    static func milliseconds(_ duration: Duration) -> Int64? {
        let (seconds, attoseconds) = duration.components
        guard attoseconds % 1_000_000_000_000_000 == 0 else { return nil }
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000)
        return overflow ? nil : whole + attoseconds / 1_000_000_000_000_000
    }

    /// `1h`, `90s`, `250ms`: the largest unit that divides exactly.
    static func render(_ duration: Duration) -> String {
        guard let milliseconds = milliseconds(duration) else {
            preconditionFailure("duration \(duration) is not a whole number of milliseconds")
        }
        if milliseconds == 0 { return "0s" }
        let unit = durationUnits.first { milliseconds % $0.milliseconds == 0 }!
        return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
    }

    // MARK: Sizes

    /// Binary multipliers, largest first.
    private static let sizeUnits: [(letter: String, bytes: UInt64)] = [
        ("t", 1 << 40), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10),
    ]

    /// A size as MooseFS 3.0 reads one (`DataSize`): `256MiB`, `1.5G` (10^9 bytes), `4096`.
    static func size(_ text: Substring, range: String) throws(ValueProblem) -> UInt64 {
        guard let value = DataSize.value(text) else { throw .bad() }
        guard value < 18_446_744_073_709_551_616.0 else { throw .outOfRange(range) }
        return UInt64(value.rounded())
    }

    /// `256MiB`, `4GiB`, `1000`: the largest binary unit that divides exactly.
    static func render(size bytes: UInt64) -> String {
        guard bytes != 0, let unit = sizeUnits.first(where: { bytes % $0.bytes == 0 }) else { return "\(bytes)" }
        return "\(bytes / unit.bytes)\(unit.letter.uppercased())iB"
    }

    // MARK: Decimals

    /// Digits with an optional `.` and fraction digits (`1.0`, `0.25`, `10`). A sign, an
    /// exponent, a bare `.5` or `5.` and leading zeros (`01.5`) are refused, so every value has
    /// one plain spelling.
    static func decimal(_ text: Substring) throws(ValueProblem) -> Double {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.allSatisfy(ConfigText.isDigits), let whole = parts.first else { throw .bad() }
        guard whole.utf8.count == 1 || whole.utf8.first != UInt8(ascii: "0") else { throw .bad("leading zero") }
        guard parts[0].utf8.count <= 15, parts.count == 1 || parts[1].utf8.count <= 9 else { throw .bad("too many digits") }
        guard let value = Double(text) else { throw .bad() }
        return value
    }

    /// A decimal as `decimal(_:)` reads it back: at least one fraction digit, at most 6.
    static func render(decimal value: Double) -> String {
        let scaled = (value * 1_000_000).rounded()
        let whole = Int64(scaled / 1_000_000)
        var fraction = String(Int64(scaled) % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.count > 1 && fraction.last == "0" { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
