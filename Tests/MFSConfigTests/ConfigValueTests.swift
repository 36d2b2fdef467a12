import MFSConfig
import Testing

/// Every kind of value, well formed and not, and the edges of every range.
@Suite struct ConfigValueTests {
    /// The value `text` gives `key`, or the one error it causes.
    func read<Value>(_ key: ConfigKey<Value>, _ text: String) -> Result<Value, ConfigError> {
        let schema = ConfigSchema(key)
        do {
            return .success(try schema.parse("\(key.name) = \(text)", file: "t.cfg")[key])
        } catch {
            return .failure(error.errors[0])
        }
    }

    func value<Value>(_ key: ConfigKey<Value>, _ text: String) -> Value? {
        try? read(key, text).get()
    }

    func isBad<Value>(_ key: ConfigKey<Value>, _ text: String) -> Bool {
        if case .failure(.badValue) = read(key, text) { return true }
        return false
    }

    func isOutOfRange<Value>(_ key: ConfigKey<Value>, _ text: String) -> Bool {
        if case .failure(.outOfRange) = read(key, text) { return true }
        return false
    }

    @Test func integersAtAndPastTheirRange() {
        let key = TestConfig.saveFreq
        #expect(value(key, "1") == 1)
        #expect(value(key, "24") == 24)
        #expect(isOutOfRange(key, "0"))
        #expect(isOutOfRange(key, "25"))
        #expect(isOutOfRange(key, "-1"))
        #expect(isOutOfRange(key, "99999999999999999999999"))
        #expect(value(TestConfig.niceLevel, "-20") == -20)
        #expect(isOutOfRange(TestConfig.niceLevel, "-21"))
        let location = ConfigLocation(file: "t.cfg", line: 1)
        #expect(read(key, "25") == .failure(.outOfRange(location, key: key.name, value: "25", range: "1...24")))
    }

