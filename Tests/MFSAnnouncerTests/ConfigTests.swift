import Foundation
import MFSAnnouncer
import Testing
import VRRPCore

@Suite struct ConfigTests {
    func refusal(_ text: String, interfaces: FakeInterfaces = FakeInterfaces()) -> AnnouncerConfigError? {
        do {
            _ = try AnnouncerSettings.parse(text, path: "/etc/mfs/mfsannouncer.cfg", interfaces: interfaces)
            return nil
        } catch {
            return error
        }
    }

    /// The error for `key = value` on top of a valid file; the key is on the last line.
    func refusal(_ key: String, _ value: String) -> AnnouncerConfigError? {
        var text = Fixture.configText().split(separator: "\n").filter { !$0.hasPrefix("\(key) ") }.joined(separator: "\n")
        text += "\n\(key) = \(value)\n"
        return refusal(text)
    }

    func lineCount(_ text: String) -> Int { text.split(separator: "\n").count }

    @Test func aValidFileGivesTheSettings() throws {
        let text = """
            # comment
            INTERFACE = eth0
            VRID = 51   # trailing comment
            PRIORITY = 200
            ADVERT_INTERVAL_MS = 30
            VIRTUAL_IPS = 169.254.100.1/32, 169.254.100.2/24
            PREEMPT = 0
            PREEMPT_DELAY = 1.5
            UNICAST_PEERS = 169.254.0.20
            PROMOTE_HOOK = /usr/lib/mfs/mfs-promote --now
            HOOK_TIMEOUT = 0.25
            TRACK_MASTER = 1
            GARP_COUNT = 5
            GARP_INTERVAL_MS = 0
            STATUS_FILE = /run/mfs/a.status
            """
        let settings = try AnnouncerSettings.parse(text, path: "a.cfg", interfaces: FakeInterfaces())
        #expect(settings.interface == "eth0")
        #expect(settings.interfaceIndex == 7)
        #expect(settings.primaryAddress == Fixture.me)
        #expect(settings.virtualRouterID == 51)
        #expect(settings.priority == 200)
        #expect(settings.advertisementInterval == .milliseconds(30))
        #expect(settings.virtualIPs.map(\.description) == ["169.254.100.1/32", "169.254.100.2/24"])
        #expect(!settings.preempt)
        #expect(settings.preemptDelay == .milliseconds(1500))
        #expect(settings.unicastPeers == [Fixture.peer])
        #expect(settings.promoteHook == "/usr/lib/mfs/mfs-promote --now")
        #expect(settings.demoteHook == nil)
        #expect(settings.hookTimeout == .milliseconds(250))
        #expect(settings.trackMaster?.url == "http://127.0.0.1:9428/status")
        #expect(settings.trackMaster?.interval == .milliseconds(500))
        #expect(settings.gratuitousARPCount == 5)
        #expect(settings.gratuitousARPInterval == .zero)
        #expect(settings.statusFile == "/run/mfs/a.status")
    }

    @Test func defaultsApplyToAbsentKeys() throws {
        let settings = try AnnouncerSettings.parse(
            "INTERFACE = eth0\nVRID = 1\nVIRTUAL_IPS = 169.254.100.1/32\n", path: "a.cfg", interfaces: FakeInterfaces())
        #expect(settings.priority == 100)
        #expect(settings.advertisementInterval == .seconds(1))
        #expect(settings.preempt)
        #expect(settings.trackMaster == nil)
        #expect(settings.hookTimeout == .seconds(10))
        #expect(settings.gratuitousARPCount == 3)
        #expect(settings.statusFile == "/run/mfs/mfsannouncer.status")
    }

    @Test(arguments: ["0", "256", "-1", "x"])
    func vridOutside1To255IsRefusedWithFileAndLine(_ value: String) {
        let error = refusal("VRID", value)
        #expect(error?.line == lineCount(Fixture.configText()))
        #expect(error?.description.hasPrefix("/etc/mfs/mfsannouncer.cfg:\(lineCount(Fixture.configText())): VRID:") == true)
    }

    @Test(arguments: ["0", "256"])
    func priorityOutside1To255IsRefused(_ value: String) {
        let error = refusal("PRIORITY", value)
        #expect(error?.message == "PRIORITY: \(value) is outside 1-255")
        #expect(error?.line != nil)
    }

    @Test(arguments: ["0", "5", "40960", "100000"])
    func intervalOutside10msTo40950msIsRefused(_ value: String) {
        #expect(refusal("ADVERT_INTERVAL_MS", value)?.message == "ADVERT_INTERVAL_MS: \(value) is outside 10-40950")
    }

    @Test func intervalNotAMultipleOf10msIsRefused() {
        #expect(refusal("ADVERT_INTERVAL_MS", "15")?.message.contains("not a multiple of 10 ms") == true)
    }

