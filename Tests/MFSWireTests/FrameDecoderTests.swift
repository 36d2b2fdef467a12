import MFSCore
import MFSWire
import Testing

@Suite struct FrameDecoderTests {
    /// A stream of `count` random valid messages, and the frames in it.
    func stream(seed: UInt64, count: Int) -> (bytes: [UInt8], frames: [Frame]) {
        var generator = MessageGenerator(seed: seed)
        var bytes: [UInt8] = []
        var frames: [Frame] = []
        for _ in 0..<count {
            let encoded = generator.message().encode()
            bytes += encoded
            frames.append(Frame(type: MessageType(encoded[0..<4].reduce(0) { $0 << 8 | UInt32($1) }), payload: Array(encoded[8...])))
        }
        return (bytes, frames)
    }

    func drain(_ decoder: inout FrameDecoder) throws(WireError) -> [Frame] {
        var frames: [Frame] = []
        while let frame = try decoder.next() { frames.append(frame) }
        return frames
    }

    @Test func byteAtATimeEqualsWholeBuffer() throws {
        let (bytes, expected) = stream(seed: 0xB17E, count: 60)
        var whole = FrameDecoder()
        whole.append(bytes)
        #expect(try drain(&whole) == expected)
        #expect(whole.bufferedByteCount == 0)

        var single = FrameDecoder()
        var frames: [Frame] = []
        for byte in bytes {
            single.append(CollectionOfOne(byte))
            frames += try drain(&single)
        }
        #expect(frames == expected)
        #expect(single.bufferedByteCount == 0)
    }

    /// Feeds `bytes` in random splits of 1-300 bytes (seeded), taking frames with `take` after each.
    func inRandomSplits(_ bytes: [UInt8], seed: UInt64, take: (inout FrameDecoder) throws(WireError) -> [Frame]) throws -> [Frame] {
        var rng = SplitMix64(seed: seed)
        var decoder = FrameDecoder()
        var frames: [Frame] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Int.random(in: 1...300, using: &rng))
            decoder.append(bytes[offset..<end])
            frames += try take(&decoder)
            offset = end
        }
        #expect(decoder.bufferedByteCount == 0)
        return frames
    }

    @Test func randomSplitsEqualWholeBuffer() throws {
        for seed: UInt64 in 1...20 {
            let (bytes, expected) = stream(seed: seed, count: 20)
            #expect(try inRandomSplits(bytes, seed: seed, take: drain) == expected, "seed \(seed)")
        }
    }

    @Test func twoFramesInOneBuffer() throws {
        let first = ClientRequest.getAttributes(RequestID(1), inode: .root).encode()
        let second = ClientRequest.closeSession(RequestID(2)).encode()
        var decoder = FrameDecoder()
        decoder.append(first + second)
        let frames = try drain(&decoder)
        #expect(frames.count == 2)
        #expect(
            try frames.map { frame throws(WireError) in try ClientRequest.decode(frame) } == [
                .getAttributes(RequestID(1), inode: .root), .closeSession(RequestID(2)),
            ])
    }

    @Test func emptyPayloadIsAFrame() throws {
        var decoder = FrameDecoder()
        decoder.append(header(MessageType(77), 0))
        #expect(try decoder.next() == Frame(type: MessageType(77), payload: []))
        #expect(try decoder.next() == nil)
    }

    @Test func truncatedFrameWaitsForMoreBytes() throws {
        let bytes = ClientRequest.lookup(RequestID(3), .root, parent: .root, name: "x").encode()
        var decoder = FrameDecoder()
        decoder.append(bytes[0..<5])  // part of the header
        #expect(try decoder.next() == nil)
        decoder.append(bytes[5..<(bytes.count - 1)])  // all but the last byte
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == bytes.count - 1)
        decoder.append(bytes[(bytes.count - 1)...])
        #expect(try decoder.next() != nil)
        #expect(try decoder.next() == nil)
    }

    @Test func lengthAtTheLimitIsAccepted() throws {
        var decoder = FrameDecoder()
        decoder.append(header(MessageType(77), WireLimits.maxFrameLength))
        #expect(try decoder.next() == nil)  // waiting for the payload, no error
        decoder.append([UInt8](repeating: 0xAB, count: WireLimits.maxFrameLength))
        let frame = try #require(try decoder.next())
        #expect(frame.payload.count == WireLimits.maxFrameLength)
        #expect(frame.encode().count == WireLimits.maxFrameLength + 8)
    }

    @Test func lengthOnePastTheLimitIsRefusedFromTheHeaderAlone() {
        var decoder = FrameDecoder()
        decoder.append(header(MessageType(77), WireLimits.maxFrameLength + 1))
        #expect(decoder.bufferedByteCount == 8)  // nothing but the header was ever held
        #expect(throws: WireError.lengthTooLarge(length: UInt32(WireLimits.maxFrameLength + 1), limit: WireLimits.maxFrameLength)) {
            try decoder.next()
        }
    }

    @Test func hugeLengthCostsEightBytes() {
        var decoder = FrameDecoder()
        decoder.append(hex("00000196 FFFFFFFF"))
        #expect(throws: WireError.lengthTooLarge(length: .max, limit: WireLimits.maxFrameLength)) { try decoder.next() }
    }

    @Test func anErrorIsSticky() {
        var decoder = FrameDecoder(maxFrameLength: 4)
        decoder.append(header(MessageType(1), 5))
        let error = WireError.lengthTooLarge(length: 5, limit: 4)
        #expect(throws: error) { try decoder.next() }
        decoder.append(header(MessageType(1), 0))  // a good frame after it does not resync
        #expect(throws: error) { try decoder.next() }
    }

    @Test func customLimitAtAndOnePast() throws {
        var decoder = FrameDecoder(maxFrameLength: 16)
        decoder.append(header(MessageType(5), 16) + [UInt8](repeating: 1, count: 16))
        #expect(try decoder.next()?.payload.count == 16)
        decoder.append(header(MessageType(5), 17))
        #expect(throws: WireError.lengthTooLarge(length: 17, limit: 16)) { try decoder.next() }
    }

    /// `nextInPlace` cuts the same frames as `next` from the same random splits, and answers a
    /// frame at the limit and one past it as `next` does (the error sticks).
    @Test func inPlaceFramesEqualCopiedOnes() throws {
        for seed: UInt64 in 21...30 {
            let (bytes, expected) = stream(seed: seed, count: 20)
            let frames = try inRandomSplits(bytes, seed: seed) { (decoder) throws(WireError) in
                var frames: [Frame] = []
                while let frame = try decoder.nextInPlace({ Frame(type: $0, payload: Array($1)) }) { frames.append(frame) }
                return frames
            }
            #expect(frames == expected, "seed \(seed)")
        }
        var limited = FrameDecoder(maxFrameLength: 16)
        limited.append(header(MessageType(5), 16) + [UInt8](repeating: 1, count: 16))
        #expect(try limited.nextInPlace { $1.count } == 16)
        #expect(try limited.nextInPlace { $1.count } == nil)
        limited.append(header(MessageType(5), 17))
        #expect(throws: WireError.lengthTooLarge(length: 17, limit: 16)) { try limited.nextInPlace { _, _ in 0 } }
        #expect(throws: WireError.lengthTooLarge(length: 17, limit: 16)) { try limited.next() }
    }
}
