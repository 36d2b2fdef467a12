import MFSChangelog
import MFSConfig
import MFSCore
import MFSMetadata
import MFSWire

/// A client connection's session, as its handshake settled it.
public struct ClientSession: Sendable {
    public var id: SessionID
    /// The export rule that admitted the client: read-only, id mappings, goal limits.
    public var rule: ExportRule
    /// The inode of the exported directory.
    public var root: InodeID
    /// Whether the end of a write that grows a file moves its mtime. Our dialect's clients rely
    /// on it; MooseFS 3.0.74+ clients report their write times in AMTIME_INODES instead, and
    /// MooseFS's master ignores their CHUNKOPFLAG_CANMODTIME, so a `touch -d` (or tar's
    /// utime) between a write and its WRITE_CHUNK_END stays.
    public var writeEndSetsMtime: Bool

    public init(id: SessionID, rule: ExportRule, root: InodeID, writeEndSetsMtime: Bool = true) {
        self.id = id
        self.rule = rule
        self.root = root
        self.writeEndSetsMtime = writeEndSetsMtime
    }

    /// Who a request really acts as: uid 0 becomes the `maproot` user, anyone else the
    /// `mapall` user when the export has one, and `ignoregid` drops group checks (MooseFS's rules).
    public func effective(_ who: Credentials) -> Credentials {
        var mapped = who
        if who.uid == 0 {
            if rule.rootIsMapped { mapped = Credentials(uid: rule.rootMapping.uid, gid: rule.rootMapping.gid) }
        } else if let all = rule.allMapping {
            mapped = Credentials(uid: all.uid, gid: all.gid)
        }
        mapped.ignoresGroups = rule.ignoreGID
        return mapped
    }
}

/// How to answer a request: at once, or once the change it made is stored as
/// `CHANGELOG_SAVE_MODE` requires (never before: an acknowledged change is never lost).
public enum RequestOutcome: Sendable {
    case now(MasterReply)
    case whenStored(MetaVersion, MasterReply)
    /// Answered later, once chunkservers did their part (a chunk request): `start` runs the
    /// request and calls its argument with the reply, once, on any thread.
    case later(@Sendable (@escaping ChunkHub.Reply) -> Void)
}

/// Turns client requests into namespace reads and changes. Connection-independent, so the
/// same code serves every connection and the tests.
public struct ClientRequestProcessor: Sendable {
    public let service: MetadataService
    /// Whether this master takes writes: a follower or fenced master answers every mutating
    /// request with `notActive` (and the active master's address when it knows it).
    public let isActive: @Sendable () -> (active: Bool, activeMaster: String?)
    /// The chunk side: `readChunk`, `writeChunk`, `writeChunkEnd` and a truncate inside a chunk
    /// go through it. Without it (tests of the namespace requests alone) chunk requests fail
    /// with EIO.
    public let chunks: ChunkHub?

    public init(
        service: MetadataService, chunks: ChunkHub? = nil,
        isActive: @escaping @Sendable () -> (active: Bool, activeMaster: String?) = { (true, nil) }
    ) {
        self.service = service
        self.chunks = chunks
        self.isActive = isActive
    }

