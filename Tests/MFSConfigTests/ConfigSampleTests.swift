import MFSConfig
import Testing

/// The sample file rendered from a schema: its exact form, and that it parses back to defaults.
@Suite struct ConfigSampleTests {
    @Test func sampleHasHeaderDocFormAndCommentedDefault() {
        let schema = ConfigSchema(
            ConfigKey.integer("METADATA_SAVE_FREQ", default: 1, range: 1...24, doc: "Hours between metadata dumps."),
            ConfigKey.string("AUTH_CODE", default: "", doc: "Shared secret; empty means none."))
        #expect(
            schema.sample(header: "mfsmaster.cfg\n\nDefaults shown.") == """
                # mfsmaster.cfg
                #
                # Defaults shown.

                # Hours between metadata dumps.
                # Value: an integer in 1...24.
                # METADATA_SAVE_FREQ = 1

                # Shared secret; empty means none.
                # Value: text (without '#').
                # AUTH_CODE =

                """)
    }

    @Test func sampleAsRenderedSetsNothing() throws {
        let config = try TestConfig.parse(TestConfig.schema.sample(header: "test"))
        #expect(config.setKeys.isEmpty)
        #expect(config[TestConfig.dataPath] == "/var/lib/mfs")
    }

    @Test func uncommentedSampleSetsEveryKeyToItsDefault() throws {
        let sample = TestConfig.schema.sample(header: "test")
        let names = Set(TestConfig.schema.keys.map(\.name))
        let uncommented = sample.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            let body = line.dropFirst(2)
            let name = body.prefix { $0 != " " }
            return line.hasPrefix("# ") && names.contains(String(name)) && body.dropFirst(name.count).hasPrefix(" =")
                ? body : line
        }
        let config = try TestConfig.parse(uncommented.joined(separator: "\n"))
        #expect(config.setKeys == names.sorted())
        let defaults = TestConfig.schema.defaults
        #expect(config[TestConfig.saveFreq] == defaults[TestConfig.saveFreq])
        #expect(config[TestConfig.niceLevel] == -19)
        #expect(config[TestConfig.listenPort] == 9421)
        #expect(config[TestConfig.lockMemory] == false)
        #expect(config[TestConfig.authCode] == "")
        #expect(config[TestConfig.dataPath] == "/var/lib/mfs")
        #expect(config[TestConfig.listenHost] == "*")
        #expect(config[TestConfig.masterHost] == "mfsmaster")
        #expect(config[TestConfig.personality] == .active)
        #expect(config[TestConfig.mode] == "fsync")
        #expect(config[TestConfig.syncTimeout] == .seconds(1))
        #expect(config[TestConfig.leaveSpace] == 256 << 20)
        #expect(config[TestConfig.trackMaster] == HostPort(host: "127.0.0.1", port: 9428))
        #expect(config[TestConfig.peers] == [])
        #expect(config[TestConfig.virtualIPs] == defaults[TestConfig.virtualIPs])
    }

    @Test func defaultsAreWrittenInTheirPlainestForm() {
        let texts = Dictionary(uniqueKeysWithValues: TestConfig.schema.keys.map { ($0.name, $0.defaultText) })
        #expect(texts["SYNC_TIMEOUT"] == "1s")
        #expect(texts["HDD_LEAVE_SPACE_DEFAULT"] == "256MiB")
        #expect(texts["LOCK_MEMORY"] == "0")
        #expect(texts["TRACK_MASTER"] == "127.0.0.1:9428")
        #expect(texts["VIRTUAL_IPS"] == "169.254.0.100/16")
        #expect(texts["NICE_LEVEL"] == "-19")
    }

    @Test func everyKeyDocumentsItsForm() {
        let expected = Dictionary(uniqueKeysWithValues: TestConfig.schema.keys.map { ($0.name, $0.expected) })
        #expect(expected["SYNC_TIMEOUT"] == "a duration in 100ms...1h (a whole number with unit ms, s, m, h or d; no unit: seconds)")
        #expect(
            expected["HDD_LEAVE_SPACE_DEFAULT"]
                == "a size in 0...1TiB (bytes, or with k, M, G, T, P, E: powers of 1000, or Ki … Ei: powers of 1024; "
                + "a fraction and a final B allowed)")
        #expect(expected["PERSONALITY"] == "one of active, follower")
        #expect(expected["MATOCL_LISTEN_HOST"] == "a host name or IPv4 address, or * for any address")
    }

    @Test func aDefaultOutsideItsRangeIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = ConfigSchema(ConfigKey.integer("X", default: 0, range: 1...2, doc: "x"))
        }
    }

    @Test func aKeyDeclaredTwiceIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            let key = ConfigKey.boolean("X", default: true, doc: "x")
            _ = ConfigSchema(key, key)
        }
    }
}
