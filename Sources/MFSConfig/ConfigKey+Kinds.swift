// The kinds of keys a daemon can declare. Each factory fixes the value's text form, so every
// daemon reads `0`/`1`, durations and sizes the same way.

extension ConfigKey where Value == Int {
    /// An integer in `range`: an optional `-` and decimal digits, no leading zeros.
    public static func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>, doc: String)
        -> ConfigKey<Int>
    {
        let rangeText = "\(range.lowerBound)...\(range.upperBound)"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "an integer in \(rangeText)",
            render: { String($0) },
            parse: { (text: Substring) throws(ValueProblem) -> Int in
                let value = try ValueSyntax.integer(text, range: rangeText)
                guard range.contains(value) else { throw .outOfRange(rangeText) }
                return value
            })
    }
}

extension ConfigKey where Value == Int {
    /// An integer in `range`, or MooseFS 3.0's form of `count` comma-separated integers (each in
    /// `range`) of which only the first counts here (`CHUNKS_WRITE_REP_LIMIT = 2,1,1,4`: MooseFS
    /// has one limit per replication class, the first for endangered chunks).
    public static func integerOrFirstOf(_ count: Int, _ name: String, default defaultValue: Int, range: ClosedRange<Int>, doc: String)
        -> ConfigKey<Int>
    {
        let rangeText = "\(range.lowerBound)...\(range.upperBound)"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "an integer in \(rangeText), or \(count) of them separated by commas (the first counts)",
            render: { String($0) },
            parse: { (text: Substring) throws(ValueProblem) -> Int in
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { ConfigText.trimmed($0) }
                guard parts.count == 1 || parts.count == count else { throw .bad("\(parts.count) values") }
                var values: [Int] = []
                for part in parts {
                    let value = try ValueSyntax.integer(part, range: rangeText)
                    guard range.contains(value) else { throw .outOfRange(rangeText) }
                    values.append(value)
                }
                return values[0]
            })
    }
}

extension ConfigKey where Value == UInt16 {
    /// A TCP port, 1...65535 (`MATOCL_LISTEN_PORT = 9421`). With `listening`, 0 is allowed
    /// too: the kernel picks a free port, which the daemon logs (for tests and benchmarks).
    public static func port(_ name: String, default defaultValue: UInt16, listening: Bool = false, doc: String) -> ConfigKey<UInt16> {
        let lowest = listening ? 0 : 1
        let rangeText = "\(lowest)...65535"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "a port number \(rangeText)" + (listening ? " (0: any free port, logged at start)" : ""),
            render: { String($0) },
            parse: { (text: Substring) throws(ValueProblem) -> UInt16 in
                let value = try ValueSyntax.integer(text, range: rangeText)
                guard (lowest...65535).contains(value) else { throw .outOfRange(rangeText) }
                return UInt16(value)
            })
    }
}

extension ConfigKey where Value == Bool {
    /// `0` or `1` as in MooseFS; `no` and `yes` (any case) are accepted too. Samples write 0/1.
    public static func boolean(_ name: String, default defaultValue: Bool, doc: String) -> ConfigKey<Bool> {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "0 or 1 (or no, yes)",
            render: ValueSyntax.render(_:), parse: ValueSyntax.boolean(_:))
    }
}

