import MFSTestSupport
import MooseClientWire
import MooseWire
import Testing

/// Truncated, extended and random input: always a value or a typed error, never a trap; and
/// whatever decodes re-encodes to the same bytes.
@Suite struct FuzzTests {
    @Test(arguments: Fixtures.names)
    func everyPrefixAndExtensionOfACaptureIsAValueOrAnError(_ name: String) {
        let frame = Fixtures.frame(name)
        let decode = name.hasPrefix("request-") ? roundTripRequest : roundTripReply
        var payloads = (0..<frame.payload.count).map { Array(frame.payload.prefix($0)) }
        payloads.append(frame.payload + [0])
        payloads.append(frame.payload + [0xFF, 0xFF, 0xFF, 0xFF])
        for payload in payloads {
            let mutated = MooseFrame(type: frame.type, payload: payload)
            if let bytes = try? decode(mutated) { #expect(bytes == mutated.encode(), "\(name), \(payload.count) bytes") }
        }
    }

    /// `FuseRequest.decodes` (a switch, asked for every frame) names exactly `messageTypes`.
    @Test func requestTypeCheckAgreesWithTheList() {
        let listed = Set(FuseRequest.messageTypes.map(\.rawValue))
        for raw in UInt32(0)...2_000 { #expect(FuseRequest.decodes(MooseMessageType(raw)) == listed.contains(raw), "type \(raw)") }
        for raw: UInt32 in [.max, 1 << 31, 0x1_0000 + 402] { #expect(!FuseRequest.decodes(MooseMessageType(raw))) }
    }

    @Test func randomPayloadsOfEveryTypeAreValuesOrErrors() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededRandom(seed: seed)
        let types = FuseRequest.messageTypes + FuseReply.messageTypes + [.fuseRegister, .fuseRegisterReply]
        var decoded = 0
        for _ in 0..<20_000 {
            let type = types.randomElement(using: &random)!
            let length = Int.random(in: 0...120, using: &random)
            var payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if type == .fuseRegister, payload.count >= 65 {
                payload.replaceSubrange(0..<64, with: FuseRegister.blob)
                payload[64] = UInt8.random(in: 1...6, using: &random)
            }
            let frame = MooseFrame(type: type, payload: payload)
            for decode in [roundTripRequest, roundTripReply] {
                if let bytes = try? decode(frame) {
                    decoded += 1
                    #expect(bytes == frame.encode(), "seed \(seed), type \(type)")
                }
            }
        }
        // Some of them decode (fixed-length ones of the right length), so the round trip ran.
        #expect(decoded > 0, "seed \(seed): nothing decoded")
    }

    @Test func capturesWithFlippedBytesAreValuesOrErrors() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededRandom(seed: seed)
        var decoded = 0
        for name in Fixtures.names {
            let frame = Fixtures.frame(name)
            guard !frame.payload.isEmpty else { continue }
            let decode = name.hasPrefix("request-") ? roundTripRequest : roundTripReply
            for _ in 0..<200 {
                var payload = frame.payload
                payload[Int.random(in: 0..<payload.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                let mutated = MooseFrame(type: frame.type, payload: payload)
                if let bytes = try? decode(mutated) {
                    decoded += 1
                    #expect(bytes == mutated.encode(), "seed \(seed), \(name)")
                }
            }
        }
        // Most flips land in a field any value of which decodes, so the round trip ran.
        #expect(decoded > 0, "seed \(seed): nothing decoded")
    }
}
