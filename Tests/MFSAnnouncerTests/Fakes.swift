import MFSAnnouncer
import VRRPCore

/// Addresses for the shell tests (169.254.0.0/16 only, DESIGN §9).
enum Fixture {
    static let vip = IPv4Address(169, 254, 100, 1)
    static let me = IPv4Address(169, 254, 0, 10)
    static let peer = IPv4Address(169, 254, 0, 20)

    /// A configuration file's text with `overrides` replacing or adding keys.
    static func configText(_ overrides: [String: String] = [:]) -> String {
        var keys: [(String, String)] = [
            ("INTERFACE", "eth0"), ("VRID", "51"), ("PRIORITY", "100"), ("ADVERT_INTERVAL_MS", "100"),
            ("VIRTUAL_IPS", "169.254.100.1/32"),
        ]
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let at = keys.firstIndex(where: { $0.0 == key }) { keys[at].1 = value } else { keys.append((key, value)) }
        }
        return keys.map { "\($0.0) = \($0.1)" }.joined(separator: "\n") + "\n"
    }

    static func settings(_ overrides: [String: String] = [:]) -> AnnouncerSettings {
        do {
            return try AnnouncerSettings.parse(configText(overrides), path: "test.cfg", interfaces: FakeInterfaces())
        } catch {
            fatalError("fixture refused: \(error)")
        }
    }

    /// An advertisement from `source` as the raw socket would deliver it (IPv4 header included).
    static func datagram(priority: UInt8, from source: IPv4Address = peer, ttl: UInt8 = 255, vrid: UInt8 = 51) -> [UInt8] {
        let packet = VRRPPacket(
            virtualRouterID: vrid, priority: priority, maximumAdvertisementIntervalCentiseconds: 10, addresses: [vip])
        let payload = packet.encoded(source: source, destination: .vrrpMulticastGroup)
        let length = 20 + payload.count
        var header: [UInt8] = [0x45, 0xC0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, 0, 0, ttl, 112, 0, 0]
        header += source.octets + IPv4Address.vrrpMulticastGroup.octets
        return header + payload
    }
}

/// `eth0` with 169.254.0.10 (and, if left over by a predecessor, the VIP listed first).
struct FakeInterfaces: InterfaceDirectory {
    var addresses: [String: [IPv4Address]] = ["eth0": [Fixture.me]]

    func index(of interface: String) -> Int32? { addresses[interface] == nil ? nil : 7 }
    func ipv4Addresses(of interface: String) -> [IPv4Address] { addresses[interface] ?? [] }
}

/// What the shell asked of the I/O, in order.
enum Operation: Hashable, CustomStringConvertible {
    case advertise(priority: UInt8)
    case add(String)
    case remove(String)
    case arp(String)
    case startHook(String, event: String)
    case kill(Int32)

    var description: String {
        switch self {
        case .advertise(let priority): "advertise(\(priority))"
        case .add(let address): "add(\(address))"
        case .remove(let address): "remove(\(address))"
        case .arp(let address): "arp(\(address))"
        case .startHook(let command, let event): "hook(\(command), \(event))"
        case .kill(let pid): "kill(\(pid))"
        }
    }
}

final class RecordingIO: AnnouncerIO {
    var operations: [Operation] = []
    var nextProcessID: Int32 = 1000
    var failHookStart = false
    var failAdd = false

    func sendAdvertisement(_ advertisement: VRRPAdvertisement) throws(AnnouncerIOError) {
        operations.append(.advertise(priority: advertisement.priority))
    }

    func addAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError) {
        operations.append(.add("\(address)"))
        if failAdd { throw AnnouncerIOError("no such device") }
    }

    func removeAddress(_ address: VirtualIPAddress) throws(AnnouncerIOError) { operations.append(.remove("\(address)")) }

    func sendGratuitousARP(for address: IPv4Address) throws(AnnouncerIOError) { operations.append(.arp("\(address)")) }

    func startHook(_ command: String, environment: [String: String]) throws(AnnouncerIOError) -> Int32 {
        if failHookStart { throw AnnouncerIOError("cannot fork") }
        operations.append(.startHook(command, event: environment["MFS_ANNOUNCER_EVENT"] ?? "?"))
        nextProcessID += 1
        return nextProcessID
    }

    func killHookProcessGroup(_ processID: Int32) { operations.append(.kill(processID)) }

    /// The operations since the last call.
    func take() -> [Operation] {
        defer { operations = [] }
        return operations
    }
}

final class RecordingLog: AnnouncerLogSink {
    var lines: [(LogLevel, String)] = []
    func log(_ level: LogLevel, _ message: String) { lines.append((level, message)) }
    func contains(_ text: String) -> Bool { lines.contains { $0.1.contains(text) } }
    func count(containing text: String) -> Int { lines.filter { $0.1.contains(text) }.count }
}

/// `t(1.5)` is 1.5 s after the origin.
func t(_ seconds: Double) -> VRRPInstant { .origin + .milliseconds(Int64((seconds * 1000).rounded())) }
