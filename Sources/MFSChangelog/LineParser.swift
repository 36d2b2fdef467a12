import MFSCore

/// A single forward pass over one changelog line's bytes. Every read is checked against the
/// line's end: lines come from disk or peers and may be torn or corrupt, and bad input must
/// become a `ChangelogParseError`, never a trap.
struct LineParser {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var index = 0
    /// The operation whose arguments are being read, and the 1-based number of the current one.
    private var op = ChangelogOperation.idle
    private var argument = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// The 1-based column of the next byte.
    var column: Int { index + 1 }
    var isAtEnd: Bool { index >= count }

    @inline(__always)
    private func isNext(_ byte: UInt8) -> Bool { index < count && base[index] == byte }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        guard isNext(byte) else { return false }
        index += 1
        return true
    }

    /// A decimal number as the format writes them.
    enum Number {
        case value(UInt64)
        case empty
        case leadingZero
        case outOfRange
    }

    /// Reads a run of digits (stopping at the first non-digit) as a number no larger than `max`.
    @inline(__always)
    mutating func number(max: UInt64) -> Number {
        let start = index
        var value: UInt64 = 0
        var overflow = false
        while index < count {
            let digit = base[index] &- UInt8(ascii: "0")
            if digit > 9 { break }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            value = sum
            overflow = overflow || o1 || o2
            index += 1
        }
        if index == start { return .empty }
        if base[start] == UInt8(ascii: "0") && index - start > 1 { return .leadingZero }
        if overflow || value > max { return .outOfRange }
        return .value(value)
    }

    // MARK: - Line structure

    /// `VERSION:`
    mutating func version() throws(ChangelogParseError) -> UInt64 {
        guard index < count, base[index] &- UInt8(ascii: "0") <= 9 else { throw .missingVersion }
        guard case .value(let version) = number(max: .max) else { throw .badVersion(column: 1) }
        guard consume(UInt8(ascii: ":")) else { throw .badVersion(column: column) }
        return version
    }

    /// ` TIME|`
    mutating func time() throws(ChangelogParseError) -> UInt32 {
        guard consume(UInt8(ascii: " ")), index < count, base[index] &- UInt8(ascii: "0") <= 9 else {
            throw .missingTime
        }
        let start = column
        guard case .value(let time) = number(max: UInt64(UInt32.max)) else { throw .badTime(column: start) }
        guard consume(UInt8(ascii: "|")) else { throw .badTime(column: column) }
        return UInt32(truncatingIfNeeded: time)
    }

    /// `OP(`: the operation name (a run of capital letters) and the opening parenthesis.
    mutating func operation() throws(ChangelogParseError) -> ChangelogOperation {
        let start = index
        while index < count, base[index] &- UInt8(ascii: "A") < 26, index - start < 16 { index += 1 }
        guard let op = ChangelogOperation.lookup(base + start, count: index - start) else {
            var end = start
            while end < count, base[end] != UInt8(ascii: "(") { end += 1 }
            throw .unknownOperation(NameEscaping.printable(UnsafeBufferPointer(start: base + start, count: end - start)))
        }
        guard consume(UInt8(ascii: "(")) else { throw .missingArguments(op) }
        self.op = op
        argument = 0
        return op
    }

    /// `:RESULT`, which operations with a result must have and the others must not.
    mutating func result(of op: ChangelogOperation) throws(ChangelogParseError) -> UInt64? {
        guard consume(UInt8(ascii: ":")) else {
            if op.hasResult { throw .missingResult(op) }
            return nil
        }
        guard op.hasResult else { throw .unexpectedResult(op) }
        let start = column
        guard case .value(let result) = number(max: .max) else { throw .badResult(op: op, column: start) }
        return result
    }

    /// `|r=SESSION.REQUEST`, if present.
    mutating func requestTag() throws(ChangelogParseError) -> RequestTag? {
        let start = column
        guard consume(UInt8(ascii: "|")) else { return nil }
        guard consume(UInt8(ascii: "r")), consume(UInt8(ascii: "=")),
            case .value(let session) = number(max: UInt64(UInt32.max)), consume(UInt8(ascii: ".")),
            case .value(let request) = number(max: .max)
        else { throw .badRequestTag(column: start) }
        return RequestTag(session: SessionID(UInt32(truncatingIfNeeded: session)), request: RequestID(request))
    }

    /// Nothing may follow the record (a `\r` included: lines end in `\n` only).
    func end() throws(ChangelogParseError) {
        guard isAtEnd else { throw .trailingBytes(column: column) }
    }

    // MARK: - Arguments

    /// `)` right away, for operations without arguments.
    mutating func noArguments() throws(ChangelogParseError) {
        guard !consume(UInt8(ascii: ")")) else { return }
        guard index < count else { throw .unterminatedArguments(op) }
        // Count what is there, for the message: a non-empty list has one more than its commas.
        throw .wrongArgumentCount(op: op, expected: 0, found: 1 + (try commasBeforeClose()))
    }

    /// The separator after argument `argument`: `,` before the next one, `)` after the last.
    @inline(__always)
    private mutating func endArgument() throws(ChangelogParseError) {
        guard index < count else { throw .unterminatedArguments(op) }
        let last = argument == op.argumentCount
        let separator = base[index]
        index += 1
        if separator == UInt8(ascii: last ? ")" : ",") { return }
        if separator == UInt8(ascii: ")") {
            throw .wrongArgumentCount(op: op, expected: op.argumentCount, found: argument)
        }
        // A comma after the last argument (field readers stop only at `,` `)` or the end).
        throw .wrongArgumentCount(op: op, expected: op.argumentCount, found: argument + 1 + (try commasBeforeClose()))
    }

    /// The commas from here to the closing `)`.
    private mutating func commasBeforeClose() throws(ChangelogParseError) -> Int {
        var commas = 0
        while index < count {
            switch base[index] {
            case UInt8(ascii: ")"): return commas
            case UInt8(ascii: ","): commas += 1
            default: break
            }
            index += 1
        }
        throw .unterminatedArguments(op)
    }

    private func bad(_ reason: ChangelogParseError.ArgumentProblem) -> ChangelogParseError {
        .badArgument(op: op, index: argument, reason: reason)
    }

    /// The next argument as a decimal number no larger than `max`.
    mutating func nextNumber(max: UInt64) throws(ChangelogParseError) -> UInt64 {
        argument += 1
        switch number(max: max) {
        case .value(let value):
            if index < count, base[index] != UInt8(ascii: ","), base[index] != UInt8(ascii: ")") {
                throw bad(.notDecimal)
            }
            try endArgument()
            return value
        case .empty:
            guard index < count else { throw .unterminatedArguments(op) }
            let next = base[index]
            if next == UInt8(ascii: ")") && argument == 1 {
                throw .wrongArgumentCount(op: op, expected: op.argumentCount, found: 0)
            }
            throw bad(next == UInt8(ascii: ",") || next == UInt8(ascii: ")") ? .empty : .notDecimal)
        case .leadingZero:
            throw bad(.leadingZero)
        case .outOfRange:
            throw bad(.outOfRange(max: max))
        }
    }

    @inline(__always)
    mutating func nextUInt32() throws(ChangelogParseError) -> UInt32 {
        UInt32(truncatingIfNeeded: try nextNumber(max: UInt64(UInt32.max)))
    }

    /// The bytes up to the next `,` or `)`, for the short fixed-form fields.
    private mutating func rawField() -> UnsafeBufferPointer<UInt8> {
        let start = index
        while index < count, base[index] != UInt8(ascii: ","), base[index] != UInt8(ascii: ")") { index += 1 }
        return UnsafeBufferPointer(start: base + start, count: index - start)
    }

    /// The next argument as a node type letter.
    mutating func nextNodeType() throws(ChangelogParseError) -> NodeType {
        argument += 1
        let field = rawField()
        guard field.count == 1, let type = NodeType(rawValue: field[0]) else { throw bad(.badNodeType) }
        try endArgument()
        return type
    }

    /// The next argument as a lock letter, `R`, `W` or `U` (MooseFS's `FLOCK`/`POSIXLOCK`).
    mutating func nextLockChange() throws(ChangelogParseError) -> LockChange {
        argument += 1
        let field = rawField()
        guard field.count == 1, let kind = LockChange(rawValue: field[0]) else { throw bad(.badLockKind) }
        try endArgument()
        return kind
    }

    /// The next argument as a flag, `0` or `1`.
    mutating func nextFlag() throws(ChangelogParseError) -> Bool {
        argument += 1
        let field = rawField()
        guard field.count == 1, field[0] &- UInt8(ascii: "0") <= 1 else { throw bad(.notBoolean) }
        try endArgument()
        return field[0] == UInt8(ascii: "1")
    }

    /// The next argument as a metaid: 16 lowercase hex digits, the form of `MetaID.hex`.
    mutating func nextMetaID() throws(ChangelogParseError) -> MetaID {
        MetaID(try nextHex16(else: .badMetaID))
    }

    /// The next argument as a member id: 16 lowercase hex digits, the form of `MemberID.hex`.
    mutating func nextMemberID() throws(ChangelogParseError) -> MemberID {
        MemberID(try nextHex16(else: .badMemberID))
    }

    /// The next argument as 16 lowercase hex digits, or `problem`.
    private mutating func nextHex16(else problem: ChangelogParseError.ArgumentProblem) throws(ChangelogParseError) -> UInt64 {
        argument += 1
        let field = rawField()
        if field.isEmpty && argument == 1 && isNext(UInt8(ascii: ")")) {
            throw .wrongArgumentCount(op: op, expected: op.argumentCount, found: 0)
        }
        guard let value = Self.hex16(field[...]) else { throw bad(problem) }
        try endArgument()
        return value
    }

    /// Exactly 16 lowercase hex digits (the one form `LineWriter.hex16` writes), or nil.
    private static func hex16(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        guard digits.count == 16 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// The next argument as a voter list: `ID:KIND` members (16 lowercase hex digits, `:`, `m`
    /// or `l`) joined by `.`, ids unique and ascending, at most `limit` of them; empty for none.
    mutating func nextMembers(limit: Int) throws(ChangelogParseError) -> [MemberID: MemberKind] {
        argument += 1
        let field = rawField()
        try endArgument()
        guard !field.isEmpty else { return [:] }
        let count = 1 + field.count(where: { $0 == UInt8(ascii: ".") })
        guard count <= limit else { throw bad(.tooManyMembers(count: count, limit: limit)) }
        var members: [MemberID: MemberKind] = [:]
        members.reserveCapacity(count)
        var previous: MemberID?
        var start = field.startIndex
        for position in 1...count {
            var end = start
            while end < field.endIndex, field[end] != UInt8(ascii: ".") { end += 1 }
            let member = field[start..<end]
            guard member.count >= 17, let raw = Self.hex16(member.prefix(16)), member[start + 16] == UInt8(ascii: ":") else {
                throw bad(.badMember(position: position))
            }
            guard member.count == 18, let kind = MemberKind(letter: Character(Unicode.Scalar(member[start + 17]))) else {
                throw bad(.badMemberKind(position: position))
            }
            let id = MemberID(raw)
            if let previous, id <= previous { throw bad(.membersNotAscending(position: position)) }
            members[id] = kind
            previous = id
            start = end + 1
        }
        return members
    }

    /// The next argument as an escaped byte string, decoded and at most `limit` bytes long.
    mutating func nextBytes(limit: Int) throws(ChangelogParseError) -> [UInt8] {
        argument += 1
        let start = index
        var escapes = 0
        while index < count {
            let byte = base[index]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ")") { break }
            if byte == UInt8(ascii: "%") {
                guard count - index > 2, let _ = NameEscaping.hexValue(base[index + 1]),
                    let _ = NameEscaping.hexValue(base[index + 2])
                else { throw .badEscape(column: column) }
                escapes += 1
                index += 3
                continue
            }
            // Of the bytes that must be escaped, only these can reach here raw.
            if NameEscaping.needsEscape(byte) { throw bad(.unescapedByte(byte)) }
            index += 1
        }
        let field = UnsafeBufferPointer(start: base + start, count: index - start)
        try endArgument()
        let length = field.count - 2 * escapes
        guard length <= limit else { throw bad(.tooLong(length: length, limit: limit)) }
        // Most names have no escape: one copy.
        if escapes == 0 { return Array(field) }
        return Array(unsafeUninitializedCapacity: length) { out, initialized in
            var from = 0
            var to = 0
            while from < field.count {
                if field[from] == UInt8(ascii: "%") {
                    // Checked above: two hex digits follow.
                    out[to] = NameEscaping.hexValue(field[from + 1])! << 4 | NameEscaping.hexValue(field[from + 2])!
                    from += 3
                } else {
                    out[to] = field[from]
                    from += 1
                }
                to += 1
            }
            initialized = to
        }
    }

    /// The next argument as a directory entry name, validated by `EntryName`.
    mutating func nextName() throws(ChangelogParseError) -> EntryName {
        let bytes = try nextBytes(limit: EntryName.maxLength)
        do {
            return try EntryName(validating: bytes)
        } catch {
            // Name the broken rule (EntryName only says EINVAL or ENAMETOOLONG).
            if bytes.isEmpty { throw bad(.emptyName) }
            if bytes.contains(UInt8(ascii: "/")) { throw bad(.containsSlash) }
            if bytes.contains(0) { throw bad(.containsNUL) }
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { throw bad(.dotName) }
            throw bad(.tooLong(length: bytes.count, limit: EntryName.maxLength))
        }
    }

    /// The next argument as a symlink target: any bytes but NUL (`/` included).
    mutating func nextTarget() throws(ChangelogParseError) -> [UInt8] {
        let bytes = try nextBytes(limit: ChangelogLimits.maxSymlinkTargetLength)
        if bytes.contains(0) { throw bad(.containsNUL) }
        return bytes
    }
}
