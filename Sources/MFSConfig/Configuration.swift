/// A parsed daemon configuration: the values the file set, and the defaults for the rest.
/// Read values through the daemon's typed keys: `config[MasterConfig.dataPath]`.
public struct Configuration: Sendable {
    /// The file the values came from, for messages such as "DATA_PATH (mfsmaster.cfg:4) ...".
    public let file: String
    private let schemaNames: Set<String>
    private let values: [String: any Sendable]
    private let lines: [String: Int]
    /// The settings of keys the schema accepts and does not use, in line order.
    public let ignored: [IgnoredSetting]

    init(file: String, schemaNames: Set<String>, values: [String: any Sendable], lines: [String: Int], ignored: [IgnoredSetting] = []) {
        self.file = file
        self.schemaNames = schemaNames
        self.values = values
        self.lines = lines
        self.ignored = ignored
    }

    /// The value the file set for `key`, or the key's default. Asking for a key that is not in
    /// the schema this configuration was parsed with is a programmer error and traps.
    public subscript<Value>(key: ConfigKey<Value>) -> Value {
        precondition(schemaNames.contains(key.name), "config key \(key.name) is not in the schema \(file) was parsed with")
        guard let stored = values[key.name] else { return key.defaultValue }
        guard let value = stored as? Value else {
            preconditionFailure("config key \(key.name) was declared with another value type than \(Value.self)")
        }
        return value
    }

    /// Whether the file set `key` (even to its default value).
    public func isSet(_ key: some SchemaKey) -> Bool { lines[key.name] != nil }

    /// Where the file set `key`, so a later check (a missing directory, say) can name the line.
    public func location(of key: some SchemaKey) -> ConfigLocation? {
        lines[key.name].map { ConfigLocation(file: file, line: $0) }
    }

    /// The names of the keys the file set, sorted.
    public var setKeys: [String] { lines.keys.sorted() }
}

/// A line setting a key the daemon accepts and does not use (one of MooseFS's), for the notice
/// the daemon logs at start.
public struct IgnoredSetting: Hashable, Sendable, CustomStringConvertible {
    public var location: ConfigLocation
    public var key: String
    public var value: String
    /// Why the daemon does without the key.
    public var reason: String

    public var description: String { "\(location): \(key) = \(value) is accepted and not used: \(reason)" }
}
