import MooseWire
import Testing

@Suite struct FramingTests {
    /// The captured frames back to back, fed a byte at a time and in odd pieces, come out whole
    /// and in order.
    @Test func decoderCutsAStreamFedInAnyPieces() throws {
        let frames = Fixtures.names.map { Fixtures.frame($0) }
        let stream = frames.flatMap { $0.encode() }
        for piece in [1, 7, 8, 9, 1000, stream.count] {
            var decoder = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.dataPortFrame)
            var out: [MooseFrame] = []
            var index = 0
            while index < stream.count {
                decoder.append(stream[index..<min(index + piece, stream.count)])
                index += piece
                while let frame = try decoder.next() { out.append(frame) }
            }
            #expect(out == frames, "pieces of \(piece)")
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func nopIsTypeZeroLengthZero() {
        #expect(MooseFrame.nop.encode() == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(Nop().encode() == MooseFrame.nop.encode())
    }

    /// Each port's limit: a header announcing exactly the limit waits for the payload; one byte
    /// more is refused from the header alone, and the decoder stays failed.
    @Test(arguments: [
        MooseWireLimits.chunkserverToMasterFrame, MooseWireLimits.masterToChunkserverFrame, MooseWireLimits.dataPortFrame,
        MooseWireLimits.replicationSourceFrame,
    ])
    func frameLimitAtAndPast(limit: Int) throws {
        var atLimit = MooseFrameDecoder(maxPayloadLength: limit)
        atLimit.append(header(type: 212, length: UInt32(limit)))
        #expect(try atLimit.next() == nil)
        atLimit.append([UInt8](repeating: 0, count: limit))
        #expect(try atLimit.next()?.payload.count == limit)

        var pastLimit = MooseFrameDecoder(maxPayloadLength: limit)
        pastLimit.append(header(type: 212, length: UInt32(limit + 1)))
        #expect(throws: MooseWireError.lengthTooLarge(length: UInt32(limit + 1), limit: limit)) { try pastLimit.next() }
        pastLimit.append([0])
        #expect(throws: MooseWireError.lengthTooLarge(length: UInt32(limit + 1), limit: limit)) { try pastLimit.next() }
    }

    @Test func namedLimitsHoldTheLargestLegitimateFrames() {
        // A whole-block WRITE_DATA and READ_DATA fit the data port; READ_DATA fits a replicator.
        #expect(24 + MooseWireLimits.blockSize <= MooseWireLimits.dataPortFrame)
        #expect(20 + MooseWireLimits.blockSize == MooseWireLimits.replicationSourceFrame)
        // The largest register CHUNKS packet fits our master's limit.
        #expect(1 + 12 * MooseWireLimits.maxChunksPerRegisterPacket <= MooseWireLimits.chunkserverToMasterFrame)
        #expect(1 + 12 * 100_000 <= MooseWireLimits.chunkserverToMasterFrame)
        #expect(8 * MooseWireLimits.maxDamagedChunksPerReport <= MooseWireLimits.chunkserverToMasterFrame)
        // The XOR replicate with every source fits what a chunkserver reads from its master.
        #expect(28 + 18 * MooseWireLimits.maxXorReplicationSources <= MooseWireLimits.masterToChunkserverFrame)
    }

    @Test func wholeFrameParsingNamesWhatIsMissing() {
        #expect(throws: MooseWireError.truncated(message: MooseMessageType(0x64), field: "header", needed: 4)) {
            try MooseFrame(wholeFrame: [0, 0, 0, 0x64])
        }
        #expect(throws: MooseWireError.truncated(message: .cstomaRegister, field: "payload", needed: 1)) {
            try MooseFrame(wholeFrame: [0, 0, 0, 0x64, 0, 0, 0, 1])
        }
        #expect(throws: MooseWireError.trailingBytes(message: .nop, count: 1)) { try MooseFrame(wholeFrame: [0, 0, 0, 0, 0, 0, 0, 0, 9]) }
    }

    private func header(type: UInt32, length: UInt32) -> [UInt8] {
        [type, length].flatMap { value in stride(from: 24, through: 0, by: -8).map { UInt8(truncatingIfNeeded: value >> UInt32($0)) } }
    }
}
