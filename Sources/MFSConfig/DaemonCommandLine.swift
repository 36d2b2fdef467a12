/// The command line `mfsmaster` and `mfsmetalogger` share: `-c FILE`, `-d`/`--debug`,
/// `--sample`, `-h`/`--help`, and a trailing `start` or `-f` for MooseFS habits (always in the
/// foreground). Each daemon's own flags go to the `own` closure of `parse`.
public struct DaemonCommandLine: Sendable {
    /// `-c FILE`; nil for the daemon's default file.
    public var configPath: String?
    public var debug = false
    public var sample = false

    /// A usage error; its message is empty when help was asked for.
    public struct Usage: Error, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    public init() {}

    /// Parses `arguments` (without the program name). `own` takes a daemon's own flag and
    /// returns false when it does not know the argument either.
    public static func parse(_ arguments: [String], own: (String) -> Bool = { _ in false }) -> Result<DaemonCommandLine, Usage> {
        var options = DaemonCommandLine()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "-c":
                guard let path = rest.popFirst() else { return .failure(Usage(message: "-c needs a file")) }
                options.configPath = path
            case "-d", "--debug": options.debug = true
            case "-f", "start": break  // MooseFS habits: always in the foreground
            case "--sample": options.sample = true
            case "-h", "--help": return .failure(Usage(message: ""))
            default: if !own(argument) { return .failure(Usage(message: "unknown argument '\(argument)'")) }
            }
        }
        return .success(options)
    }
}

/// A configuration file that is missing or does not parse.
public struct ConfigLoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ConfigSchema {
    /// Reads a daemon's configuration: `path` (`-c FILE`) must exist; the default file may be
    /// missing (all defaults then, and `file` is nil), as with MooseFS. `read` returns a file's
    /// bytes, nil when there is no such file (this module does no I/O).
    public func load(_ path: String?, defaultPath: String, read: (String) throws -> [UInt8]?) throws(ConfigLoadError) -> (
        configuration: Configuration, file: String?
    ) {
        let file = path ?? defaultPath
        let bytes: [UInt8]?
        do { bytes = try read(file) } catch { throw ConfigLoadError("cannot read \(file): \(error)") }
        guard let bytes else {
            if path != nil { throw ConfigLoadError("cannot read \(file): no such file") }
            return (defaults, nil)
        }
        do throws(ConfigErrors) { return (try parse(bytes: bytes, file: file), file) } catch { throw ConfigLoadError(error.description) }
    }
}
