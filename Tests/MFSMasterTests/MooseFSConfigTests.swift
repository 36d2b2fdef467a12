import Foundation
import MFSConfig
import Testing

@testable import MFSMaster

/// An existing MooseFS 3.0 `mfsmaster.cfg` loads: the keys this master uses keep MooseFS's
/// meaning, the ones it does not are accepted with a notice, anything else is still an error.
@Suite struct MooseFSConfigTests {
    /// Debian's moosefs-master 3.0.117 sample (scripts/test.sh installs the package).
    static let debianSample = "/usr/share/doc/moosefs-master/examples/mfsmaster.cfg"

    static func parse(_ text: String) throws -> Configuration { try MasterKeys.schema.parse(text, file: "m.cfg") }

    /// The sample with every `# KEY = VALUE` line uncommented, as an operator who set them all.
    static func uncommentedSample() throws -> (text: String, keys: [String]) {
        let sample = try String(contentsOfFile: debianSample, encoding: .utf8)
        var keys: [String] = []
        let lines = sample.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("# "), let equals = line.firstIndex(of: "=") else { return String(line) }
            let key = line.dropFirst(2)[..<equals].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { return String(line) }
            keys.append(key)
            return String(line.dropFirst(2))
        }
        return (lines.joined(separator: "\n"), keys)
    }

    @Test func debiansSampleWithEveryKeySetLoads() throws {
        let (text, keys) = try Self.uncommentedSample()
        #expect(keys.count >= 50, "the sample sets \(keys.count) keys")
        let configuration = try Self.parse(text)
        try MasterSettings.check(configuration)
        let settings = MasterSettings(configuration, file: "m.cfg")
        let used = Set(configuration.setKeys)
        let ignored = Set(configuration.ignored.map(\.key))
        #expect(used.isDisjoint(with: ignored))
        #expect(used.union(ignored) == Set(keys), "every key of the sample is either used or ignored")
        #expect(ignored.contains("WORKING_USER") && ignored.contains("ATIME_MODE") && ignored.contains("TOPOLOGY_FILENAME"))
        // MooseFS's meanings, as the sample writes them.
        #expect(settings.metadataSaveFrequency == .seconds(3_600), "METADATA_SAVE_FREQ = 1 is hours")
        #expect(settings.sessionSustainSeconds == 86_400 && settings.chunkserverTimeoutSeconds == 10)
        #expect(settings.clientPort == 9421 && settings.chunkserverPort == 9420 && settings.authCode == "mfspassword")
        #expect(settings.registry.maxReplicationsInPerServer == 2 && settings.registry.maxReplicationsOutPerServer == 10)
        #expect(settings.ignoredSettings == configuration.ignored)
    }

    @Test func eachIgnoredKeyIsNoticedWithItsLineAndReason() throws {
        let configuration = try Self.parse("DATA_PATH = /var/lib/mfs\nWORKING_USER = mfs\n# x\nNICE_LEVEL = -19\n")
        #expect(configuration.ignored.map(\.key) == ["WORKING_USER", "NICE_LEVEL"])
        #expect(
            configuration.ignored.first?.description
                == "m.cfg:2: WORKING_USER = mfs is accepted and not used: the master runs as the user that starts it (systemd's User=, Group=)"
        )
        #expect(configuration.ignored.last?.location.line == 4)
    }

    @Test func unknownKeysAreStillErrors() {
        #expect {
            try Self.parse("WORKING_USERS = mfs\n")
        } throws: {
            "\($0)".contains("m.cfg:1") && "\($0)".contains("WORKING_USERS") && "\($0)".contains("WORKING_USER")
        }
        #expect(throws: (any Error).self) { try Self.parse("MATOCU_LISTEN_PORT = 9421\n") }
    }

    @Test func anIgnoredKeySetTwiceIsAnError() {
        #expect {
            try Self.parse("NICE_LEVEL = 1\nNICE_LEVEL = 2\n")
        } throws: {
            "\($0)".contains("m.cfg:2") && "\($0)".contains("NICE_LEVEL")
        }
    }

    @Test func replicationLimitsTakeOneValueOrMooseFSsFour() throws {
        #expect(MasterSettings(try Self.parse("CHUNKS_WRITE_REP_LIMIT = 5\n"), file: nil).registry.maxReplicationsInPerServer == 5)
        #expect(MasterSettings(try Self.parse("CHUNKS_WRITE_REP_LIMIT = 3,1,1,4\n"), file: nil).registry.maxReplicationsInPerServer == 3)
        #expect(
            MasterSettings(try Self.parse("CHUNKS_READ_REP_LIMIT = 1000, 5, 2, 5\n"), file: nil).registry.maxReplicationsOutPerServer
                == 1_000)
        for bad in ["3,1,1", "3,1,1,4,5", "3,,1,4", "1001", "3,1,1001,4", "0,1,1,4", "x"] {
            #expect(throws: (any Error).self, "\(bad)") { try Self.parse("CHUNKS_WRITE_REP_LIMIT = \(bad)\n") }
        }
    }
}