    /// Answers `request` for `session` at time `now`. Never throws: every failure becomes a
    /// `MasterReply.status` for that request.
    public func process(_ request: ClientRequest, session: ClientSession, now: UnixTime) -> RequestOutcome {
        let id = request.requestID
        if session.root != .root, !isInsideExport(request, session) { return .now(.failure(id, .notPermitted)) }
        if case .readChunk(_, let inode, let index) = request {
            return chunkRequest(id) { $0.readChunk(id, inode: inode, index: index, reply: $1) }
        }
        guard request.isMutating else {
            do throws(MasterError) {
                return .now(try read(request, session: session))
            } catch {
                return .now(Self.failure(id, error))
            }
        }
        let state = isActive()
        guard state.active else { return .now(.status(id, .notActive, activeMaster: state.activeMaster)) }
        if session.rule.readOnly, !Self.allowedReadOnly(request) { return .now(.failure(id, .readOnly)) }
        switch request {
        case .writeChunk(_, _, let inode, let index):
            return chunkRequest(id) { $0.writeChunk(id, session: session.id, inode: inode, index: index, reply: $1) }
        case .writeChunkEnd(_, _, let inode, let chunk, let length):
            return chunkRequest(id) {
                $0.writeChunkEnd(
                    id, session: session.id, inode: inode, chunk: chunk, length: length, setsMtime: session.writeEndSetsMtime, reply: $1)
            }
        case .setLength:
            if let refusal = truncationRefusal(request) { return .now(.status(id, refusal, activeMaster: nil)) }
        default:
            break
        }
        let tag = RequestTag(session: session.id, request: id)
        do throws(MasterError) {
            let ((reply, cut), version) = try service.perform {
                (namespace: inout Namespace) throws(FSError) -> ((MasterReply, ChunkCut?), ChangelogRecord?) in
                switch try namespace.status(of: tag) {
                case .new:
                    var cut = Self.chunkCut(request, in: namespace)
                    let (reply, record) = try Self.apply(request, session: session, tag: tag, now: now, to: &namespace)
                    if let chunk = cut?.chunk { cut?.version = namespace.chunkVersion(chunk) ?? 0 }
                    return ((reply, cut), record)
                case .done(let result):
                    return ((try Self.replay(request, result: result, in: namespace), nil), nil)
                case .expired:
                    throw .requestExpired
                }
            }
            // Outside the namespace's lock: the chunk hub takes it inside its own.
            if let cut {
                chunks?.truncated(cut.chunk, length: cut.length, oldVersion: cut.oldVersion, version: cut.version, change: version)
            }
            return .whenStored(version, reply)
        } catch {
            return .now(Self.failure(id, error))
        }
    }

    /// Whether every inode the request names lies in the session's exported tree (or is a file
    /// the session holds open, which may be unlinked): a client of `/sub` reaches nothing
    /// outside it, whatever inode numbers it sends (MooseFS answers EPERM too).
    private func isInsideExport(_ request: ClientRequest, _ session: ClientSession) -> Bool {
        let named = Self.inodes(of: request)
        guard !named.isEmpty else { return true }
        return
            (try? service.read { (namespace: Namespace) throws(FSError) -> Bool in
                named.allSatisfy { namespace.isInside($0, tree: session.root) || namespace.session(session.id, holds: $0) }
            }) ?? false
    }

    /// The inodes a request names (parents included).
    static func inodes(of request: ClientRequest) -> [InodeID] {
        switch request {
        case .info, .closeSession:
            []
        case .lookup(_, _, let parent, _), .symlink(_, _, let parent, _, _), .mknod(_, _, let parent, _, _, _, _),
            .mkdir(_, _, let parent, _, _), .unlink(_, _, let parent, _), .rmdir(_, _, let parent, _):
            [parent]
        case .getAttributes(_, let inode), .setAttributes(_, _, let inode, _), .readlink(_, let inode),
            .readdir(_, _, let inode, _, _), .open(_, _, let inode, _), .release(_, _, let inode), .getGoal(_, let inode),
            .setGoal(_, _, let inode, _, _), .setLength(_, _, let inode, _, _), .chunks(_, let inode, _, _),
            .readChunk(_, let inode, _), .writeChunk(_, _, let inode, _), .writeChunkEnd(_, _, let inode, _, _):
            [inode]
        case .rename(_, _, let parent, _, let newParent, _):
            [parent, newParent]
        case .link(_, _, let inode, let newParent, _):
            [inode, newParent]
        }
    }

    static func failure(_ id: RequestID, _ error: MasterError) -> MasterReply {
        switch error {
        case .operation(let fsError): .failure(id, fsError)
        case .storage, .dump: .failure(id, .ioError)
        case .notActive: .status(id, .notActive, activeMaster: nil)
        }
    }

