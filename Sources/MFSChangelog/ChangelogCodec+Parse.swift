import MFSCore

extension ChangelogCodec {
    /// The parser proper, on the line's bytes (without the `\n`).
    static func parseRecord(_ line: UnsafeBufferPointer<UInt8>) throws(ChangelogParseError) -> ChangelogRecord {
        guard line.count <= ChangelogLimits.maxLineLength else {
            throw .lineTooLong(length: line.count, limit: ChangelogLimits.maxLineLength)
        }
        guard let base = line.baseAddress, !line.isEmpty else { throw .missingVersion }
        var parser = LineParser(base: base, count: line.count)
        let version = try parser.version()
        let time = try parser.time()
        let op = try parser.operation()
        let change = try parseArguments(of: op, with: &parser)
        let result = try parser.result(of: op)
        let request = try parser.requestTag()
        try parser.end()
        return ChangelogRecord(version: MetaVersion(version), time: UnixTime(time), change: change, result: result, request: request)
    }

    /// The arguments of `op` through the closing `)`, in the order of `Change`'s doc comments.
    private static func parseArguments(of op: ChangelogOperation, with p: inout LineParser) throws(ChangelogParseError) -> Change {
        switch op {
        case .create:
            let parent = InodeID(try p.nextUInt32())
            let name = try p.nextName()
            let type = try p.nextNodeType()
            let mode = UInt16(truncatingIfNeeded: try p.nextNumber(max: UInt64(UInt16.max)))
            return .create(
                parent: parent, name: name, type: type, mode: mode, uid: try p.nextUInt32(), gid: try p.nextUInt32(),
                rdev: try p.nextUInt32())
        case .symlink:
            let parent = InodeID(try p.nextUInt32())
            let name = try p.nextName()
            let target = try p.nextTarget()
            return .symlink(parent: parent, name: name, target: target, uid: try p.nextUInt32(), gid: try p.nextUInt32())
        case .link:
            let inode = InodeID(try p.nextUInt32())
            let parent = InodeID(try p.nextUInt32())
            return .link(inode: inode, parent: parent, name: try p.nextName())
        case .unlink:
            let parent = InodeID(try p.nextUInt32())
            return .unlink(parent: parent, name: try p.nextName())
        case .rmdir:
            let parent = InodeID(try p.nextUInt32())
            return .rmdir(parent: parent, name: try p.nextName())
        case .rename:
            let parent = InodeID(try p.nextUInt32())
            let name = try p.nextName()
            let newParent = InodeID(try p.nextUInt32())
            return .rename(parent: parent, name: name, newParent: newParent, newName: try p.nextName())
        case .setAttributes:
            let inode = InodeID(try p.nextUInt32())
            let mode = UInt16(truncatingIfNeeded: try p.nextNumber(max: UInt64(UInt16.max)))
            let uid = try p.nextUInt32()
            let gid = try p.nextUInt32()
            let atime = UnixTime(try p.nextUInt32())
            return .setAttributes(inode: inode, mode: mode, uid: uid, gid: gid, atime: atime, mtime: UnixTime(try p.nextUInt32()))
        case .setLength:
            let inode = InodeID(try p.nextUInt32())
            return .setLength(inode: inode, length: try p.nextNumber(max: .max))
        case .setGoal:
            let inode = InodeID(try p.nextUInt32())
            let goal = UInt8(truncatingIfNeeded: try p.nextNumber(max: UInt64(UInt8.max)))
            return .setGoal(inode: inode, goal: goal, recursive: try p.nextFlag())
        case .addChunk:
            let inode = InodeID(try p.nextUInt32())
            return .addChunk(inode: inode, index: try p.nextUInt32())
        default:
            return try parseOtherArguments(of: op, with: &p)
        }
    }

    /// The cluster and session operations (split from `parseArguments` to keep both short).
    private static func parseOtherArguments(of op: ChangelogOperation, with p: inout LineParser) throws(ChangelogParseError) -> Change {
        switch op {
        case .setMetaID:
            return .setMetaID(try p.nextMetaID())
        case .epoch:
            return .epoch(Epoch(try p.nextNumber(max: Epoch.maximum.rawValue)))
        case .idle:
            try p.noArguments()
            return .idle
        case .checksum:
            return .checksum(try p.nextNumber(max: .max))
        case .bumpChunkVersion:
            return .bumpChunkVersion(chunk: ChunkID(try p.nextNumber(max: .max)))
        case .openSession:
            return .openSession(info: try p.nextBytes(limit: ChangelogLimits.maxSessionInfoLength))
        case .closeSession:
            return .closeSession(SessionID(try p.nextUInt32()))
        case .sessionLost:
            return .sessionLost(SessionID(try p.nextUInt32()))
        case .sessionBack:
            return .sessionBack(SessionID(try p.nextUInt32()))
        case .acquire:
            let inode = InodeID(try p.nextUInt32())
            return .acquire(inode: inode, session: SessionID(try p.nextUInt32()))
        case .release:
            let inode = InodeID(try p.nextUInt32())
            return .release(inode: inode, session: SessionID(try p.nextUInt32()))
        case .voters:
            let k = Int(try p.nextNumber(max: UInt64(ChangelogLimits.maxSyncReplicas)))
            let leader = try p.nextMemberID()
            return .voters(VoterSet(syncReplicas: k, leader: leader, members: try p.nextMembers(limit: ChangelogLimits.maxVoters)))
        case .chunkserver:
            let id = ChunkserverID(UInt16(try p.nextNumber(max: UInt64(UInt16.max))))
            let ip = try p.nextUInt32()
            return .chunkserver(id, ChunkserverAddress(ip: ip, port: UInt16(try p.nextNumber(max: UInt64(UInt16.max)))))
        case .chunkserverRemoved:
            return .chunkserverRemoved(ChunkserverID(UInt16(try p.nextNumber(max: UInt64(UInt16.max)))))
        case .flock:
            let inode = InodeID(try p.nextUInt32())
            let session = SessionID(try p.nextUInt32())
            let owner = try p.nextNumber(max: .max)
            return .flock(inode: inode, session: session, owner: owner, try p.nextLockChange())
        case .posixLock:
            let inode = InodeID(try p.nextUInt32())
            let session = SessionID(try p.nextUInt32())
            let owner = try p.nextNumber(max: .max)
            let kind = try p.nextLockChange()
            let start = try p.nextNumber(max: .max)
            let end = try p.nextNumber(max: .max)
            return .posixLock(inode: inode, session: session, owner: owner, kind, start: start, end: end, pid: try p.nextUInt32())
        case .create, .symlink, .link, .unlink, .rmdir, .rename, .setAttributes, .setLength, .setGoal, .addChunk:
            preconditionFailure("\(op) is parsed by parseArguments")
        }
    }

    /// The version before the first `:`, without parsing the rest.
    static func peekVersion(of line: UnsafeBufferPointer<UInt8>) -> MetaVersion? {
        guard let base = line.baseAddress else { return nil }
        var parser = LineParser(base: base, count: line.count)
        guard case .value(let version) = parser.number(max: .max), parser.consume(UInt8(ascii: ":")) else { return nil }
        return MetaVersion(version)
    }
}
