import MFSCore
import MFSWire
import Testing

/// Seeded mutations of valid frames of every type, and random bytes: nothing traps, and
/// whatever decodes re-encodes to exactly the bytes it came from (so it decodes to the same
/// value again). Eight seeds of 12,500 mutations each (100,000 in all) run in parallel.
@Suite struct FuzzTests {
    static let seeds: [UInt64] = (0..<8).map { 0xF022_0000 + $0 }
    static let mutationsPerSeed = 12_500
    static let randomBuffersPerSeed = 4_000
    static let corpusSize = 400

    /// Every frame type, known to this version, and a few that are not.
    static let types: [MessageType] =
        ClientToMaster.all.map(\.0) + MasterToClient.all.map(\.0) + [AnyToMaster.hello, MasterToAny.hello]
        + PeerToMaster.all.map(\.0) + MasterToPeer.all.map(\.0) + VoteMessages.all.map(\.0)
        + [MessageType(0), MessageType(400), MessageType(.max)]

    struct Mutator {
        var generator: MessageGenerator
        var rng: SplitMix64 {
            get { generator.rng }
            set { generator.rng = newValue }
        }

        mutating func int(_ range: ClosedRange<Int>) -> Int { generator.int(range) }

        /// Values that break lengths, counts, ids and names.
        static let interesting: [[UInt8]] = [
            [0], [1], [0xFF], [0x7F], [0x80], [0x2F], [0x2E], [0x00, 0x00], [0xFF, 0xFF], [0x04, 0x01], [0x10, 0x01],
            [0x10, 0x00], [0x00, 0x00, 0x00, 0x00], [0xFF, 0xFF, 0xFF, 0xFF], [0x00, 0x10, 0x00, 0x01],
            [0x80, 0x00, 0x00, 0x00], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        ]

        static func setLength(_ bytes: inout [UInt8], _ length: UInt32) {
            for k in 0..<4 { bytes[4 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(k))) }
        }

        static func fixLength(_ bytes: inout [UInt8]) { setLength(&bytes, UInt32(bytes.count - 8)) }

        mutating func mutate(_ original: [UInt8]) -> [UInt8] {
            var bytes = original
            let payloadCount = bytes.count - 8
            switch int(0...9) {
            case 0:  // bit flips anywhere, header included
                for _ in 0..<int(1...4) {
                    let bit = int(0...(bytes.count * 8 - 1))
                    bytes[bit / 8] ^= 1 << UInt8(bit % 8)
                }
            case 1:  // cut short, header unchanged: the decoder must wait
                bytes.removeLast(int(1...bytes.count))
            case 2:  // cut short with a matching header: the payload decoder must refuse
                bytes.removeLast(int(0...payloadCount))
                Self.fixLength(&bytes)
            case 3:  // a wrong length
                let length = int(0...3) == 0 ? UInt32.random(in: 0...UInt32.max, using: &rng) : UInt32(max(0, payloadCount + int(-8...8)))
                Self.setLength(&bytes, length)
                if int(0...1) == 0 { bytes += generator.bytes(0...16) }
            case 4, 5:  // out-of-range ids, counts, lengths and names in the payload
                guard payloadCount > 0 else { break }
                let value = Self.interesting[int(0...Self.interesting.count - 1)]
                let at = 8 + int(0...payloadCount - 1)
                for (k, byte) in value.enumerated() where at + k < bytes.count { bytes[at + k] = byte }
            case 6:  // another type's payload
                let type = FuzzTests.types[int(0...FuzzTests.types.count - 1)].rawValue
                for k in 0..<4 { bytes[k] = UInt8(truncatingIfNeeded: type >> (24 - 8 * UInt32(k))) }
            case 7:  // bytes inserted
                bytes.insert(contentsOf: generator.bytes(1...8), at: 8 + int(0...payloadCount))
                Self.fixLength(&bytes)
            case 8:  // bytes deleted
                guard payloadCount > 0 else { break }
                let at = 8 + int(0...payloadCount - 1)
                bytes.removeSubrange(at..<min(bytes.count, at + int(1...8)))
                Self.fixLength(&bytes)
            default:  // several at once
                for _ in 0..<int(2...4) where bytes.count > 8 { bytes = mutate(bytes) }
                if bytes.count < 8 { bytes += [UInt8](repeating: 0, count: 8 - bytes.count) }
            }
            return bytes
        }
    }

    /// Feeds `bytes` in random pieces and checks every frame that comes out.
    static func feed(_ bytes: [UInt8], _ rng: inout SplitMix64, seed: UInt64) -> Int {
        var decoder = FrameDecoder()
        var decoded = 0
        var offset = 0
        while offset < bytes.count {
            // Pieces of up to a quarter of the input (at least 64 bytes): a few splits per frame.
            let end = min(bytes.count, offset + Int.random(in: 1...max(64, bytes.count / 4), using: &rng))
            decoder.append(bytes[offset..<end])
            offset = end
            do throws(WireError) {
                while let frame = try decoder.next() {
                    if checkCanonical(frame, seed: seed) { decoded += 1 }
                }
            } catch {
                return decoded  // a framing error ends the connection
            }
        }
        return decoded
    }

    @Test(arguments: seeds)
    func mutatedFramesNeverTrapAndDecodeCanonically(seed: UInt64) {
        var mutator = Mutator(generator: MessageGenerator(seed: seed))
        // A corpus of valid frames of every kind, made once: making random messages costs more
        // than mutating and decoding them.
        var corpus = (0..<MessageGenerator.requestKinds).map { mutator.generator.request(kind: $0).encode() }
        corpus += (0..<MessageGenerator.replyKinds).map { mutator.generator.reply(kind: $0).encode() }
        corpus += (0..<MessageGenerator.peerKinds).map { mutator.generator.peerMessage(kind: $0).encode() }
        corpus += (0..<Self.corpusSize).map { _ in mutator.generator.message().encode() }
        var decoded = 0
        for _ in 0..<Self.mutationsPerSeed {
            let original = corpus[mutator.int(0...corpus.count - 1)]
            let mutated = mutator.mutate(original)
            decoded += Self.feed(mutated, &mutator.rng, seed: seed)
            // The payload as a frame of its own, whatever the header claims.
            if mutated.count >= 8 {
                let type = mutated[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                checkCanonical(Frame(type: MessageType(type), payload: Array(mutated[8...])), seed: seed)
            }
        }
        // The mutations must reach the decoders' insides, not only their first checks.
        #expect(decoded > Self.mutationsPerSeed / 20, "seed \(seed): only \(decoded) mutated frames decoded")
    }

    @Test(arguments: seeds)
    func randomBytesNeverTrap(seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0xBAD_BEEF)
        for _ in 0..<Self.randomBuffersPerSeed {
            let count = Int.random(in: 0...96, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if count >= 8, Bool.random(using: &rng) {
                // A known type and a plausible length, so payload decoders see the noise.
                let type = Self.types[Int.random(in: 0..<Self.types.count, using: &rng)].rawValue
                for k in 0..<4 { bytes[k] = UInt8(truncatingIfNeeded: type >> (24 - 8 * UInt32(k))) }
                Mutator.fixLength(&bytes)
            }
            _ = Self.feed(bytes, &rng, seed: seed)
        }
    }
}
