import MFSCore
import MooseWire
import Testing

/// Every named limit on a count or size, at the limit and one past it.
@Suite struct LimitTests {
    func chunkList(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 * count)
        for k in 0..<count { bytes += be(UInt64(k + 1)) + be(UInt32(1)) }
        return bytes
    }

    @Test func registerChunksPerPacket() throws {
        let limit = MooseWireLimits.maxChunksPerRegisterPacket
        let at = try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [61] + chunkList(limit)))
        guard case .chunks(let chunks) = at else { Issue.record("not CHUNKS"); return }
        #expect(chunks.count == limit)
        #expect(throws: MooseWireError.countOutOfRange(message: .cstomaRegister, field: "chunks", count: limit + 1, limit: limit)) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [61] + chunkList(limit + 1)))
        }
    }

    @Test func chunkNewAndLostPerReport() throws {
        let limit = MooseWireLimits.maxChunkReportEntries
        #expect(try ChunkNewReport.decode(bytes: frameBytes(.cstomaChunkNew, chunkList(limit))).chunks.count == limit)
        #expect(throws: MooseWireError.countOutOfRange(message: .cstomaChunkNew, field: "chunks", count: limit + 1, limit: limit)) {
            try ChunkNewReport.decode(bytes: frameBytes(.cstomaChunkNew, chunkList(limit + 1)))
        }
        let ids = (0..<limit + 1).flatMap { be(UInt64($0)) }
        #expect(try ChunkIDReport.decode(bytes: frameBytes(.cstomaChunkLost, Array(ids.prefix(8 * limit)))).chunkIDs.count == limit)
        #expect(throws: MooseWireError.countOutOfRange(message: .cstomaChunkLost, field: "chunkids", count: limit + 1, limit: limit)) {
            try ChunkIDReport.decode(bytes: frameBytes(.cstomaChunkLost, ids))
        }
    }

    @Test func damagedPerReport() throws {
        let limit = MooseWireLimits.maxDamagedChunksPerReport
        let ids = [UInt8](repeating: 0, count: 8 * (limit + 1))
        let at = try ChunkIDReport.decode(bytes: frameBytes(.cstomaChunkDamaged, Array(ids.prefix(8 * limit))))
        #expect(at.kind == .damaged && at.chunkIDs.count == limit)
        #expect(throws: MooseWireError.countOutOfRange(message: .cstomaChunkDamaged, field: "chunkids", count: limit + 1, limit: limit)) {
            try ChunkIDReport.decode(bytes: frameBytes(.cstomaChunkDamaged, ids))
        }
    }

    @Test func writeChainLength() throws {
        let limit = MooseWireLimits.maxWriteChainLength
        let address = be(UInt32(0xA9FE_5D03)) + be(UInt16(9422))
        let head: [UInt8] = [1] + be(UInt64(1)) + be(UInt32(1))
        let at = try WriteRequest.decode(bytes: frameBytes(.cltocsWrite, head + Array((0..<limit).map { _ in address }.joined())))
        #expect(at.chain.count == limit)
        let past = head + Array((0...limit).map { _ in address }.joined())
        #expect(throws: MooseWireError.countOutOfRange(message: .cltocsWrite, field: "chain", count: limit + 1, limit: limit)) {
            try WriteRequest.decode(bytes: frameBytes(.cltocsWrite, past))
        }
    }

    @Test func xorReplicationSources() throws {
        let limit = MooseWireLimits.maxXorReplicationSources
        let head =
            be(UInt64(9)) + be(UInt32(1)) + [
                0x88, 0x88, 0x88, 0x88, 0x44, 0x44, 0x44, 0x44, 0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11,
            ]
        let source = be(UInt64(9)) + be(UInt32(1)) + be(UInt32(0xA9FE_5D02)) + be(UInt16(9422))
        let bytes = frameBytes(.matocsReplicate, head + Array((0..<limit).map { _ in source }.joined()))
        let at = try ReplicateChunk.decode(bytes: bytes)
        guard case .xor(let masks, let parts) = at.sources else { Issue.record("not XOR"); return }
        #expect(masks == [0x8888_8888, 0x4444_4444, 0x2222_2222, 0x1111_1111] && parts.count == limit)
        #expect(at.encode() == bytes)
        #expect(throws: MooseWireError.countOutOfRange(message: .matocsReplicate, field: "sources", count: limit + 1, limit: limit)) {
            try ReplicateChunk.decode(bytes: frameBytes(.matocsReplicate, head + Array((0...limit).map { _ in source }.joined())))
        }
        // No source at all is no form either.
        #expect(throws: MooseWireError.wrongLength(message: .matocsReplicate, length: 28, expected: "18, or 28 + 18 × (1...8)")) {
            try ReplicateChunk.decode(bytes: frameBytes(.matocsReplicate, head))
        }
    }

    /// A piece fills at most its block: 65,536 bytes at offset 0, or up to the block's end.
    @Test func blockPieceSize() throws {
        let limit = MooseWireLimits.blockSize
        func readData(offset: UInt16, size: Int, block: UInt16 = 0) -> [UInt8] {
            let data = [UInt8](repeating: 7, count: size)
            return frameBytes(.cstoclReadData, be(UInt64(1)) + be(block) + be(offset) + be(UInt32(size)) + be(CRC32.checksum(data)) + data)
        }
        #expect(try ReadData.decode(bytes: readData(offset: 0, size: limit)).piece.crcMatches)
        #expect(try ReadData.decode(bytes: readData(offset: 1, size: limit - 1)).piece.chunkOffset == 1)
        #expect(
            throws: MooseWireError.malformed(message: .cstoclReadData, field: "size", reason: "65536 bytes at 1 cross the end of the block")
        ) {
            try ReadData.decode(bytes: readData(offset: 1, size: limit))
        }
        #expect(
            throws: MooseWireError.malformed(message: .cstoclReadData, field: "size", reason: "65537 bytes at 0 cross the end of the block")
        ) {
            try ReadData.decode(bytes: readData(offset: 0, size: limit + 1))
        }
        let lastBlock = UInt16(MooseWireLimits.blocksPerChunk - 1)
        #expect(try ReadData.decode(bytes: readData(offset: 0, size: 1, block: lastBlock)).piece.block == lastBlock)
        #expect(throws: MooseWireError.malformed(message: .cstoclReadData, field: "blocknum", reason: "block 1024; a chunk has 1024")) {
            try ReadData.decode(bytes: readData(offset: 0, size: 1, block: lastBlock + 1))
        }
    }

    @Test func chunkBlocksCount() throws {
        let limit = UInt16(MooseWireLimits.blocksPerChunk)
        let head = be(UInt64(5)) + be(UInt32(1))
        #expect(try ChunkBlocks.decode(bytes: frameBytes(.cstoanChunkBlocks, head + be(limit) + [0])).blocks == limit)
        #expect(throws: MooseWireError.countOutOfRange(message: .cstoanChunkBlocks, field: "blocks", count: 1025, limit: 1024)) {
            try ChunkBlocks.decode(bytes: frameBytes(.cstoanChunkBlocks, head + be(limit + 1) + [0]))
        }
    }

    @Test func versionText() throws {
        let limit = MooseWireLimits.maxVersionTextLength
        let at = frameBytes(.version, be(UInt32(0x0003_00EA)) + [UInt8](repeating: 0x41, count: limit))
        #expect(try VersionInfo.decode(bytes: at).text.count == limit)
        let past = frameBytes(.version, be(UInt32(0x0003_00EA)) + [UInt8](repeating: 0x41, count: limit + 1))
        #expect(throws: MooseWireError.countOutOfRange(message: .version, field: "text", count: limit + 1, limit: limit)) {
            try VersionInfo.decode(bytes: past)
        }
    }

    /// A one-byte length: 255 is the most that can be said, so the limit is tested at 255 only.
    @Test func configTextAtItsLimit() throws {
        let limit = MooseWireLimits.maxConfigTextLength
        let name = [UInt8](repeating: 0x4E, count: limit)
        let request = GetConfig(messageID: 1, name: name)
        #expect(try GetConfig.decode(bytes: request.encode()) == request)
        let value = ConfigValue(messageID: 1, value: name)
        #expect(try ConfigValue.decode(bytes: value.encode()) == value)
    }
}

func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
}
