import MFSCore

extension ChangelogCodec {
    /// More bytes than `record`'s line (with its `\n`) can take. The fixed parts are at most
    /// 33 (`VERSION: TIME|`) + 16 (longest name, `(` and `)`) + 7 × 21 (numbers and commas)
    /// + 21 (`:RESULT`) + 34 (request tag) + 1 (`\n`) = 252 bytes; byte strings take at most 3
    /// bytes per byte escaped, a voter set 16 for the leader and 19 per member.
    @inline(__always)
    static func formattedLengthBound(_ change: Change) -> Int {
        256 + variableLength(change)
    }

    private static func variableLength(_ change: Change) -> Int {
        switch change {
        case .create(_, let name, _, _, _, _, _), .link(_, _, let name), .unlink(_, let name), .rmdir(_, let name):
            3 * name.bytes.count
        case .symlink(_, let name, let target, _, _):
            3 * (name.bytes.count + target.count)
        case .rename(_, let name, _, let newName):
            3 * (name.bytes.count + newName.bytes.count)
        case .openSession(let info):
            3 * info.count
        case .voters(let set):
            16 + 19 * set.members.count
        case .setMetaID, .epoch, .idle, .checksum, .setAttributes, .setLength, .setGoal, .addChunk,
            .bumpChunkVersion, .closeSession, .sessionLost, .sessionBack, .acquire, .release, .chunkserver, .chunkserverRemoved,
            .flock, .posixLock:
            0
        }
    }

    /// Writes `record`'s line and its `\n` at `start`, which has room for
    /// `formattedLengthBound(record.change)` bytes; returns the bytes written.
    static func write(_ record: ChangelogRecord, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var out = LineWriter(start)
        out.decimal(record.version.rawValue)
        out.ascii(": ")
        out.decimal(record.time.rawValue)
        out.byte(UInt8(ascii: "|"))
        let op = writeChange(record.change, to: &out)
        if let result = record.result {
            precondition(op.hasResult, "changelog record \(record.version): \(op) has no result, but the record carries \(result)")
            out.byte(UInt8(ascii: ":"))
            out.decimal(result)
        } else {
            precondition(!op.hasResult, "changelog record \(record.version): \(op) needs a result, the record has none")
        }
        if let request = record.request {
            out.ascii("|r=")
            out.decimal(request.session.rawValue)
            out.byte(UInt8(ascii: "."))
            out.decimal(request.request.rawValue)
        }
        out.byte(UInt8(ascii: "\n"))
        return out.cursor - start
    }

