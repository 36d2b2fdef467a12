import Foundation
import Testing

@testable import MFSChunkStore

#if canImport(Glibc)
    import Glibc
#endif

/// `PosixFile.read(into:at:)`, the gathered read of a run of blocks: every space filled in
/// order, and a file that ends first is an error, not a short read.
@Suite struct PosixFileTests {
    func file(_ dir: TestDirectory, _ bytes: [UInt8]) throws -> PosixFile {
        let path = dir.path + "/file"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return try PosixFile.open(path, writable: false)
    }

    func spaces(_ sizes: [Int]) -> [UnsafeMutableRawBufferPointer] {
        sizes.map {
            let space = UnsafeMutableRawBufferPointer.allocate(byteCount: $0, alignment: 8)
            space.initializeMemory(as: UInt8.self, repeating: 0xEE)
            return space
        }
    }

    @Test func spacesOfAnySizeAreFilledInOrder() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let file = try file(dir, bytes)
        let sizes = [3, 70_000, 1, 65_536, 5]
        let spaces = spaces(sizes)
        defer { for space in spaces { space.deallocate() } }
        try file.read(into: spaces, at: 10)
        var at = 10
        for space in spaces {
            #expect(Array(space) == Array(bytes[at..<at + space.count]))
            at += space.count
        }
    }

    /// The file ends inside the second space: the first is filled whole, the second up to the
    /// end, and the read throws EIO (the next `preadv` goes on inside the second space and
    /// reads nothing).
    @Test func aFileThatEndsFirstIsAnError() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let bytes = (0..<100).map { UInt8($0) }
        let file = try file(dir, bytes)
        let spaces = spaces([60, 60])
        defer { for space in spaces { space.deallocate() } }
        #expect(throws: PosixError("read", dir.path + "/file", code: EIO)) { try file.read(into: spaces, at: 0) }
        #expect(Array(spaces[0]) == Array(bytes[0..<60]))
        #expect(Array(spaces[1][0..<40]) == Array(bytes[60..<100]))
        #expect(spaces[1][40..<60].allSatisfy { $0 == 0xEE })
    }
}
