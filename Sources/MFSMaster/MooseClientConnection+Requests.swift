import MFSChangelog
import MFSCore
import MFSMetadata
import MFSWire
import MooseClientWire
import MooseWire
import NIOCore

/// The requests mfsmount 3.0.117 sends, each mapped onto the `ClientRequest` our own dialect
/// has for it (the same namespace operation, permission check, export check and changelog
/// record), or answered here where MooseFS's request has no counterpart (statfs, access,
/// readdir with attributes, open-file sync, amtime). Requests we do not serve get a MooseFS
/// status (ENOTSUP, ENOATTR), never silence.
extension MooseClientConnection {
    func answer(_ request: FuseRequest, _ session: ClientSession) {
        let id = request.messageID ?? 0
        let type = request.messageType.reply
        noteMessage(id)
        switch request {
        case .nop:
            return
        case .timeSync:
            send(FuseReply.timeSync(id, microseconds: Self.wallClockMicroseconds()).encode())
        case .statfs:
            send(FuseReply.statfs(id, statfs()).encode())
        case .access(_, let inode, let who, let mask):
            access(id, inode: local(inode, session), who, mask: mask, session)
        case .lookup(_, let parent, let name, let who):
            lookup(id, parent: local(parent, session), name: name, who, session)
        case .getattr(_, let inode, _, _, _):
            run(.getAttributes(next(), inode: local(inode, session)), session) { connection, reply in
                connection.send(connection.attrReply(type, id, reply))
            }
        case .setattr(_, let inode, _, let who, let fields):
            let changes = Self.changes(fields)
            run(.setAttributes(next(), credentials(who), inode: local(inode, session), changes: changes), session) { connection, reply in
                connection.send(connection.attrReply(type, id, reply))
            }
        case .readlink(_, let inode):
            run(.readlink(next(), inode: local(inode, session)), session) { connection, reply in
                guard case .readlink(_, let target) = reply else { return connection.sendStatus(type, id, reply) }
                connection.send(FuseReply.readlink(id, path: target + [0]).encode())
            }
        case .symlink(_, let parent, let name, let target, let who):
            let path = Array(target.reversed().drop { $0 == 0 }.reversed())
            entry(type, id, session, name: name, made: (local(parent, session), .symlink)) {
                .symlink($0, self.credentials(who), parent: self.local(parent, session), name: $1, target: path)
            }
        case .mknod(_, let parent, let name, let mooseType, let mode, let umask, let who, let rdev):
            guard let nodeType = Self.nodeType(mooseType), nodeType != .directory, nodeType != .symlink else {
                return sendStatus(type, id, .invalidArgument)
            }
            entry(type, id, session, name: name, made: (local(parent, session), nodeType)) {
                .mknod(
                    $0, self.credentials(who), parent: self.local(parent, session), name: $1, type: nodeType, mode: mode & ~umask & 0o7777,
                    rdev: rdev)
            }
        case .mkdir(_, let parent, let name, let mode, let umask, let who, _):
            entry(type, id, session, name: name, made: (local(parent, session), .directory)) {
                .mkdir($0, self.credentials(who), parent: self.local(parent, session), name: $1, mode: mode & ~umask & 0o7777)
            }
        case .unlink(_, let parent, let name, let who), .rmdir(_, let parent, let name, let who):
            remove(request, type, id, parent: local(parent, session), name: name, who, session)
        case .rename(_, let parent, let name, let newParent, let newName, let who):
            rename(id, parent: local(parent, session), name: name, newParent: local(newParent, session), newName: newName, who, session)
        case .link(_, let inode, let newParent, let newName, let who):
            entry(type, id, session, name: newName) {
                .link($0, self.credentials(who), inode: self.local(inode, session), newParent: self.local(newParent, session), newName: $1)
            }
        case .readdir(_, let inode, let who, let flags, _, let edgeID):
            readdir(id, inode: local(inode, session), who, withAttributes: flags & 0x01 != 0, edgeID: edgeID, session)
        case .open(_, let inode, let who, let flags):
            open(id, inode: local(inode, session), who, flags: flags, session)
        case .create(_, let parent, let name, let mode, let umask, let who):
            create(id, parent: local(parent, session), name: name, mode: mode & ~umask & 0o7777, who, session)
        case .readChunk(_, let inode, let index, _):
            chunk(type, id, .readChunk(next(), inode: local(inode, session), index: index), session)
        case .writeChunk(_, let inode, let index, _):
            let file = local(inode, session)
            chunk(type, id, .writeChunk(next(), .root, inode: file, index: index), session, written: (file, index))
        case .writeChunkEnd(_, let chunkID, let inode, let index, let length, _):
            let file = local(inode, session)
            run(.writeChunkEnd(next(), .root, inode: file, chunk: ChunkID(chunkID), length: length), session) { connection, reply in
                connection.sendStatus(type, id, reply)
                guard case .status(_, .ok, _) = reply else { return }
                connection.writeEnded(file, index: index, chunk: chunkID, length: length, session)
            }
        case .truncate(_, let inode, let flags, let who, let length):
            truncate(id, inode: local(inode, session), flags: flags, who, length: length, session)
        case .sustainedInodes(let inodes):
            sustain(Set(inodes.map { local($0, session) }), session)
        case .amtimeInodes(let entries):
            amtime(entries, session)
        case .getStorageClass(_, let inode, let gmode):
            storageClass(id, inode: local(inode, session), gmode: gmode, session)
        case .setStorageClass(_, let inode, let uid, let change):
            setStorageClass(type, id, inode: local(inode, session), uid: uid, change, session)
        case .getTrashTime(_, let inode, let gmode):
            trashTime(id, inode: local(inode, session), gmode: gmode, session)
        case .setTrashTime(_, _, _, let trashTime, let smode):
            // The export's mintrashtime/maxtrashtime first (EPERM, as MooseFS's
            // sessions_check_trashtime); then, no trash here: files go at once, which is trash
            // time 0; other times are refused.
            if !Self.trashTimeAllowed(trashTime, smode: smode, session.rule) {
                send(FuseReply.status(type, id, .notPermitted).encode())
            } else if trashTime == 0 {
                send(FuseReply.changedCounts(type, id, changed: 0, notChanged: 1, notPermitted: 0).encode())
            } else {
                send(FuseReply.status(type, id, .notSupported).encode())
            }
        case .getXattr(_, _, let name, let mode, _, _):
            // No extended attributes are kept: the list is empty, any name absent.
            if name.isEmpty {
                send(FuseReply.xattr(id, length: 0, value: mode == 0 ? [] : nil).encode())
            } else {
                send(FuseReply.status(type, id, .noAttribute).encode())
            }
        case .setXattr(_, _, _, _, let mode, _, _):
            send(FuseReply.status(type, id, mode == 3 ? .noAttribute : .notSupported).encode())
        case .getFacl:
            send(FuseReply.status(type, id, .noAttribute).encode())
        case .setFacl:
            send(FuseReply.status(type, id, .notSupported).encode())
        case .flock(_, let inode, let requestID, let owner, let command):
            flock(id, inode: local(inode, session), requestID: requestID, owner: owner, command: command, session)
        case .posixLock(_, let lock):
            posixLock(id, lock, session)
        case .check(_, let inode, let index):
            check(id, inode: local(inode, session), index: index, session)
        case .getDirStats(_, let inode):
            dirStats(id, inode: local(inode, session), session)
        case .getEattr(_, let inode, let gmode):
            eattrs(id, inode: local(inode, session), gmode: gmode, session)
        case .paths(_, let inode):
            paths(id, inode: local(inode, session), session)
        case .parents(_, let inode):
            parents(id, inode: local(inode, session), session)
        case .listStorageClasses(_, let longForm):
            storageClassList(id, longForm: longForm)
        case .unsupported:
            send(FuseReply.status(type, id, .notSupported).encode())
        }
    }

