import MFSCore
import Testing

@Suite struct CoreTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        var incremental = CRC32()
        incremental.update(Array("12345".utf8))
        incremental.update(Array("6789".utf8))
        #expect(incremental.value == 0xCBF4_3926)
    }

    @Test func crc32SlicedAndBytewisePathsAgree() {
        let data = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for cut in [0, 1, 7, 8, 9, 999] {
            var split = CRC32()
            split.update(data[..<cut])
            split.update(data[cut...])
            #expect(split.value == CRC32.checksum(data), "cut \(cut)")
        }
    }

    /// Persisted and replicated values depend on this hash: it must never change.
    @Test func stableHashIsStableAcrossProcessesAndReleases() {
        let value = Array("notes.txt".utf8).withUnsafeBufferPointer { StableHash.bytes($0) }
        #expect(value == Array("notes.txt".utf8).withUnsafeBufferPointer { StableHash.bytes($0) })
        #expect(StableHash.mix(0) == 0)
        #expect(StableHash.mix(1) == 0xB456_BCFC_34C2_CB2C)
    }

    @Test func byteReaderThrowsOnShortInputInsteadOfTrapping() throws {
        var reader = ByteReader([0, 1, 2])
        #expect(throws: ByteReaderError.truncated(offset: 0, needed: 1)) { try reader.readInteger(UInt32.self) }
        #expect(try reader.readInteger(UInt16.self) == 1)
        #expect(throws: ByteReaderError.self) { try reader.read(count: 5) }
        var writer = ByteWriter()
        writer.write(UInt32(0x0102_0304))
        writer.write(shortBytes: [9, 9])
        var back = ByteReader(writer.bytes)
        #expect(try back.readInteger(UInt32.self) == 0x0102_0304)
        #expect(try back.readShortBytes() == [9, 9])
        #expect(back.isAtEnd)
    }

    @Test func metaIDHexIsSixteenLowercaseDigits() {
        #expect(MetaID(0xAB).hex == "00000000000000ab")
        #expect(MetaID(UInt64.max).hex == "ffffffffffffffff")
    }
}
