import MFSCore
import MooseWire
import Testing

/// `DataPortBulk`, the fixed-offset coding of READ_DATA and WRITE_DATA on the data path, gives
/// the bytes of the captured MooseFS frames and of the field-by-field coders, and answers every
/// input (good or bad) exactly as `DataPortReply.decode` does.
@Suite struct DataPortBulkTests {
    /// A READ_DATA frame from `writeReadDataHeader` and the data, as the chunkserver builds it.
    func readDataFrame(_ message: ReadData) -> [UInt8] {
        let piece = message.piece
        var frame = [UInt8](repeating: 0xEE, count: DataPortBulk.readDataHeaderLength)
        frame.withUnsafeMutableBytes {
            DataPortBulk.writeReadDataHeader(
                into: $0, chunkID: message.chunkID, block: piece.block, offset: piece.offset, size: piece.data.count, crc: piece.crc)
        }
        return frame + piece.data
    }

    @Test func theCapturedReadDataFrameIsBuiltAndDecodedInPlace() throws {
        let captured = Fixtures.bytes("read-data")
        let message = try ReadData.decode(bytes: captured)
        #expect(readDataFrame(message) == captured)
        let header = captured.withUnsafeBytes { DataPortBulk.frameHeader($0) }
        #expect(header.type == .cstoclReadData && header.length == captured.count - 8)
        let decoded = try captured.withUnsafeBytes { (raw) throws(MooseWireError) in
            try DataPortBulk.decodeReply(type: header.type, payload: UnsafeRawBufferPointer(rebasing: raw[8...]))
        }
        #expect(decoded == .readData(message))
    }

    @Test func theCapturedWriteDataFrameIsEncodedInOneGo() throws {
        let captured = Fixtures.bytes("write-data")
        let message = try WriteData.decode(bytes: captured)
        #expect(DataPortBulk.encode(message) == captured)
    }

