import MFSChangelog
import MFSCore
import MFSMetadata
import MFSWire
import MooseClientWire
import MooseWire
import NIOCore

/// The MooseFS requests that take more than one of our operations, or read the namespace
/// directly: lookup (with its access flags), readdir (with attributes), open and create,
/// truncate (with O_APPEND reservations), open-file sync, amtime, storage classes, statfs.
extension MooseClientConnection {
    func access(_ id: UInt32, inode: InodeID, _ who: FuseCredentials, mask: UInt16, _ session: ClientSession) {
        let type = MooseMessageType.fuseAccess.reply
        let caller = session.effective(credentials(who))
        let outcome = try? shared.service.read { (namespace: Namespace) throws(FSError) -> WireStatus in
            guard namespace.isInside(inode, tree: session.root) else { return .noEntry }
            do throws(FSError) {
                try namespace.access(inode, AccessMask(rawValue: UInt8(mask & 0o7)), as: caller)
                return .ok
            } catch {
                return WireStatus(error)
            }
        }
        sendStatus(type, id, outcome ?? .ioError)
    }

    func lookup(_ id: UInt32, parent: InodeID, name: [UInt8], _ who: FuseCredentials, _ session: ClientSession) {
        let type = MooseMessageType.fuseLookup.reply
        let caller = session.effective(credentials(who))
        // A local function, not a closure: nothing here waits (a lookup changes nothing, so it
        // is answered at once), and closure contexts were three of a lookup's seven allocations.
        func finish(_ attributes: Attributes) {
            let flags = Self.lookupFlags(attributes, caller, readOnly: session.rule.readOnly)
            let inode = remote(attributes.inode, session)
            let record = Self.attr(attributes, dataCache: false)
            send(FuseReply.lookup(id, inode: inode, record, lookupFlags: flags, chunkZero: nil).encode())
        }
        // `.` and `..` are resolved here, as MooseFS's master does (`..` of the root is the root).
        let dot = UInt8(ascii: ".")
        if name.first == dot, name.count == 1 || (name.count == 2 && name[1] == dot) {
            let namespace = shared.service.namespace
            guard namespace.isInside(parent, tree: session.root),
                let up = name.count == 1 ? parent : (parent == session.root ? parent : try? namespace.parentDirectory(of: parent)),
                let attributes = try? namespace.attributes(of: up)
            else { return sendStatus(type, id, .noEntry) }
            return finish(attributes)
        }
        let valid: EntryName
        do throws(FSError) { valid = try EntryName(validating: name) } catch { return sendStatus(type, id, WireStatus(error)) }
        let (reply, _) = applied(.lookup(next(), credentials(who), parent: parent, name: valid), session)
        guard case .lookup(_, let attributes) = reply else { return sendStatus(type, id, reply) }
        finish(attributes)
    }