extension ConfigKey where Value == String {
    /// Any text, possibly empty (`AUTH_CODE =` means none). It cannot hold `#`, which always
    /// starts a comment, and it loses leading and trailing blanks.
    public static func string(_ name: String, default defaultValue: String, doc: String) -> ConfigKey<String> {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "text (without '#')",
            render: { $0 }, parse: { String($0) })
    }

    /// An absolute path. Relative paths are refused: a daemon under systemd runs in `/`, so a
    /// relative path would not mean what the operator expects.
    public static func path(_ name: String, default defaultValue: String, doc: String) -> ConfigKey<String> {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "an absolute path",
            render: { $0 },
            parse: { (text: Substring) throws(ValueProblem) -> String in
                guard text.first == "/" else { throw .bad("it does not start with /") }
                return String(text)
            })
    }

    /// A host name or IPv4 address (`MASTER_HOST = mfsmaster`). With `allowsWildcard`, `*`
    /// means any local address, as in MooseFS's `*_LISTEN_HOST` keys.
    public static func host(_ name: String, default defaultValue: String, allowsWildcard: Bool = false, doc: String)
        -> ConfigKey<String>
    {
        let expected = "a host name or IPv4 address" + (allowsWildcard ? ", or * for any address" : "")
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: expected, render: { $0 },
            parse: { (text: Substring) throws(ValueProblem) -> String in
                try HostPort.checkedHost(text, allowsWildcard: allowsWildcard)
            })
    }

    /// One of `choices`, spelled exactly (`PERSONALITY = follower`).
    public static func choice(_ name: String, among choices: [String], default defaultValue: String, doc: String)
        -> ConfigKey<String>
    {
        precondition(!choices.isEmpty, "choice key \(name) has no choices")
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "one of \(choices.joined(separator: ", "))", render: { $0 },
            parse: { (text: Substring) throws(ValueProblem) -> String in
                guard choices.contains(String(text)) else { throw .bad() }
                return String(text)
            })
    }
}

extension ConfigKey where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
    /// One of an enum's raw values, spelled exactly, read back as the enum.
    public static func choice(_ name: String, default defaultValue: Value, doc: String) -> ConfigKey<Value> {
        let names = Value.allCases.map(\.rawValue)
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "one of \(names.joined(separator: ", "))",
            render: { $0.rawValue },
            parse: { (text: Substring) throws(ValueProblem) -> Value in
                guard let value = Value(rawValue: String(text)) else { throw .bad() }
                return value
            })
    }
}

extension ConfigKey where Value == Duration {
    /// A duration in `range`: a whole number with a unit `ms`, `s`, `m`, `h` or `d`; a plain
    /// number is seconds, as in MooseFS (`SYNC_TIMEOUT = 1`), or hours with `plainHours` for a
    /// key MooseFS counts in hours (`METADATA_SAVE_FREQ = 1`). Samples write the largest exact
    /// unit (`1h`, `250ms`). The default and the range's bounds must be whole milliseconds.
    /// With `wholeSeconds` (a key MooseFS's wire or metadata carries in seconds) a value with a
    /// part of a second (`1500ms`) is refused, rather than cut to the second below.
    public static func duration(
        _ name: String, default defaultValue: Duration, range: ClosedRange<Duration>, plainHours: Bool = false,
        wholeSeconds: Bool = false, doc: String
    ) -> ConfigKey<Duration> {
        let rangeText = "\(ValueSyntax.render(range.lowerBound))...\(ValueSyntax.render(range.upperBound))"
        let plainUnit: Int64 = plainHours ? 3_600_000 : 1_000
        let units = wholeSeconds ? "a whole number of seconds, or with unit s, m, h or d" : "a whole number with unit ms, s, m, h or d"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "a duration in \(rangeText) (\(units); no unit: \(plainHours ? "hours" : "seconds"))",
            render: ValueSyntax.render(_:),
            parse: { (text: Substring) throws(ValueProblem) -> Duration in
                let value = try ValueSyntax.duration(text, range: rangeText, plainUnit: plainUnit)
                guard !wholeSeconds || value.components.attoseconds == 0 else { throw .bad("not a whole number of seconds") }
                guard range.contains(value) else { throw .outOfRange(rangeText) }
                return value
            })
    }
}

extension ConfigKey where Value == UInt64 {
    /// A byte count in `range`, as MooseFS 3.0 reads one (`DataSize`, so a MooseFS file means the
    /// same here): bytes with an optional fraction, a unit `k` … `E` (powers of 1000) or
    /// `Ki` … `Ei` (powers of 1024), and an optional `B` (`HDD_LEAVE_SPACE_DEFAULT =
    /// 256MiB`). Samples write the largest binary unit that divides exactly.
    public static func size(_ name: String, default defaultValue: UInt64, range: ClosedRange<UInt64>, doc: String)
        -> ConfigKey<UInt64>
    {
        let rangeText = "\(ValueSyntax.render(size: range.lowerBound))...\(ValueSyntax.render(size: range.upperBound))"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "a size in \(rangeText) (bytes, or with k, M, G, T, P, E: powers of 1000, or Ki … Ei: powers of 1024; "
                + "a fraction and a final B allowed)",
            render: { ValueSyntax.render(size: $0) },
            parse: { (text: Substring) throws(ValueProblem) -> UInt64 in
                let value = try ValueSyntax.size(text, range: rangeText)
                guard range.contains(value) else { throw .outOfRange(rangeText) }
                return value
            })
    }
}