    @Test func malformedIntegers() {
        for text in ["", "abc", "1.5", "+3", "3 4", "0x10", "-", "1e3"] {
            #expect(isBad(TestConfig.saveFreq, text), "\(text)")
        }
        #expect(
            read(TestConfig.saveFreq, "abc")
                == .failure(
                    .badValue(
                        ConfigLocation(file: "t.cfg", line: 1), key: "METADATA_SAVE_FREQ", value: "abc", expected: "an integer in 1...24")))
    }

    @Test func integersWithLeadingZerosAreRefusedAsPossiblyOctal() {
        #expect(isBad(TestConfig.saveFreq, "07"))
        #expect(value(TestConfig.niceLevel, "0") == 0)
        #expect(value(TestConfig.niceLevel, "-0") == 0)
        guard case .failure(let error) = read(TestConfig.saveFreq, "027") else {
            Issue.record("027 was accepted")
            return
        }
        #expect(error.message.hasSuffix("(leading zero (octal or decimal?))"))
    }

    @Test func ports() {
        let key = TestConfig.listenPort
        #expect(value(key, "1") == 1)
        #expect(value(key, "65535") == 65535)
        #expect(isOutOfRange(key, "0"))
        #expect(isOutOfRange(key, "65536"))
        #expect(isBad(key, "http"))
    }

    @Test func booleansAreZeroOneYesNo() {
        let key = TestConfig.lockMemory
        for (text, expected) in [("0", false), ("1", true), ("yes", true), ("no", false), ("YES", true), ("No", false)] {
            #expect(value(key, text) == expected, "\(text)")
        }
        for text in ["true", "false", "on", "2", "", "y"] {
            #expect(isBad(key, text), "\(text)")
        }
    }

    @Test func stringsKeepInnerBlanks() {
        #expect(value(TestConfig.authCode, "two words") == "two words")
        #expect(value(TestConfig.authCode, "") == "")
    }

    @Test func pathsMustBeAbsolute() {
        #expect(value(TestConfig.dataPath, "/var/lib/mfs") == "/var/lib/mfs")
        #expect(value(TestConfig.dataPath, "/") == "/")
        #expect(isBad(TestConfig.dataPath, "var/lib/mfs"))
        #expect(isBad(TestConfig.dataPath, ""))
    }

    @Test func hostsAreNamesOrAddresses() {
        let key = TestConfig.masterHost
        for text in ["mfsmaster", "10.0.0.1", "a-b.example.com", "x1", String(repeating: "a", count: 63)] {
            #expect(value(key, text) == text, "\(text)")
        }
        let longName = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")
        #expect(value(key, String(longName.dropLast(2))) != nil)  // 253 bytes
        #expect(isBad(key, String(longName.dropLast(1))))  // 254 bytes
        for text in ["*", "-bad", "bad-", "a..b", "a.", "256.1.1.1", "1.2.3", "under_score", "", String(repeating: "a", count: 64)] {
            #expect(isBad(key, text), "\(text)")
        }
        #expect(value(TestConfig.listenHost, "*") == "*")
        #expect(value(TestConfig.listenHost, "10.1.2.3") == "10.1.2.3")
    }

    @Test func choicesAreSpelledExactly() {
        #expect(value(TestConfig.personality, "follower") == .follower)
        #expect(isBad(TestConfig.personality, "Follower"))
        #expect(value(TestConfig.mode, "flush") == "flush")
        guard case .failure(let error) = read(TestConfig.mode, "sync") else {
            Issue.record("sync was accepted")
            return
        }
        #expect(error.message == "bad value \"sync\" for CHANGELOG_SAVE_MODE: expected one of fsync, flush, none")
    }

    @Test func durationsTakeUnitsAndPlainSeconds() {
        let key = TestConfig.syncTimeout
        #expect(value(key, "1") == .seconds(1))
        #expect(value(key, "100ms") == .milliseconds(100))
        #expect(value(key, "250MS") == .milliseconds(250))
        #expect(value(key, "30s") == .seconds(30))
        #expect(value(key, "5m") == .seconds(300))
        #expect(value(key, "1h") == .seconds(3600))
        let wide = ConfigKey.duration("KEEP", default: .seconds(0), range: .zero ... .seconds(864_000), doc: "d")
        #expect(value(wide, "2d") == .seconds(172_800))
        #expect(value(wide, "0") == .zero)
    }

    @Test func durationsAtAndPastTheirRange() {
        let key = TestConfig.syncTimeout
        #expect(value(key, "100ms") != nil)
        #expect(isOutOfRange(key, "99ms"))
        #expect(value(key, "3600") != nil)
        #expect(value(key, "3600000ms") != nil)
        #expect(isOutOfRange(key, "3600001ms"))
        #expect(isOutOfRange(key, "2h"))
        #expect(isOutOfRange(key, "99999999999999999999"))
        #expect(isOutOfRange(key, "9999999999999999d"))
        guard case .failure(let error) = read(key, "99ms") else {
            Issue.record("99ms was accepted")
            return
        }
        #expect(error.message == "SYNC_TIMEOUT = \"99ms\" is out of range 100ms...1h")
    }

    /// A key the master keeps in seconds (MooseFS carries it so) refuses a part of a second
    /// rather than cutting it off: `1500ms` is an error, `2000ms` is 2 s.
    @Test func wholeSecondDurationsRefuseAPartOfASecond() {
        let key = ConfigKey.duration(
            "SESSION_SUSTAIN_TIME", default: .seconds(86_400), range: .seconds(1)...(.seconds(604_800)), wholeSeconds: true, doc: "d")
        #expect(value(key, "2000ms") == .seconds(2))
        #expect(value(key, "1") == .seconds(1))
        #expect(value(key, "7d") == .seconds(604_800))
        #expect(isBad(key, "1500ms"))
        #expect(isBad(key, "999ms"))  // a part of a second is refused before the range is looked at
        #expect(isOutOfRange(key, "0"))
        #expect(isOutOfRange(key, "8d"))
        guard case .failure(let error) = read(key, "1500ms") else {
            Issue.record("1500ms was accepted")
            return
        }
        #expect(error.message.hasSuffix("(not a whole number of seconds)"), "\(error.message)")
        #expect(error.message.contains("a whole number of seconds, or with unit s, m, h or d"), "\(error.message)")
    }

    @Test func malformedDurations() {
        for text in ["", "1.5", "-1", "5x", "s", "1 s", "1sec", "1hm"] {
            #expect(isBad(TestConfig.syncTimeout, text), "\(text)")
        }
        guard case .failure(let error) = read(TestConfig.syncTimeout, "5x") else {
            Issue.record("5x was accepted")
            return
        }
        #expect(error.message.hasSuffix("(unknown unit \"x\")"))
    }

    /// Sizes read as MooseFS 3.0's chunkserver reads HDD_LEAVE_SPACE_DEFAULT (`sizestrtod`), so a
    /// MooseFS file means the same bytes here: `M` is 10^6, `Mi` 2^20, fractions allowed.
    @Test func sizesReadAsMooseFSReadsThem() {
        let key = TestConfig.leaveSpace
        #expect(value(key, "0") == 0)
        #expect(value(key, "1000") == 1000)
        #expect(value(key, "1000B") == 1000)
        #expect(value(key, "1k") == 1000)
        #expect(value(key, "1Ki") == 1024)
        #expect(value(key, "256M") == 256_000_000)
        #expect(value(key, "256MB") == 256_000_000)
        #expect(value(key, "256MiB") == 256 << 20)
        #expect(value(key, "0.5GiB") == 512 << 20)
        #expect(value(key, ".5G") == 500_000_000)
        #expect(value(key, "1.5G") == 1_500_000_000)
        #expect(value(key, "4GiB") == 4 << 30)
        #expect(value(key, "1T") == 1_000_000_000_000)
        #expect(value(key, "1TiB") == 1 << 40)
        #expect(isOutOfRange(key, "1025Gi"))
        #expect(isOutOfRange(key, "99999999999999999999"))
        #expect(isOutOfRange(key, "99999999999Ti"))
    }

    /// What MooseFS refuses: `K` without `i`, lower-case `m`, `g`, `t`, a `b`, signs, blanks.
    @Test func malformedSizes() {
        for text in ["", "G", "5X", "1K", "256mi", "1kb", "1GiBs", "-1", "1 G", "1.2.3", "."] {
            #expect(isBad(TestConfig.leaveSpace, text), "\(text)")
        }
        guard case .failure(let error) = read(TestConfig.leaveSpace, "1K") else {
            Issue.record("1K was accepted")
            return
        }
        #expect(error.message.contains("powers of 1024"), "\(error.message)")
    }

    @Test func hostPortsWithAndWithoutPort() {
        let key = TestConfig.trackMaster
        #expect(value(key, "mfsmaster") == HostPort(host: "mfsmaster"))
        #expect(value(key, "mfsmaster")?.port(or: 9428) == 9428)
        #expect(value(key, "10.0.0.1:9428") == HostPort(host: "10.0.0.1", port: 9428))
        #expect(value(key, "h:1")?.port == 1)
        #expect(value(key, "h:65535")?.port == 65535)
        for text in ["h:0", "h:65536", "h:", ":9428", "h:x", "h:1:2", "[::1]:9421", "h:09428", ""] {
            #expect(isBad(key, text), "\(text)")
        }
        guard case .failure(let error) = read(key, "[::1]:9421") else {
            Issue.record("[::1]:9421 was accepted")
            return
        }
        #expect(error.message.hasSuffix("(IPv6 addresses are not supported)"))
    }

    @Test func hostListsAreCommaSeparated() {
        let key = TestConfig.peers
        #expect(value(key, "") == [])
        #expect(value(key, "a:1, b:2 ,c") == [HostPort(host: "a", port: 1), HostPort(host: "b", port: 2), HostPort(host: "c")])
        #expect(isBad(key, "a,,b"))
        #expect(isBad(key, "a,"))
        #expect(isBad(key, "a b"))
        guard case .failure(let error) = read(key, "a,b:0") else {
            Issue.record("a,b:0 was accepted")
            return
        }
        #expect(error.message.hasSuffix("(item 2: port \"0\" is not a number 1...65535)"))
    }

    @Test func prefixListsDefaultToSlash32() {
        let key = TestConfig.virtualIPs
        #expect(value(key, "") == [])
        let parsed = value(key, "169.254.0.100/16, 10.0.0.1")
        #expect(
            parsed == [
                IPv4Prefix(address: IPv4Address(169, 254, 0, 100), length: 16), IPv4Prefix(address: IPv4Address(10, 0, 0, 1), length: 32),
            ])
        #expect(value(key, "0.0.0.0/0")?.first?.length == 0)
        for text in ["10.0.0.1/33", "10.0.0.1/", "10.0.0.1/08", "10.0.0/8", "x/8", "10.0.0.1/8,"] {
            #expect(isBad(key, text), "\(text)")
        }
    }

    @Test func prefixArithmetic() throws {
        let prefix = try #require(IPv4Prefix("169.254.7.100/16"))
        #expect(prefix.network == IPv4Address(169, 254, 0, 0))
        #expect(prefix.netmask == IPv4Address(255, 255, 0, 0))
        #expect(prefix.contains(IPv4Address(169, 254, 255, 255)))
        #expect(!prefix.contains(IPv4Address(169, 255, 0, 0)))
        #expect(prefix.description == "169.254.7.100/16")
        #expect(IPv4Prefix("1.2.3.4/0")?.contains(IPv4Address(255, 255, 255, 255)) == true)
        #expect(IPv4Prefix("1.2.3.4/32")?.netmask == IPv4Address(255, 255, 255, 255))
    }

    @Test func addressesAreStrictDottedQuads() {
        #expect(IPv4Address("10.0.0.1")?.rawValue == 0x0A00_0001)
        #expect(IPv4Address("255.255.255.255")?.rawValue == .max)
        #expect(IPv4Address("0.0.0.0")?.rawValue == 0)
        #expect(IPv4Address(192, 168, 1, 2).description == "192.168.1.2")
        for text in ["010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.0", "1..2.3", "a.b.c.d", " 1.2.3.4", "1.2.3.4 ", "1000.0.0.1", ""] {
            #expect(IPv4Address(text) == nil, "\(text)")
        }
    }

    @Test func decimalsAtAndPastTheirRange() {
        let key = ConfigKey.decimal("HDD_TEST_SPEED", default: 1.0, range: 0...100, doc: "MB/s.")
        #expect(value(key, "1.0") == 1.0)
        #expect(value(key, "0.25") == 0.25)
        #expect(value(key, "10") == 10)
        #expect(value(key, "0") == 0)
        #expect(value(key, "100") == 100)
        #expect(value(key, "100.0") == 100)
        #expect(isOutOfRange(key, "100.000001"))
        #expect(isOutOfRange(key, "101"))
        let location = ConfigLocation(file: "t.cfg", line: 1)
        #expect(read(key, "250.5") == .failure(.outOfRange(location, key: key.name, value: "250.5", range: "0.0...100.0")))
        let low = ConfigKey.decimal("LOW", default: 1.5, range: 0.5...2, doc: "A decimal with a lower bound.")
        #expect(isOutOfRange(low, "0.4999"))
        #expect(value(low, "0.5") == 0.5)
        #expect(low.erased.defaultText == "1.5")
        #expect(key.erased.defaultText == "1.0")
        #expect(key.erased.expected == "a decimal number in 0.0...100.0 (like 1.5)")
    }

    @Test func malformedDecimals() {
        let key = ConfigKey.decimal("HDD_TEST_SPEED", default: 1.0, range: 0...100, doc: "MB/s.")
        for text in ["", "abc", "-1", "-0.5", "+1", ".5", "5.", "1.2.3", "1e3", "1,5", "01.5", "00", "0x1", "nan", "inf", "1 .5"] {
            #expect(isBad(key, text), "'\(text)' should be refused as malformed")
        }
        #expect(isBad(key, "1.0000000001"), "more than 9 fraction digits")
    }
}