    // MARK: the shapes most requests share

    /// A fresh id for the namespace's request memory.
    func next() -> RequestID { state.nextRequestID() }

    /// Runs `request` through the processor, then `done` on the event loop once it is answered
    /// and its change stored. A master that stopped being active closes the connection: the
    /// client reconnects, is redirected, and sends the request again.
    func run(_ request: ClientRequest, _ session: ClientSession, _ done: @escaping (MooseClientConnection, MasterReply) -> Void) {
        let finish: (MooseClientConnection, MasterReply) -> Void = { connection, reply in
            if case .status(_, .notActive, _) = reply { return connection.handler.closeConnection("no longer active") }
            done(connection, reply)
        }
        switch shared.processor.process(request, session: session, now: ClientServerContext.now()) {
        case .now(let reply):
            finish(self, reply)
        case .whenStored(let version, let reply):
            whenStored(version) { finish($0, reply) }
        case .later(let start):
            handler.whenAnswered(start) { handler, reply in
                guard let connection = handler.moose else { return }
                finish(connection, reply)
            }
        }
    }

    /// Runs a namespace request (one answered at once, never a chunk request) and returns its
    /// reply without waiting: the caller waits for the version (nil: nothing to wait for)
    /// before it acknowledges anything.
    func applied(_ request: ClientRequest, _ session: ClientSession) -> (MasterReply, MetaVersion?) {
        switch shared.processor.process(request, session: session, now: ClientServerContext.now()) {
        case .now(let reply): (reply, nil)
        case .whenStored(let version, let reply): (reply, version)
        case .later: preconditionFailure("\(request) is answered by the chunk registry")
        }
    }

