import MFSTestSupport
import VRRPCore

/// Addresses and configurations shared by the tests (all in 169.254.0.0/16, DESIGN §9).
enum Fixture {
    static let vip = IPv4Address(169, 254, 0, 100)
    static let me = IPv4Address(169, 254, 0, 10)
    static let higherPeer = IPv4Address(169, 254, 0, 20)
    static let lowerPeer = IPv4Address(169, 254, 0, 5)
    static let vrid = 51

    static func configuration(
        priority: Int = 100, interval: Duration = .seconds(1), preemptMode: Bool = true,
        preemptDelay: Duration = .zero, addresses: [IPv4Address] = [vip], primary: IPv4Address = me
    ) -> VRRPConfiguration {
        do {
            return try VRRPConfiguration(
                virtualRouterID: vrid, priority: priority, advertisementInterval: interval,
                virtualAddresses: addresses, primaryAddress: primary, preemptMode: preemptMode,
                preemptDelay: preemptDelay)
        } catch {
            fatalError("test configuration refused: \(error)")
        }
    }

    /// An advertisement as a peer of the fixture's virtual router would send it.
    static func advert(
        priority: UInt8, intervalCentiseconds: UInt16 = 100, vrid: UInt8 = 51, addresses: [IPv4Address] = [vip]
    ) -> VRRPPacket {
        VRRPPacket(
            virtualRouterID: vrid, priority: priority, maximumAdvertisementIntervalCentiseconds: intervalCentiseconds,
            addresses: addresses)
    }
}

/// `t(1.5)` is 1.5 s after the origin.
func t(_ seconds: Double) -> VRRPInstant { .origin + .milliseconds(Int64((seconds * 1000).rounded())) }

/// Plays the shell for one instance: remembers armed timers and the pending promotion, so a
/// test reads as a story ("start, let the master-down timer fire, finish the hook").
struct Harness {
    var instance: VRRPInstance
    var now: VRRPInstant = .origin
    var armed: [VRRPTimerKind: (timer: VRRPTimer, deadline: VRRPInstant)] = [:]
    var promotion: VRRPPromotionID? = nil

    init(_ configuration: VRRPConfiguration = Fixture.configuration()) {
        instance = VRRPInstance(configuration: configuration)
    }

    var state: VRRPState { instance.state }

    func deadline(_ kind: VRRPTimerKind) -> VRRPInstant? { armed[kind]?.deadline }

    @discardableResult
    mutating func send(_ event: VRRPEvent, at time: VRRPInstant? = nil) -> [VRRPDirective] {
        if let time { now = time }
        let out = instance.handle(event, now: now)
        for directive in out {
            switch directive {
            case .armTimer(let timer, let deadline): armed[timer.kind] = (timer, deadline)
            case .cancelTimer(let kind): armed[kind] = nil
            case .runPromoteHook(let id): promotion = id
            default: break
            }
        }
        return out
    }

    /// Fires the armed timer of `kind` at its deadline.
    @discardableResult
    mutating func fire(_ kind: VRRPTimerKind) -> [VRRPDirective] {
        guard let (timer, deadline) = armed[kind] else { fatalError("no \(kind) armed") }
        armed[kind] = nil
        return send(.timerFired(timer), at: deadline)
    }

    @discardableResult
    mutating func receive(
        _ packet: VRRPPacket, from source: IPv4Address = Fixture.higherPeer, ttl: UInt8 = 255,
        at time: VRRPInstant? = nil
    ) -> [VRRPDirective] {
        send(.advertisementReceived(packet, source: source, ttl: ttl), at: time)
    }

    @discardableResult
    mutating func finishPromotion(_ result: VRRPHookResult = .success, at time: VRRPInstant? = nil) -> [VRRPDirective] {
        guard let promotion else { fatalError("no promotion pending") }
        return send(.promoteHookFinished(promotion, result), at: time)
    }

