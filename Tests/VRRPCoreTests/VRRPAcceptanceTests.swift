import Testing
import VRRPCore

/// RFC 5798 §7.1, the checks on a received advertisement, through a running backup: every
/// rejection is a named reason and changes nothing.
struct VRRPAcceptanceTests {
    static let peer = Fixture.higherPeer

    /// A backup a little after start, and its Master_Down_Timer deadline.
    func startedBackup() -> Harness {
        var harness = Harness()
        harness.send(.start)
        harness.now = t(1)
        return harness
    }

    func bytes(_ packet: VRRPPacket, from source: IPv4Address = peer) -> [UInt8] {
        packet.encoded(source: source)
    }

    /// Sends `event` and checks it was rejected for `reason` and nothing else happened.
    func expectRejected(_ event: VRRPEvent, _ reason: VRRPRejection, sourceLocation: SourceLocation = #_sourceLocation) {
        var harness = startedBackup()
        let deadline = harness.deadline(.masterDown)
        let out = harness.send(event)
        #expect(out == [.rejected(reason)], sourceLocation: sourceLocation)
        #expect(harness.deadline(.masterDown) == deadline, sourceLocation: sourceLocation)
        #expect(harness.state == .backup, sourceLocation: sourceLocation)
    }

    @Test func advertWithTTLNot255IsRejected() {
        let packet = Fixture.advert(priority: 200)
        expectRejected(.advertisementReceived(packet, source: Self.peer, ttl: 254), .ttlNot255(254))
        expectRejected(
            .packetReceived(bytes(packet), source: Self.peer, destination: .vrrpMulticastGroup, ttl: 1), .ttlNot255(1))
        expectRejected(.datagramReceived(ipv4Datagram(payload: bytes(packet), source: Self.peer, ttl: 64)), .ttlNot255(64))
    }

    @Test func advertOfOtherVirtualRouterIsRejected() {
        expectRejected(
            .advertisementReceived(Fixture.advert(priority: 200, vrid: 52), source: Self.peer, ttl: 255),
            .wrongVirtualRouterID(52))
        #expect(VRRPRejection.wrongVirtualRouterID(52).shouldLog == false)
    }

    @Test func ownAdvertisementIsRejected() {
        expectRejected(
            .advertisementReceived(Fixture.advert(priority: 100), source: Fixture.me, ttl: 255), .ownAdvertisement)
    }

    @Test func malformedPacketIsRejectedWithReason() {
        var corrupt = bytes(Fixture.advert(priority: 200))
        corrupt[2] = 201  // priority is the high byte of its 16-bit word: the sum grows by 0x100
        let received = UInt16(corrupt[6]) << 8 | UInt16(corrupt[7])
        expectRejected(
            .packetReceived(corrupt, source: Self.peer, destination: .vrrpMulticastGroup, ttl: 255),
            .malformedPacket(.badChecksum(received: received, computed: received &- 0x100)))
        var v2 = bytes(Fixture.advert(priority: 200))
        v2[0] = 0x21
        expectRejected(
            .packetReceived(v2, source: Self.peer, destination: .vrrpMulticastGroup, ttl: 255),
            .malformedPacket(.unsupportedVersion(2)))
        expectRejected(
            .packetReceived([0x31, 51], source: Self.peer, destination: .vrrpMulticastGroup, ttl: 255),
            .malformedPacket(.truncated(length: 2)))
        #expect(VRRPRejection.malformedPacket(.unsupportedVersion(2)).label == "version")
    }

    @Test func malformedDatagramIsRejectedWithReason() {
        let udp = ipv4Datagram(payload: bytes(Fixture.advert(priority: 200)), source: Self.peer, protocolNumber: 17)
        expectRejected(.datagramReceived(udp), .malformedDatagram(.notVRRP(protocolNumber: 17)))
        expectRejected(.datagramReceived([0x45, 0]), .malformedDatagram(.truncated(length: 2)))
    }

    @Test func validAdvertIsAcceptedOnEveryPath() {
        let packet = Fixture.advert(priority: 200)
        let events: [VRRPEvent] = [
            .advertisementReceived(packet, source: Self.peer, ttl: 255),
            .packetReceived(bytes(packet), source: Self.peer, destination: .vrrpMulticastGroup, ttl: 255),
            .datagramReceived(ipv4Datagram(payload: bytes(packet), source: Self.peer)),
        ]
        for event in events {
            var harness = startedBackup()
            #expect(harness.send(event).shape == ["arm(masterDown)"], "\(event)")
        }
    }

    @Test func addressListMismatchIsLoggedButAccepted() {
        var harness = startedBackup()
        let other = [IPv4Address(169, 254, 0, 200)]
        let out = harness.receive(Fixture.advert(priority: 200, addresses: other))
        #expect(out.first == .addressListMismatch(source: Self.peer, advertised: other))
        #expect(out.shape == ["addressListMismatch", "arm(masterDown)"])
        // The same addresses in another order are not a mismatch.
        var two = Harness(Fixture.configuration(addresses: [Fixture.vip, IPv4Address(169, 254, 0, 101)]))
        two.send(.start)
        let reordered = two.receive(Fixture.advert(priority: 200, addresses: [IPv4Address(169, 254, 0, 101), Fixture.vip]))
        #expect(reordered.shape == ["arm(masterDown)"])
    }

    @Test func rejectionsHaveStableLabelsAndDescriptions() {
        let reasons: [VRRPRejection] = [
            .malformedDatagram(.notIPv4(version: 6)), .ttlNot255(64), .malformedPacket(.noAddresses),
            .malformedPacket(.badChecksum(received: 1, computed: 2)), .wrongVirtualRouterID(9), .ownAdvertisement,
        ]
        #expect(reasons.map(\.label) == ["ipv4_header", "ttl", "length", "checksum", "vrid", "own"])
        #expect(reasons.allSatisfy { !$0.description.isEmpty })
    }
}
