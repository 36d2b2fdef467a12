import MooseWire
import Testing

/// Seeded random input: every outcome is a frame, a message or a `MooseWireError`, never a
/// trap; and whatever decodes re-encodes to the very bytes it came from (one encoding per value).
@Suite struct FuzzTests {
    static let knownTypes: [UInt32] = [
        0, 1, 2, 10, 11, 80, 81, 100, 101, 102, 103, 104, 105, 106, 107, 109, 110, 111, 120, 121, 130, 131, 140, 141, 150, 151, 152,
        153, 160, 161, 170, 171, 200, 201, 202, 210, 211, 212, 213, 250, 251, 300, 301, 302, 303, 530, 531, 0x6D66_7301, 0x6D66_7302,
    ]

    /// Checks one frame; returns whether it decoded.
    @discardableResult
    func check(_ frame: MooseFrame, seed: UInt64) -> Bool {
        do throws(MooseWireError) {
            let encoded = try decodeAny(frame)
            #expect(
                encoded == frame.encode(), "seed \(seed): \(frame.type) of \(frame.payload.count) bytes decoded but re-encoded differently")
            return true
        } catch {
            _ = error.description
            return false
        }
    }

    @Test(arguments: 0..<8)
    func randomStreamsThroughTheDecoder(seedIndex: Int) throws {
        let seed = UInt64(0x5EED_0000 + seedIndex)
        var random = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            var decoder = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.dataPortFrame)
            // Mostly plausible headers (a known type and a small length), then noise.
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let type =
                    Bool.random(using: &random)
                    ? Self.knownTypes.randomElement(using: &random)! : UInt32.random(in: 0...UInt32.max, using: &random)
                let length = Int.random(in: 0...80, using: &random)
                stream += be(type) + be(UInt32(length)) + (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            stream += (0..<Int.random(in: 0...32, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var index = 0
            while index < stream.count {
                let piece = Int.random(in: 1...64, using: &random)
                decoder.append(stream[index..<min(index + piece, stream.count)])
                index += piece
                do throws(MooseWireError) {
                    while let frame = try decoder.next() { check(frame, seed: seed) }
                } catch {
                    guard case .lengthTooLarge = error else { Issue.record("seed \(seed): decoder threw \(error)"); return }
                    break
                }
            }
        }
    }

    /// Captured frames with bytes flipped, cut or added: close to real, so they reach the deep
    /// checks (counts, lengths, sizes).
    @Test(arguments: 0..<8)
    func mutatedCaptures(seedIndex: Int) {
        let seed = UInt64(0xF1_0000 + seedIndex)
        var random = SeededGenerator(seed: seed)
        let frames = Fixtures.names.map { Fixtures.frame($0) }
        var decoded = 0
        for _ in 0..<2_000 {
            var frame = frames.randomElement(using: &random)!
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !frame.payload.isEmpty:
                let at = Int.random(in: 0..<frame.payload.count, using: &random)
                frame.payload[at] ^= UInt8.random(in: 1...255, using: &random)
            case 1 where !frame.payload.isEmpty:
                frame.payload.removeLast(Int.random(in: 1...frame.payload.count, using: &random))
            case 2:
                frame.payload += (0..<Int.random(in: 1...20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            default:
                frame.type = MooseMessageType(Self.knownTypes.randomElement(using: &random)!)
            }
            if check(frame, seed: seed) { decoded += 1 }
        }
        #expect(decoded > 0, "seed \(seed): nothing decoded, the mutations are too coarse to test anything")
    }
}
