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

    @Test func recordsFilledLaterAndEntriesTakenOut() {
        let entries = (0..<5).map { n in
            FuseReply.DirectoryEntry(name: Array(repeating: UInt8(0x61 + n), count: n * 40), inode: UInt32(n + 10), attr: attr(UInt32(n)))
        }
        let capacity = FuseReaddirWriter.capacity(entries: entries.count, nameBytes: entries.reduce(0) { $0 + $1.name.count })
        func written(removing taken: Set<Int>) -> [UInt8] {
            var memory = [UInt8](repeating: 0xEE, count: capacity)
            let count = memory.withUnsafeMutableBytes { raw in
                var writer = FuseReaddirWriter(into: raw, messageID: 5, edgeID: 6)
                let slots = entries.map { entry in
                    entry.name.withUnsafeBufferPointer { writer.appendLeavingRoom(name: $0, inode: entry.inode) }
                }
                // Filled in another order than written.
                for i in entries.indices.reversed() where !taken.contains(i) { writer.fill(slots[i], with: entries[i].attr) }
                writer.remove(slots: taken.sorted().map { slots[$0] })
                return writer.finish()
            }
            return Array(memory.prefix(count))
        }
        #expect(written(removing: []) == FuseReply.readdir(5, edgeID: 6, entries).encode())
        for taken in [Set([0]), [2], [4], [1, 3], [0, 1, 2, 3, 4]] {
            let kept = entries.indices.filter { !taken.contains($0) }.map { entries[$0] }
            #expect(written(removing: taken) == FuseReply.readdir(5, edgeID: 6, kept).encode())
        }
    }

    @Test func emptyListingAndSpareCapacity() {
        #expect(written(id: 9, edgeID: 0, []) == FuseReply.readdir(9, edgeID: 0, []).encode())
        // Fewer entries than the capacity was sized for: the length covers what was written.
        let one = [FuseReply.DirectoryEntry(name: Array("x".utf8), inode: 3, attr: attr(3))]
        #expect(written(id: 9, edgeID: 0, one, spare: 100) == FuseReply.readdir(9, edgeID: 0, one).encode())
    }
}
