import Foundation
import MFSCore
import MFSMetadata
import MFSStorage
import Testing

/// A download's metadata spooled to disk: read back block by block it is the metadata file,
/// and it leaves nothing in the directory.
@Suite struct SpooledMetadataTests {
    @Test func blocksReadBackAreTheMetadataFileAndNothingIsLeftBehind() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var namespace = Namespace()
        _ = try namespace.setMetaID(MetaID(0xFEED_0000_0000_0002), now: UnixTime(1))
        for i in 0..<3_000 {
            _ = try namespace.create(.root, try EntryName(validating: "file\(i)"), type: .file, mode: 0o644, as: .root, now: UnixTime(1))
        }
        let spooled = try SpooledMetadata(namespace, in: DataDirectory(dir))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "the spool file is listed")
        let whole = MetadataFile.encode(namespace)
        #expect(spooled.length == whole.count && spooled.version == namespace.version)
        var read: [UInt8] = []
        while let block = try spooled.next(maxBytes: 10_000) {
            #expect(block.offset == read.count && block.bytes.count <= 10_000)
            read += block.bytes
        }
        #expect(spooled.isFinished)
        #expect(read == whole)
        spooled.close()
        #expect(try spooled.next(maxBytes: 10_000) == nil)
    }
}
