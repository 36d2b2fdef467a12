import MFSConfig
import Testing

/// The `KEY = VALUE` file format: comments, blanks, shapes of lines, errors and limits.
@Suite struct ConfigParserTests {
    @Test func keyValueLinesCommentsAndBlankLines() throws {
        let config = try TestConfig.parse(
            """
            # a comment line

               # an indented comment
            METADATA_SAVE_FREQ = 12
            DATA_PATH=/srv/mfs
            \tLOCK_MEMORY\t=\t1\t

            """)
        #expect(config[TestConfig.saveFreq] == 12)
        #expect(config[TestConfig.dataPath] == "/srv/mfs")
        #expect(config[TestConfig.lockMemory] == true)
    }

    @Test func commentAfterValueIsDropped() throws {
        let config = try TestConfig.parse("METADATA_SAVE_FREQ = 6 # every six hours\nAUTH_CODE = abc#def\n")
        #expect(config[TestConfig.saveFreq] == 6)
        #expect(config[TestConfig.authCode] == "abc")
    }

    @Test func valueIsEverythingAfterTheFirstEquals() throws {
        let config = try TestConfig.parse("AUTH_CODE =  a = b  ")
        #expect(config[TestConfig.authCode] == "a = b")
    }

    @Test func emptyValueIsAnEmptyString() throws {
        let config = try TestConfig.parse("AUTH_CODE =")
        #expect(config[TestConfig.authCode] == "")
        #expect(config.isSet(TestConfig.authCode))
    }

    @Test func crlfLineEndingsAreAccepted() throws {
        let config = try TestConfig.parse("METADATA_SAVE_FREQ = 3\r\nDATA_PATH = /x\r\n")
        #expect(config[TestConfig.saveFreq] == 3)
        #expect(config[TestConfig.dataPath] == "/x")
    }

    @Test func missingKeysGetTheirDefaults() throws {
        let config = try TestConfig.parse("METADATA_SAVE_FREQ = 2\n")
        #expect(config[TestConfig.dataPath] == "/var/lib/mfs")
        #expect(config[TestConfig.niceLevel] == -19)
        #expect(config[TestConfig.personality] == .active)
        #expect(config[TestConfig.syncTimeout] == .seconds(1))
        #expect(!config.isSet(TestConfig.dataPath))
        #expect(config.isSet(TestConfig.saveFreq))
        #expect(config.setKeys == ["METADATA_SAVE_FREQ"])
    }

    @Test func emptyFileAndSchemaDefaultsAgree() throws {
        let config = try TestConfig.parse("")
        #expect(config.setKeys.isEmpty)
        #expect(config[TestConfig.virtualIPs] == TestConfig.schema.defaults[TestConfig.virtualIPs])
        #expect(config[TestConfig.trackMaster] == HostPort(host: "127.0.0.1", port: 9428))
    }

    @Test func locationNamesTheLineThatSetTheKey() throws {
        let config = try TestConfig.parse("\n# x\nDATA_PATH = /d\n")
        #expect(config.location(of: TestConfig.dataPath) == ConfigLocation(file: TestConfig.file, line: 3))
        #expect(config.location(of: TestConfig.saveFreq) == nil)
        #expect(config.location(of: TestConfig.dataPath)?.description == "mfstest.cfg:3")
    }

    @Test func lineWithoutEqualsIsMalformed() {
        #expect(TestConfig.errors("DATA_PATH /x") == [.malformedLine(TestConfig.at(1), reason: "expected KEY = VALUE")])
    }

    @Test func lineWithoutKeyIsMalformed() {
        let errors = TestConfig.errors("= 5")
        #expect(errors == [.malformedLine(TestConfig.at(1), reason: "expected KEY = VALUE; the key is missing")])
    }

    @Test func lowercaseKeyIsMalformedAndShowsTheUppercaseSpelling() {
        let errors = TestConfig.errors("data_path = /x")
        #expect(errors.count == 1)
        #expect(errors.first?.description == "mfstest.cfg:1: key \"data_path\" is not uppercase letters, digits and '_' (write DATA_PATH)")
        #expect(TestConfig.errors("DATA-PATH = /x").first?.message.contains("write") == false)
    }

