import Testing
import VRRPCore

/// The codec of RFC 5798 §5.2: golden bytes, every rejection reason, round trips.
struct VRRPPacketTests {
    static let source = IPv4Address(169, 254, 0, 1)
    static let destination = IPv4Address.vrrpMulticastGroup

    /// VRID 51, priority 100, interval 100 cs (1 s), one address 169.254.0.100, sent from
    /// 169.254.0.1 to 224.0.0.18. Worked by hand:
    ///
    ///     31            version 3, type 1
    ///     33            VRID 51
    ///     64            priority 100
    ///     01            one address
    ///     00 64         rsvd 0, Max Adver Int 100 cs
    ///     35 76         checksum (below)
    ///     a9 fe 00 64   169.254.0.100
    ///
    /// Checksum: 16-bit words of the pseudo-header a9fe 0001 (source), e000 0012 (destination),
    /// 0070 (zero, protocol 112), 000c (length 12) and of the message 3133 6401 0064 0000 a9fe
    /// 0064 sum to 0x2ca87; folding the carry gives ca87 + 2 = ca89; its complement is 3576.
    static let golden: [UInt8] = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x35, 0x76, 0xA9, 0xFE, 0x00, 0x64]
    static let goldenPacket = VRRPPacket(
        virtualRouterID: 51, priority: 100, maximumAdvertisementIntervalCentiseconds: 100,
        addresses: [IPv4Address(169, 254, 0, 100)])

    @Test func encodesGoldenAdvertisement() {
        let bytes = Self.goldenPacket.encoded(source: Self.source, destination: Self.destination)
        #expect(bytes == Self.golden)
        // The same checksum from the plain reference implementation, and the receiver's check:
        // summing the whole message including its checksum gives zero.
        #expect(referenceVRRPChecksum(bytes, source: Self.source, destination: Self.destination) == 0x3576)
        let pseudoHeader = Self.source.octets + Self.destination.octets + [0, 112, 0, 12]
        #expect(referenceChecksum(pseudoHeader + bytes) == 0)
    }

    @Test func decodesGoldenAdvertisement() throws {
        let packet = try VRRPPacket.decode(Self.golden, source: Self.source, destination: Self.destination)
        #expect(packet == Self.goldenPacket)
        #expect(packet.maximumAdvertisementInterval == .seconds(1))
    }

    @Test func advertisementGoesToVRRPMulticastGroupByDefault() {
        #expect(Self.goldenPacket.encoded(source: Self.source) == Self.golden)
        #expect(IPv4Address.vrrpMulticastGroup.description == "224.0.0.18")
    }

    @Test func shorterThanFixedHeaderIsTruncated() {
        for length in 0..<8 {
            #expect(throws: VRRPPacketError.truncated(length: length)) {
                try VRRPPacket.decode(Self.golden.prefix(length), source: Self.source, destination: Self.destination)
            }
        }
    }

    @Test func versionOtherThanThreeIsRefused() {
        var bytes = Self.golden
        bytes[0] = 0x21  // a VRRPv2 advertisement
        #expect(throws: VRRPPacketError.unsupportedVersion(2)) { try decode(bytes) }
    }

    @Test func typeOtherThanAdvertisementIsRefused() {
        var bytes = Self.golden
        bytes[0] = 0x32
        #expect(throws: VRRPPacketError.unknownType(2)) { try decode(bytes) }
    }

    @Test func zeroAddressCountIsRefused() {
        let bytes = withChecksum(
            [0x31, 0x33, 0x64, 0x00, 0x00, 0x64, 0, 0], source: Self.source, destination: Self.destination)
        #expect(throws: VRRPPacketError.noAddresses) { try decode(bytes) }
    }

    @Test func addressCountMustMatchLength() {
        // Count says 2, one address present.
        var missing = Self.golden
        missing[3] = 2
        #expect(throws: VRRPPacketError.addressCountMismatch(count: 2, length: 12)) { try decode(missing) }
        // Trailing bytes after the last address.
        #expect(throws: VRRPPacketError.addressCountMismatch(count: 1, length: 14)) {
            try decode(Self.golden + [0, 0])
        }
        // An IPv6 advertisement: one 16-byte address.
        let ipv6 = Array(Self.golden.prefix(8)) + [UInt8](repeating: 0xFE, count: 16)
        #expect(throws: VRRPPacketError.addressCountMismatch(count: 1, length: 24)) { try decode(ipv6) }
    }

    @Test func badChecksumIsRefused() {
        var bytes = Self.golden
        bytes[2] = 101  // priority changed in transit: the word 6401 became 6501
        #expect(throws: VRRPPacketError.badChecksum(received: 0x3576, computed: 0x3476)) { try decode(bytes) }
    }

    @Test func checksumCoversThePseudoHeader() {
        #expect(throws: VRRPPacketError.self) {
            try VRRPPacket.decode(Self.golden, source: IPv4Address(169, 254, 0, 2), destination: Self.destination)
        }
        #expect(throws: VRRPPacketError.self) {
            try VRRPPacket.decode(Self.golden, source: Self.source, destination: IPv4Address(169, 254, 0, 100))
        }
    }

    @Test func zeroAdvertisementIntervalIsRefused() {
        var bytes = Self.golden
        bytes[5] = 0
        #expect(throws: VRRPPacketError.zeroAdvertisementInterval) {
            try decode(withChecksum(bytes, source: Self.source, destination: Self.destination))
        }
    }

    /// A VRID of 0 names no virtual router (§5.2.3): refused as malformed (and logged), never
    /// decoded into a packet that could not be encoded again.
    @Test func zeroVirtualRouterIDIsRefused() {
        var bytes = Self.golden
        bytes[1] = 0
        #expect(throws: VRRPPacketError.zeroVirtualRouterID) {
            try decode(withChecksum(bytes, source: Self.source, destination: Self.destination))
        }
        let rejection = VRRPRejection.malformedPacket(.zeroVirtualRouterID)
        #expect(rejection.label == "vrid_zero" && rejection.shouldLog)
        #expect(rejection.description == "virtual router ID 0, the range is 1…255 (RFC 5798 §7.1)")
    }

    @Test func reservedBitsAreIgnoredOnReceipt() throws {
        var bytes = Self.golden
        bytes[4] = 0xF0  // RFC 5798 §5.2.6: "MUST be ignored on receipt"
        let packet = try decode(withChecksum(bytes, source: Self.source, destination: Self.destination))
        #expect(packet.maximumAdvertisementIntervalCentiseconds == 100)
    }

    @Test func twelveBitIntervalLimitsRoundTrip() throws {
        for centiseconds: UInt16 in [1, 0x0FFF] {
            var packet = Self.goldenPacket
            packet.maximumAdvertisementIntervalCentiseconds = centiseconds
            let bytes = packet.encoded(source: Self.source)
            #expect(try decode(bytes) == packet)
        }
        #expect(Self.goldenPacket.maximumAdvertisementInterval == .milliseconds(1000))
    }

    @Test func maximumAddressCountRoundTrips() throws {
        var packet = Self.goldenPacket
        packet.addresses = (0..<VRRPLimits.maximumAddressCount).map { IPv4Address(rawValue: 0xA9FE_0100 + UInt32($0)) }
        let bytes = packet.encoded(source: Self.source)
        #expect(bytes.count == VRRPPacket.maximumLength)
        #expect(bytes.count == 1028)
        #expect(try decode(bytes) == packet)
    }

    @Test func randomPacketsRoundTrip() throws {
        let seed: UInt64 = 5798
        var random = SplitMix64(seed: seed)
        for round in 0..<2000 {
            let packet = VRRPPacket(
                virtualRouterID: .random(in: 1...255, using: &random), priority: .random(in: 0...255, using: &random),
                maximumAdvertisementIntervalCentiseconds: .random(in: 1...0x0FFF, using: &random),
                addresses: (0..<Int.random(in: 1...20, using: &random)).map { _ in
                    IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random))
                })
            let source = IPv4Address(rawValue: .random(in: 0...UInt32.max, using: &random))
            let bytes = packet.encoded(source: source)
            #expect(
                referenceVRRPChecksum(bytes, source: source, destination: Self.destination)
                    == UInt16(bytes[6]) << 8 | UInt16(bytes[7]), "seed \(seed) round \(round)")
            let decoded = try VRRPPacket.decode(bytes, source: source, destination: Self.destination)
            #expect(decoded == packet, "seed \(seed) round \(round)")
        }
    }

    @Test func errorsDescribeWhatWasSeen() {
        #expect(
            VRRPPacketError.badChecksum(received: 0x3576, computed: 0x0a0b).description
                == "bad checksum 0x3576, expected 0x0a0b")
        #expect(
            VRRPPacketError.addressCountMismatch(count: 2, length: 12).description
                == "address count 2 needs 16 bytes, got 12")
    }

    private func decode(_ bytes: [UInt8]) throws(VRRPPacketError) -> VRRPPacket {
        try VRRPPacket.decode(bytes, source: Self.source, destination: Self.destination)
    }
}
