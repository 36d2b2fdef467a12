/// One thing wrong in a configuration file. Every case names the file and line, and the
/// description reads `FILE:LINE: message` so an operator can jump straight to it.
///
/// Messages never repeat a password: option errors name the option, not its value.
public enum ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Any file

    /// The file is longer than ``ConfigLimits/maxFileBytes``; the location is the line on which
    /// the limit falls. Nothing in the file was used.
    case fileTooLarge(ConfigLocation, limit: Int)
    /// The line is longer than ``ConfigLimits/maxLineBytes`` bytes.
    case lineTooLong(ConfigLocation, length: Int, limit: Int)
    /// The line does not have the file's shape (`KEY = VALUE`, or `ADDRESS DIRECTORY [OPTIONS]`),
    /// is not UTF-8, or holds a control character.
    case malformedLine(ConfigLocation, reason: String)

    // MARK: Daemon configuration (`KEY = VALUE`)

    /// A key the daemon does not know, with the closest known key when one is near enough to be
    /// a typo.
    case unknownKey(ConfigLocation, key: String, suggestion: String?)
    /// A key set a second time (at this location); `firstLine` is where it was first set.
    case duplicateKey(ConfigLocation, key: String, firstLine: Int)
    /// A value that does not have the key's form; `expected` describes the form.
    case badValue(ConfigLocation, key: String, value: String, expected: String)
    /// A well-formed value outside the key's range; `range` is printable, as `1...24`.
    case outOfRange(ConfigLocation, key: String, value: String, range: String)

    // MARK: mfsexports.cfg

    /// The ADDRESS field is not `*`, `a.b.c.d`, `a.b.c.d/bits`, `a.b.c.d/m.m.m.m` or
    /// `a.b.c.d-e.f.g.h`, or its mask or range is wrong.
    case badAddress(ConfigLocation, address: String, reason: String)
    /// The DIRECTORY field is not `.`, `/` or an absolute path of valid names.
    case badDirectory(ConfigLocation, directory: String, reason: String)
    /// An unknown, repeated, conflicting or malformed option (named without its value).
    case badOption(ConfigLocation, option: String, reason: String)
    /// `mingoal=` or `maxgoal=` outside 1...9.
    case goalOutOfRange(ConfigLocation, option: String, value: String)
    /// `password=` with nothing after it.
    case emptyPassword(ConfigLocation)
    /// `md5pass=`, which the HMAC-SHA256 challenge cannot use (see ``passwordResponse(secretDigest:challenge:)``).
    case md5PasswordUnsupported(ConfigLocation)

    /// Where the problem is.
    public var location: ConfigLocation {
        switch self {
        case .fileTooLarge(let at, _), .lineTooLong(let at, _, _), .malformedLine(let at, _),
            .unknownKey(let at, _, _), .duplicateKey(let at, _, _), .badValue(let at, _, _, _),
            .outOfRange(let at, _, _, _), .badAddress(let at, _, _), .badDirectory(let at, _, _),
            .badOption(let at, _, _), .goalOutOfRange(let at, _, _), .emptyPassword(let at),
            .md5PasswordUnsupported(let at):
            return at
        }
    }

    /// What is wrong, without the location.
    public var message: String {
        switch self {
        case .fileTooLarge(_, let limit):
            return "file is larger than \(limit) bytes (the limit falls on this line); nothing in it was used"
        case .lineTooLong(_, let length, let limit):
            return "line is \(length) bytes long; the limit is \(limit)"
        case .malformedLine(_, let reason):
            return reason
        case .unknownKey(_, let key, let suggestion):
            let hint = suggestion.map { "; did you mean \($0)?" } ?? ""
            return "unknown key \(ConfigText.quoted(key))\(hint)"
        case .duplicateKey(_, let key, let firstLine):
            return "\(key) is set again; it was first set on line \(firstLine)"
        case .badValue(_, let key, let value, let expected):
            return "bad value \(ConfigText.quoted(value)) for \(key): expected \(expected)"
        case .outOfRange(_, let key, let value, let range):
            return "\(key) = \(ConfigText.quoted(value)) is out of range \(range)"
        case .badAddress(_, let address, let reason):
            return "bad address \(ConfigText.quoted(address)): \(reason)"
        case .badDirectory(_, let directory, let reason):
            return "bad directory \(ConfigText.quoted(directory)): \(reason)"
        case .badOption(_, let option, let reason):
            return "bad option \(ConfigText.quoted(option)): \(reason)"
        case .goalOutOfRange(_, let option, let value):
            return "\(option)=\(ConfigText.quoted(value)) is out of range 1...9"
        case .emptyPassword:
            return "password= is empty; give a password or remove the option"
        case .md5PasswordUnsupported:
            return "md5pass= is not supported: clients prove the password with HMAC-SHA256 keyed by "
                + "SHA-256(password), which an MD5 hash cannot give; write password=... instead"
        }
    }

    public var description: String { "\(location): \(message)" }
}
