import MFSConfig
import Testing

/// Parsing `mfsexports.cfg`: address forms, directories, each option, and each error.
@Suite struct ExportsParserTests {
    static let file = "mfsexports.cfg"

    static func at(_ line: Int) -> ConfigLocation { ConfigLocation(file: file, line: line) }

    func rule(_ line: String, resolver: IdentityResolver? = nil) throws -> ExportRule {
        let exports = try Exports.parse(line, file: Self.file, resolver: resolver)
        return try #require(exports.rules.first)
    }

    func errors(_ text: String, resolver: IdentityResolver? = nil) -> [ConfigError] {
        do {
            _ = try Exports.parse(text, file: Self.file, resolver: resolver)
            return []
        } catch {
            return error.errors
        }
    }

    func range(_ address: String) throws -> IPv4Range { try rule("\(address) /").addresses }

    func ip(_ text: String) -> IPv4Address { IPv4Address(text)! }

    @Test func everyAddressForm() throws {
        #expect(try range("*") == .any)
        #expect(try range("10.0.0.7") == IPv4Range(lower: ip("10.0.0.7"), upper: ip("10.0.0.7")))
        #expect(try range("10.0.0.0/8") == IPv4Range(lower: ip("10.0.0.0"), upper: ip("10.255.255.255")))
        #expect(try range("192.168.1.0/255.255.255.0") == IPv4Range(lower: ip("192.168.1.0"), upper: ip("192.168.1.255")))
        #expect(try range("10.0.0.1-10.0.0.5") == IPv4Range(lower: ip("10.0.0.1"), upper: ip("10.0.0.5")))
        #expect(try range("10.0.0.1-10.0.0.1") == IPv4Range(lower: ip("10.0.0.1"), upper: ip("10.0.0.1")))
    }

    @Test func edgeMasks() throws {
        #expect(try range("1.2.3.4/0") == .any)
        #expect(try range("1.2.3.4/0.0.0.0") == .any)
        #expect(try range("1.2.3.4/32") == IPv4Range(lower: ip("1.2.3.4"), upper: ip("1.2.3.4")))
        #expect(try range("1.2.3.4/255.255.255.255") == IPv4Range(lower: ip("1.2.3.4"), upper: ip("1.2.3.4")))
        #expect(try range("1.2.3.4/31") == IPv4Range(lower: ip("1.2.3.4"), upper: ip("1.2.3.5")))
        #expect(try range("128.0.0.0/1") == IPv4Range(lower: ip("128.0.0.0"), upper: ip("255.255.255.255")))
        #expect(try range("0.0.0.0-255.255.255.255") == .any)
    }

    @Test func hostBitsUnderAMaskAreCleared() throws {
        #expect(try range("10.1.2.3/8") == IPv4Range(lower: ip("10.0.0.0"), upper: ip("10.255.255.255")))
    }

    @Test func badAddresses() {
        let cases: [(String, String)] = [
            ("10.0.0.256", "256 is above 255"),
            ("10.0.0", "an IPv4 address is four numbers a.b.c.d"),
            ("010.0.0.1", "leading zero in 010 (octal or decimal?)"),
            ("10.0.0.1/33", "mask /33 is not a prefix length 0...32"),
            ("10.0.0.1/255.0.255.0", "netmask 255.0.255.0 has holes; its one bits must be contiguous from the left"),
            ("10.0.0.5-10.0.0.1", "the range is empty: 10.0.0.5 is above 10.0.0.1"),
            ("10.0.0.1/", "the mask after / is missing"),
            ("mfsclient", "an IPv4 address is four numbers a.b.c.d"),
            ("**", "an IPv4 address is four numbers a.b.c.d"),
        ]
        for (address, reason) in cases {
            #expect(errors("\(address) /") == [.badAddress(Self.at(1), address: address, reason: reason)], "\(address)")
        }
    }

    @Test func directories() throws {
        #expect(try rule("* /").directory == .root)
        #expect(try rule("* .").directory == .meta)
        #expect(try rule("* /a/b").directory.description == "/a/b")
        #expect(try rule("* //a//b/").directory == rule("* /a/b").directory)
        #expect(try rule("* /a/b").directory.depth == 2)
    }

