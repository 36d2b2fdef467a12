/// Everything wrong in one file, in line order, so an operator can fix the file in one go.
/// Thrown by ``ConfigSchema/parse(_:file:)`` and ``Exports/parse(_:file:resolver:)``.
public struct ConfigErrors: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errors, in line order; at most ``ConfigLimits/maxReportedErrors``.
    public var errors: [ConfigError]
    /// How many further errors were found but not kept.
    public var omitted: Int

    public init(errors: [ConfigError], omitted: Int = 0) {
        self.errors = errors
        self.omitted = omitted
    }

    /// One error per line, as `FILE:LINE: message`, and a count of the omitted ones.
    public var description: String {
        var lines = errors.map(\.description)
        if omitted > 0 { lines.append("(and \(omitted) more errors)") }
        return lines.joined(separator: "\n")
    }
}

/// Gathers errors while a parser walks a file, keeping the first ``ConfigLimits/maxReportedErrors``.
struct ErrorCollector {
    private(set) var errors: [ConfigError] = []
    private(set) var omitted = 0

    mutating func add(_ error: ConfigError) {
        if errors.count < ConfigLimits.maxReportedErrors {
            errors.append(error)
        } else {
            omitted += 1
        }
    }

    func throwIfAny() throws(ConfigErrors) {
        if !errors.isEmpty { throw ConfigErrors(errors: errors, omitted: omitted) }
    }
}
