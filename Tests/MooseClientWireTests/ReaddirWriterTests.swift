import MooseClientWire
import MooseWire
import Testing

/// `FuseReaddirWriter` writes the same bytes as `FuseReply.readdir(…).encode()`.
@Suite struct ReaddirWriterTests {
    private func written(id: UInt32, edgeID: UInt64, _ entries: [FuseReply.DirectoryEntry], spare: Int = 0) -> [UInt8] {
        let capacity = FuseReaddirWriter.capacity(entries: entries.count, nameBytes: entries.reduce(0) { $0 + $1.name.count }) + spare
        var memory = [UInt8](repeating: 0xEE, count: capacity)
        let count = memory.withUnsafeMutableBytes { raw in
            var writer = FuseReaddirWriter(into: raw, messageID: id, edgeID: edgeID)
            for entry in entries { entry.name.withUnsafeBufferPointer { writer.append(name: $0, inode: entry.inode, attr: entry.attr) } }
            return writer.finish()
        }
        return Array(memory.prefix(count))
    }

    private func attr(_ n: UInt32) -> FuseAttr {
        FuseAttr(
            flags: 0x0C, mode: 0x81A4, uid: n, gid: n &+ 1, atime: 0x0102_0304, mtime: n &* 3, ctime: 0xFFFF_FFFF, nlink: 1,
            length: 0x0102_0304_0506_0708 &+ UInt64(n), winattr: 0)
    }

    @Test func sameBytesAsTheReplyCodec() throws {
        let entries = [
            FuseReply.DirectoryEntry(name: Array(".".utf8), inode: 1, attr: attr(1)),
            FuseReply.DirectoryEntry(name: Array("..".utf8), inode: 1, attr: attr(1)),
            FuseReply.DirectoryEntry(name: Array(repeating: 0x61, count: 255), inode: 0xDEAD_BEEF, attr: attr(7)),
            FuseReply.DirectoryEntry(name: Array("ü".utf8), inode: 42, attr: attr(42)),
        ]
        let bytes = written(id: 0x1234_5678, edgeID: 0xAABB_CCDD_EEFF_0011, entries)
        #expect(bytes == FuseReply.readdir(0x1234_5678, edgeID: 0xAABB_CCDD_EEFF_0011, entries).encode())
        #expect(
            try FuseReply.decode(MooseFrame(type: .fuseReaddir.reply, payload: Array(bytes.dropFirst(8))))
                == .readdir(0x1234_5678, edgeID: 0xAABB_CCDD_EEFF_0011, entries))
    }

    @Test func emptyListingAndSpareCapacity() {
        #expect(written(id: 9, edgeID: 0, []) == FuseReply.readdir(9, edgeID: 0, []).encode())
        // Fewer entries than the capacity was sized for: the length covers what was written.
        let one = [FuseReply.DirectoryEntry(name: Array("x".utf8), inode: 3, attr: attr(3))]
        #expect(written(id: 9, edgeID: 0, one, spare: 100) == FuseReply.readdir(9, edgeID: 0, one).encode())
    }
}