    @Test func intervalLimitsAreAccepted() {
        #expect(refusal("ADVERT_INTERVAL_MS", "10") == nil)
        #expect(refusal("ADVERT_INTERVAL_MS", "40950") == nil)
    }

    @Test func unknownInterfaceIsRefused() {
        let error = refusal("INTERFACE", "mfsnosuch0")
        #expect(error?.message == "INTERFACE: there is no interface 'mfsnosuch0' (see `ip link`)")
        #expect(error?.line != nil)
    }

    @Test(arguments: ["fe80::1/64", "2001:db8::1", "169.254.100.1", "169.254.100/32", "169.254.100.1/33", "224.0.0.5/32"])
    func aVirtualIPThatIsNotAnIPv4AddressWithPrefixIsRefused(_ value: String) {
        let error = refusal("VIRTUAL_IPS", value)
        #expect(error?.message.hasPrefix("VIRTUAL_IPS: ") == true)
        #expect(error?.line != nil)
    }

    @Test func anIPv6VirtualIPSaysIPv4Only() {
        #expect(refusal("VIRTUAL_IPS", "fe80::1/64")?.message.contains("not an IPv4 address") == true)
    }

    @Test func duplicateVirtualIPsAreRefused() {
        #expect(refusal("VIRTUAL_IPS", "169.254.100.1/32,169.254.100.1/24")?.message.contains("twice") == true)
    }

    @Test func unknownKeyIsRefusedWithItsLine() {
        let error = refusal("INTERFACE = eth0\nVRID = 1\nVIRTAUL_IPS = 169.254.100.1/32\n")
        #expect(error?.description == "/etc/mfs/mfsannouncer.cfg:3: unknown key 'VIRTAUL_IPS'")
    }

    @Test func aKeySetTwiceIsRefused() {
        let error = refusal(Fixture.configText() + "VRID = 52\n")
        #expect(error?.message.contains("set twice (first on line 2)") == true)
    }

    @Test func aLineWithoutEqualsIsRefused() {
        #expect(refusal("INTERFACE eth0\n")?.description == "/etc/mfs/mfsannouncer.cfg:1: expected KEY = VALUE, got 'INTERFACE eth0'")
    }

    @Test func missingRequiredKeysAreNamed() {
        #expect(refusal("INTERFACE = eth0\nVRID = 1\n")?.message == "VIRTUAL_IPS: is required and not set")
        #expect(refusal("VRID = 1\nVIRTUAL_IPS = 169.254.100.1/32\n")?.message == "INTERFACE: is required and not set")
    }

    @Test func anInterfaceWithoutItsOwnAddressIsRefused() {
        let interfaces = FakeInterfaces(addresses: ["eth0": [Fixture.vip]])
        #expect(refusal(Fixture.configText(), interfaces: interfaces)?.message.contains("no IPv4 address of its own") == true)
    }

    @Test func aLeftoverVIPIsNotTakenAsThePrimaryAddress() throws {
        let interfaces = FakeInterfaces(addresses: ["eth0": [Fixture.vip, Fixture.me]])
        let settings = try AnnouncerSettings.parse(Fixture.configText(), path: "a.cfg", interfaces: interfaces)
        #expect(settings.primaryAddress == Fixture.me)
    }

    @Test(arguments: [
        ("PREEMPT", "yes"), ("PREEMPT_DELAY", "2000"), ("PREEMPT_DELAY", "1.2345"), ("HOOK_TIMEOUT", "0"),
        // Past Int.max / 1000 seconds: refused, not an overflow.
        ("PREEMPT_DELAY", "10000000000000000"), ("HOOK_TIMEOUT", "9223372036854775807"),
        ("TRACK_MASTER", "https://127.0.0.1/status"), ("TRACK_MASTER", "http://master.local:9428/status"),
        ("GARP_COUNT", "0"), ("UNICAST_PEERS", "169.254.0.10"), ("UNICAST_PEERS", "peer-b"), ("STATUS_FILE", "run/x"),
    ])
    func otherBadValuesAreRefused(_ key: String, _ value: String) {
        let error = refusal(key, value)
        #expect(error?.message.hasPrefix("\(key): ") == true, "\(key) = \(value): \(String(describing: error))")
        #expect(error?.line != nil)
    }

    @Test func trackMasterTakesAURL() throws {
        let settings = Fixture.settings(["TRACK_MASTER": "http://127.0.0.1:18080/health", "TRACK_MASTER_FALL": "1"])
        #expect(settings.trackMaster?.port == 18080)
        #expect(settings.trackMaster?.path == "/health")
        #expect(settings.trackMaster?.fall == 1)
    }

    /// The checked-in sample is rendered from the key table, so it documents every key.
    @Test func theSampleFileMatchesTheKeyTable() throws {
        let path = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        let sample = try String(contentsOfFile: "/\(path)/config/mfsannouncer.cfg.sample", encoding: .utf8)
        #expect(sample == AnnouncerConfigKeys.renderSample())
    }
}