    /// For an EEXIST answer to a create: the node, if the session's own earlier request made it
    /// (a create mfsmount sends again after a failover; `Namespace.retriedCreation`).
    /// Only a thread's first request on a resumed session can be such a retry.
    func retriedCreation(
        _ reply: MasterReply, _ id: UInt32, parent: InodeID, name: EntryName, type: NodeType, _ session: ClientSession
    ) -> Attributes? {
        guard case .status(_, .exists, _) = reply, firstOfThread[id] == true else { return nil }
        return shared.service.namespace.retriedCreation(
            parent: parent, name: name, type: type, session: session.id, now: ClientServerContext.now(),
            window: MooseClientLimits.retriedCreateWindowSeconds)
    }

    /// For an ENOENT answer to an UNLINK, RMDIR or RENAME: the inode the session's own earlier
    /// request took from that name (a remove mfsmount sends again after a failover;
    /// `Namespace.retriedRemoval`). Only a thread's first request on a resumed session.
    func retriedRemoval(_ reply: MasterReply, _ id: UInt32, parent: InodeID, name: EntryName, _ session: ClientSession) -> InodeID? {
        guard case .status(_, .noEntry, _) = reply, firstOfThread[id] == true else { return nil }
        return shared.service.namespace.retriedRemoval(
            parent: parent, name: name, session: session.id, now: ClientServerContext.now(),
            window: MooseClientLimits.retriedCreateWindowSeconds)
    }

    /// Runs `body` once every change applied so far is stored, for an answer read from the
    /// namespace rather than from a change of its own (a retried create's node, a file another
    /// request of the session opened, a length another session's write set): what it rests on
    /// may still be on its way to the disk or the voters.
    func whenAllStored(_ body: @escaping (MooseClientConnection) -> Void) {
        // Not active (a connection kept through a demotion): what the answer rests on may be a
        // change the active master never had. The client goes there (it reconnects and is
        // redirected).
        guard shared.processor.isActive().active else {
            return handler.closeConnection("not active: answers that rest on changes come from the active master")
        }
        whenStored(shared.service.version, body)
    }

    func sendStatus(_ type: MooseMessageType, _ id: UInt32, _ reply: MasterReply) {
        guard case .status(_, let status, _) = reply else { return sendStatus(type, id, .ioError) }
        sendStatus(type, id, status)
    }

    func sendStatus(_ type: MooseMessageType, _ id: UInt32, _ status: WireStatus) {
        send(FuseReply.status(type, id, Self.status(status)).encode())
    }

    func attrReply(_ type: MooseMessageType, _ id: UInt32, _ reply: MasterReply) -> [UInt8] {
        guard let attributes = reply.attributes else {
            guard case .status(_, let status, _) = reply else { return FuseReply.status(type, id, .io).encode() }
            return FuseReply.status(type, id, Self.status(status)).encode()
        }
        return FuseReply.attr(type, id, Self.attr(attributes)).encode()
    }

    /// Creates something whose reply is `inode A`: symlink, mknod, mkdir, link. `made`, the
    /// parent and type of a new node, lets a create the client sends again after a failover
    /// find its own node (`retriedCreation`) instead of EEXIST.
    private func entry(
        _ type: MooseMessageType, _ id: UInt32, _ session: ClientSession, name: [UInt8], made: (InodeID, NodeType)? = nil,
        _ make: @escaping (RequestID, EntryName) -> ClientRequest
    ) {
        let valid: EntryName
        do throws(FSError) { valid = try EntryName(validating: name) } catch { return sendStatus(type, id, WireStatus(error)) }
        run(make(next(), valid), session) { connection, reply in
            let answer: (MooseClientConnection, Attributes) -> Void = { connection, attributes in
                let inode = connection.remote(attributes.inode, session)
                connection.send(FuseReply.entry(type, id, inode: inode, Self.attr(attributes)).encode())
            }
            if let attributes = reply.attributes { return answer(connection, attributes) }
            guard let retried = made.flatMap({ connection.retriedCreation(reply, id, parent: $0.0, name: valid, type: $0.1, session) })
            else { return connection.sendStatus(type, id, reply) }
            connection.whenAllStored { answer($0, retried) }
        }
    }

