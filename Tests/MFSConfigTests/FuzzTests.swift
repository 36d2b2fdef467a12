import MFSConfig
import Testing

/// Random lines never trap either parser, and every error reported lies within the file and
/// comes in line order. Lines are built three ways: well-shaped lines from pools of good and bad
/// parts (to reach the value and option parsers), concatenated fragments, and raw bytes.
@Suite struct FuzzTests {
    static let keys = TestConfig.schema.keys.map(\.name) + ["data_path", "X", "METADATA_SAVE_FRQ"]
    static let values = [
        "1", "24", "25", "0", "-19", "-21", "027", "99999999999999999999", "yes", "No", "true", "", "/var/lib/mfs",
        "relative", "100ms", "99ms", "1h", "2h", "5x", "1.5", "256MiB", "256MB", "1T", "2T", "mfsmaster", "*",
        "10.0.0.1:9428", "h:0", "[::1]:1", "a,b:2", "a,,b", "169.254.0.1/16, 10.0.0.1", "10.0.0.1/33", "active",
        "Follower", "fsync", "a = b", "é", "\u{202E}x",
    ]
    static let fragments = [
        "=", " = ", "#", " ", "\t", ",", ":", "/", ".", "-", "\r", "\u{0}", "\u{1B}", "é", "\u{FFFD}", "DATA_PATH", "1",
    ]

    static let addresses = [
        "*", "10.0.0.1", "10.0.0.0/8", "10.0.0.0/0", "1.2.3.4/32", "10.0.0.0/33", "10.0.0.0/255.255.0.0",
        "10.0.0.0/255.0.255.0", "10.0.0.1-10.0.0.9", "10.0.0.9-10.0.0.1", "010.0.0.1", "x", "10.0.0",
    ]
    static let directories = ["/", "/a", "/a/b", ".", "/..", "a", "//a//", "/a/./b"]
    static let options = [
        "ro", "rw", "readonly", "readwrite", "alldirs", "maproot=0", "maproot=0:0", "maproot=999:999", "maproot=root",
        "mapall=1000:1000", "mapall=1000", "password=secret", "password=", "md5pass=abc", "minversion=3.0.116",
        "minversion=x", "mingoal=1", "mingoal=0", "mingoal=9", "maxgoal=9", "maxgoal=10", "maxgoal=1",
        "mintrashtime=2h30m", "maxtrashtime=30m12h", "mintrashtime=4294967296", "maxtrashtime=1w", "ignoregid",
        "dynamicip", "admin", "", "bogus", "rw=1", "maproot", "maproot=99999999999",
    ]

    static func pick(_ pool: [String], _ random: inout SeededGenerator) -> String { pool.randomElement(using: &random)! }

    static func rawOrFragments(_ random: inout SeededGenerator) -> [UInt8] {
        if Bool.random(using: &random) {
            return (0..<Int.random(in: 0..<40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                .filter { $0 != UInt8(ascii: "\n") }
        }
        var text = ""
        for _ in 0..<Int.random(in: 0..<8, using: &random) { text += pick(fragments + keys, &random) }
        if Int.random(in: 0..<100, using: &random) == 0 { text += String(repeating: "x", count: ConfigLimits.maxLineBytes) }
        return Array(text.utf8)
    }

    static func configLine(_ random: inout SeededGenerator) -> [UInt8] {
        guard Int.random(in: 0..<4, using: &random) > 0 else { return rawOrFragments(&random) }
        let comment = Bool.random(using: &random) ? "" : " # " + pick(values, &random)
        return Array("\(pick(keys, &random)) = \(pick(values, &random))\(comment)".utf8)
    }

    static func exportsLine(_ random: inout SeededGenerator) -> [UInt8] {
        guard Int.random(in: 0..<4, using: &random) > 0 else { return rawOrFragments(&random) }
        let count = Int.random(in: 0..<5, using: &random)
        let chosen = (0..<count).map { _ in pick(options, &random) }.joined(separator: ",")
        let text = "\(pick(addresses, &random))\t\(pick(directories, &random)) \(chosen)"
        return Array(text.utf8)
    }

    static func checkReport(_ errors: ConfigErrors, lineCount: Int, seed: UInt64) {
        #expect(!errors.errors.isEmpty, "seed \(seed)")
        #expect(errors.errors.count <= ConfigLimits.maxReportedErrors, "seed \(seed)")
        let lines = errors.errors.map(\.location.line)
        #expect(lines.allSatisfy { (1...lineCount).contains($0) }, "seed \(seed)")
        #expect(lines == lines.sorted(), "seed \(seed)")
        #expect(!errors.errors.contains { $0.description.contains("secret") }, "seed \(seed): a password in a message")
    }

    /// 20,000 lines per seed: 10,000 alone and 10,000 as 200 files of 50.
    @Test(arguments: [UInt64(1), 0x5EED])
    func randomConfigLinesNeverTrap(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var parsed = 0
        for _ in 0..<10_000 {
            do {
                _ = try TestConfig.schema.parse(bytes: Self.configLine(&random), file: "fuzz.cfg")
                parsed += 1
            } catch {
                FuzzTests.checkReport(error, lineCount: 1, seed: seed)
            }
        }
        for _ in 0..<200 {
            var file: [UInt8] = []
            for _ in 0..<50 { file += FuzzTests.configLine(&random) + [UInt8(ascii: "\n")] }
            do {
                _ = try TestConfig.schema.parse(bytes: file, file: "fuzz.cfg")
            } catch {
                FuzzTests.checkReport(error, lineCount: 50, seed: seed)
            }
        }
        #expect(parsed > 1_000, "seed \(seed): too few lines parse, so the value parsers are barely reached")
    }

    @Test(arguments: [UInt64(2), 0xE4907])
    func randomExportsLinesNeverTrap(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var admitted = 0
        for _ in 0..<10_000 {
            do {
                let exports = try Exports.parse(bytes: Self.exportsLine(&random), file: "fuzz.cfg")
                let address = IPv4Address(rawValue: UInt32.random(in: 0x0A00_0000...0x0A00_000F, using: &random))
                let directory = ExportDirectory(mountPath: FuzzTests.pick(["/", "/a", "/a/b", "/c"], &random))!
                if case .admitted(let rule) = exports.admit(address: address, directory: directory) {
                    #expect(rule.covers(address: address, directory: directory, clientVersion: nil), "seed \(seed)")
                    admitted += 1
                }
            } catch {
                FuzzTests.checkReport(error, lineCount: 1, seed: seed)
            }
        }
        for _ in 0..<200 {
            var file: [UInt8] = []
            for _ in 0..<50 { file += FuzzTests.exportsLine(&random) + [UInt8(ascii: "\n")] }
            do {
                _ = try Exports.parse(bytes: file, file: "fuzz.cfg")
            } catch {
                FuzzTests.checkReport(error, lineCount: 50, seed: seed)
            }
        }
        #expect(admitted > 100, "seed \(seed): too few lines admit anyone, so matching is barely reached")
    }
}
