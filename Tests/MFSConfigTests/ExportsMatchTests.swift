import MFSConfig
import Testing

/// Which rule admits a client: addresses, directories, MooseFS's preference among several
/// covering lines, passwords and versions.
@Suite struct ExportsMatchTests {
    func exports(_ text: String) throws -> Exports { try Exports.parse(text, file: "mfsexports.cfg") }

    func ip(_ text: String) -> IPv4Address { IPv4Address(text)! }

    func dir(_ path: String) -> ExportDirectory { ExportDirectory(mountPath: path)! }

    /// The line of the admitting rule, or nil.
    func admittedLine(_ exports: Exports, _ address: String, _ path: String = "/", proof: PasswordProof? = nil) -> Int? {
        if case .admitted(let rule) = exports.admit(address: ip(address), directory: dir(path), proof: proof) { return rule.line }
        return nil
    }

    @Test func slash32CoversOnlyItsAddress() throws {
        let e = try exports("10.0.0.5/32 /")
        #expect(admittedLine(e, "10.0.0.5") == 1)
        #expect(admittedLine(e, "10.0.0.4") == nil)
        #expect(admittedLine(e, "10.0.0.6") == nil)
    }

    @Test func slash0AndStarCoverEveryAddress() throws {
        for text in ["0.0.0.0/0 /", "* /", "1.2.3.4/0.0.0.0 /"] {
            let e = try exports(text)
            #expect(admittedLine(e, "0.0.0.0") == 1, "\(text)")
            #expect(admittedLine(e, "255.255.255.255") == 1, "\(text)")
        }
    }

    @Test func rangesIncludeBothEndsAndNothingPast() throws {
        let e = try exports("10.0.0.10-10.0.1.20 /")
        #expect(admittedLine(e, "10.0.0.10") == 1)
        #expect(admittedLine(e, "10.0.0.255") == 1)
        #expect(admittedLine(e, "10.0.1.20") == 1)
        #expect(admittedLine(e, "10.0.0.9") == nil)
        #expect(admittedLine(e, "10.0.1.21") == nil)
    }

    @Test func netmaskEdges() throws {
        let e = try exports("192.168.4.0/255.255.252.0 /")
        #expect(admittedLine(e, "192.168.4.0") == 1)
        #expect(admittedLine(e, "192.168.7.255") == 1)
        #expect(admittedLine(e, "192.168.3.255") == nil)
        #expect(admittedLine(e, "192.168.8.0") == nil)
    }

    @Test func withoutAlldirsOnlyTheExportedDirectory() throws {
        let e = try exports("* /data")
        #expect(admittedLine(e, "1.1.1.1", "/data") == 1)
        #expect(admittedLine(e, "1.1.1.1", "data/") == 1)
        #expect(admittedLine(e, "1.1.1.1", "/data/sub") == nil)
        #expect(admittedLine(e, "1.1.1.1", "/") == nil)
    }

    @Test func alldirsAdmitsSubdirectoriesButNotSiblingsWithTheSamePrefix() throws {
        let e = try exports("* /data alldirs")
        #expect(admittedLine(e, "1.1.1.1", "/data") == 1)
        #expect(admittedLine(e, "1.1.1.1", "/data/a/b") == 1)
        #expect(admittedLine(e, "1.1.1.1", "/database") == nil)
        #expect(admittedLine(e, "1.1.1.1", "/") == nil)
        let root = try exports("* / alldirs")
        #expect(admittedLine(root, "1.1.1.1", "/any/where") == 1)
    }

    @Test func metaMatchesOnlyMeta() throws {
        let e = try exports("* .\n* / alldirs")
        #expect(e.admit(address: ip("1.1.1.1"), directory: .meta) == .admitted(e.rules[0]))
        #expect(admittedLine(e, "1.1.1.1", "/") == 2)
        #expect(try exports("* / alldirs").admit(address: ip("1.1.1.1"), directory: .meta) == .denied)
    }

    @Test func mountPathsAreNormalizedAndMayNotClimb() {
        #expect(ExportDirectory(mountPath: "") == .root)
        #expect(ExportDirectory(mountPath: "//a///b//") == ExportDirectory(mountPath: "/a/b"))
        #expect(ExportDirectory(mountPath: "/a/../b") == nil)
        #expect(ExportDirectory(mountPath: "/a/./b") == nil)
        #expect(ExportDirectory(mountPath: "/" + String(repeating: "n", count: 256)) == nil)
    }

    @Test func noCoveringLineIsDenied() throws {
        let e = try exports("10.0.0.0/8 /")
        #expect(e.admit(address: ip("11.0.0.1"), directory: .root) == .denied)
    }

