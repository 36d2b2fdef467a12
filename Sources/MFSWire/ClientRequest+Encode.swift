import MFSCore
import MFSMetadata

extension ClientRequest {
    /// The frame type of the request.
    public var messageType: MessageType {
        switch self {
        case .info: ClientToMaster.info
        case .lookup: ClientToMaster.lookup
        case .getAttributes: ClientToMaster.getAttributes
        case .setAttributes: ClientToMaster.setAttributes
        case .readlink: ClientToMaster.readlink
        case .symlink: ClientToMaster.symlink
        case .mknod: ClientToMaster.mknod
        case .mkdir: ClientToMaster.mkdir
        case .unlink: ClientToMaster.unlink
        case .rmdir: ClientToMaster.rmdir
        case .rename: ClientToMaster.rename
        case .link: ClientToMaster.link
        case .readdir: ClientToMaster.readdir
        case .open: ClientToMaster.open
        case .release: ClientToMaster.release
        case .getGoal: ClientToMaster.getGoal
        case .setGoal: ClientToMaster.setGoal
        case .setLength: ClientToMaster.setLength
        case .chunks: ClientToMaster.chunks
        case .closeSession: ClientToMaster.closeSession
        case .readChunk: ClientToMaster.readChunk
        case .writeChunk: ClientToMaster.writeChunk
        case .writeChunkEnd: ClientToMaster.writeChunkEnd
        }
    }

    /// The frame type of a successful reply; any request may instead be answered with
    /// `MasterToClient.status`.
    public var replyType: MessageType {
        switch self {
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
        case .readChunk: MasterToClient.readChunk
        case .writeChunk: MasterToClient.writeChunk
        case .release, .closeSession, .writeChunkEnd: MasterToClient.status
        }
    }

    /// The request as one frame. Traps on a value the wire cannot carry (more groups than
    /// `WireLimits.maxGroups`, a longer symlink target, a page size out of range, an `mknod`
    /// of a directory or symlink): those are the caller's bugs, not the peer's.
    public func encode() -> [UInt8] {
        var writer = FrameWriter(messageType)
        writer.write(requestID.rawValue)
        if let who = credentials { writer.write(who) }
        switch self {
        case .info, .closeSession:
            break
        case .getAttributes(_, let inode), .readlink(_, let inode), .getGoal(_, let inode), .release(_, _, let inode):
            writer.write(inode.rawValue)
        case .lookup(_, _, let parent, let name), .unlink(_, _, let parent, let name), .rmdir(_, _, let parent, let name):
            writer.write(parent.rawValue)
            writer.write(name)
        case .setAttributes(_, _, let inode, let changes):
            writer.write(inode.rawValue)
            writer.write(changes)
        case .symlink(_, _, let parent, let name, let target):
            writer.write(parent.rawValue)
            writer.write(name)
            writer.write(longString: target, limit: WireLimits.maxSymlinkTargetLength, field: "target")
        case .mknod(_, _, let parent, let name, let type, let mode, let rdev):
            precondition(ClientRequest.mknodTypes.contains(type), "mknod of a \(type): use mkdir or symlink")
            writer.write(parent.rawValue)
            writer.write(name)
            writer.write(type.rawValue)
            writer.write(mode)
            writer.write(rdev)
        case .mkdir(_, _, let parent, let name, let mode):
            writer.write(parent.rawValue)
            writer.write(name)
            writer.write(mode)
        case .rename(_, _, let parent, let name, let newParent, let newName):
            writer.write(parent.rawValue)
            writer.write(name)
            writer.write(newParent.rawValue)
            writer.write(newName)
        case .link(_, _, let inode, let newParent, let newName):
            writer.write(inode.rawValue)
            writer.write(newParent.rawValue)
            writer.write(newName)
        case .readdir(_, _, let inode, let cookie, let maxEntries):
            precondition((1...WireLimits.maxReaddirEntries).contains(maxEntries), "readdir of \(maxEntries) entries")
            writer.write(inode.rawValue)
            writer.write(cookie)
            writer.write(UInt16(maxEntries))
        case .open(_, _, let inode, let flags):
            precondition(OpenFlags.all.isSuperset(of: flags), "open flags \(flags.rawValue)")
            writer.write(inode.rawValue)
            writer.write(flags.rawValue)
        case .setGoal(_, _, let inode, let goal, let recursive):
            writer.write(inode.rawValue)
            writer.write(goal)
            writer.write(recursive ? ClientRequest.recursiveFlag : 0)
        case .setLength(_, _, let inode, let length, let opened):
            writer.write(inode.rawValue)
            writer.write(opened ? ClientRequest.openedFlag : 0)
            writer.write(length)
        case .chunks(_, let inode, let firstIndex, let maxChunks):
            precondition((1...WireLimits.maxChunksPerReply).contains(maxChunks), "chunk page of \(maxChunks)")
            writer.write(inode.rawValue)
            writer.write(firstIndex)
            writer.write(UInt16(maxChunks))
        case .readChunk(_, let inode, let index), .writeChunk(_, _, let inode, let index):
            writer.write(inode.rawValue)
            writer.write(index)
        case .writeChunkEnd(_, _, let inode, let chunk, let length):
            writer.write(inode.rawValue)
            writer.write(chunk.rawValue)
            writer.write(length)
        }
        return writer.finish()
    }

    /// The node types `mknod` creates.
    static let mknodTypes: Set<NodeType> = [.file, .fifo, .socket, .blockDevice, .charDevice]
    static let recursiveFlag: UInt8 = 0x01
    static let openedFlag: UInt8 = 0x01
}
