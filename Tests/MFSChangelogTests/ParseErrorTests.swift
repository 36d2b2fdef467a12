import MFSChangelog
import MFSCore
import Testing

/// A line and the error it must fail with.
struct BadLine: Sendable, CustomTestStringConvertible {
    let line: [UInt8]
    let error: ChangelogParseError

    init(_ line: String, _ error: ChangelogParseError) {
        self.line = Array(line.utf8)
        self.error = error
    }

    init(bytes: [UInt8], _ error: ChangelogParseError) {
        line = bytes
        self.error = error
    }

    var testDescription: String { printableLine(line.prefix(80)) + " → \(error)" }
}

private func arg(_ op: ChangelogOperation, _ index: Int, _ reason: ChangelogParseError.ArgumentProblem) -> ChangelogParseError {
    .badArgument(op: op, index: index, reason: reason)
}

let badLines: [BadLine] = [
    BadLine("", .missingVersion),
    BadLine("x: 1|IDLE()", .missingVersion),
    BadLine(": 1|IDLE()", .missingVersion),
    BadLine("-1: 1|IDLE()", .missingVersion),
    BadLine("# swift-mfs changelog 1 metaid=00000000deadbeef", .missingVersion),
    BadLine("01: 1|IDLE()", .badVersion(column: 1)),
    BadLine("18446744073709551616: 1|IDLE()", .badVersion(column: 1)),
    BadLine("12 : 1|IDLE()", .badVersion(column: 3)),
    BadLine("12", .badVersion(column: 3)),
    BadLine("1:1|IDLE()", .missingTime),
    BadLine("1: |IDLE()", .missingTime),
    BadLine("1:", .missingTime),
    BadLine("1:  1|IDLE()", .missingTime),
    BadLine("1: 01|IDLE()", .badTime(column: 4)),
    BadLine("1: 4294967296|IDLE()", .badTime(column: 4)),
    BadLine("1: 12 |IDLE()", .badTime(column: 6)),
    BadLine("1: 12", .badTime(column: 6)),
    BadLine("1: 2|FOO(1)", .unknownOperation("FOO")),
    BadLine("1: 2|create(1,a,f,0,0,0,0):3", .unknownOperation("create")),
    BadLine("1: 2|", .unknownOperation("")),
    BadLine("1: 2|CREATEX(1)", .unknownOperation("CREATEX")),
    BadLine("1: 2|SESSIONCLOSED(1)", .unknownOperation("SESSIONCLOSED")),
    BadLine("1: 2|IDL", .unknownOperation("IDL")),
    BadLine("1: 2| IDLE()", .unknownOperation(" IDLE")),
    BadLine(bytes: Array("1: 2|\u{1}\u{FF}".utf8), .unknownOperation("%01%C3%BF")),
    BadLine("1: 2|IDLE", .missingArguments(.idle)),
    BadLine("1: 2|CREATE 1", .missingArguments(.create)),
    BadLine("1: 2|IDLE(", .unterminatedArguments(.idle)),
    BadLine("1: 2|UNLINK(1,abc", .unterminatedArguments(.unlink)),
    BadLine("1: 2|ATTR(1,2", .unterminatedArguments(.setAttributes)),
    BadLine("1: 2|ATTR(1,", .unterminatedArguments(.setAttributes)),
    BadLine("1: 2|IDLE(1,2", .unterminatedArguments(.idle)),
    BadLine("1: 2|UNLINK(1,a,b", .unterminatedArguments(.unlink)),
    BadLine("1: 2|UNLINK(1):5", .wrongArgumentCount(op: .unlink, expected: 2, found: 1)),
    BadLine("1: 2|UNLINK(1,a,b):5", .wrongArgumentCount(op: .unlink, expected: 2, found: 3)),
    BadLine("1: 2|UNLINK(1,a,b,c,d):5", .wrongArgumentCount(op: .unlink, expected: 2, found: 5)),
    BadLine("1: 2|IDLE(1)", .wrongArgumentCount(op: .idle, expected: 0, found: 1)),
    BadLine("1: 2|IDLE(,,)", .wrongArgumentCount(op: .idle, expected: 0, found: 3)),
    BadLine("1: 2|ACQUIRE()", .wrongArgumentCount(op: .acquire, expected: 2, found: 0)),
    BadLine("1: 2|SETMETAID()", .wrongArgumentCount(op: .setMetaID, expected: 1, found: 0)),
    BadLine("1: 2|CREATE(1,a,f,0,0,0):9", .wrongArgumentCount(op: .create, expected: 7, found: 6)),
    BadLine("1: 2|SESSION(a,b):3", .wrongArgumentCount(op: .openSession, expected: 1, found: 2)),
    BadLine("1: 2|ATTR(1,,0,0,0,0)", arg(.setAttributes, 2, .empty)),
    BadLine("1: 2|ATTR(1,2,0,0,0,)", arg(.setAttributes, 6, .empty)),
    BadLine("1: 2|ATTR(1,-5,0,0,0,0)", arg(.setAttributes, 2, .notDecimal)),
    BadLine("1: 2|ATTR(1,5x,0,0,0,0)", arg(.setAttributes, 2, .notDecimal)),
    BadLine("1: 2|ATTR(1,5 ,0,0,0,0)", arg(.setAttributes, 2, .notDecimal)),
    BadLine("1: 2|EPOCH(+1)", arg(.epoch, 1, .notDecimal)),
    BadLine("1: 2|CHECKSUM(0x10)", arg(.checksum, 1, .notDecimal)),
    BadLine("1: 2|LENGTH(1,007)", arg(.setLength, 2, .leadingZero)),
    BadLine("1: 2|LENGTH(00,7)", arg(.setLength, 1, .leadingZero)),
    BadLine("1: 2|ATTR(1,65536,0,0,0,0)", arg(.setAttributes, 2, .outOfRange(max: 65535))),
    BadLine("1: 2|SETGOAL(1,256,0):1", arg(.setGoal, 2, .outOfRange(max: 255))),
    BadLine("1: 2|ACQUIRE(4294967296,1)", arg(.acquire, 1, .outOfRange(max: 4_294_967_295))),
    BadLine("1: 2|LENGTH(1,18446744073709551616)", arg(.setLength, 2, .outOfRange(max: .max))),
    // Epochs stop at Epoch.maximum (2⁶²), so the next one a candidate asks for never wraps.
    BadLine("1: 2|EPOCH(4611686018427387905)", arg(.epoch, 1, .outOfRange(max: 4_611_686_018_427_387_904))),
    BadLine("1: 2|LENGTH(1,99999999999999999999999)", arg(.setLength, 2, .outOfRange(max: .max))),
    BadLine("1: 2|CREATE(1,a,x,0,0,0,0):2", arg(.create, 3, .badNodeType)),
    BadLine("1: 2|CREATE(1,a,ff,0,0,0,0):2", arg(.create, 3, .badNodeType)),
    BadLine("1: 2|CREATE(1,a,,0,0,0,0):2", arg(.create, 3, .badNodeType)),
    BadLine("1: 2|CREATE(1,a,F,0,0,0,0):2", arg(.create, 3, .badNodeType)),
    BadLine("1: 2|SETGOAL(1,2,2):1", arg(.setGoal, 3, .notBoolean)),
    BadLine("1: 2|SETGOAL(1,2,):1", arg(.setGoal, 3, .notBoolean)),
    BadLine("1: 2|SETMETAID(DEADBEEF00000000)", arg(.setMetaID, 1, .badMetaID)),
    BadLine("1: 2|SETMETAID(123)", arg(.setMetaID, 1, .badMetaID)),
    BadLine("1: 2|SETMETAID(00000000deadbeef0)", arg(.setMetaID, 1, .badMetaID)),
    BadLine("1: 2|SETMETAID(00000000deadbeeg)", arg(.setMetaID, 1, .badMetaID)),
    BadLine("1: 2|UNLINK(1,a\u{7F}b):2", arg(.unlink, 2, .unescapedByte(0x7F))),
    BadLine("1: 2|UNLINK(1,a\tb):2", arg(.unlink, 2, .unescapedByte(0x09))),
    BadLine("1: 2|UNLINK(1,a(b):2", arg(.unlink, 2, .unescapedByte(UInt8(ascii: "(")))),
    BadLine("1: 2|UNLINK(1,ü):2", arg(.unlink, 2, .unescapedByte(0xC3))),
    BadLine("1: 2|SESSION(a\u{0}):2", arg(.openSession, 1, .unescapedByte(0))),
    BadLine("1: 2|UNLINK(1,):2", arg(.unlink, 2, .emptyName)),
    BadLine("1: 2|UNLINK(1,.):2", arg(.unlink, 2, .dotName)),
    BadLine("1: 2|UNLINK(1,..):2", arg(.unlink, 2, .dotName)),
    BadLine("1: 2|RENAME(1,a,2,%2E%2e):2", arg(.rename, 4, .dotName)),
    BadLine("1: 2|UNLINK(1,a/b):2", arg(.unlink, 2, .containsSlash)),
    BadLine("1: 2|LINK(3,1,a%2fb)", arg(.link, 3, .containsSlash)),
    BadLine("1: 2|UNLINK(1,a%00):2", arg(.unlink, 2, .containsNUL)),
    BadLine("1: 2|SYMLINK(1,l,a%00,0,0):3", arg(.symlink, 3, .containsNUL)),
    BadLine("1: 2|VOTERS()", .wrongArgumentCount(op: .voters, expected: 3, found: 0)),
    BadLine("1: 2|CHUNKSERVER(3,2851995650)", .wrongArgumentCount(op: .chunkserver, expected: 3, found: 2)),
    BadLine("1: 2|CHUNKSERVER(65536,2851995650,9422)", arg(.chunkserver, 1, .outOfRange(max: 65535))),
    BadLine("1: 2|CHUNKSERVER(3,4294967296,9422)", arg(.chunkserver, 2, .outOfRange(max: 4294967295))),
    BadLine("1: 2|CHUNKSERVER(3,2851995650,65536)", arg(.chunkserver, 3, .outOfRange(max: 65535))),
    BadLine("1: 2|CHUNKSERVERDEL(x)", arg(.chunkserverRemoved, 1, .notDecimal)),
    BadLine("1: 2|CHUNKSERVERDEL(1,2)", .wrongArgumentCount(op: .chunkserverRemoved, expected: 1, found: 2)),
    BadLine("1: 2|VOTERS(1,00000000000000aa)", .wrongArgumentCount(op: .voters, expected: 3, found: 2)),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:m,x)", .wrongArgumentCount(op: .voters, expected: 3, found: 4)),
    BadLine("1: 2|VOTERS(256,00000000000000aa,00000000000000aa:m)", arg(.voters, 1, .outOfRange(max: 255))),
    BadLine("1: 2|VOTERS(-1,00000000000000aa,00000000000000aa:m)", arg(.voters, 1, .notDecimal)),
    BadLine("1: 2|VOTERS(1,,)", arg(.voters, 2, .badMemberID)),
    BadLine("1: 2|VOTERS(1,aa,00000000000000aa:m)", arg(.voters, 2, .badMemberID)),
    BadLine("1: 2|VOTERS(1,00000000000000AA,00000000000000aa:m)", arg(.voters, 2, .badMemberID)),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000ag:m)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000AA:m)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,aa:m)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa-m)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:m.)", arg(.voters, 3, .badMember(position: 2))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,.00000000000000aa:m)", arg(.voters, 3, .badMember(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:m 00000000000000bb:m)", arg(.voters, 3, .badMemberKind(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:x)", arg(.voters, 3, .badMemberKind(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:M)", arg(.voters, 3, .badMemberKind(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:)", arg(.voters, 3, .badMemberKind(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:ml)", arg(.voters, 3, .badMemberKind(position: 1))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000bb:m.00000000000000aa:m)", arg(.voters, 3, .membersNotAscending(position: 2))),
    BadLine("1: 2|VOTERS(1,00000000000000aa,00000000000000aa:m.00000000000000aa:l)", arg(.voters, 3, .membersNotAscending(position: 2))),
    BadLine("1: 2|UNLINK(1,a%4):2", .badEscape(column: 16)),
    BadLine("1: 2|UNLINK(1,a%G0):2", .badEscape(column: 16)),
    BadLine("1: 2|UNLINK(1,a%%41):2", .badEscape(column: 16)),
    BadLine("1: 2|UNLINK(1,a%", .badEscape(column: 16)),
    BadLine("1: 2|UNLINK(1,a%4", .badEscape(column: 16)),
    BadLine("1: 2|UNLINK(1,a)", .missingResult(.unlink)),
    BadLine("1: 2|UNLINK(1,a)|r=1.2", .missingResult(.unlink)),
    BadLine("1: 2|UNLINK(1,a)17", .missingResult(.unlink)),
    BadLine("1: 2|IDLE():5", .unexpectedResult(.idle)),
    BadLine("1: 2|LINK(3,1,a):3", .unexpectedResult(.link)),
    BadLine("1: 2|UNLINK(1,a):", .badResult(op: .unlink, column: 18)),
    BadLine("1: 2|UNLINK(1,a):05", .badResult(op: .unlink, column: 18)),
    BadLine("1: 2|UNLINK(1,a):x", .badResult(op: .unlink, column: 18)),
    BadLine("1: 2|UNLINK(1,a):18446744073709551616", .badResult(op: .unlink, column: 18)),
    BadLine("1: 2|IDLE()|r=1", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|x=1.2", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|r=.1", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|r=1.", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|r=01.1", .badRequestTag(column: 12)),
    BadLine("1: 2|IDLE()|r=4294967296.1", .badRequestTag(column: 12)),
    BadLine("1: 2|UNLINK(1,a):2|r=1.18446744073709551616", .badRequestTag(column: 19)),
    BadLine("1: 2|IDLE()\r", .trailingBytes(column: 12)),
    BadLine("1: 2|IDLE() ", .trailingBytes(column: 12)),
    BadLine("1: 2|IDLE()\n", .trailingBytes(column: 12)),
    BadLine("1: 2|UNLINK(1,a):2\r", .trailingBytes(column: 19)),
    BadLine("1: 2|UNLINK(1,a):2x", .trailingBytes(column: 19)),
    BadLine("1: 2|IDLE()|r=1.2 ", .trailingBytes(column: 18)),
    BadLine("1: 2|IDLE()|r=1.2.3", .trailingBytes(column: 18)),
    BadLine("1: 2|IDLE()|r=1.2|r=1.2", .trailingBytes(column: 18)),
]

@Test("each bad line fails with its error", arguments: badLines)
func badLineFails(_ bad: BadLine) {
    #expect(parseError(bad.line) == bad.error)
}

/// The case name of an error; a `switch`, so a new case does not compile until it is tested.
private func caseName(_ error: ChangelogParseError) -> String {
    switch error {
    case .lineTooLong: "lineTooLong"
    case .missingVersion: "missingVersion"
    case .badVersion: "badVersion"
    case .missingTime: "missingTime"
    case .badTime: "badTime"
    case .unknownOperation: "unknownOperation"
    case .missingArguments: "missingArguments"
    case .unterminatedArguments: "unterminatedArguments"
    case .wrongArgumentCount: "wrongArgumentCount"
    case .badArgument: "badArgument"
    case .badEscape: "badEscape"
    case .missingResult: "missingResult"
    case .unexpectedResult: "unexpectedResult"
    case .badResult: "badResult"
    case .badRequestTag: "badRequestTag"
    case .trailingBytes: "trailingBytes"
    }
}

private func problemName(_ problem: ChangelogParseError.ArgumentProblem) -> String {
    switch problem {
    case .empty: "empty"
    case .notDecimal: "notDecimal"
    case .leadingZero: "leadingZero"
    case .outOfRange: "outOfRange"
    case .badNodeType: "badNodeType"
    case .notBoolean: "notBoolean"
    case .badLockKind: "badLockKind"
    case .badMetaID: "badMetaID"
    case .unescapedByte: "unescapedByte"
    case .emptyName: "emptyName"
    case .dotName: "dotName"
    case .containsSlash: "containsSlash"
    case .containsNUL: "containsNUL"
    case .tooLong: "tooLong"
    case .badMemberID: "badMemberID"
    case .badMember: "badMember"
    case .badMemberKind: "badMemberKind"
    case .membersNotAscending: "membersNotAscending"
    case .tooManyMembers: "tooManyMembers"
    }
}

@Test func badLinesCoverEveryErrorAndArgumentProblem() {
    // lineTooLong and the tooLong and tooManyMembers problems are tested at their limits in
    // LimitTests.
    let cases = Set(badLines.map { caseName($0.error) } + ["lineTooLong"])
    #expect(cases.count == 16)
    var problems: Set = ["tooLong", "tooManyMembers"]
    for bad in badLines {
        if case .badArgument(_, _, let reason) = bad.error { problems.insert(problemName(reason)) }
    }
    #expect(problems.count == 18)
}

@Test func messagesNameTheOperationArgumentAndRule() {
    #expect("\(arg(.create, 2, .containsSlash))" == "CREATE argument 2 (name) contains `/` (%2F), which names cannot")
    #expect(
        "\(ChangelogParseError.wrongArgumentCount(op: .unlink, expected: 2, found: 3))"
            == "UNLINK takes 2 arguments (parent,name), found 3")
    #expect("\(arg(.unlink, 2, .unescapedByte(0x09)))" == "UNLINK argument 2 (name) contains byte 0x09 unescaped (it must be written %09)")
    #expect("\(ChangelogParseError.lineTooLong(length: 13185, limit: 13184))".contains("13185 bytes long, more than the limit of 13184"))
    #expect("\(ChangelogParseError.missingResult(.create))" == "CREATE must be followed by `:RESULT`")
    #expect("\(ChangelogParseError.unknownOperation("FOO"))".contains("`FOO`"))
    #expect(
        "\(arg(.voters, 3, .membersNotAscending(position: 2)))"
            == "VOTERS argument 3 (members) has member 2 whose id is not above the one before it (ids are unique and ascending)")
    #expect(
        "\(arg(.voters, 3, .badMemberKind(position: 1)))"
            == "VOTERS argument 3 (members) has member 1 of a kind other than `m` (master) or `l` (metalogger)")
    #expect("\(arg(.voters, 2, .badMemberID))" == "VOTERS argument 2 (leader) is not a member id (exactly 16 lowercase hex digits)")
    #expect("\(arg(.voters, 1, .outOfRange(max: 255)))" == "VOTERS argument 1 (k) is larger than 255, the largest value it can hold")
    // Every message is non-empty and single-line (the caller prefixes file:line).
    for bad in badLines {
        let message = "\(bad.error)"
        #expect(!message.isEmpty && !message.contains("\n"), "\(message)")
    }
}