extension ConfigKey where Value == HostPort {
    /// `host[:port]`; the port is optional (nil when not given).
    public static func hostPort(_ name: String, default defaultValue: HostPort, doc: String) -> ConfigKey<HostPort> {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "host[:port] (a host name or IPv4 address; port 1...65535)",
            render: { $0.description }, parse: HostPort.parse(_:))
    }
}

extension ConfigKey where Value == [HostPort] {
    /// A comma-separated list of `host[:port]`; an empty value is an empty list, or an error
    /// without `allowsEmpty` (`MASTER_HOST`: a metalogger needs a master to follow).
    public static func hostList(_ name: String, default defaultValue: [HostPort], allowsEmpty: Bool = true, doc: String)
        -> ConfigKey<[HostPort]>
    {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "a comma-separated list of host[:port], " + (allowsEmpty ? "possibly empty" : "at least one"),
            render: { $0.map(\.description).joined(separator: ",") },
            parse: { (text: Substring) throws(ValueProblem) -> [HostPort] in
                guard allowsEmpty || !text.isEmpty else { throw .bad("the list is empty") }
                return try list(text, HostPort.parse(_:))
            })
    }
}

extension ConfigKey where Value == [IPv4Prefix] {
    /// A comma-separated list of `a.b.c.d/len` (no `/len` means `/32`); an empty value is an
    /// empty list. For the announcer's `VIRTUAL_IPS`.
    public static func ipv4PrefixList(_ name: String, default defaultValue: [IPv4Prefix], doc: String)
        -> ConfigKey<[IPv4Prefix]>
    {
        ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc,
            expected: "a comma-separated list of a.b.c.d/len, possibly empty",
            render: { $0.map(\.description).joined(separator: ",") },
            parse: { (text: Substring) throws(ValueProblem) -> [IPv4Prefix] in try list(text, IPv4Prefix.parse(_:)) })
    }
}

/// Items separated by commas, each trimmed; nothing at all is an empty list, but an empty item
/// (`a,,b`, a trailing comma) is an error because it is usually a deleted entry's leftover.
private func list<Item>(_ text: Substring, _ item: (Substring) throws(ValueProblem) -> Item) throws(ValueProblem)
    -> [Item]
{
    if text.isEmpty { return [] }
    var items: [Item] = []
    for (index, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
        let trimmed = ConfigText.trimmed(part)
        guard !trimmed.isEmpty else { throw .bad("item \(index + 1) is empty") }
        do {
            items.append(try item(trimmed))
        } catch {
            throw .bad("item \(index + 1): \(error.detail ?? "bad form")")
        }
    }
    return items
}

extension ConfigKey where Value == Double {
    /// A decimal number in `range`: digits with an optional fraction (`HDD_TEST_SPEED = 1.0`,
    /// `0.25`, `10`), as MooseFS reads its floating-point keys; no sign, exponent or leading
    /// zeros before other digits. Samples and messages write at most 6 decimals.
    public static func decimal(_ name: String, default defaultValue: Double, range: ClosedRange<Double>, doc: String)
        -> ConfigKey<Double>
    {
        let rangeText = "\(ValueSyntax.render(decimal: range.lowerBound))...\(ValueSyntax.render(decimal: range.upperBound))"
        return ConfigKey(
            name: name, defaultValue: defaultValue, doc: doc, expected: "a decimal number in \(rangeText) (like 1.5)",
            render: { ValueSyntax.render(decimal: $0) },
            parse: { (text: Substring) throws(ValueProblem) -> Double in
                let value = try ValueSyntax.decimal(text)
                guard range.contains(value) else { throw .outOfRange(rangeText) }
                return value
            })
    }
}