    /// On a read-only export a client may still open files for reading, close them and end its
    /// session (MooseFS allows the same).
    static func allowedReadOnly(_ request: ClientRequest) -> Bool {
        switch request {
        case .open(_, _, _, let flags): !flags.contains(.write)
        case .release, .closeSession: true
        default: false
        }
    }

    private func read(_ request: ClientRequest, session: ClientSession) throws(MasterError) -> MasterReply {
        // The chunkservers' space is read before the namespace's lock is taken, not under it.
        var space: (total: UInt64, available: UInt64) = (0, 0)
        if case .info = request, let chunks { space = chunks.space() }
        return try service.read { (namespace: Namespace) throws(FSError) -> MasterReply in
            switch request {
            case .info(let id):
                return .info(
                    id,
                    MasterInfo(
                        totalBytes: space.total, availableBytes: space.available, inodeCount: UInt64(namespace.inodeCount),
                        chunkCount: UInt64(namespace.chunkCount), metaVersion: namespace.version))
            case .lookup(let id, let who, let parent, let name):
                return .lookup(id, try namespace.lookup(parent, name, as: session.effective(who)))
            case .getAttributes(let id, let inode):
                return .getAttributes(id, try namespace.attributes(of: inode))
            case .readlink(let id, let inode):
                return .readlink(id, target: try namespace.readlink(inode))
            case .readdir(let id, let who, let inode, let cookie, let maxEntries):
                let listing = try namespace.readdir(inode, after: cookie, limit: maxEntries, as: session.effective(who))
                // A page ends between two hashes (the cookie is a hash), so names made to share
                // one hash could fill a page past the wire's limit: that directory cannot be
                // paged through this dialect, and says so instead of trapping in the encoder.
                guard listing.entries.count <= WireLimits.maxReaddirEntries else { throw FSError.ioError }
                return .readdir(id, entries: listing.entries, atEnd: listing.atEnd)
            case .getGoal(let id, let inode):
                return .getGoal(id, goal: try namespace.goal(of: inode))
            case .chunks(let id, let inode, let firstIndex, let maxChunks):
                let all = try namespace.chunks(of: inode).filter { $0.index >= firstIndex }
                return .chunks(id, Array(all.prefix(maxChunks)), atEnd: all.count <= maxChunks)
            default:
                preconditionFailure("\(request) is mutating")
            }
        }
    }

