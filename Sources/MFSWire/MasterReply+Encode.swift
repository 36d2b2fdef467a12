import MFSCore
import MFSMetadata

extension MasterReply {
    /// The frame type of the reply.
    public var messageType: MessageType {
        switch self {
        case .status: MasterToClient.status
        case .info: MasterToClient.info
        case .lookup: MasterToClient.lookup
        case .getAttributes: MasterToClient.getAttributes
        case .setAttributes: MasterToClient.setAttributes
        case .readlink: MasterToClient.readlink
        case .symlink: MasterToClient.symlink
        case .mknod: MasterToClient.mknod
        case .mkdir: MasterToClient.mkdir
        case .unlink: MasterToClient.unlink
        case .rmdir: MasterToClient.rmdir
        case .rename: MasterToClient.rename
        case .link: MasterToClient.link
        case .readdir: MasterToClient.readdir
        case .open: MasterToClient.open
        case .getGoal: MasterToClient.getGoal
        case .setGoal: MasterToClient.setGoal
        case .setLength: MasterToClient.setLength
        case .chunks: MasterToClient.chunks
        case .chunkLocation(_, let location): location.access == .read ? MasterToClient.readChunk : MasterToClient.writeChunk
        }
    }

    /// The reply as one frame. Traps on a value the wire cannot carry (a page longer than its
    /// limit, a longer symlink target or address, an empty address, more chunkservers than
    /// `WireLimits.maxChunkLocations` or any for a hole): the caller's bug.
    public func encode() -> [UInt8] {
        var writer = FrameWriter(messageType)
        writer.write(requestID.rawValue)
        switch self {
        case .status(_, let status, let activeMaster):
            writer.write(status.rawValue)
            precondition(activeMaster?.isEmpty != true, "an empty active master address: use nil")
            writer.write(shortString: (activeMaster ?? "").utf8, limit: WireLimits.maxAddressLength, field: "activeMaster")
        case .info(_, let info):
            writer.write(info.totalBytes)
            writer.write(info.availableBytes)
            writer.write(info.inodeCount)
            writer.write(info.chunkCount)
            writer.write(info.metaVersion.rawValue)
        case .lookup(_, let a), .getAttributes(_, let a), .setAttributes(_, let a), .symlink(_, let a), .mknod(_, let a),
            .mkdir(_, let a), .link(_, let a), .open(_, let a), .setLength(_, let a):
            writer.write(a)
        case .readlink(_, let target):
            writer.write(longString: target, limit: WireLimits.maxSymlinkTargetLength, field: "target")
        case .unlink(_, let inode), .rmdir(_, let inode), .rename(_, let inode):
            writer.write(inode.rawValue)
        case .readdir(_, let entries, let atEnd):
            precondition(entries.count <= WireLimits.maxReaddirEntries, "readdir page of \(entries.count) entries")
            writer.write(atEnd)
            writer.write(UInt16(entries.count))
            for entry in entries { writer.write(entry) }
        case .getGoal(_, let goal):
            writer.write(goal)
        case .setGoal(_, let changed):
            writer.write(changed)
        case .chunks(_, let chunks, let atEnd):
            precondition(chunks.count <= WireLimits.maxChunksPerReply, "chunk page of \(chunks.count) chunks")
            writer.write(atEnd)
            writer.write(UInt16(chunks.count))
            for chunk in chunks { writer.write(chunk) }
        case .chunkLocation(_, let location):
            writer.write(location)
        }
        return writer.finish()
    }
}