    /// Pieces of every size at block edges: both coders give the same bytes.
    @Test func bothCodersAgreeOnPiecesAtTheEdges() {
        let edges: [(block: UInt16, offset: UInt16, size: Int)] = [
            (0, 0, 0), (0, 0, 1), (0, 0, 65_536), (1_023, 65_535, 1), (1_023, 0, 65_536), (7, 100, 65_436), (512, 65_535, 0),
        ]
        for (block, offset, size) in edges {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(block)) }
            let piece = DataPiece(block: block, offset: offset, data: data)
            let read = ReadData(chunkID: ChunkID(0x0102_0304_0506_0708), piece: piece)
            #expect(readDataFrame(read) == read.encode(), "READ_DATA block \(block) offset \(offset) size \(size)")
            let write = WriteData(chunkID: ChunkID(0xA1B2_C3D4_E5F6_0718), writeID: 0xFFFF_FFFE, piece: piece)
            #expect(DataPortBulk.encode(write) == write.encode(), "WRITE_DATA block \(block) offset \(offset) size \(size)")
        }
    }

    /// Seeded READ_DATA payloads, well-formed and broken (short, a block past the chunk, a piece
    /// across its block's end, a size that disagrees with the length): the in-place decoder gives
    /// the same value or the same error as the field-by-field one.
    @Test(arguments: 0..<4)
    func theInPlaceDecoderAnswersAsTheFieldByFieldOne(seedIndex: Int) {
        let seed = UInt64(0xB0_1C00 + seedIndex)
        var random = SeededGenerator(seed: seed)
        for _ in 0..<500 {
            let block = UInt16.random(in: 1_020...1_025, using: &random)
            let offset = UInt16.random(in: [0, 1, 65_000, 65_535].randomElement(using: &random)!...65_535, using: &random)
            let size = Int.random(in: 0...600, using: &random)
            let announced = Bool.random(using: &random) ? UInt32(size) : UInt32.random(in: 0...70_000, using: &random)
            var payload = be(UInt64.random(in: 0...UInt64.max, using: &random)) + be(block) + be(offset) + be(announced)
            payload += be(UInt32.random(in: 0...UInt32.max, using: &random))
            payload += (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
            if Int.random(in: 0..<10, using: &random) == 0 { payload = Array(payload.prefix(Int.random(in: 0..<20, using: &random))) }
            let fieldByField = Result { () throws(MooseWireError) in
                try DataPortReply.decode(MooseFrame(type: .cstoclReadData, payload: payload))
            }
            let inPlace = payload.withUnsafeBytes { raw in
                Result { () throws(MooseWireError) in try DataPortBulk.decodeReply(type: .cstoclReadData, payload: raw) }
            }
            #expect(inPlace == fieldByField, "seed \(seed): \(payload.count) bytes, block \(block) offset \(offset) size \(announced)")
            // The lent view: exactly the well-formed payloads, with the same fields and bytes.
            let lent = payload.withUnsafeBytes { raw in
                DataPortBulk.readDataView(raw).map {
                    ReadData(chunkID: $0.chunkID, piece: DataPiece(block: $0.block, offset: $0.offset, data: Array($0.data), crc: $0.crc))
                }
            }
            let view = payload.withUnsafeBytes { DataPortBulk.readDataView($0).map { ($0.chunkOffset, $0.crcMatches) } }
            if case .success(.readData(let message)) = fieldByField {
                #expect(lent == message, "seed \(seed): the view of a well-formed READ_DATA")
                #expect(view?.0 == message.piece.chunkOffset && view?.1 == message.piece.crcMatches)
            } else {
                #expect(lent == nil, "seed \(seed): a view of a payload the field-by-field decoder refuses")
            }
        }
    }

    /// Seeded WRITE_DATA payloads, well-formed and broken (short, a block at and past the
    /// chunk's last, a piece at and across its block's end, a size that disagrees with the
    /// length): the in-place decoder gives the field-by-field one's value, and nil exactly
    /// where that one throws.
    @Test(arguments: 0..<4)
    func theInPlaceWriteDataDecoderAnswersAsTheFieldByFieldOne(seedIndex: Int) {
        let seed = UInt64(0x3D17_0000 + seedIndex)
        var random = SeededGenerator(seed: seed)
        var decoded = 0
        for _ in 0..<500 {
            let block = UInt16.random(in: 1_020...1_025, using: &random)
            let offset = UInt16.random(in: [0, 1, 65_000, 65_535].randomElement(using: &random)!...65_535, using: &random)
            let size = Int.random(in: 0...600, using: &random)
            let announced = Bool.random(using: &random) ? UInt32(size) : UInt32.random(in: 0...70_000, using: &random)
            var payload = be(UInt64.random(in: 0...UInt64.max, using: &random)) + be(UInt32.random(in: 0...UInt32.max, using: &random))
            payload += be(block) + be(offset) + be(announced) + be(UInt32.random(in: 0...UInt32.max, using: &random))
            payload += (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }
            if Int.random(in: 0..<10, using: &random) == 0 { payload = Array(payload.prefix(Int.random(in: 0..<24, using: &random))) }
            let fieldByField = try? WriteData.decode(MooseFrame(type: .cltocsWriteData, payload: payload))
            let inPlace = payload.withUnsafeBytes { DataPortBulk.writeData($0) }
            #expect(inPlace == fieldByField, "seed \(seed): \(payload.count) bytes, block \(block) offset \(offset) size \(announced)")
            if inPlace != nil { decoded += 1 }
        }
        #expect(decoded > 50 && decoded < 450, "seed \(seed): both kinds of input were drawn")
    }

    /// A whole block at the chunk's last block, and the captured MooseFS frame, decode in place.
    @Test func wholeBlocksAndTheCapturedWriteDataDecodeInPlace() throws {
        let captured = Fixtures.bytes("write-data")
        let payload = Array(captured[8...])
        #expect(payload.withUnsafeBytes { DataPortBulk.writeData($0) } == (try WriteData.decode(bytes: captured)))
        let data = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let message = WriteData(chunkID: ChunkID(42), writeID: 7, piece: DataPiece(block: 1_023, offset: 0, data: data))
        let frame = DataPortBulk.encode(message)
        #expect(frame[8...].withUnsafeBytes { DataPortBulk.writeData($0) } == message)
    }

    /// Any other reply goes through the field-by-field path.
    @Test func otherRepliesDecodeAsBefore() throws {
        for name in ["read-status", "write-status", "write-status-ready"] {
            let captured = Fixtures.bytes(name)
            let header = captured.withUnsafeBytes { DataPortBulk.frameHeader($0) }
            let inPlace = try captured.withUnsafeBytes { (raw) throws(MooseWireError) in
                try DataPortBulk.decodeReply(type: header.type, payload: UnsafeRawBufferPointer(rebasing: raw[8...]))
            }
            #expect(inPlace == (try DataPortReply.decode(MooseFrame(wholeFrame: captured))), "\(name)")
        }
    }
}