    @Test func badDirectories() {
        #expect(
            errors("* a/b")
                == [.badDirectory(Self.at(1), directory: "a/b", reason: "expected . (the meta file system), / or an absolute path")])
        #expect(
            errors("* /a/../b") == [.badDirectory(Self.at(1), directory: "/a/../b", reason: "\"..\" is not allowed as a directory name")])
        #expect(errors("* /a/./b").count == 1)
        #expect(errors("* ..").count == 1)
        let long = "/" + String(repeating: "n", count: 256)
        #expect(errors("* \(long)") == [.badDirectory(Self.at(1), directory: long, reason: "a name is longer than 255 bytes")])
        #expect(errors("* /" + String(repeating: "n", count: 255)).isEmpty)
    }

    @Test func defaultsAreMooseFSDefaults() throws {
        let parsed = try rule("10.0.0.0/8 /")
        #expect(parsed.readOnly)
        #expect(!parsed.allDirectories)
        #expect(parsed.rootMapping == IDMapping(uid: 999, gid: 999))
        #expect(parsed.rootIsMapped)
        #expect(parsed.allMapping == nil)
        #expect(!parsed.requiresPassword)
        #expect(parsed.minVersion == nil)
        #expect(parsed.minGoal == 1 && parsed.maxGoal == 9)
        #expect(parsed.minTrashTimeSeconds == 0 && parsed.maxTrashTimeSeconds == UInt32.max)
        #expect(!parsed.ignoreGID && !parsed.dynamicIP && !parsed.admin)
        #expect(parsed.line == 1)
    }

    @Test func accessOptions() throws {
        #expect(try rule("* / rw").readOnly == false)
        #expect(try rule("* / readwrite").readOnly == false)
        #expect(try rule("* / ro").readOnly == true)
        #expect(try rule("* / readonly").readOnly == true)
    }

    @Test func flagOptions() throws {
        let parsed = try rule("* / alldirs,ignoregid,dynamicip,admin")
        #expect(parsed.allDirectories && parsed.ignoreGID && parsed.dynamicIP && parsed.admin)
    }

    @Test func numericMappings() throws {
        #expect(try rule("* / maproot=0").rootMapping == IDMapping(uid: 0, gid: 0))
        #expect(try rule("* / maproot=0").rootIsMapped == false)
        #expect(try rule("* / maproot=1000:100").rootMapping == IDMapping(uid: 1000, gid: 100))
        #expect(try rule("* / mapall=4294967295:0").allMapping == IDMapping(uid: .max, gid: 0))
    }

    @Test func uidWithoutGroupNeedsAResolver() throws {
        #expect(
            errors("* / maproot=1000")
                == [.badOption(Self.at(1), option: "maproot", reason: "give the group too (maproot=1000:GID): no user database here")])
        let resolver = IdentityResolver(
            user: { $0 == "mfs" ? IDMapping(uid: 120, gid: 130) : nil },
            group: { $0 == "staff" ? 50 : nil },
            primaryGroup: { $0 == 1000 ? 1000 : nil })
        #expect(try rule("* / maproot=1000", resolver: resolver).rootMapping == IDMapping(uid: 1000, gid: 1000))
        #expect(try rule("* / maproot=mfs", resolver: resolver).rootMapping == IDMapping(uid: 120, gid: 130))
        #expect(try rule("* / mapall=mfs:staff", resolver: resolver).allMapping == IDMapping(uid: 120, gid: 50))
        #expect(try rule("* / mapall=7:staff", resolver: resolver).allMapping == IDMapping(uid: 7, gid: 50))
        #expect(errors("* / maproot=2000", resolver: resolver).first?.message.contains("no user with uid 2000") == true)
        #expect(errors("* / maproot=nobody", resolver: resolver).first?.message == "bad option \"maproot\": no user named \"nobody\"")
        #expect(errors("* / maproot=0:wheel", resolver: resolver).first?.message == "bad option \"maproot\": no group named \"wheel\"")
    }

    @Test func namesWithoutAResolverAreRefused() {
        #expect(
            errors("* / maproot=nobody")
                == [.badOption(Self.at(1), option: "maproot", reason: "user names need a user database; give a numeric uid")])
        #expect(
            errors("* / mapall=0:staff")
                == [.badOption(Self.at(1), option: "mapall", reason: "group names need a group database; give a numeric gid")])
    }

    @Test func malformedMappings() {
        for option in ["maproot=", "maproot=:5", "maproot=5:", "mapall=4294967296:0", "mapall=0:4294967296"] {
            #expect(errors("* / \(option)").count == 1, "\(option)")
        }
        #expect(errors("* / mapall=4294967296:0").first?.message == "bad option \"mapall\": uid 4294967296 is above 4294967295")
    }

    @Test func passwordIsKeptOnlyAsItsDigest() throws {
        let parsed = try rule("* / password=hunter2")
        #expect(parsed.passwordDigest == passwordDigest("hunter2"))
        #expect(parsed.requiresPassword)
        #expect(try rule("* / password=a=b").passwordDigest == passwordDigest("a=b"))
    }

    @Test func emptyPasswordIsAnError() {
        #expect(errors("* / password=") == [.emptyPassword(Self.at(1))])
    }

    @Test func md5PasswordIsRefusedWithAReason() {
        let found = errors("* / md5pass=2ab96390c7dbe3439de74d0c9b0b1767")
        #expect(found == [.md5PasswordUnsupported(Self.at(1))])
        #expect(found.first?.message.contains("write password=") == true)
    }

    @Test func minimumVersion() throws {
        #expect(try rule("* / minversion=3.0.116").minVersion == ExportVersion(3, 0, 116))
        #expect(try rule("* / minversion=2").minVersion == ExportVersion(2, 0, 0))
        #expect(try rule("* / minversion=1.6").minVersion == ExportVersion(1, 6, 0))
        for bad in ["3.x", "256", "1.2.3.4", "", "1..2"] {
            #expect(errors("* / minversion=\(bad)").count == 1, "\(bad)")
        }
    }

    @Test func goalsAtAndPastTheirRange() throws {
        #expect(try rule("* / mingoal=1,maxgoal=9").minGoal == 1)
        #expect(try rule("* / mingoal=9").minGoal == 9)
        #expect(try rule("* / maxgoal=1").maxGoal == 1)
        #expect(errors("* / mingoal=0") == [.goalOutOfRange(Self.at(1), option: "mingoal", value: "0")])
        #expect(errors("* / maxgoal=10") == [.goalOutOfRange(Self.at(1), option: "maxgoal", value: "10")])
        #expect(errors("* / maxgoal=10").first?.message == "maxgoal=\"10\" is out of range 1...9")
        #expect(errors("* / mingoal=x") == [.badOption(Self.at(1), option: "mingoal", reason: "expected a goal, a digit 1...9")])
        #expect(
            errors("* / mingoal=5,maxgoal=3") == [.badOption(Self.at(1), option: "mingoal", reason: "mingoal 5 is above maxgoal 3")])
    }

    @Test func trashTimesInMooseFSForm() throws {
        #expect(try rule("* / mintrashtime=86400").minTrashTimeSeconds == 86_400)
        #expect(try rule("* / mintrashtime=2h30m").minTrashTimeSeconds == 9_000)
        #expect(try rule("* / maxtrashtime=2w").maxTrashTimeSeconds == 1_209_600)
        #expect(try rule("* / maxtrashtime=11d13h46m40s").maxTrashTimeSeconds == 1_000_000)
        #expect(try rule("* / maxtrashtime=4H").maxTrashTimeSeconds == 14_400)
        #expect(try rule("* / maxtrashretention=4294967295").maxTrashTimeSeconds == .max)
        #expect(try rule("* / mintrashretention=1s").minTrashTimeSeconds == 1)
        for bad in ["30m12h", "30m12", "50000d", "4294967296", "1x", "h", "", "1hh", "7102w"] {
            #expect(errors("* / mintrashtime=\(bad)").count == 1, "\(bad)")
        }
        #expect(errors("* / mintrashtime=2h,maxtrashtime=1h").first?.message.contains("is above maxtrashtime") == true)
    }

    @Test func unknownOptionsSuggestTheClosest() {
        #expect(errors("* / alldir") == [.badOption(Self.at(1), option: "alldir", reason: "unknown option; did you mean alldirs?")])
        #expect(errors("* / pasword=x").first?.message == "bad option \"pasword\": unknown option; did you mean password?")
        #expect(errors("* / umask=0022") == [.badOption(Self.at(1), option: "umask", reason: "unknown option")])
    }

    @Test func optionShapeErrors() {
        #expect(
            errors("* / rw,,alldirs")
                == [.badOption(Self.at(1), option: "", reason: "empty option (two commas in a row, or a comma at an end?)")])
        #expect(errors("* / rw,").count == 1)
        #expect(errors("* / rw=1") == [.badOption(Self.at(1), option: "rw", reason: "takes no value")])
        #expect(errors("* / maproot") == [.badOption(Self.at(1), option: "maproot", reason: "needs a value: maproot=...")])
        #expect(errors("* / rw,rw") == [.badOption(Self.at(1), option: "rw", reason: "given twice on this line")])
        #expect(errors("* / ro,readwrite") == [.badOption(Self.at(1), option: "readwrite", reason: "conflicts with ro on this line")])
        #expect(errors("* / password=a,md5pass=b").first?.message == "bad option \"md5pass\": conflicts with password on this line")
    }

    @Test func lineShapeErrors() {
        #expect(errors("*") == [.malformedLine(Self.at(1), reason: "expected ADDRESS DIRECTORY [OPTIONS]")])
        #expect(errors("* / rw, alldirs").first?.message.hasPrefix("unexpected text after the options") == true)
    }

    @Test func everyErrorOnEveryLineIsReportedInOrder() {
        let found = errors(
            """
            # exports
            10.0.0.300 relative rw,bogus,mingoal=0
            * / rw
            * / password=hunter2,maxgoal=x

            * . md5pass=00
            """)
        #expect(found.map(\.location.line) == [2, 2, 2, 2, 4, 6])
        #expect(
            found.map(\.description) == [
                "mfsexports.cfg:2: bad address \"10.0.0.300\": 300 is above 255",
                "mfsexports.cfg:2: bad directory \"relative\": expected . (the meta file system), / or an absolute path",
                "mfsexports.cfg:2: bad option \"bogus\": unknown option",
                "mfsexports.cfg:2: mingoal=\"0\" is out of range 1...9",
                "mfsexports.cfg:4: bad option \"maxgoal\": expected a goal, a digit 1...9",
                "mfsexports.cfg:6: " + ConfigError.md5PasswordUnsupported(Self.at(6)).message,
            ])
        #expect(!found.contains { $0.description.contains("hunter2") })
    }

    @Test func commentsBlankLinesAndTabs() throws {
        let exports = try Exports.parse(
            """
            # MooseFS sample
            *\t\t/\trw,alldirs,maproot=0   # everyone

            10.0.0.0/8  .  rw
            """, file: Self.file)
        #expect(exports.rules.map(\.line) == [2, 4])
        #expect(exports.rules[1].directory == .meta)
    }

    @Test func emptyFileAdmitsNobody() throws {
        let exports = try Exports.parse("# nothing\n", file: Self.file)
        #expect(exports.rules.isEmpty)
        #expect(exports.admit(address: ip("10.0.0.1"), directory: .root) == .denied)
    }

    @Test func sharedLimitsApplyToExportsToo() {
        let long = "* / #" + String(repeating: "c", count: ConfigLimits.maxLineBytes - 5)
        #expect(errors(long).isEmpty)
        #expect(errors(long + "a") == [.lineTooLong(Self.at(1), length: 4097, limit: 4096)])
    }
}
