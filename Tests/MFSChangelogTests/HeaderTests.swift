import MFSChangelog
import MFSCore
import Testing

@Test func headerFormatsToItsGoldenLine() {
    let header = ChangelogHeader(metaID: MetaID(0xDEAD_BEEF))
    #expect(header.text == "# swift-mfs changelog 1 metaid=00000000deadbeef")
    #expect(header.format() == Array("# swift-mfs changelog 1 metaid=00000000deadbeef\n".utf8))
    #expect(ChangelogHeader(metaID: MetaID(.max)).text == "# swift-mfs changelog 1 metaid=ffffffffffffffff")
}

@Test func headerRoundTrips() throws {
    for id: UInt64 in [0, 1, 0xDEAD_BEEF, 0x0123_4567_89AB_CDEF, .max] {
        let header = ChangelogHeader(metaID: MetaID(id))
        #expect(try ChangelogHeader.parse(header.format().dropLast()) == header)
        #expect(try ChangelogHeader.parse(line: header.text).metaID.hex == MetaID(id).hex)
    }
}

private func headerError(_ line: String) -> ChangelogHeaderError? {
    do {
        _ = try ChangelogHeader.parse(line: line)
        return nil
    } catch {
        return error
    }
}

@Test func notAHeaderIsRefused() {
    #expect(headerError("1: 2|IDLE()") == .notAHeader("1: 2|IDLE()"))
    #expect(headerError("") == .notAHeader(""))
    #expect(headerError("#swift-mfs changelog 1 metaid=00000000deadbeef") == .notAHeader("#swift-mfs changelog 1 metaid=00000000de…"))
    #expect(headerError("# MooseFS changelog") == .notAHeader("# MooseFS changelog"))
}

@Test func unknownFormatVersionIsRefusedAndNamed() {
    #expect(headerError("# swift-mfs changelog 2 metaid=00000000deadbeef") == .unknownFormatVersion("2"))
    #expect(headerError("# swift-mfs changelog 10 metaid=00000000deadbeef") == .unknownFormatVersion("10"))
    #expect(headerError("# swift-mfs changelog x") == .unknownFormatVersion("x"))
    #expect(headerError("# swift-mfs changelog ") == .unknownFormatVersion(""))
    #expect("\(ChangelogHeaderError.unknownFormatVersion("2"))".contains("version `2`"))
}

@Test func malformedMetaIDIsRefused() {
    #expect(headerError("# swift-mfs changelog 1 metaid=00000000DEADBEEF") == .malformedMetaID("00000000DEADBEEF"))
    #expect(headerError("# swift-mfs changelog 1 metaid=deadbeef") == .malformedMetaID("deadbeef"))
    #expect(headerError("# swift-mfs changelog 1 metaid=00000000deadbeef0") == .malformedMetaID("00000000deadbeef0"))
    #expect(headerError("# swift-mfs changelog 1 metaid=-0000000deadbeef") == .malformedMetaID("-0000000deadbeef"))
    #expect(headerError("# swift-mfs changelog 1 metaid=00000000deadbeef ") == .malformedMetaID("00000000deadbeef "))
    #expect(headerError("# swift-mfs changelog 1 metaid=00000000deadbeef\r") == .malformedMetaID("00000000deadbeef%0D"))
    #expect(headerError("# swift-mfs changelog 1") == .malformedMetaID(""))
    #expect(headerError("# swift-mfs changelog 1 id=00000000deadbeef") == .malformedMetaID(" id=00000000deadbeef"))
}

@Test func readersRefuseAnotherClustersMetaIDNamingBoth() throws {
    let header = try ChangelogHeader.parse(line: "# swift-mfs changelog 1 metaid=00000000deadbeef")
    try header.check(metaID: MetaID(0xDEAD_BEEF))
    #expect(throws: ChangelogHeaderError.metaIDMismatch(expected: MetaID(0xFEED), found: MetaID(0xDEAD_BEEF))) {
        try header.check(metaID: MetaID(0xFEED))
    }
    let message = "\(ChangelogHeaderError.metaIDMismatch(expected: MetaID(0xFEED), found: MetaID(0xDEAD_BEEF)))"
    #expect(message.contains("00000000deadbeef") && message.contains("000000000000feed"))
}

@Test func headerLinesAreNotRecords() {
    let header = ChangelogHeader(metaID: MetaID(1)).format().dropLast()
    #expect(ChangelogHeader.isComment(header))
    #expect(!ChangelogHeader.isComment(Array("1: 2|IDLE()".utf8)))
    #expect(parseError(Array(header)) == .missingVersion)
}