    /// The whole directory in one reply, `.` and `..` first, each entry with its attributes
    /// (flag `GETDIR_FLAG_WITHATTR`, as mfsmount lists; MooseFS then also wants search
    /// permission) or only its type byte (libmfsio's listing, and mfsmount's after an EACCES).
    /// Clients never continue a listing from a 3.0 master (they send `maxentries` 0xFFFFFFFF
    /// and edge 0, and take any answer as the end), and 3.0.117 echoes the request's edge id.
    /// The reply is written straight into one buffer sized for it, from the entries and inode
    /// records in place (`forEachEntryWithAttributes`).
    func readdir(_ id: UInt32, inode: InodeID, _ who: FuseCredentials, withAttributes: Bool, edgeID: UInt64, _ session: ClientSession) {
        let type = MooseMessageType.fuseReaddir.reply
        let caller = session.effective(credentials(who))
        do throws(MasterError) {
            let reply = try shared.service.read { (namespace: Namespace) throws(FSError) -> ByteBuffer in
                guard namespace.isInside(inode, tree: session.root) else { throw .noEntry }
                let parent = inode == session.root ? inode : (try namespace.parentDirectory(of: inode) ?? inode)
                let (dot, dotDot) = (try namespace.attributes(of: inode), try namespace.attributes(of: parent))
                let size = try namespace.listingSize(of: inode, as: caller, access: withAttributes ? [.read, .execute] : .read)
                let capacity = FuseReaddirWriter.capacity(
                    entries: size.entries + 2, nameBytes: size.nameBytes + 3, withAttributes: withAttributes)
                let version = clientVersion
                var buffer = ByteBufferAllocator().buffer(capacity: capacity)
                let root = session.root
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { memory in
                    var writer = FuseReaddirWriter(into: memory, messageID: id, edgeID: edgeID)
                    // One closure literal, not a local function: `writer` stays a plain local
                    // (a local function's capture is boxed and every store into it checked for
                    // exclusivity at run time: 15 % of a listing's time in `perf`).
                    let append = { (writer: inout FuseReaddirWriter, name: UnsafeBufferPointer<UInt8>, attributes: Attributes) in
                        let inode = Self.remote(attributes.inode, root: root)
                        guard withAttributes else {
                            let type = FuseReaddirWriter.typeByte(Self.mooseType(attributes.type), clientVersion: version)
                            return writer.append(name: name, inode: inode, type: type)
                        }
                        writer.append(name: name, inode: inode, attr: Self.attr(attributes))
                    }
                    for (name, attributes) in [(".", dot), ("..", dotDot)] {
                        var name = name
                        name.withUTF8 { append(&writer, $0, attributes) }
                    }
                    if withAttributes {
                        namespace.forEachEntryWithAttributes(of: inode) { append(&writer, $0, $1) }
                    } else {
                        namespace.forEachEntryType(of: inode) { name, child, type in
                            let byte = FuseReaddirWriter.typeByte(Self.mooseType(type), clientVersion: version)
                            writer.append(name: name, inode: Self.remote(child, root: root), type: byte)
                        }
                    }
                    return writer.finish()
                }
                return buffer
            }
            send(reply)
        } catch {
            sendStatus(type, id, ClientRequestProcessor.failure(RequestID(0), error))
        }
    }

    /// OPEN: the session acquires the inode once (MooseFS keeps a set of open inodes per
    /// session, synchronised by SUSTAINED_INODES); O_TRUNC (flag 0x08) truncates after it.
    func open(_ id: UInt32, inode: InodeID, _ who: FuseCredentials, flags: UInt8, _ session: ClientSession) {
        let type = MooseMessageType.fuseOpen.reply
        var wanted: OpenFlags = []
        if flags & 0x01 != 0 { wanted.insert(.read) }
        if flags & 0x02 != 0 { wanted.insert(.write) }
        if flags & 0x04 != 0 { wanted.insert(.afterCreate) }
        let opened: (MooseClientConnection, Attributes) -> Void = { connection, attributes in
            guard flags & 0x08 != 0 else {
                return connection.send(FuseReply.open(id, openFlags: 0, Self.attr(attributes, dataCache: false)).encode())
            }
            connection.shared.moose.clearReservation(inode)
            connection.run(.setLength(connection.next(), connection.credentials(who), inode: inode, length: 0, opened: true), session) {
                connection, reply in
                guard let attributes = reply.attributes else { return connection.sendStatus(type, id, reply) }
                connection.send(FuseReply.open(id, openFlags: 0, Self.attr(attributes, dataCache: false)).encode())
                connection.noticeTruncated(inode, length: 0, session)
            }
        }
        if shared.service.namespace.session(session.id, holds: inode) {
            // Already open in this session: check the permission again, acquire nothing.
            let caller = session.effective(credentials(who))
            let checked = Result { () throws(MasterError) -> Attributes in
                try shared.service.read { (namespace: Namespace) throws(FSError) -> Attributes in
                    var want: AccessMask = []
                    if wanted.contains(.read) { want.insert(.read) }
                    if wanted.contains(.write) { want.insert(.write) }
                    if !wanted.contains(.afterCreate), !want.isEmpty { try namespace.access(inode, want, as: caller) }
                    return try namespace.attributes(of: inode)
                }
            }
            switch checked {
            // The open it rests on may be another request's, not stored yet.
            case .success(let attributes): return whenAllStored { opened($0, attributes) }
            case .failure(let error): return sendStatus(type, id, ClientRequestProcessor.failure(RequestID(0), error))
            }
        }
        if session.rule.readOnly, wanted.contains(.write) { return sendStatus(type, id, .readOnly) }
        run(.open(next(), credentials(who), inode: inode, flags: wanted), session) { connection, reply in
            guard let attributes = reply.attributes else { return connection.sendStatus(type, id, reply) }
            opened(connection, attributes)
        }
    }

