import MFSCore
import MFSMetadata

extension ClientRequest {
    /// The request in `frame`, or why it is not a valid one. Names are checked as `EntryName`
    /// checks them and every count against its `WireLimits` bound, before anything is allocated
    /// for it.
    public static func decode(_ frame: Frame) throws(WireError) -> ClientRequest {
        guard requestTypes.contains(frame.type) else {
            throw frame.type.isKnown
                ? .unexpectedType(frame.type, expected: "a client request") : .unknownType(frame.type.rawValue)
        }
        var reader = PayloadReader(frame)
        let id = RequestID(try reader.uint64())
        let request: ClientRequest
        switch frame.type {
        case ClientToMaster.info: request = .info(id)
        case ClientToMaster.closeSession: request = .closeSession(id)
        case ClientToMaster.getAttributes: request = .getAttributes(id, inode: try reader.inode())
        case ClientToMaster.readlink: request = .readlink(id, inode: try reader.inode())
        case ClientToMaster.getGoal: request = .getGoal(id, inode: try reader.inode())
        case ClientToMaster.chunks: request = try chunks(id, &reader)
        case ClientToMaster.readChunk: request = .readChunk(id, inode: try reader.inode(), index: try reader.uint32())
        default: request = try decodeWithCredentials(id, &reader)
        }
        try reader.finish()
        return request
    }

    private static func decodeWithCredentials(_ id: RequestID, _ reader: inout PayloadReader) throws(WireError) -> ClientRequest {
        let who = try reader.credentials()
        switch reader.message {
        case ClientToMaster.lookup:
            return .lookup(id, who, parent: try reader.inode(), name: try reader.name("name"))
        case ClientToMaster.setAttributes:
            return .setAttributes(id, who, inode: try reader.inode(), changes: try reader.attributeChanges())
        case ClientToMaster.symlink:
            let parent = try reader.inode()
            let name = try reader.name("name")
            let target = try reader.longBytes("target", limit: WireLimits.maxSymlinkTargetLength)
            return .symlink(id, who, parent: parent, name: name, target: target)
        case ClientToMaster.mknod:
            return try mknod(id, who, &reader)
        case ClientToMaster.mkdir:
            return .mkdir(id, who, parent: try reader.inode(), name: try reader.name("name"), mode: try reader.uint16())
        case ClientToMaster.unlink:
            return .unlink(id, who, parent: try reader.inode(), name: try reader.name("name"))
        case ClientToMaster.rmdir:
            return .rmdir(id, who, parent: try reader.inode(), name: try reader.name("name"))
        case ClientToMaster.rename:
            let parent = try reader.inode()
            let name = try reader.name("name")
            let newParent = try reader.inode()
            let newName = try reader.name("newName")
            return .rename(id, who, parent: parent, name: name, newParent: newParent, newName: newName)
        case ClientToMaster.link:
            let inode = try reader.inode()
            let newParent = try reader.inode()
            return .link(id, who, inode: inode, newParent: newParent, newName: try reader.name("newName"))
        case ClientToMaster.readdir:
            let inode = try reader.inode()
            let cookie = try reader.uint64()
            let maxEntries = try pageSize(&reader, "maxEntries", limit: WireLimits.maxReaddirEntries)
            return .readdir(id, who, inode: inode, cookie: cookie, maxEntries: maxEntries)
        case ClientToMaster.open:
            let inode = try reader.inode()
            let flags = OpenFlags(rawValue: try reader.flags("flags", allowed: OpenFlags.all.rawValue))
            return .open(id, who, inode: inode, flags: flags)
        case ClientToMaster.release:
            return .release(id, who, inode: try reader.inode())
        case ClientToMaster.setGoal:
            let inode = try reader.inode()
            let goal = try reader.uint8()
            let flags = try reader.flags("flags", allowed: recursiveFlag)
            return .setGoal(id, who, inode: inode, goal: goal, recursive: flags != 0)
        case ClientToMaster.writeChunk:
            return .writeChunk(id, who, inode: try reader.inode(), index: try reader.uint32())
        case ClientToMaster.writeChunkEnd:
            let inode = try reader.inode()
            let chunk = ChunkID(try reader.uint64())
            return .writeChunkEnd(id, who, inode: inode, chunk: chunk, length: try reader.uint64())
        default:  // setLength: `decode` let only request types through
            let inode = try reader.inode()
            let flags = try reader.flags("flags", allowed: openedFlag)
            return .setLength(id, who, inode: inode, length: try reader.uint64(), opened: flags != 0)
        }
    }

    private static func mknod(_ id: RequestID, _ who: Credentials, _ reader: inout PayloadReader) throws(WireError) -> ClientRequest {
        let parent = try reader.inode()
        let name = try reader.name("name")
        let type = try reader.nodeType("type")
        guard mknodTypes.contains(type) else {
            throw reader.malformed("type", "mknod cannot create a \(type == .directory ? "directory" : "symlink")")
        }
        return .mknod(id, who, parent: parent, name: name, type: type, mode: try reader.uint16(), rdev: try reader.uint32())
    }

    private static func chunks(_ id: RequestID, _ reader: inout PayloadReader) throws(WireError) -> ClientRequest {
        let inode = try reader.inode()
        let firstIndex = try reader.uint32()
        let maxChunks = try pageSize(&reader, "maxChunks", limit: WireLimits.maxChunksPerReply)
        return .chunks(id, inode: inode, firstIndex: firstIndex, maxChunks: maxChunks)
    }

    /// A page size: 1…`limit`.
    private static func pageSize(_ reader: inout PayloadReader, _ field: String, limit: Int) throws(WireError) -> Int {
        let size = Int(try reader.uint16())
        guard (1...limit).contains(size) else { throw reader.malformed(field, "\(size); must be 1…\(limit)") }
        return size
    }

    /// The frame types of requests (every `ClientToMaster` type but the handshake's).
    private static let requestTypes = Set(ClientToMaster.all.map(\.0)).subtracting([ClientToMaster.authResponse])
}
