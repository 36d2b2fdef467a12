import Testing
import VRRPCore

/// `IPv4Address` parsing and order, and `IPv4Datagram` header checks.
struct IPv4Tests {
    @Test func parsesAndPrintsDottedQuad() {
        let address = IPv4Address("169.254.0.1")
        #expect(address == IPv4Address(169, 254, 0, 1))
        #expect(address?.rawValue == 0xA9FE_0001)
        #expect(address?.description == "169.254.0.1")
        #expect(IPv4Address("0.0.0.0")?.rawValue == 0)
        #expect(IPv4Address("255.255.255.255")?.rawValue == UInt32.max)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4.", "a.b.c.d", "01.2.3.4", "1.2.3.-4",
        " 1.2.3.4", "1.2.3.1000",
    ])
    func refusesMalformedDottedQuad(_ text: String) {
        #expect(IPv4Address(text) == nil, "\(text) parsed")
    }

    @Test func ordersNumericallyForTieBreaks() {
        // RFC 5798 §6.4.3 compares primary addresses as unsigned numbers.
        #expect(IPv4Address(10, 0, 0, 2) > IPv4Address(10, 0, 0, 1))
        #expect(IPv4Address(169, 254, 0, 1) > IPv4Address(10, 255, 255, 255))
        #expect(IPv4Address(200, 0, 0, 0) > IPv4Address(127, 255, 255, 255))
    }

    @Test func knowsUnusableHostAddresses() {
        for text in ["0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.18", "239.1.1.1", "240.0.0.1", "255.255.255.255"] {
            #expect(IPv4Address(text)?.isUsableHostAddress == false, "\(text)")
        }
        for text in ["169.254.0.1", "10.0.0.1", "223.255.255.254", "1.0.0.0"] {
            #expect(IPv4Address(text)?.isUsableHostAddress == true, "\(text)")
        }
    }

    static let payload: [UInt8] = [1, 2, 3, 4]
    static let source = IPv4Address(169, 254, 0, 20)

    @Test func parsesDatagramHeader() throws {
        let bytes = ipv4Datagram(payload: Self.payload, source: Self.source, ttl: 254)
        let datagram = try IPv4Datagram.parse(bytes + [0, 0])  // link-layer padding is ignored
        #expect(datagram.source == Self.source)
        #expect(datagram.destination == .vrrpMulticastGroup)
        #expect(datagram.ttl == 254)
        #expect(datagram.protocolNumber == 112)
        #expect(Array(datagram.payload) == Self.payload)
    }

    @Test func skipsHeaderOptions() throws {
        var bytes = ipv4Datagram(payload: Self.payload, source: Self.source)
        bytes[0] = 0x46  // IHL 6: one 4-byte option word
        bytes.insert(contentsOf: [0x94, 0x04, 0, 0], at: 20)  // Router Alert
        bytes[3] += 4
        #expect(Array(try IPv4Datagram.parse(bytes).payload) == Self.payload)
    }

    @Test func refusesBadHeaders() {
        let good = ipv4Datagram(payload: Self.payload, source: Self.source)
        #expect(throws: IPv4DatagramError.truncated(length: 19)) { try IPv4Datagram.parse(Array(good.prefix(19))) }
        var v6 = good
        v6[0] = 0x65
        #expect(throws: IPv4DatagramError.notIPv4(version: 6)) { try IPv4Datagram.parse(v6) }
        var shortIHL = good
        shortIHL[0] = 0x44
        #expect(throws: IPv4DatagramError.badHeaderLength(16)) { try IPv4Datagram.parse(shortIHL) }
        var longIHL = good
        longIHL[0] = 0x4F
        #expect(throws: IPv4DatagramError.badHeaderLength(60)) { try IPv4Datagram.parse(longIHL) }
        var longTotal = good
        longTotal[3] += 1
        #expect(throws: IPv4DatagramError.totalLengthMismatch(totalLength: 25, received: 24)) {
            try IPv4Datagram.parse(longTotal)
        }
        var shortTotal = good
        shortTotal[3] = 19
        #expect(throws: IPv4DatagramError.totalLengthMismatch(totalLength: 19, received: 24)) {
            try IPv4Datagram.parse(shortTotal)
        }
        let udp = ipv4Datagram(payload: Self.payload, source: Self.source, protocolNumber: 17)
        #expect(throws: IPv4DatagramError.notVRRP(protocolNumber: 17)) { try IPv4Datagram.parse(udp) }
    }
}