    /// Start, take over after Master_Down_Interval, promote successfully: a serving master.
    static func servingMaster(_ configuration: VRRPConfiguration = Fixture.configuration()) -> Harness {
        var harness = Harness(configuration)
        harness.send(.start)
        harness.fire(.masterDown)
        harness.finishPromotion()
        return harness
    }
}

extension Array where Element == VRRPDirective {
    var transitions: [VRRPTransition] {
        compactMap { if case .transition(let transition) = $0 { transition } else { nil } }
    }

    var advertisedPriorities: [UInt8] {
        compactMap { if case .sendAdvertisement(let advert) = $0 { advert.priority } else { nil } }
    }

    var rejections: [VRRPRejection] {
        compactMap { if case .rejected(let reason) = $0 { reason } else { nil } }
    }

    func deadline(_ kind: VRRPTimerKind) -> VRRPInstant? {
        lazy.compactMap { if case .armTimer(let timer, let deadline) = $0, timer.kind == kind { deadline } else { nil } }
            .last
    }

    /// The directives with details dropped, to check order: "transition", "advert(0)", ...
    var shape: [String] {
        map { directive in
            switch directive {
            case .transition(let transition): "transition(\(transition.from)→\(transition.to))"
            case .sendAdvertisement(let advert): "advert(\(advert.priority))"
            case .runPromoteHook: "promote"
            case .addAddresses: "addVIP"
            case .sendGratuitousARP: "arp"
            case .removeAddresses: "removeVIP"
            case .runDemoteHook: "demote"
            case .armTimer(let timer, _): "arm(\(timer.kind == .advertisement ? "advertisement" : "masterDown"))"
            case .cancelTimer(let kind): "cancel(\(kind == .advertisement ? "advertisement" : "masterDown"))"
            case .rejected(let reason): "rejected(\(reason.label))"
            case .addressListMismatch: "addressListMismatch"
            }
        }
    }
}

/// The Internet checksum written the plain way (RFC 1071 §4.1), independent of the module's.
func referenceChecksum(_ words: [UInt8]) -> UInt16 {
    var sum: UInt32 = 0
    var index = 0
    while index + 1 < words.count {
        sum += UInt32(words[index]) << 8 + UInt32(words[index + 1])
        index += 2
    }
    if index < words.count { sum += UInt32(words[index]) << 8 }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

/// The VRRP checksum computed independently: IPv4 pseudo-header (source, destination, zero,
/// protocol 112, length) followed by the message with its checksum field zeroed.
func referenceVRRPChecksum(_ message: [UInt8], source: IPv4Address, destination: IPv4Address) -> UInt16 {
    var zeroed = message
    zeroed[6] = 0
    zeroed[7] = 0
    let pseudoHeader = source.octets + destination.octets + [0, 112, UInt8(message.count >> 8), UInt8(message.count & 0xFF)]
    return referenceChecksum(pseudoHeader + zeroed)
}

/// Writes `checksum` into a message's checksum field.
func withChecksum(_ message: [UInt8], source: IPv4Address, destination: IPv4Address) -> [UInt8] {
    var bytes = message
    let checksum = referenceVRRPChecksum(message, source: source, destination: destination)
    bytes[6] = UInt8(checksum >> 8)
    bytes[7] = UInt8(checksum & 0xFF)
    return bytes
}

/// The shared seeded generator (MFSTestSupport.SeededRandom, SplitMix64).
typealias SplitMix64 = SeededRandom

/// An IPv4 header + payload, as a raw socket delivers it, for the datagram path.
func ipv4Datagram(
    payload: [UInt8], source: IPv4Address, destination: IPv4Address = .vrrpMulticastGroup, ttl: UInt8 = 255,
    protocolNumber: UInt8 = 112
) -> [UInt8] {
    let total = 20 + payload.count
    var header: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0, 0, ttl, protocolNumber, 0, 0]
    header += source.octets + destination.octets
    return header + payload
}
