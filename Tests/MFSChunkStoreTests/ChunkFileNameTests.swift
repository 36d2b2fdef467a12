import MFSChunkStore
import MFSCore
import Testing

@Suite struct ChunkFileNameTests {
    @Test func namesAreUppercaseHexOfFixedWidth() throws {
        let name = ChunkFileName(id: ChunkID(0xAB_CDEF), version: ChunkVersion(0x1F))
        #expect(name.description == "chunk_0000000000ABCDEF_0000001F.mfs")
        #expect(try ChunkFileName(parsing: name.description) == name)
        let largest = ChunkFileName(id: ChunkID(.max), version: .maximum)
        #expect(try ChunkFileName(parsing: "chunk_FFFFFFFFFFFFFFFF_7FFFFFFF.mfs") == largest)
    }

    /// Bit 31 of a version is the chunk lists' "on a disk marked for removal" flag, so a name
    /// with a version past `ChunkVersion.maximum` is no chunk this chunkserver can report.
    @Test func aVersionWithBit31IsRefused() {
        #expect(throws: ChunkFileNameError.versionTooHigh("chunk_0000000000000001_80000000.mfs")) {
            try ChunkFileName(parsing: "chunk_0000000000000001_80000000.mfs")
        }
        #expect(
            ChunkFileNameError.versionTooHigh("chunk_0000000000000001_80000000.mfs").description
                == "'chunk_0000000000000001_80000000.mfs' has a version above 7FFFFFFF")
    }

    @Test func otherNamesAreRefusedWithTheReason() {
        #expect(throws: ChunkFileNameError.notUppercaseHex("chunk_0000000000abcdef_0000001F.mfs")) {
            try ChunkFileName(parsing: "chunk_0000000000abcdef_0000001F.mfs")
        }
        #expect(throws: ChunkFileNameError.wrongLength("chunk_000000000ABCDEF_0000001F.mfs", 34)) {
            try ChunkFileName(parsing: "chunk_000000000ABCDEF_0000001F.mfs")
        }
        #expect(throws: ChunkFileNameError.wrongLength("chunk_0000000000ABCDEF_00000001F.mfs", 36)) {
            try ChunkFileName(parsing: "chunk_0000000000ABCDEF_00000001F.mfs")
        }
        #expect(throws: ChunkFileNameError.notAChunkName("chunk_0000000000ABCDEF-0000001F.mfs")) {
            try ChunkFileName(parsing: "chunk_0000000000ABCDEF-0000001F.mfs")
        }
        #expect(throws: ChunkFileNameError.notAChunkName("chunk_0000000000ABCDEF_0000001F.tmp")) {
            try ChunkFileName(parsing: "chunk_0000000000ABCDEF_0000001F.tmp")
        }
        #expect(throws: ChunkFileNameError.self) { try ChunkFileName(parsing: "") }
    }

    @Test func subdirectoriesAreTwoUppercaseHexDigits() {
        #expect(ChunkSubdirectory.all.count == 256)
        #expect(ChunkSubdirectory.all.first?.description == "00" && ChunkSubdirectory.all.last?.description == "FF")
        #expect(ChunkSubdirectory(0xAB).description == "AB")
    }
}
