/// Receiving advertisements: the checks of RFC 5798 §7.1, then the state's rules.
extension VRRPInstance {
    mutating func receiveDatagram(_ bytes: [UInt8], now: VRRPInstant, _ out: inout [VRRPDirective]) {
        let datagram: IPv4Datagram
        do {
            datagram = try IPv4Datagram.parse(bytes)
        } catch {
            out.append(.rejected(.malformedDatagram(error)))
            return
        }
        receivePacket(
            datagram.payload, source: datagram.source, destination: datagram.destination, ttl: datagram.ttl,
            now: now, &out)
    }

    mutating func receivePacket(
        _ bytes: some Collection<UInt8>, source: IPv4Address, destination: IPv4Address, ttl: UInt8,
        now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        // §7.1: the TTL check comes first, before any work on the payload.
        guard ttl == VRRPPacket.requiredTTL else {
            out.append(.rejected(.ttlNot255(ttl)))
            return
        }
        let packet: VRRPPacket
        do {
            // §7.1: "MUST verify that the VRRP version is 3", "... contains the complete VRRP
            // packet", "MUST verify the VRRP checksum" (inside the decoder).
            packet = try VRRPPacket.decode(bytes, source: source, destination: destination)
        } catch {
            out.append(.rejected(.malformedPacket(error)))
            return
        }
        receiveAdvertisement(packet, source: source, ttl: ttl, now: now, &out)
    }

    /// The checks of §7.1 that need our configuration, then §6.4.2 or §6.4.3.
    mutating func receiveAdvertisement(
        _ packet: VRRPPacket, source: IPv4Address, ttl: UInt8, now: VRRPInstant, _ out: inout [VRRPDirective]
    ) {
        // §7.1: "If the received packet is an IPv4 packet, then the TTL MUST be 255".
        guard ttl == VRRPPacket.requiredTTL else {
            out.append(.rejected(.ttlNot255(ttl)))
            return
        }
        // §7.1: "MUST verify that the VRID is configured on the receiving interface".
        guard packet.virtualRouterID == configuration.virtualRouterID else {
            out.append(.rejected(.wrongVirtualRouterID(packet.virtualRouterID)))
            return
        }
        guard source != configuration.primaryAddress else {
            out.append(.rejected(.ownAdvertisement))
            return
        }
        // §7.1: "MAY verify that the IPvX address(es) associated with the VRID are valid ...
        // SHOULD log the event". Logged, not discarded (keepalived does the same): dropping a
        // live master's advertisements would make this backup take over, and two masters are
        // worse than a mislabelled one.
        if Set(packet.addresses) != Set(configuration.virtualAddresses) {
            out.append(.addressListMismatch(source: source, advertised: packet.addresses))
        }
        switch state {
        case .initialize: return  // §6.4.1: only Startup is handled before start.
        case .backup: backupReceived(packet, source: source, now: now, &out)
        case .master: masterReceived(packet, source: source, now: now, &out)
        }
    }
}
