import MFSChangelog
import MFSCore
import Testing

/// The longest legal record: a SYMLINK with every number at its maximum and every byte of a
/// 255-byte name and a 4096-byte target escaped, with a result and a request tag.
private let longestRecord = ChangelogRecord(
    version: MetaVersion(.max), time: UnixTime(.max),
    change: .symlink(
        parent: InodeID(.max), name: EntryName(unchecked: [UInt8](repeating: 1, count: EntryName.maxLength)),
        target: [UInt8](repeating: 1, count: ChangelogLimits.maxSymlinkTargetLength), uid: .max, gid: .max),
    result: .max, request: RequestTag(session: SessionID(.max), request: RequestID(.max)))

@Test func maxLineLengthIsTheDocumentedArithmetic() {
    #expect(ChangelogLimits.maxLineLength == 13_184)
    #expect(ChangelogLimits.maxSymlinkTargetLength == 4096)
    #expect(ChangelogLimits.maxSessionInfoLength == 1024)
}

@Test func longestLegalRecordIsExactlyAtTheLineLimitAndParses() throws {
    let line = formattedLine(longestRecord)
    #expect(line.count == ChangelogLimits.maxLineLength)
    #expect(try ChangelogCodec.parse(line) == longestRecord)
}

@Test func oneByteOverTheLineLimitIsLineTooLong() {
    let line = formattedLine(longestRecord) + [UInt8(ascii: " ")]
    #expect(parseError(line) == .lineTooLong(length: ChangelogLimits.maxLineLength + 1, limit: ChangelogLimits.maxLineLength))
    // The length is checked first, whatever the bytes.
    let junk = [UInt8](repeating: UInt8(ascii: "x"), count: ChangelogLimits.maxLineLength)
    #expect(parseError(junk) == .missingVersion)
    #expect(parseError(junk + [0x78]) == .lineTooLong(length: ChangelogLimits.maxLineLength + 1, limit: ChangelogLimits.maxLineLength))
}

@Test func otherLongRecordsFitTheLineLimit() {
    let name = EntryName(unchecked: [UInt8](repeating: 0xFF, count: EntryName.maxLength))
    let rename = record(
        .rename(parent: InodeID(.max), name: name, newParent: InodeID(.max), newName: name),
        version: .max, time: .max, result: .max, request: RequestTag(session: SessionID(.max), request: RequestID(.max)))
    let session = record(
        .openSession(info: [UInt8](repeating: 0, count: ChangelogLimits.maxSessionInfoLength)),
        version: .max, time: .max, result: .max, request: RequestTag(session: SessionID(.max), request: RequestID(.max)))
    let voters = record(
        .voters(votersOf(count: ChangelogLimits.maxVoters, syncReplicas: ChangelogLimits.maxSyncReplicas)),
        version: .max, time: .max, request: RequestTag(session: SessionID(.max), request: RequestID(.max)))
    #expect(formattedLine(rename).count == 33 + 1561 + 21 + 34)
    #expect(formattedLine(session).count == 33 + 3081 + 21 + 34)
    #expect(formattedLine(voters).count == 33 + 1244 + 34)
}

/// `count` masters with ids from `UInt64.max` down, the first the leader.
private func votersOf(count: Int, syncReplicas: Int = 1) -> VoterSet {
    let ids = (0..<UInt64(count)).map { MemberID(.max - $0) }
    return VoterSet(
        syncReplicas: syncReplicas, leader: ids.first ?? .none, members: Dictionary(uniqueKeysWithValues: ids.map { ($0, .master) }))
}

/// The `members` argument of `count` members, as the formatter writes it.
private func memberList(_ count: Int) -> String {
    votersOf(count: count).sortedMembers.map { "\($0.id.hex):\($0.kind.letter)" }.joined(separator: ".")
}

@Test func voterSetOf64MembersIsAcceptedAnd65Rejected() throws {
    #expect(ChangelogLimits.maxVoters == 64)
    let atLimit = try ChangelogCodec.parse(line: "1: 2|VOTERS(1,ffffffffffffffff,\(memberList(64)))")
    #expect(atLimit.change == .voters(votersOf(count: 64)))
    #expect(ChangelogCodec.text(of: atLimit) == "1: 2|VOTERS(1,ffffffffffffffff,\(memberList(64)))")
    #expect(
        parseError("1: 2|VOTERS(1,ffffffffffffffff,\(memberList(65)))")
            == .badArgument(op: .voters, index: 3, reason: .tooManyMembers(count: 65, limit: 64)))
    #expect(
        "\(ChangelogParseError.badArgument(op: .voters, index: 3, reason: .tooManyMembers(count: 65, limit: 64)))"
            == "VOTERS argument 3 (members) lists 65 members, more than the limit of 64")
}