    /// CREATE: a regular file (MKNOD's path) opened for the creator whatever its mode says.
    /// CREATE: the node is made and opened (two changes), and the reply waits once, for the
    /// open's change, which the changelog stores after the node's: both are then durable. (It
    /// waited for each in turn, two fsyncs one after the other in mode 2.)
    func create(_ id: UInt32, parent: InodeID, name: [UInt8], mode: UInt16, _ who: FuseCredentials, _ session: ClientSession) {
        let type = MooseMessageType.fuseCreate.reply
        let valid: EntryName
        do throws(FSError) { valid = try EntryName(validating: name) } catch { return sendStatus(type, id, WireStatus(error)) }
        // The node and its open go to the changelog in one batch (one fsync in mode 2).
        shared.service.writer.holdingWakeUps { createHeld(id, parent: parent, name: valid, mode: mode, who, session) }
    }

    private func createHeld(
        _ id: UInt32, parent: InodeID, name valid: EntryName, mode: UInt16, _ who: FuseCredentials, _ session: ClientSession
    ) {
        let type = MooseMessageType.fuseCreate.reply
        let (reply, made) = applied(
            .mknod(next(), credentials(who), parent: parent, name: valid, type: .file, mode: mode, rdev: 0), session)
        if case .status(_, .notActive, _) = reply { return handler.closeConnection("no longer active") }
        let retried = retriedCreation(reply, id, parent: parent, name: valid, type: .file, session)
        if let retried, shared.service.namespace.session(session.id, holds: retried.inode) {
            // The first create opened it too: answer as it did, opening nothing more, once
            // what it made is stored (the first create's answer may have been lost unstored).
            return whenAllStored { connection in
                let record = Self.attr(retried, dataCache: false)
                connection.send(FuseReply.create(id, openFlags: 0, inode: connection.remote(retried.inode, session), record).encode())
            }
        }
        // A first create that made the node but did not open it (the old master died
        // between the two) is finished here: the open follows.
        guard let node = reply.attributes ?? retried else { return whenStored(made) { $0.sendStatus(type, id, reply) } }
        let (opened, stored) = applied(.open(next(), credentials(who), inode: node.inode, flags: [.read, .write, .afterCreate]), session)
        if case .status(_, .notActive, _) = opened { return handler.closeConnection("no longer active") }
        whenStored([made, stored].compactMap { $0 }.max()) { connection in
            guard let attributes = opened.attributes else { return connection.sendStatus(type, id, opened) }
            let record = Self.attr(attributes, dataCache: false)
            connection.send(FuseReply.create(id, openFlags: 0, inode: connection.remote(attributes.inode, session), record).encode())
        }
    }

    /// TRUNCATE, with its flags: 0x01 OPENED (no permission check for an open file), 0x02
    /// UPDATE (the write path: only ever grows), 0x04 TIMEFIX, 0x08 RESERVE (O_APPEND: the
    /// length does not change, the reply's `prevlength` is where to write). Replies
    /// `prevlength A`.
    func truncate(_ id: UInt32, inode: InodeID, flags: UInt8, _ who: FuseCredentials, length: UInt64, _ session: ClientSession) {
        let type = MooseMessageType.fuseTruncate.reply
        guard let current = visible(inode, session) ?? openedByTheSession(inode, session) else { return sendStatus(type, id, .noEntry) }
        if flags & 0x08 != 0 {
            guard current.type == .file else { return sendStatus(type, id, .notPermitted) }
            let start = state.reserve(inode, length: current.length, count: length)
            // The length it starts from may be another write's, not stored yet.
            return whenAllStored { $0.send(FuseReply.truncate(id, previousLength: start, Self.attr(current)).encode()) }
        }
        if flags & 0x02 != 0, length <= current.length {
            return whenAllStored { $0.send(FuseReply.truncate(id, previousLength: current.length, Self.attr(current)).encode()) }
        }
        state.clearReservation(inode)
        run(.setLength(next(), credentials(who), inode: inode, length: length, opened: flags & 0x01 != 0), session) { connection, reply in
            guard let attributes = reply.attributes else { return connection.sendStatus(type, id, reply) }
            connection.send(FuseReply.truncate(id, previousLength: current.length, Self.attr(attributes)).encode())
            connection.noticeTruncated(inode, length: length, session)
        }
    }

