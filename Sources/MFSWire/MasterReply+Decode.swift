import MFSCore
import MFSMetadata

extension MasterReply {
    /// The reply in `frame`, or why it is not a valid one. Counts are checked against their
    /// `WireLimits` bound before anything is allocated for them.
    public static func decode(_ frame: Frame) throws(WireError) -> MasterReply {
        guard replyTypes.contains(frame.type) else {
            throw frame.type.isKnown
                ? .unexpectedType(frame.type, expected: "a master reply") : .unknownType(frame.type.rawValue)
        }
        var reader = PayloadReader(frame)
        let id = RequestID(try reader.uint64())
        let reply: MasterReply
        switch frame.type {
        case MasterToClient.status:
            let status = WireStatus(rawValue: try reader.uint8())
            let address = try reader.shortText("activeMaster", limit: WireLimits.maxAddressLength)
            reply = .status(id, status, activeMaster: address.isEmpty ? nil : address)
        case MasterToClient.info:
            reply = .info(id, try info(&reader))
        case MasterToClient.lookup: reply = .lookup(id, try reader.attributes())
        case MasterToClient.getAttributes: reply = .getAttributes(id, try reader.attributes())
        case MasterToClient.setAttributes: reply = .setAttributes(id, try reader.attributes())
        case MasterToClient.symlink: reply = .symlink(id, try reader.attributes())
        case MasterToClient.mknod: reply = .mknod(id, try reader.attributes())
        case MasterToClient.mkdir: reply = .mkdir(id, try reader.attributes())
        case MasterToClient.link: reply = .link(id, try reader.attributes())
        case MasterToClient.open: reply = .open(id, try reader.attributes())
        case MasterToClient.setLength: reply = .setLength(id, try reader.attributes())
        case MasterToClient.readlink:
            reply = .readlink(id, target: try reader.longBytes("target", limit: WireLimits.maxSymlinkTargetLength))
        case MasterToClient.unlink: reply = .unlink(id, removed: try reader.inode())
        case MasterToClient.rmdir: reply = .rmdir(id, removed: try reader.inode())
        case MasterToClient.rename: reply = .rename(id, moved: try reader.inode())
        case MasterToClient.getGoal: reply = .getGoal(id, goal: try reader.uint8())
        case MasterToClient.setGoal: reply = .setGoal(id, changed: try reader.uint64())
        case MasterToClient.readChunk: reply = .chunkLocation(id, try reader.chunkLocation(.read))
        case MasterToClient.writeChunk: reply = .chunkLocation(id, try reader.chunkLocation(.write))
        case MasterToClient.readdir:
            let atEnd = try reader.bool("atEnd")
            let count = try pageCount(&reader, "entries", limit: WireLimits.maxReaddirEntries)
            var entries: [DirectoryListingEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append(try reader.entry()) }
            reply = .readdir(id, entries: entries, atEnd: atEnd)
        default:  // chunks: the guard let only reply types through
            let atEnd = try reader.bool("atEnd")
            let count = try pageCount(&reader, "chunks", limit: WireLimits.maxChunksPerReply)
            var chunks: [ChunkInfo] = []
            chunks.reserveCapacity(count)
            for _ in 0..<count { chunks.append(try reader.chunk()) }
            reply = .chunks(id, chunks, atEnd: atEnd)
        }
        try reader.finish()
        return reply
    }

    private static func info(_ reader: inout PayloadReader) throws(WireError) -> MasterInfo {
        MasterInfo(
            totalBytes: try reader.uint64(), availableBytes: try reader.uint64(), inodeCount: try reader.uint64(),
            chunkCount: try reader.uint64(), metaVersion: try reader.metaVersion("metaVersion"))
    }

    /// An entry count, checked against its page limit before the array is allocated.
    private static func pageCount(_ reader: inout PayloadReader, _ field: String, limit: Int) throws(WireError) -> Int {
        let count = Int(try reader.uint16())
        guard count <= limit else { throw reader.malformed(field, "\(count) in one page; the limit is \(limit)") }
        return count
    }

    /// The frame types of replies (every `MasterToClient` type but the handshake's).
    private static let replyTypes = Set(MasterToClient.all.map(\.0)).subtracting([MasterToClient.session])
}
