/// Why a value could not be used, as value parsers report it; the schema parser turns it into
/// a ``ConfigError`` that names the key and line.
struct ValueProblem: Error, Equatable {
    enum Kind: Equatable {
        /// The value does not have the expected form; `detail` may say which part is wrong.
        case bad
        /// The value has the right form but lies outside `detail`, a printable range.
        case outOfRange
    }

    var kind: Kind
    var detail: String?

    static func bad(_ detail: String? = nil) -> ValueProblem { ValueProblem(kind: .bad, detail: detail) }
    static func outOfRange(_ range: String) -> ValueProblem { ValueProblem(kind: .outOfRange, detail: range) }
}
