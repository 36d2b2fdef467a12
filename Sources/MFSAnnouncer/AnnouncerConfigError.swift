/// A configuration the announcer refuses: the file, the line of the key (nil when the problem is
/// a missing key or the file itself) and what is wrong. The daemon prints it and exits 1 before
/// it opens a socket or touches an address (DESIGN §1).
public struct AnnouncerConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, the form compilers use, so editors can jump to it.
    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
