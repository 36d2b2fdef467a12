import Testing
import VRRPCore

/// Bad network input never traps (STYLE "Errors and bad input"): random and mutated bytes go
/// through both decoders and through a running instance.
struct FuzzTests {
    static let source = IPv4Address(169, 254, 0, 20)

    @Test func decodingRandomBytesNeverTraps() {
        let seed: UInt64 = 0xF022
        var random = SplitMix64(seed: seed)
        var decoded = 0
        for _ in 0..<100_000 {
            let bytes = randomBytes(&random)
            if (try? VRRPPacket.decode(bytes, source: Self.source, destination: .vrrpMulticastGroup)) != nil {
                decoded += 1
            }
            _ = try? IPv4Datagram.parse(bytes)
        }
        // A valid checksum by chance is about 1 in 65536 of the buffers that pass every other
        // check, so almost nothing decodes; the point is that nothing trapped.
        #expect(decoded < 100, "seed \(seed): \(decoded) random buffers decoded")
    }

    @Test func decodingMutatedAdvertisementsNeverTraps() {
        let seed: UInt64 = 0xF023
        var random = SplitMix64(seed: seed)
        let valid = VRRPPacket(
            virtualRouterID: 51, priority: 100, maximumAdvertisementIntervalCentiseconds: 100,
            addresses: [IPv4Address(169, 254, 0, 100), IPv4Address(169, 254, 0, 101)]
        ).encoded(source: Self.source)
        var roundTrips = 0
        for round in 0..<20_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = .random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) {
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            } else if bytes.count >= 8, Bool.random(using: &random) {
                // Signed again, as a sender with other field values would: these get past the
                // checksum, so the other checks and the round trip below are exercised too.
                bytes = withChecksum(bytes, source: Self.source, destination: .vrrpMulticastGroup)
            }
            do {
                let packet = try VRRPPacket.decode(bytes, source: Self.source, destination: .vrrpMulticastGroup)
                // Whatever decodes must encode back to the same bytes but for the reserved bits
                // (sent as zero, so the checksum is the one of the bytes without them).
                var normalized = bytes
                normalized[4] &= 0x0F
                normalized = withChecksum(normalized, source: Self.source, destination: .vrrpMulticastGroup)
                #expect(packet.encoded(source: Self.source) == normalized, "seed \(seed) round \(round)")
                roundTrips += 1
            } catch {
                _ = error.description
            }
        }
        #expect(roundTrips >= 2_000, "seed \(seed): only \(roundTrips) mutated advertisements decoded")
    }

    @Test func instanceSurvivesRandomDatagrams() {
        let seed: UInt64 = 0xF024
        var random = SplitMix64(seed: seed)
        var harness = Harness.servingMaster()
        for round in 0..<20_000 {
            var payload = randomBytes(&random)
            if payload.count >= 8 && Bool.random(using: &random) {
                payload[0] = 0x31
                payload[1] = 51
            }
            let datagram = ipv4Datagram(payload: payload, source: Self.source)
            let out = harness.send(.datagramReceived(datagram))
            #expect(out.rejections.count == 1, "seed \(seed) round \(round): \(out)")
        }
        #expect(harness.state == .master, "seed \(seed)")
    }

    private func randomBytes(_ random: inout SplitMix64) -> [UInt8] {
        let length = Int.random(in: 0...64, using: &random)
        return (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