@Test func voterSyncReplicasOf255IsAcceptedAnd256Rejected() throws {
    let ok = try ChangelogCodec.parse(line: "1: 2|VOTERS(255,0000000000000000,)")
    #expect(ok.change == .voters(VoterSet(syncReplicas: 255)))
    #expect(parseError("1: 2|VOTERS(256,0000000000000000,)") == .badArgument(op: .voters, index: 1, reason: .outOfRange(max: 255)))
}

private func unlinkLine(_ nameField: String) -> String { "1: 2|UNLINK(1,\(nameField)):3" }

@Test func nameOf255BytesIsAcceptedAnd256Rejected() throws {
    let plain255 = String(repeating: "a", count: 255)
    let escaped255 = String(repeating: "%C3", count: 255)
    #expect(
        try ChangelogCodec.parse(line: unlinkLine(plain255)).change
            == .unlink(parent: .root, name: EntryName(unchecked: Array(plain255.utf8))))
    #expect(
        try ChangelogCodec.parse(line: unlinkLine(escaped255)).change
            == .unlink(parent: .root, name: EntryName(unchecked: [UInt8](repeating: 0xC3, count: 255))))
    let tooLong = ChangelogParseError.badArgument(op: .unlink, index: 2, reason: .tooLong(length: 256, limit: 255))
    #expect(parseError(unlinkLine(plain255 + "b")) == tooLong)
    #expect(parseError(unlinkLine(escaped255 + "%41")) == tooLong)
}

@Test func dotDotDotAndEmptyNamesAreRejected() {
    #expect(parseError(unlinkLine(".")) == .badArgument(op: .unlink, index: 2, reason: .dotName))
    #expect(parseError(unlinkLine("..")) == .badArgument(op: .unlink, index: 2, reason: .dotName))
    #expect(parseError(unlinkLine("%2e")) == .badArgument(op: .unlink, index: 2, reason: .dotName))
    #expect(parseError(unlinkLine("")) == .badArgument(op: .unlink, index: 2, reason: .emptyName))
    // Only exactly `.` and `..`: dots within a name are fine.
    for name in ["...", ".a", "a.", ".hidden"] {
        #expect(parseError(unlinkLine(name)) == nil, "\(name)")
    }
}

@Test func symlinkTargetOf4096BytesIsAcceptedAnd4097Rejected() throws {
    let target = String(repeating: "a/", count: 2048)
    let ok = try ChangelogCodec.parse(line: "1: 2|SYMLINK(1,l,\(target),0,0):3")
    #expect(ok.change == .symlink(parent: .root, name: "l", target: Array(target.utf8), uid: 0, gid: 0))
    #expect(
        parseError("1: 2|SYMLINK(1,l,\(target)b,0,0):3")
            == .badArgument(op: .symlink, index: 3, reason: .tooLong(length: 4097, limit: 4096)))
}

@Test func sessionInfoOf1024BytesIsAcceptedAnd1025Rejected() throws {
    let info = String(repeating: "%00", count: 1024)
    let ok = try ChangelogCodec.parse(line: "1: 2|SESSION(\(info)):3")
    #expect(ok.change == .openSession(info: [UInt8](repeating: 0, count: 1024)))
    #expect(
        parseError("1: 2|SESSION(\(info)x):3")
            == .badArgument(op: .openSession, index: 1, reason: .tooLong(length: 1025, limit: 1024)))
}

@Test func formattingARecordTheFormatCannotHoldTraps() async {
    await #expect(processExitsWith: .failure) {
        _ = ChangelogCodec.format(ChangelogRecord(version: MetaVersion(1), time: UnixTime(0), change: .unlink(parent: .root, name: "a")))
    }
    await #expect(processExitsWith: .failure) {
        _ = ChangelogCodec.format(ChangelogRecord(version: MetaVersion(1), time: UnixTime(0), change: .idle, result: 1))
    }
    await #expect(processExitsWith: .failure) {
        let target = [UInt8](repeating: 0x61, count: ChangelogLimits.maxSymlinkTargetLength + 1)
        _ = ChangelogCodec.format(
            ChangelogRecord(
                version: MetaVersion(1), time: UnixTime(0),
                change: .symlink(parent: .root, name: "l", target: target, uid: 0, gid: 0), result: 2))
    }
    await #expect(processExitsWith: .failure) {
        let members = Dictionary(
            uniqueKeysWithValues: (1...UInt64(ChangelogLimits.maxVoters + 1)).map { (MemberID($0), MemberKind.master) })
        _ = ChangelogCodec.format(ChangelogRecord(version: MetaVersion(1), time: UnixTime(0), change: .voters(VoterSet(members: members))))
    }
}