    private func remove(
        _ request: FuseRequest, _ type: MooseMessageType, _ id: UInt32, parent: InodeID, name: [UInt8], _ who: FuseCredentials,
        _ session: ClientSession
    ) {
        let valid: EntryName
        do throws(FSError) { valid = try EntryName(validating: name) } catch { return sendStatus(type, id, WireStatus(error)) }
        let asked: ClientRequest =
            if case .rmdir = request {
                .rmdir(next(), credentials(who), parent: parent, name: valid)
            } else {
                .unlink(next(), credentials(who), parent: parent, name: valid)
            }
        run(asked, session) { connection, reply in
            switch reply {
            case .unlink(_, let removed), .rmdir(_, let removed):
                connection.send(FuseReply.removed(type, id, inode: connection.remote(removed, session)).encode())
            default:
                // Sent again after a failover, its name already gone: the first one's answer.
                if let removed = connection.retriedRemoval(reply, id, parent: parent, name: valid, session) {
                    return connection.whenAllStored {
                        $0.send(FuseReply.removed(type, id, inode: $0.remote(removed, session)).encode())
                    }
                }
                connection.sendStatus(type, id, reply)
            }
        }
    }

    private func rename(
        _ id: UInt32, parent: InodeID, name: [UInt8], newParent: InodeID, newName: [UInt8], _ who: FuseCredentials, _ session: ClientSession
    ) {
        let type = MooseMessageType.fuseRename.reply
        let names: (EntryName, EntryName)
        do throws(FSError) {
            names = (try EntryName(validating: name), try EntryName(validating: newName))
        } catch {
            return sendStatus(type, id, WireStatus(error))
        }
        run(.rename(next(), credentials(who), parent: parent, name: names.0, newParent: newParent, newName: names.1), session) {
            connection, reply in
            let answer: (MooseClientConnection, InodeID) -> Void = { connection, moved in
                guard let attributes = try? connection.shared.service.namespace.attributes(of: moved) else {
                    return connection.sendStatus(type, id, .noEntry)
                }
                connection.send(
                    FuseReply.entry(type, id, inode: connection.remote(moved, session), Self.attr(attributes)).encode())
            }
            if case .rename(_, let inode) = reply { return answer(connection, inode) }
            guard let inode = connection.retriedRemoval(reply, id, parent: parent, name: names.0, session),
                (try? connection.shared.service.namespace.lookup(newParent, names.1, as: .root))?.inode == inode
            else { return connection.sendStatus(type, id, reply) }
            // Sent again after a failover: the entry is where the first one put it.
            connection.whenAllStored { answer($0, inode) }
        }
    }

    /// READ_CHUNK, WRITE_CHUNK; a chunk given to a writer (`written`) is CHUNK_HAS_CHANGED to
    /// the other sessions that have the file open.
    private func chunk(
        _ type: MooseMessageType, _ id: UInt32, _ request: ClientRequest, _ session: ClientSession,
        written: (inode: InodeID, index: UInt32)? = nil
    ) {
        run(request, session) { connection, reply in
            guard case .chunkLocation(_, let location) = reply else { return connection.sendStatus(type, id, reply) }
            let servers = location.servers.prefix(MooseClientLimits.maxChunkLocations).map {
                FuseReply.ChunkLocation.Server(ip: $0.ip, port: $0.port, version: .v3_0_117)
            }
            let answer = FuseReply.ChunkLocation(chunkID: location.chunk.rawValue, version: location.version, servers: Array(servers))
            connection.send(FuseReply.chunk(type, id, fileLength: location.fileLength, answer).encode())
            guard let written else { return }
            connection.noticeChunkChanged(
                written.inode, index: written.index, chunk: location.chunk.rawValue, version: location.version,
                fileLength: location.fileLength, truncated: false, session)
        }
    }

    /// After WRITE_CHUNK_END: CHUNK_HAS_CHANGED to the other holders (a client that names the
    /// chunk's index, as 3.0.74+ do), else FLENG_HAS_CHANGED when the write grew the file.
    private func writeEnded(_ inode: InodeID, index: UInt32?, chunk: UInt64, length: UInt64, _ session: ClientSession) {
        let namespace = shared.service.namespace
        guard let index else {
            if (try? namespace.attributes(of: inode))?.length == length { noticeLengthChanged(inode, length: length, session) }
            return
        }
        let version = namespace.chunkVersion(ChunkID(chunk)) ?? 0
        noticeChunkChanged(inode, index: index, chunk: chunk, version: version, fileLength: length, truncated: false, session)
    }

