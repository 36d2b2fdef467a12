import MFSCore

/// Why a changelog line did not parse. Columns are 1-based byte offsets in the line (what an
/// editor shows for ASCII text); argument indexes are 1-based too. The messages say what was
/// expected; the caller adds the file name and line number.
public enum ChangelogParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line (without its `\n`) is longer than `ChangelogLimits.maxLineLength`.
    case lineTooLong(length: Int, limit: Int)
    /// The line does not start with a digit (an empty line, or not a changelog line at all).
    case missingVersion
    /// The version is not a decimal UInt64 without leading zeros directly followed by `:`.
    case badVersion(column: Int)
    /// `": "` and a digit do not follow the version.
    case missingTime
    /// The time is not a decimal UInt32 without leading zeros directly followed by `|`.
    case badTime(column: Int)
    /// The text after the time does not start with a known operation name; carries what was
    /// found (non-printable bytes as `%XX`, at most 40 bytes).
    case unknownOperation(String)
    /// A known operation name not directly followed by `(`.
    case missingArguments(ChangelogOperation)
    /// The line ends before the `)` that closes the arguments.
    case unterminatedArguments(ChangelogOperation)
    case wrongArgumentCount(op: ChangelogOperation, expected: Int, found: Int)
    /// Argument `index` (1-based) of `op` is not valid.
    case badArgument(op: ChangelogOperation, index: Int, reason: ArgumentProblem)
    /// A `%` at `column` not followed by two hex digits.
    case badEscape(column: Int)
    /// The operation has a result, but no `:result` follows its arguments.
    case missingResult(ChangelogOperation)
    /// The operation has no result, but `:` follows its arguments.
    case unexpectedResult(ChangelogOperation)
    /// The result after `:` is not a decimal UInt64 without leading zeros.
    case badResult(op: ChangelogOperation, column: Int)
    /// A `|` after the operation that does not start a valid `|r=SESSION.REQUEST`.
    case badRequestTag(column: Int)
    /// Bytes after the end of a complete record (for example a `\r`: lines end in `\n` only).
    case trailingBytes(column: Int)

    /// What is wrong with one argument.
    public enum ArgumentProblem: Equatable, Sendable, CustomStringConvertible {
        /// A number was expected and the argument is empty.
        case empty
        /// A character other than a decimal digit (signs included).
        case notDecimal
        /// Numbers are written without leading zeros, so every value has exactly one form.
        case leadingZero
        /// The number is larger than the field holds.
        case outOfRange(max: UInt64)
        /// Not one of the node type letters `f d l q s b c`.
        case badNodeType
        /// A flag must be `0` or `1`.
        case notBoolean
        /// A lock kind is one of the letters `R`, `W` and `U`.
        case badLockKind
        /// A metaid is exactly 16 lowercase hex digits.
        case badMetaID
        /// A raw byte that the format escapes (below 32, above 126, or `(`).
        case unescapedByte(UInt8)
        /// A name cannot be empty.
        case emptyName
        /// A name cannot be `.` or `..`.
        case dotName
        /// Names cannot contain `/`.
        case containsSlash
        /// Names and symlink targets cannot contain NUL.
        case containsNUL
        /// The decoded byte string is longer than its limit.
        case tooLong(length: Int, limit: Int)
        /// A member id is exactly 16 lowercase hex digits.
        case badMemberID
        /// Member `position` (1-based) of a voter list is not `ID:KIND` (16 lowercase hex
        /// digits and `:`).
        case badMember(position: Int)
        /// Member `position`'s kind is not `m` (master) or `l` (metalogger).
        case badMemberKind(position: Int)
        /// Member `position`'s id is not above the one before it: ids are unique and ascending,
        /// so a voter set has exactly one form.
        case membersNotAscending(position: Int)
        /// More members than `ChangelogLimits.maxVoters`.
        case tooManyMembers(count: Int, limit: Int)

        public var description: String {
            switch self {
            case .empty: "is empty, expected a decimal number"
            case .notDecimal: "is not a decimal number (digits 0-9 only, no sign)"
            case .leadingZero: "has a leading zero (numbers are written without them)"
            case .outOfRange(let max): "is larger than \(max), the largest value it can hold"
            case .badNodeType: "is not a node type (one of the letters f d l q s b c)"
            case .notBoolean: "must be 0 or 1"
            case .badLockKind: "is not a lock kind (R read, W write or U unlock)"
            case .badMetaID: "is not a metaid (exactly 16 lowercase hex digits)"
            case .unescapedByte(let byte): "contains byte \(hexByte(byte)) unescaped (it must be written %\(hexDigits(byte)))"
            case .emptyName: "is an empty name"
            case .dotName: "is `.` or `..`, which cannot be a name"
            case .containsSlash: "contains `/` (%2F), which names cannot"
            case .containsNUL: "contains NUL (%00)"
            case .tooLong(let length, let limit): "is \(length) bytes long, more than the limit of \(limit)"
            case .badMemberID: "is not a member id (exactly 16 lowercase hex digits)"
            case .badMember(let position):
                "has member \(position) not written ID:KIND (16 lowercase hex digits, `:`, `m` or `l`; members joined by `.`)"
            case .badMemberKind(let position): "has member \(position) of a kind other than `m` (master) or `l` (metalogger)"
            case .membersNotAscending(let position):
                "has member \(position) whose id is not above the one before it (ids are unique and ascending)"
            case .tooManyMembers(let count, let limit): "lists \(count) members, more than the limit of \(limit)"
            }
        }
    }

    public var description: String {
        switch self {
        case .lineTooLong(let length, let limit):
            "line is \(length) bytes long, more than the limit of \(limit) (corrupt, or not a changelog)"
        case .missingVersion:
            "line does not start with a version number (expected `VERSION: TIME|OP(ARGS)`)"
        case .badVersion(let column):
            "bad version at column \(column): expected a decimal number below 2^64 without leading zeros, then `: `"
        case .missingTime:
            "missing time: expected `: ` and a decimal number after the version"
        case .badTime(let column):
            "bad time at column \(column): expected a decimal number below 2^32 without leading zeros, then `|`"
        case .unknownOperation(let found):
            "unknown operation `\(found)` (a newer format, or a corrupt line)"
        case .missingArguments(let op):
            "\(op) is not followed by `(`"
        case .unterminatedArguments(let op):
            "\(op) arguments have no closing `)` (a torn or corrupt line)"
        case .wrongArgumentCount(let op, let expected, let found):
            "\(op) takes \(expected) argument\(expected == 1 ? "" : "s") (\(op.argumentNames.joined(separator: ","))), found \(found)"
        case .badArgument(let op, let index, let reason):
            "\(op) argument \(index)\(Self.argumentName(op, index)) \(reason)"
        case .badEscape(let column):
            "bad escape at column \(column): `%` must be followed by two hex digits"
        case .missingResult(let op):
            "\(op) must be followed by `:RESULT`"
        case .unexpectedResult(let op):
            "\(op) has no result, but `:` follows its arguments"
        case .badResult(let op, let column):
            "bad \(op) result at column \(column): expected a decimal number below 2^64 without leading zeros"
        case .badRequestTag(let column):
            "bad request tag at column \(column): expected `|r=SESSION.REQUEST` (decimal numbers) at the end of the line"
        case .trailingBytes(let column):
            "unexpected bytes from column \(column) after the end of the record"
        }
    }

    private static func argumentName(_ op: ChangelogOperation, _ index: Int) -> String {
        let names = op.argumentNames
        return names.indices.contains(index - 1) ? " (\(names[index - 1]))" : ""
    }
}

/// `0x2F`, for messages.
private func hexByte(_ byte: UInt8) -> String { "0x" + hexDigits(byte) }

/// Two uppercase hex digits, as the escapes use.
private func hexDigits(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
}
