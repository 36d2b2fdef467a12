/// The keys one daemon accepts. Parses that daemon's `KEY = VALUE` file (MooseFS form) into a
/// ``Configuration`` and renders the documented sample file.
///
/// File rules: one `KEY = VALUE` per line; `#` starts a comment anywhere (so values cannot hold
/// `#`); blank lines are ignored; blanks around the key and value are dropped; keys are
/// uppercase letters, digits and `_`; the value is everything after the first `=`. A key not in
/// the schema, a key set twice, a line of another shape, or a value of the wrong form or range
/// is an error. Parsing goes on past errors and reports them all, in line order. A key of
/// ``unusedKeys`` (one MooseFS's daemon reads and this one has no use for) is accepted whatever
/// its value and listed in ``Configuration/ignored``, so the daemon can log a notice for it.
public struct ConfigSchema: Sendable {
    /// The keys, in declaration order (the sample file's order).
    public let keys: [ErasedConfigKey]
    /// Keys accepted and not used: name → why this daemon does without it.
    public let unusedKeys: [String: String]
    private let index: [String: Int]

    /// Checks the declaration: names unique and well formed, docs one line, and each default
    /// written back as text parses to itself (so the sample file is valid). A wrong declaration
    /// is a programmer error and traps.
    public init(keys: [any SchemaKey], unused unusedKeys: [String: String] = [:]) {
        var index: [String: Int] = [:]
        for (position, key) in keys.enumerated() {
            let erased = key.erased
            precondition(ConfigSchema.isKeyName(erased.name[...]), "config key \(erased.name) is not UPPER_CASE")
            precondition(index.updateValue(position, forKey: erased.name) == nil, "config key \(erased.name) declared twice")
            precondition(!erased.doc.isEmpty && !erased.doc.contains("\n"), "config key \(erased.name) needs a one-line doc")
            precondition(
                !erased.defaultText.contains("#") && !erased.defaultText.contains("\n"),
                "config key \(erased.name): default \(erased.defaultText) cannot be written in a file")
            let trimmed = ConfigText.trimmed(erased.defaultText[...])
            let reparsed = try? erased.parse(trimmed)
            precondition(
                reparsed.map(erased.isDefault) == true,
                "config key \(erased.name): default \(erased.defaultText) does not parse back to itself")
        }
        for (name, reason) in unusedKeys {
            precondition(ConfigSchema.isKeyName(name[...]) && index[name] == nil, "unused config key \(name) is not a free key name")
            precondition(!reason.isEmpty, "unused config key \(name) needs a reason")
        }
        self.keys = keys.map(\.erased)
        self.unusedKeys = unusedKeys
        self.index = index
    }

    public init(_ keys: any SchemaKey...) { self.init(keys: keys) }

    /// A configuration with every key at its default, as if the file were empty.
    public var defaults: Configuration {
        Configuration(file: "(defaults)", schemaNames: Set(index.keys), values: [:], lines: [:])
    }

    /// Parses a file's text. `file` names it in errors (pass the path that was read).
    public func parse(_ text: String, file: String) throws(ConfigErrors) -> Configuration {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses a file's bytes, which must be UTF-8 and at most ``ConfigLimits/maxFileBytes``.
    public func parse(bytes: [UInt8], file: String) throws(ConfigErrors) -> Configuration {
        var errors = ErrorCollector()
        var values: [String: any Sendable] = [:]
        var lines: [String: Int] = [:]
        var ignored: [IgnoredSetting] = []
        SourceText.forEachLine(in: bytes, file: file, errors: &errors) { line, errors in
            guard let (name, value) = assignment(line, errors: &errors) else { return }
            if let reason = unusedKeys[name] {
                if let first = ignored.first(where: { $0.key == name }) {
                    errors.add(.duplicateKey(line.location, key: name, firstLine: first.location.line))
                } else {
                    ignored.append(IgnoredSetting(location: line.location, key: name, value: String(value), reason: reason))
                }
                return
            }
            guard let key = known(name, at: line.location, errors: &errors) else { return }
            if let first = lines[name] {
                errors.add(.duplicateKey(line.location, key: name, firstLine: first))
                return
            }
            lines[name] = line.location.line
            do throws(ValueProblem) {
                values[name] = try key.parse(value)
            } catch {
                errors.add(ConfigSchema.valueError(error, key: key, value: value, at: line.location))
            }
        }
        try errors.throwIfAny()
        return Configuration(file: file, schemaNames: Set(index.keys), values: values, lines: lines, ignored: ignored)
    }

    /// The line split into key and value, or nil after reporting why it is not `KEY = VALUE`.
    private func assignment(_ line: SourceLine, errors: inout ErrorCollector) -> (String, Substring)? {
        guard let equals = line.text.firstIndex(of: "=") else {
            errors.add(.malformedLine(line.location, reason: "expected KEY = VALUE"))
            return nil
        }
        let name = ConfigText.trimmed(line.text[..<equals])
        let value = ConfigText.trimmed(line.text[line.text.index(after: equals)...])
        guard !name.isEmpty else {
            errors.add(.malformedLine(line.location, reason: "expected KEY = VALUE; the key is missing"))
            return nil
        }
        guard ConfigSchema.isKeyName(name) else {
            let upper = name.uppercased()
            let hint = ConfigSchema.isKeyName(upper[...]) ? " (write \(upper))" : ""
            let reason = "key \(ConfigText.quoted(name)) is not uppercase letters, digits and '_'\(hint)"
            errors.add(.malformedLine(line.location, reason: reason))
            return nil
        }
        return (String(name), value)
    }

    private func known(_ name: String, at location: ConfigLocation, errors: inout ErrorCollector) -> ErasedConfigKey? {
        if let position = index[name] { return keys[position] }
        let suggestion = Suggestion.closest(to: name, among: keys.map(\.name) + unusedKeys.keys.sorted())
        errors.add(.unknownKey(location, key: name, suggestion: suggestion))
        return nil
    }

    private static func valueError(_ problem: ValueProblem, key: ErasedConfigKey, value: Substring, at: ConfigLocation)
        -> ConfigError
    {
        switch problem.kind {
        case .outOfRange:
            return .outOfRange(at, key: key.name, value: String(value), range: problem.detail ?? "")
        case .bad:
            let expected = key.expected + (problem.detail.map { " (\($0))" } ?? "")
            return .badValue(at, key: key.name, value: String(value), expected: expected)
        }
    }

    /// Uppercase ASCII letters, digits and `_`, at least one.
    static func isKeyName(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
    }
}