    /// FLOCK through the master's flock table: granted (OK once its `FLOCK` change is stored),
    /// refused for a try (EAGAIN), or answered later by msgid when the lock comes (or EINTR when
    /// interrupted).
    private func flock(_ id: UInt32, inode: InodeID, requestID: UInt32, owner: UInt64, command: UInt8, _ session: ClientSession) {
        let type = MooseMessageType.fuseFlock.reply
        guard let command = MooseClientState.Flocks.Command(rawValue: command) else {
            return send(FuseReply.status(type, id, .invalidArgument).encode())
        }
        guard let waiter = lockWaiter(type, id) else { return }
        let result: MooseClientState.LockResult<MooseClientState.Flocks.Outcome>
        do throws(MasterError) {
            result = try state.flock(
                command, inode: inode, owner: LockOwner(session: session.id, owner: owner), requestID: requestID, waiter: waiter,
                service: shared.service, now: ClientServerContext.now())
        } catch {
            return lockFailed(type, id, error)
        }
        if let failure = result.failure { return sendStatus(type, id, WireStatus(failure)) }
        switch result.outcome {
        case .granted:
            whenStored(result.version) { $0.send(FuseReply.status(type, id, .ok).encode()) }
        case .wouldBlock:
            send(FuseReply.status(type, id, .tryAgain).encode())
        case .waiting:
            break
        case .interrupted(let ended):
            for waiter in ended { waiter.answer(.interrupted, nil) }
            whenStored(result.version) { $0.send(FuseReply.status(type, id, .ok).encode()) }
        }
    }

    /// A lock request the master could not decide: a master no longer active closes the
    /// connection (the client reconnects, is redirected and sends it again); else its status.
    private func lockFailed(_ type: MooseMessageType, _ id: UInt32, _ error: MasterError) {
        switch error {
        case .notActive: handler.closeConnection("no longer active")
        case .operation(let failure): sendStatus(type, id, WireStatus(failure))
        case .storage, .dump: sendStatus(type, id, .ioError)
        }
    }

    /// How a waiting lock request is answered later: by its msgid, on this connection's loop,
    /// once the change that granted it is stored.
    private func lockWaiter(_ type: MooseMessageType, _ id: UInt32) -> MooseClientState.FlockWaiter? {
        guard let eventLoop = handler.eventLoop else { return nil }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        locksQueued = true
        return MooseClientState.FlockWaiter(connection: ObjectIdentifier(self)) { status, version in
            eventLoop.execute {
                let connection = bound.value
                connection.whenStored(version) { $0.send(FuseReply.status(type, id, status).encode()) }
                connection.handler.flushOutput()
            }
        }
    }

    /// POSIX_LOCK through the master's range lock table: GET answers the lock in the way (or
    /// type 0); SET waits, TRY gets EAGAIN; a lock or unlock is answered once its `POSIXLOCK`
    /// change is stored; INTERRUPT ends a wait with EINTR.
    private func posixLock(_ id: UInt32, _ request: FuseRequest.PosixLock, _ session: ClientSession) {
        let type = MooseMessageType.fusePosixLock.reply
        guard request.command <= 3, let kind = MooseClientState.PosixLocks.Kind(rawValue: request.type), request.start <= request.end
        else { return send(FuseReply.status(type, id, .invalidArgument).encode()) }
        guard let waiter = lockWaiter(type, id) else { return }
        let asked = MooseClientState.PosixLocks.Request(
            owner: LockOwner(session: session.id, owner: request.owner), pid: request.pid, kind: kind, start: request.start,
            end: request.end)
        let result: MooseClientState.LockResult<MooseClientState.PosixLocks.Outcome>
        do throws(MasterError) {
            result = try state.posixLock(
                request.command, inode: local(request.inode, session), request: asked, requestID: request.requestID, waiter: waiter,
                service: shared.service, now: ClientServerContext.now())
        } catch {
            return lockFailed(type, id, error)
        }
        if let failure = result.failure { return sendStatus(type, id, WireStatus(failure)) }
        switch result.outcome {
        case .granted:
            whenStored(result.version) { $0.send(FuseReply.status(type, id, .ok).encode()) }
        case .wouldBlock:
            send(FuseReply.status(type, id, .tryAgain).encode())
        case .waiting:
            break
        case .conflict(let found):
            let info = found.map { FuseReply.posixLockInfo(id, pid: $0.pid, type: $0.exclusive ? 2 : 1, start: $0.start, end: $0.end) }
            send((info ?? .posixLockInfo(id, pid: 0, type: 0, start: request.start, end: request.end)).encode())
        case .interrupted(let ended):
            for waiter in ended { waiter.answer(.interrupted, nil) }
            send(FuseReply.status(type, id, .ok).encode())
        }
    }

    static func wallClockMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}

#if canImport(Glibc)
    import Glibc
#endif