    /// Makes the change a new mutating request asks for.
    static func apply(
        _ request: ClientRequest, session: ClientSession, tag: RequestTag, now: UnixTime, to namespace: inout Namespace
    ) throws(FSError) -> (MasterReply, ChangelogRecord) {
        let who = session.effective(request.credentials ?? .root)
        switch request {
        case .setAttributes(let id, _, let inode, let changes):
            let (attributes, record) = try namespace.setAttributes(inode, changes, as: who, now: now, request: tag)
            return (.setAttributes(id, attributes), record)
        case .symlink(let id, _, let parent, let name, let target):
            let (attributes, record) = try namespace.symlink(parent, name, target: target, as: who, now: now, request: tag)
            return (.symlink(id, attributes), record)
        case .mknod(let id, _, let parent, let name, let type, let mode, let rdev):
            guard type != .directory, type != .symlink else { throw .invalidArgument }
            let (attributes, record) = try namespace.create(
                parent, name, type: type, mode: mode, rdev: rdev, as: who, now: now, request: tag)
            return (.mknod(id, attributes), record)
        case .mkdir(let id, _, let parent, let name, let mode):
            let (attributes, record) = try namespace.create(parent, name, type: .directory, mode: mode, as: who, now: now, request: tag)
            return (.mkdir(id, attributes), record)
        case .unlink(let id, _, let parent, let name):
            let (removed, record) = try namespace.unlink(parent, name, as: who, now: now, request: tag)
            return (.unlink(id, removed: removed), record)
        case .rmdir(let id, _, let parent, let name):
            let (removed, record) = try namespace.rmdir(parent, name, as: who, now: now, request: tag)
            return (.rmdir(id, removed: removed), record)
        case .rename(let id, _, let parent, let name, let newParent, let newName):
            let (moved, record) = try namespace.rename(parent, name, to: newParent, newName, as: who, now: now, request: tag)
            return (.rename(id, moved: moved), record)
        case .link(let id, _, let inode, let newParent, let newName):
            let (attributes, record) = try namespace.link(inode, into: newParent, as: newName, who: who, now: now, request: tag)
            return (.link(id, attributes), record)
        case .open(let id, _, let inode, let flags):
            if !flags.contains(.afterCreate) {
                var want: AccessMask = []
                if flags.contains(.read) { want.insert(.read) }
                if flags.contains(.write) { want.insert(.write) }
                if !want.isEmpty { try namespace.access(inode, want, as: who) }
            }
            let record = try namespace.acquire(inode, session: session.id, now: now, request: tag)
            return (.open(id, try namespace.attributes(of: inode)), record)
        case .release(let id, _, let inode):
            return (.ok(id), try namespace.release(inode, session: session.id, now: now, request: tag))
        case .setGoal(let id, _, let inode, let goal, let recursive):
            guard (session.rule.minGoal...session.rule.maxGoal).contains(goal) else { throw .notPermitted }
            let (changed, record) = try namespace.setGoal(inode, goal, recursive: recursive, as: who, now: now, request: tag)
            return (.setGoal(id, changed: changed), record)
        case .setLength(let id, _, let inode, let length, let opened):
            if opened, !namespace.session(session.id, holds: inode) { throw .badSession }
            let (attributes, record) = try namespace.setLength(
                inode, length, as: who, checkPermission: !opened, now: now, request: tag)
            return (.setLength(id, attributes), record)
        case .closeSession(let id):
            return (.ok(id), try namespace.closeSession(session.id, now: now))
        case .writeChunk, .writeChunkEnd, .readChunk:
            preconditionFailure("\(request) goes through the chunk hub")
        case .info, .lookup, .getAttributes, .readlink, .readdir, .getGoal, .chunks:
            preconditionFailure("\(request) is not mutating")
        }
    }

    /// The reply to a request the session made before (its first attempt changed the
    /// namespace; a retry after a lost connection must not change it twice). Results that are
    /// inodes are re-read: the reply says how things are now.
    static func replay(_ request: ClientRequest, result: UInt64?, in namespace: Namespace) throws(FSError) -> MasterReply {
        let resultInode = InodeID(UInt32(truncatingIfNeeded: result ?? 0))
        switch request {
        case .setAttributes(let id, _, let inode, _): return .setAttributes(id, try namespace.attributes(of: inode))
        case .symlink(let id, _, _, _, _): return .symlink(id, try namespace.attributes(of: resultInode))
        case .mknod(let id, _, _, _, _, _, _): return .mknod(id, try namespace.attributes(of: resultInode))
        case .mkdir(let id, _, _, _, _): return .mkdir(id, try namespace.attributes(of: resultInode))
        case .unlink(let id, _, _, _): return .unlink(id, removed: resultInode)
        case .rmdir(let id, _, _, _): return .rmdir(id, removed: resultInode)
        case .rename(let id, _, _, _, _, _): return .rename(id, moved: resultInode)
        case .link(let id, _, let inode, _, _): return .link(id, try namespace.attributes(of: inode))
        case .open(let id, _, let inode, _): return .open(id, try namespace.attributes(of: inode))
        case .release(let id, _, _), .closeSession(let id): return .ok(id)
        case .setGoal(let id, _, _, _, _): return .setGoal(id, changed: result ?? 0)
        case .setLength(let id, _, let inode, _, _): return .setLength(id, try namespace.attributes(of: inode))
        case .writeChunk, .writeChunkEnd: preconditionFailure("\(request) goes through the chunk hub")
        case .info, .lookup, .getAttributes, .readlink, .readdir, .getGoal, .chunks, .readChunk:
            preconditionFailure("\(request) is not mutating")
        }
    }
}
