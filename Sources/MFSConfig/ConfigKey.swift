/// A typed configuration key: its name, default, the form and range of its values and a
/// one-line description. Daemons declare their keys as constants and read values through them,
/// so a value always comes back with the key's type:
///
/// ```swift
/// enum MasterConfig {
///     static let metadataSaveFreq = ConfigKey.integer(
///         "METADATA_SAVE_FREQ", default: 1, range: 1...24, doc: "Hours between metadata dumps.")
///     static let schema = ConfigSchema(metadataSaveFreq)
/// }
/// let hours: Int = try MasterConfig.schema.parse(text, file: path)[MasterConfig.metadataSaveFreq]
/// ```
///
/// The factories (``integer(_:default:range:doc:)`` and the others) are in `ConfigKey+Kinds.swift`.
public struct ConfigKey<Value: Sendable & Equatable>: SchemaKey {
    public let name: String
    /// The value used when the file does not set the key.
    public let defaultValue: Value
    public let doc: String
    public let erased: ErasedConfigKey

    /// A key of a custom kind: `expected` describes the accepted form for messages and samples,
    /// `render` writes a value in a form `parse` accepts (used for the sample file's default).
    init(
        name: String, defaultValue: Value, doc: String, expected: String,
        render: @escaping @Sendable (Value) -> String,
        parse: @escaping @Sendable (Substring) throws(ValueProblem) -> Value
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.doc = doc
        erased = ErasedConfigKey(
            name: name, doc: doc, expected: expected, defaultText: render(defaultValue),
            parse: { (text: Substring) throws(ValueProblem) -> any Sendable in try parse(text) },
            isDefault: { ($0 as? Value) == defaultValue })
    }
}

/// Any ``ConfigKey``, whatever its value type, so one schema can list keys of different types.
public protocol SchemaKey: Sendable {
    /// The key as written in the file: uppercase letters, digits and `_`.
    var name: String { get }
    /// The key without its value type, as the schema parser uses it.
    var erased: ErasedConfigKey { get }
}

/// A key without its value type: what the schema parser and the sample renderer work with.
public struct ErasedConfigKey: Sendable {
    public let name: String
    /// One line saying what the key is for.
    public let doc: String
    /// The accepted form and range, as in "an integer in 1...24".
    public let expected: String
    /// The default as written in a file.
    public let defaultText: String
    let parse: @Sendable (Substring) throws(ValueProblem) -> any Sendable
    let isDefault: @Sendable (any Sendable) -> Bool
}
