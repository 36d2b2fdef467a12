/// A line in a configuration file, printed as `FILE:LINE` so editors and terminals can jump to
/// it.
public struct ConfigLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name as the caller gave it (usually the path it read).
    public var file: String
    /// The line number, counting from 1.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