    /// Writes `OP(args)` and returns the operation, so the caller checks the result against it
    /// without a second `switch`.
    private static func writeChange(_ change: Change, to out: inout LineWriter) -> ChangelogOperation {
        switch change {
        case .setMetaID(let id):
            out.ascii("SETMETAID(")
            out.hex16(id.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .setMetaID
        case .epoch(let epoch):
            out.ascii("EPOCH(")
            out.decimal(epoch.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .epoch
        case .idle:
            out.ascii("IDLE()")
            return .idle
        case .checksum(let value):
            out.ascii("CHECKSUM(")
            out.decimal(value)
            out.byte(UInt8(ascii: ")"))
            return .checksum
        case .create(let parent, let name, let type, let mode, let uid, let gid, let rdev):
            out.ascii("CREATE(")
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ","))
            out.byte(type.rawValue)
            out.argument(UInt64(mode))
            out.argument(UInt64(uid))
            out.argument(UInt64(gid))
            out.argument(UInt64(rdev))
            out.byte(UInt8(ascii: ")"))
            return .create
        case .symlink(let parent, let name, let target, let uid, let gid):
            precondition(target.count <= ChangelogLimits.maxSymlinkTargetLength, "symlink target of \(target.count) bytes")
            precondition(!target.contains(0), "symlink target with a NUL byte")
            out.ascii("SYMLINK(")
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ","))
            out.escaped(target)
            out.argument(UInt64(uid))
            out.argument(UInt64(gid))
            out.byte(UInt8(ascii: ")"))
            return .symlink
        case .link(let inode, let parent, let name):
            out.ascii("LINK(")
            out.decimal(inode.rawValue)
            out.byte(UInt8(ascii: ","))
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ")"))
            return .link
        case .unlink(let parent, let name):
            out.ascii("UNLINK(")
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ")"))
            return .unlink
        case .rmdir(let parent, let name):
            out.ascii("RMDIR(")
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ")"))
            return .rmdir
        case .rename(let parent, let name, let newParent, let newName):
            out.ascii("RENAME(")
            out.decimal(parent.rawValue)
            writeName(name, to: &out)
            out.byte(UInt8(ascii: ","))
            out.decimal(newParent.rawValue)
            writeName(newName, to: &out)
            out.byte(UInt8(ascii: ")"))
            return .rename
        case .setAttributes(let inode, let mode, let uid, let gid, let atime, let mtime):
            out.ascii("ATTR(")
            out.decimal(inode.rawValue)
            out.argument(UInt64(mode))
            out.argument(UInt64(uid))
            out.argument(UInt64(gid))
            out.argument(UInt64(atime.rawValue))
            out.argument(UInt64(mtime.rawValue))
            out.byte(UInt8(ascii: ")"))
            return .setAttributes
        default:
            return writeOtherChange(change, to: &out)
        }
    }

    /// The operations on chunks and sessions (split from `writeChange` to keep both short).
    private static func writeOtherChange(_ change: Change, to out: inout LineWriter) -> ChangelogOperation {
        switch change {
        case .setLength(let inode, let length):
            out.ascii("LENGTH(")
            out.decimal(inode.rawValue)
            out.argument(length)
            out.byte(UInt8(ascii: ")"))
            return .setLength
        case .setGoal(let inode, let goal, let recursive):
            out.ascii("SETGOAL(")
            out.decimal(inode.rawValue)
            out.argument(UInt64(goal))
            out.argument(recursive ? 1 : 0)
            out.byte(UInt8(ascii: ")"))
            return .setGoal
        case .addChunk(let inode, let index):
            out.ascii("ADDCHUNK(")
            out.decimal(inode.rawValue)
            out.argument(UInt64(index))
            out.byte(UInt8(ascii: ")"))
            return .addChunk
        case .bumpChunkVersion(let chunk):
            out.ascii("INCVERSION(")
            out.decimal(chunk.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .bumpChunkVersion
        case .openSession(let info):
            precondition(info.count <= ChangelogLimits.maxSessionInfoLength, "session info of \(info.count) bytes")
            out.ascii("SESSION(")
            out.escaped(info)
            out.byte(UInt8(ascii: ")"))
            return .openSession
        case .closeSession(let session):
            out.ascii("SESSIONCLOSE(")
            out.decimal(session.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .closeSession
        case .sessionLost(let session):
            out.ascii("SESSIONLOST(")
            out.decimal(session.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .sessionLost
        case .sessionBack(let session):
            out.ascii("SESSIONBACK(")
            out.decimal(session.rawValue)
            out.byte(UInt8(ascii: ")"))
            return .sessionBack
        case .acquire(let inode, let session):
            out.ascii("ACQUIRE(")
            out.decimal(inode.rawValue)
            out.argument(UInt64(session.rawValue))
            out.byte(UInt8(ascii: ")"))
            return .acquire
        case .release(let inode, let session):
            out.ascii("RELEASE(")
            out.decimal(inode.rawValue)
            out.argument(UInt64(session.rawValue))
            out.byte(UInt8(ascii: ")"))
            return .release
        case .voters(let set):
            writeVoters(set, to: &out)
            return .voters
        case .chunkserver(let id, let address):
            out.ascii("CHUNKSERVER(")
            out.decimal(UInt64(id.rawValue))
            out.argument(UInt64(address.ip))
            out.argument(UInt64(address.port))
            out.byte(UInt8(ascii: ")"))
            return .chunkserver
        case .chunkserverRemoved(let id):
            out.ascii("CHUNKSERVERDEL(")
            out.decimal(UInt64(id.rawValue))
            out.byte(UInt8(ascii: ")"))
            return .chunkserverRemoved
        case .flock(let inode, let session, let owner, let kind):
            writeLockHead("FLOCK(", inode, session, owner, kind, to: &out)
            out.byte(UInt8(ascii: ")"))
            return .flock
        case .posixLock(let inode, let session, let owner, let kind, let start, let end, let pid):
            writeLockHead("POSIXLOCK(", inode, session, owner, kind, to: &out)
            out.argument(start)
            out.argument(end)
            out.argument(UInt64(pid))
            out.byte(UInt8(ascii: ")"))
            return .posixLock
        case .setMetaID, .epoch, .idle, .checksum, .create, .symlink, .link, .unlink, .rmdir, .rename, .setAttributes:
            preconditionFailure("\(change.operation) is written by writeChange")
        }
    }

    /// `VOTERS(k,leader,members)`: members as `ID:KIND` in ascending id order, joined by `.`.
    /// `NAME(inode,session,owner,kind`: what FLOCK and POSIXLOCK lines start with (the kind a
    /// character, as MooseFS writes it).
    private static func writeLockHead(
        _ name: StaticString, _ inode: InodeID, _ session: SessionID, _ owner: UInt64, _ kind: LockChange, to out: inout LineWriter
    ) {
        out.ascii(name)
        out.decimal(inode.rawValue)
        out.argument(UInt64(session.rawValue))
        out.argument(owner)
        out.byte(UInt8(ascii: ","))
        out.byte(kind.rawValue)
    }

    private static func writeVoters(_ set: VoterSet, to out: inout LineWriter) {
        precondition(set.members.count <= ChangelogLimits.maxVoters, "voter set of \(set.members.count) members")
        precondition(
            set.syncReplicas >= 0 && set.syncReplicas <= ChangelogLimits.maxSyncReplicas, "voter set with syncReplicas \(set.syncReplicas)")
        out.ascii("VOTERS(")
        out.decimal(UInt64(set.syncReplicas))
        out.byte(UInt8(ascii: ","))
        out.hex16(set.leader.rawValue)
        out.byte(UInt8(ascii: ","))
        for (position, member) in set.sortedMembers.enumerated() {
            if position > 0 { out.byte(UInt8(ascii: ".")) }
            out.hex16(member.id.rawValue)
            out.byte(UInt8(ascii: ":"))
            out.byte(member.kind.letter.asciiValue!)
        }
        out.byte(UInt8(ascii: ")"))
    }

    /// `,NAME`. The name's length is checked so that `maxLineLength` holds even for a name made
    /// with `EntryName(unchecked:)`.
    @inline(__always)
    private static func writeName(_ name: EntryName, to out: inout LineWriter) {
        precondition(!name.bytes.isEmpty && name.bytes.count <= EntryName.maxLength, "entry name of \(name.bytes.count) bytes")
        out.byte(UInt8(ascii: ","))
        out.escaped(name.bytes)
    }
}
