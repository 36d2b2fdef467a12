import MFSCore
import MFSMetadata

/// Builds MFSMetadata's result types from decoded fields, so that the master passes the
/// namespace's results straight into a reply and the client gets the same types back.
///
/// `Attributes`, `DirectoryListingEntry` and `ChunkInfo` have public fields but no public
/// initializer, and Swift lets another module's initializer only delegate or assign `self`
/// whole (SE-0189). So each value starts as a copy of one that the namespace's public API
/// returned, and every field is then overwritten. Once MFSMetadata gives these types public
/// memberwise initializers, this file becomes three plain calls. The round-trip tests with
/// random values check that every field is carried.
enum MetadataValues {
    private static let samples: (Attributes, DirectoryListingEntry, ChunkInfo) = {
        var namespace = Namespace()
        let now = UnixTime(0)
        do throws(FSError) {
            let (file, _) = try namespace.create(.root, EntryName(unchecked: [0x61]), type: .file, mode: 0, as: .root, now: now)
            _ = try namespace.addChunk(file.inode, index: 0, now: now)
            let entry = try namespace.readdir(.root, as: .root).entries[0]
            return (file, entry, try namespace.chunks(of: file.inode)[0])
        } catch {
            preconditionFailure("building MFSMetadata sample values: \(error)")
        }
    }()

    static func attributes(
        inode: InodeID, type: NodeType, mode: UInt16, uid: UInt32, gid: UInt32, atime: UnixTime, mtime: UnixTime,
        ctime: UnixTime, nlink: UInt32, length: UInt64, goal: UInt8, rdev: UInt32
    ) -> Attributes {
        var value = samples.0
        (value.inode, value.type, value.mode, value.uid, value.gid) = (inode, type, mode, uid, gid)
        (value.atime, value.mtime, value.ctime) = (atime, mtime, ctime)
        (value.nlink, value.length, value.goal, value.rdev) = (nlink, length, goal, rdev)
        return value
    }

    static func entry(name: EntryName, inode: InodeID, type: NodeType, cookie: UInt64) -> DirectoryListingEntry {
        var value = samples.1
        (value.name, value.inode, value.type, value.cookie) = (name, inode, type, cookie)
        return value
    }

    static func chunk(index: UInt32, chunk: ChunkID, version: UInt32) -> ChunkInfo {
        var value = samples.2
        (value.index, value.chunk, value.version) = (index, chunk, version)
        return value
    }
}