    @Test func unknownKeySuggestsTheClosestKnownKey() {
        #expect(
            TestConfig.errors("METADATA_SAVE_FRQ = 1")
                == [.unknownKey(TestConfig.at(1), key: "METADATA_SAVE_FRQ", suggestion: "METADATA_SAVE_FREQ")])
        #expect(TestConfig.errors("DATA_PTH = /x") == [.unknownKey(TestConfig.at(1), key: "DATA_PTH", suggestion: "DATA_PATH")])
        #expect(
            TestConfig.errors("METADATA_SAVE_FRQ = 1").first?.description
                == "mfstest.cfg:1: unknown key \"METADATA_SAVE_FRQ\"; did you mean METADATA_SAVE_FREQ?")
    }

    @Test func unknownKeyFarFromEveryKeyHasNoSuggestion() {
        #expect(TestConfig.errors("WORKING_USER = mfs") == [.unknownKey(TestConfig.at(1), key: "WORKING_USER", suggestion: nil)])
    }

    @Test func duplicateKeyNamesBothLines() {
        let errors = TestConfig.errors("DATA_PATH = /a\n\nDATA_PATH = /b\n")
        #expect(errors == [.duplicateKey(TestConfig.at(3), key: "DATA_PATH", firstLine: 1)])
        #expect(errors.first?.description == "mfstest.cfg:3: DATA_PATH is set again; it was first set on line 1")
    }

    @Test func duplicateIsReportedEvenWhenTheFirstValueWasBad() {
        let errors = TestConfig.errors("METADATA_SAVE_FREQ = x\nMETADATA_SAVE_FREQ = 2")
        #expect(errors.count == 2)
        #expect(errors.last == .duplicateKey(TestConfig.at(2), key: "METADATA_SAVE_FREQ", firstLine: 1))
    }

    @Test func allErrorsAreCollectedInLineOrder() {
        let errors = TestConfig.errors(
            """
            METADATA_SAVE_FREQ = 25
            DATA_PATH = /ok
            NOPE = 1
            LOCK_MEMORY = maybe
            just words
            DATA_PATH = /again
            """)
        #expect(errors.map(\.location.line) == [1, 3, 4, 5, 6])
        let report = ConfigErrors(errors: errors).description
        #expect(
            report == """
                mfstest.cfg:1: METADATA_SAVE_FREQ = "25" is out of range 1...24
                mfstest.cfg:3: unknown key "NOPE"
                mfstest.cfg:4: bad value "maybe" for LOCK_MEMORY: expected 0 or 1 (or no, yes)
                mfstest.cfg:5: expected KEY = VALUE
                mfstest.cfg:6: DATA_PATH is set again; it was first set on line 2
                """)
    }

    @Test func thrownErrorsCarryTheWholeReport() {
        #expect(throws: ConfigErrors(errors: [.unknownKey(TestConfig.at(2), key: "X", suggestion: nil)])) {
            try TestConfig.parse("DATA_PATH = /a\nX = 1")
        }
    }

    @Test func controlCharactersAreRefused() {
        #expect(
            TestConfig.errors("AUTH_CODE = a\u{1B}[31mb")
                == [.malformedLine(TestConfig.at(1), reason: "control character 0x1B at column 14")])
        #expect(TestConfig.errors("AUTH_CODE = a\u{0}b").first?.message == "control character 0x00 at column 14")
        #expect(TestConfig.errors("AUTH_CODE = a\rb").count == 1)
    }

    @Test func invalidUTF8IsRefused() throws {
        var bytes = Array("AUTH_CODE = ".utf8)
        bytes += [0xC3, 0x28]
        #expect(throws: ConfigErrors(errors: [.malformedLine(TestConfig.at(1), reason: "line is not valid UTF-8")])) {
            try TestConfig.schema.parse(bytes: bytes, file: TestConfig.file)
        }
        let config = try TestConfig.parse("AUTH_CODE = caf\u{E9}")
        #expect(config[TestConfig.authCode] == "caf\u{E9}")
    }

    @Test func invisibleCharactersAreEscapedInMessages() {
        let errors = TestConfig.errors("LOCK_MEMORY = y\u{202E}es")
        #expect(errors.first?.message == "bad value \"y\\u{202E}es\" for LOCK_MEMORY: expected 0 or 1 (or no, yes)")
    }

    @Test func longValuesAreShortenedInMessages() {
        let errors = TestConfig.errors("LOCK_MEMORY = " + String(repeating: "x", count: 200))
        #expect(
            errors.first?.message == "bad value \"\(String(repeating: "x", count: 64))...\" for LOCK_MEMORY: expected 0 or 1 (or no, yes)")
    }

    @Test func lineAtTheLengthLimitIsAcceptedAndOnePastIsNot() throws {
        let prefix = "AUTH_CODE = "
        let atLimit = prefix + String(repeating: "k", count: ConfigLimits.maxLineBytes - prefix.utf8.count)
        #expect(atLimit.utf8.count == ConfigLimits.maxLineBytes)
        #expect(try TestConfig.parse(atLimit + "\r\n")[TestConfig.authCode].utf8.count == 4096 - 12)
        let errors = TestConfig.errors("DATA_PATH = /a\n" + atLimit + "k\n")
        #expect(errors == [.lineTooLong(TestConfig.at(2), length: 4097, limit: 4096)])
        #expect(errors.first?.message == "line is 4097 bytes long; the limit is 4096")
    }

    @Test func fileAtTheSizeLimitIsAcceptedAndOnePastIsNot() throws {
        // 1 MiB of comment lines: 1023-byte lines plus newline make 1024 lines of 1024 bytes.
        let line = "#" + String(repeating: "c", count: 1022) + "\n"
        let atLimit = String(repeating: line, count: 1024)
        #expect(atLimit.utf8.count == ConfigLimits.maxFileBytes)
        #expect(try TestConfig.parse(atLimit).setKeys.isEmpty)
        #expect(TestConfig.errors(atLimit + "X") == [.fileTooLarge(TestConfig.at(1025), limit: ConfigLimits.maxFileBytes)])
        // Lines of 4002 bytes: 262 of them end before the limit, which falls in line 263.
        let long = String(repeating: "#" + String(repeating: "c", count: 4000) + "\n", count: 300)
        #expect(TestConfig.errors(long).first?.location.line == 263)
    }

    @Test func reportKeepsTheFirstHundredErrorsAndCountsTheRest() {
        let text = String(repeating: "bad line\n", count: 150)
        do {
            _ = try TestConfig.parse(text)
            Issue.record("parsed")
        } catch {
            #expect(error.errors.count == ConfigLimits.maxReportedErrors)
            #expect(error.errors.last?.location.line == 100)
            #expect(error.omitted == 50)
            #expect(error.description.hasSuffix("mfstest.cfg:100: expected KEY = VALUE\n(and 50 more errors)"))
        }
    }
}