    @Test func readWriteIsPreferredOverAnEarlierReadOnlyLine() throws {
        // The common MooseFS file: read-only for all, read-write for the LAN.
        let e = try exports("* / ro\n10.0.0.0/8 / rw")
        #expect(admittedLine(e, "10.1.2.3") == 2)
        #expect(admittedLine(e, "192.168.0.1") == 1)
    }

    @Test func unmappedRootIsPreferredAmongReadWriteLines() throws {
        let e = try exports("* / rw\n* / rw,maproot=0")
        #expect(admittedLine(e, "1.1.1.1") == 2)
        // Read-write still outranks unmapped root.
        let f = try exports("* / rw\n* / ro,maproot=0")
        #expect(admittedLine(f, "1.1.1.1") == 1)
    }

    @Test func adminThenPasswordThenDeeperDirectoryBreakTies() throws {
        #expect(admittedLine(try exports("* / rw\n* / rw,admin"), "1.1.1.1") == 2)
        let digest = passwordDigest("pw")
        let challenge = [UInt8](repeating: 9, count: 32)
        let proof = PasswordProof(challenge: challenge, response: passwordResponse(secretDigest: digest, challenge: challenge))
        #expect(admittedLine(try exports("* / rw\n* / rw,password=pw"), "1.1.1.1", proof: proof) == 2)
        #expect(admittedLine(try exports("* / rw,alldirs\n* /a rw"), "1.1.1.1", "/a") == 2)
    }

    @Test func equalLinesGoToTheEarlierOne() throws {
        let e = try exports("10.0.0.0/8 / rw,mingoal=2\n10.0.0.0/16 / rw,mingoal=3")
        #expect(admittedLine(e, "10.0.0.1") == 1)
    }

    @Test func coveringListsLinesInFileOrder() throws {
        let e = try exports("* / ro\n11.0.0.0/8 / rw\n10.0.0.0/8 / rw\n* /x")
        #expect(e.covering(address: ip("10.0.0.1"), directory: .root).map(\.line) == [1, 3])
    }

    @Test func passwordLineWithoutProofAsksForOne() throws {
        let e = try exports("* / rw,password=secret")
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root) == .passwordRequired)
    }

    @Test func passwordLineWithAWrongProofIsABadPassword() throws {
        let e = try exports("* / rw,password=secret")
        let challenge = [UInt8](repeating: 3, count: 32)
        let wrong = PasswordProof(
            challenge: challenge, response: passwordResponse(secretDigest: passwordDigest("guess"), challenge: challenge))
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root, proof: wrong) == .badPassword)
    }

    @Test func passwordLineWithTheRightProofAdmits() throws {
        let e = try exports("* / rw,password=secret")
        let challenge = [UInt8](repeating: 3, count: 32)
        let right = PasswordProof(
            challenge: challenge, response: passwordResponse(secretDigest: passwordDigest("secret"), challenge: challenge))
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root, proof: right) == .admitted(e.rules[0]))
    }

    @Test func withoutTheRightPasswordAnOpenLineStillAdmits() throws {
        let e = try exports("* / rw,password=secret\n* / ro")
        #expect(admittedLine(e, "1.1.1.1") == 2)
        let challenge = [UInt8](repeating: 3, count: 32)
        let wrong = PasswordProof(challenge: challenge, response: [UInt8](repeating: 0, count: 32))
        #expect(admittedLine(e, "1.1.1.1", proof: wrong) == 2)
        let right = PasswordProof(
            challenge: challenge, response: passwordResponse(secretDigest: passwordDigest("secret"), challenge: challenge))
        #expect(admittedLine(e, "1.1.1.1", proof: right) == 1)
    }

    @Test func minimumVersionIsCheckedOnlyWhenTheClientSaysItsVersion() throws {
        let e = try exports("* / rw,minversion=3.0.100")
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root, clientVersion: ExportVersion(3, 0, 99)) == .denied)
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root, clientVersion: ExportVersion(3, 0, 100)) == .admitted(e.rules[0]))
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root, clientVersion: ExportVersion(4)) == .admitted(e.rules[0]))
        #expect(e.admit(address: ip("1.1.1.1"), directory: .root) == .admitted(e.rules[0]))
    }

    @Test func theAdmittingRuleCarriesTheSessionsTerms() throws {
        let e = try exports("10.0.0.0/8 /home rw,alldirs,maproot=0,mapall=1000:1000,mingoal=2,maxgoal=3,ignoregid")
        guard case .admitted(let rule) = e.admit(address: ip("10.9.9.9"), directory: dir("/home/ann")) else {
            Issue.record("not admitted")
            return
        }
        #expect(!rule.readOnly)
        #expect(!rule.rootIsMapped)
        #expect(rule.allMapping == IDMapping(uid: 1000, gid: 1000))
        #expect(rule.minGoal == 2 && rule.maxGoal == 3)
        #expect(rule.ignoreGID)
        #expect(!rule.requiresPassword)
    }
}