    /// SUSTAINED_INODES is the whole set the mount holds: what this session holds beyond it is
    /// released (an unlinked file goes with its last release). No reply.
    func sustain(_ held: Set<InodeID>, _ session: ClientSession) {
        guard shared.processor.isActive().active else { return }
        var released = false
        for inode in shared.service.namespace.openInodes(of: session.id) where !held.contains(inode) {
            run(.release(next(), .root, inode: inode), session) { _, _ in }
            released = true
        }
        // A release ends the session's locks on the file: what waited for them may go on.
        if released { state.wakeWaiters(service: shared.service, now: ClientServerContext.now()) }
    }

    /// AMTIME_INODES: the mtimes of written files (the client's clock mapped through
    /// TIME_SYNC), only ever forward; atimes are not recorded (no ATIME_MODE here). No reply.
    func amtime(_ entries: [FuseRequest.AmtimeEntry], _ session: ClientSession) {
        guard shared.processor.isActive().active else { return }
        let now = ClientServerContext.now()
        for entry in entries where entry.mtime != 0 {
            let inode = local(entry.inode, session)
            _ = try? shared.service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                guard namespace.isInside(inode, tree: session.root) || namespace.session(session.id, holds: inode),
                    let current = try? namespace.attributes(of: inode), entry.mtime > current.mtime.rawValue
                else { return ((), nil) }
                let mtime = UnixTime(min(entry.mtime, now.rawValue))
                let (_, record) = try namespace.setAttributes(inode, AttributeChanges(mtime: .set(mtime)), as: .root, now: now)
                return ((), record)
            }
        }
    }

    /// SETSCLASS of class "1"…"9" (or the legacy goal form) with smode SET, recursive or not.
    func setStorageClass(
        _ type: MooseMessageType, _ id: UInt32, inode: InodeID, uid: UInt32, _ change: FuseRequest.StorageClassChange,
        _ session: ClientSession
    ) {
        let goal: UInt8?
        let smode: UInt8
        switch change {
        case .named(let mode, let name, _):
            smode = mode
            goal = name.count == 1 && (0x31...0x39).contains(name[0]) ? name[0] - 0x30 : nil
        case .goal(let number, let mode):
            smode = mode
            goal = (1...9).contains(number) ? number : nil
        }
        guard smode & 0x03 == 0 else { return send(FuseReply.status(type, id, .notSupported).encode()) }
        guard let goal else { return send(FuseReply.status(type, id, .invalidArgument).encode()) }
        let who = Credentials(uid: uid, gid: 0xFFFF_FFFF)
        run(.setGoal(next(), who, inode: inode, goal: goal, recursive: smode & 0x04 != 0), session) { connection, reply in
            guard case .setGoal(_, let changed) = reply else { return connection.sendStatus(type, id, reply) }
            connection.send(FuseReply.changedCounts(type, id, changed: UInt32(clamping: changed), notChanged: 0, notPermitted: 0).encode())
        }
    }

    /// The attributes of an inode in the session's export, nil for anything else.
    func visible(_ inode: InodeID, _ session: ClientSession) -> Attributes? {
        let namespace = shared.service.namespace
        guard namespace.isInside(inode, tree: session.root) else { return nil }
        return try? namespace.attributes(of: inode)
    }

    /// The attributes of an inode the session holds open (it may be unlinked by now).
    func openedByTheSession(_ inode: InodeID, _ session: ClientSession) -> Attributes? {
        let namespace = shared.service.namespace
        guard namespace.session(session.id, holds: inode) else { return nil }
        return try? namespace.attributes(of: inode)
    }

    /// STATFS: space from the registered chunkservers, inodes from the namespace.
    func statfs() -> FuseReply.Statfs {
        let (total, available) = shared.processor.chunks?.space() ?? (0, 0)
        return FuseReply.Statfs(
            totalSpace: total, availableSpace: available, freeSpace: available, trashSpace: 0, sustainedSpace: 0,
            inodes: UInt32(clamping: shared.service.namespace.inodeCount))
    }
}
