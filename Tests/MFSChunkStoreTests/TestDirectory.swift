import Foundation
import MFSChunkStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under /tmp, removed by `remove()`.
struct TestDirectory {
    let path: String

    init(_ label: String = "chunkstore") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// A data directory entry inside this directory.
    func entry(_ name: String = "hdd1") -> DataDirectoryEntry { DataDirectoryEntry(path: path + "/" + name) }

    func bytes(_ relative: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path + "/" + relative) ?? Data()) }

    /// Flips the bits of `mask` in the byte at `offset` of a file in this directory (damage on
    /// disk that no write made).
    func flipBits(_ relative: String, at offset: Int, mask: UInt8) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path + "/" + relative))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let old = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data([old ^ mask]))
    }
}

/// Options with no space left free, so small test file systems take chunks.
func testOptions() -> ChunkStoreOptions {
    var options = ChunkStoreOptions()
    options.leaveFree = 0
    return options
}

/// Seeded bytes for test data.
func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

extension [UInt8] {
    func bigEndianUInt32(at offset: Int) -> UInt32 { self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) } }
    func bigEndianUInt64(at offset: Int) -> UInt64 { self[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) } }
}
