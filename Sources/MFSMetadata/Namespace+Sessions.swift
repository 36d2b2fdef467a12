import MFSChangelog
import MFSCore

/// A client session as the metadata keeps it, so a client resumes it on a new master.
struct SessionState: Sendable {
    var info: [UInt8]
    /// When the session's connection was lost, nil while connected.
    var lostAt: UInt32?
    /// Open counts by inode.
    var open: [UInt32: UInt32] = [:]
    var requests = RequestMemory()
    /// Names the session's own requests removed lately (memory only, `RecentRemovals`).
    var removals = RecentRemovals()
}

/// The last names a session's own UNLINK, RMDIR or RENAME took away, with the inode each took,
/// so an answer lost with the old master can be given again: mfsmount numbers no request across
/// masters and sends such a request again after a failover, when its name is gone. Kept in
/// memory only, not in the metadata file: a follower learns them by replaying the stream, which
/// is how it learned the removal itself, and a retry comes seconds after the failover.
struct RecentRemovals: Sendable {
    struct Removal: Sendable {
        var parent: UInt32
        var name: [UInt8]
        var inode: UInt32
        var time: UInt32
    }

    /// Removals kept per session (the oldest goes first).
    static let capacity = 64
    private(set) var items: [Removal] = []

    mutating func note(_ removal: Removal) {
        items.append(removal)
        if items.count > Self.capacity { items.removeFirst(items.count - Self.capacity) }
    }

    func find(parent: UInt32, name: [UInt8]) -> Removal? { items.last { $0.parent == parent && $0.name == name } }
}

/// The last `capacity` mutating requests of a session with their results, so a request retried
/// after a failover is answered with its first result instead of being applied twice.
struct RequestMemory: Sendable {
    var results: [UInt64: UInt64?] = [:]
    /// Request ids in the order they were remembered; `head` is the oldest still kept.
    var order: ContiguousArray<UInt64> = []
    var head = 0
    /// The highest request id forgotten so far (0: none).
    var highestForgotten: UInt64 = 0

    mutating func remember(_ request: UInt64, result: UInt64?, capacity: Int) {
        guard results.updateValue(result, forKey: request) == nil else { return }
        order.append(request)
        while order.count - head > capacity {
            let old = order[head]
            results[old] = nil
            highestForgotten = max(highestForgotten, old)
            head += 1
        }
        if head > 4_096 {
            order.removeFirst(head)
            head = 0
        }
    }

    /// The highest request id this session is known to have used (0: none).
    var highest: UInt64 { max(highestForgotten, results.keys.max() ?? 0) }

    /// The kept requests, oldest first, with their results.
    var kept: [(UInt64, UInt64?)] { order[head...].map { ($0, results[$0]!) } }
}

/// What the master should do with a mutating request it received.
public enum RequestStatus: Equatable, Sendable {
    /// Not seen: do it.
    case new
    /// Already done: answer with this result, do nothing.
    case done(result: UInt64?)
    /// Older than the session's request memory: it may have been done; answer `requestExpired`.
    case expired
}

/// A session as tools see it.
public struct SessionSummary: Equatable, Sendable {
    public var id: SessionID
    public var info: [UInt8]
    public var lostAt: UnixTime?
    public var openInodes: Int
}

extension Namespace {
    /// Opens a client session; `info` says who (address, mount point), at most 1,024 bytes.
    public mutating func openSession(info: [UInt8], now: UnixTime) throws(FSError) -> (SessionID, ChangelogRecord) {
        let record = try commit(.openSession(info: info), now: now, request: nil)
        return (SessionID(UInt32(record.result!)), record)
    }

    /// Closes a session, releasing every inode it holds open.
    public mutating func closeSession(_ id: SessionID, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.closeSession(id), now: now, request: nil)
    }

    /// Marks the session's connection as lost from `now`: after `SESSION_SUSTAIN_TIME` it is closed.
    public mutating func sessionLost(_ id: SessionID, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.sessionLost(id), now: now, request: nil)
    }

    /// The session reconnected.
    public mutating func sessionBack(_ id: SessionID, now: UnixTime) throws(FSError) -> ChangelogRecord {
        try commit(.sessionBack(id), now: now, request: nil)
    }

    /// The session opened `inode`.
    public mutating func acquire(_ inode: InodeID, session: SessionID, now: UnixTime, request: RequestTag? = nil) throws(FSError)
        -> ChangelogRecord
    {
        try commit(.acquire(inode: inode, session: session), now: now, request: request)
    }

    /// The session closed `inode`; an unlinked inode goes with its last release.
    public mutating func release(_ inode: InodeID, session: SessionID, now: UnixTime, request: RequestTag? = nil) throws(FSError)
        -> ChangelogRecord
    {
        try commit(.release(inode: inode, session: session), now: now, request: request)
    }

    /// Sessions whose connection has been lost for at least `sustainSeconds`: close them.
    public func sessionsToClose(now: UnixTime, sustainSeconds: UInt32) -> [SessionID] {
        sessions.compactMap { id, s in
            guard let lost = s.lostAt, now.seconds(since: UnixTime(lost)) >= sustainSeconds else { return nil }
            return id
        }.sorted()
    }

    /// Whether the session holds `inode` open.
    public func session(_ id: SessionID, holds inode: InodeID) -> Bool { sessions[id]?.open[inode.rawValue] != nil }

    /// The inodes a session holds open (empty for an unknown session).
    public func openInodes(of id: SessionID) -> [InodeID] { sessions[id]?.open.keys.map { InodeID($0) } ?? [] }

    /// The sessions not marked lost: those a client connection is taken to speak for.
    public var connectedSessionIDs: [SessionID] { sessions.compactMap { $0.value.lostAt == nil ? $0.key : nil } }

    /// The id the next session opened gets: every session below it was opened before.
    public var nextSessionID: SessionID { SessionID(nextSession) }

    public func session(_ id: SessionID) -> SessionSummary? {
        sessions[id].map {
            SessionSummary(id: id, info: $0.info, lostAt: $0.lostAt.map { UnixTime($0) }, openInodes: $0.open.count)
        }
    }

    /// The highest request id the session used, on whichever master it was (0 for none or an
    /// unknown session): a master that numbers requests itself (the MooseFS dialect) numbers
    /// a session's next ones above it, or they would read as retries of earlier ones.
    public func highestRequest(of id: SessionID) -> UInt64 { sessions[id]?.requests.highest ?? 0 }

    /// The entry `name` in `parent` if this session's own request made it: its inode is among
    /// the results the session's remembered requests gave, its type is `type` and it was made
    /// no more than `window` seconds before `now`. A client that numbers no request across
    /// masters (MooseFS's mfsmount) sends a create again after a failover when the first one's
    /// answer was lost with the old master; it is then answered as the first one was, not with
    /// EEXIST. The kernel asks to create only a name it does not see, and this session made it,
    /// so no create of the session's own finds its own entry any other way.
    public func retriedCreation(
        parent: InodeID, name: EntryName, type: NodeType, session: SessionID, now: UnixTime, window: UInt32
    ) -> Attributes? {
        guard let s = sessions[session], let dir = try? directoryRecord(parent),
            let entry = dir.directory.lookup(name.bytes, hash: Directory.key(of: name.bytes)),
            s.requests.results.values.contains(where: { $0 == UInt64(entry.inode) }),
            let attributes = try? attributes(of: InodeID(entry.inode)), attributes.type == type,
            now.seconds(since: attributes.ctime) <= window
        else { return nil }
        return attributes
    }

    /// The inode that this session's own UNLINK, RMDIR or RENAME took from `name` in `parent`,
    /// no more than `window` seconds before `now`, if that name is still free: a remove that
    /// mfsmount sends again after a failover (its first answer lost with the old master) finds
    /// the name gone and is answered as the first one was, not with ENOENT. Only the session's
    /// own requests count, and only while nothing took the name since.
    public func retriedRemoval(parent: InodeID, name: EntryName, session: SessionID, now: UnixTime, window: UInt32) -> InodeID? {
        guard let removal = sessions[session]?.removals.find(parent: parent.rawValue, name: name.bytes),
            now.seconds(since: UnixTime(removal.time)) <= window,
            let located = try? locate(parent, name.bytes, hash: Directory.key(of: name.bytes)), !located.position.found
        else { return nil }
        return InodeID(removal.inode)
    }

    /// Notes a removal made by a session's own request (live and in replay alike).
    mutating func noteRemoval(_ change: Change, request: RequestTag?, result: UInt64?, now: UnixTime) {
        guard let request, let result, let index = sessions.index(forKey: request.session) else { return }
        switch change {
        case .unlink(let parent, let name), .rmdir(let parent, let name), .rename(let parent, let name, _, _):
            sessions.values[index].removals.note(
                RecentRemovals.Removal(
                    parent: parent.rawValue, name: name.bytes, inode: UInt32(truncatingIfNeeded: result), time: now.rawValue))
        default:
            return
        }
    }

    /// Whether a mutating request is new, answered already, or too old to know.
    public func status(of request: RequestTag) throws(FSError) -> RequestStatus {
        guard let s = sessions[request.session] else { throw .badSession }
        let id = request.request.rawValue
        if let result = s.requests.results[id] { return .done(result: result) }
        return id <= s.requests.highestForgotten ? .expired : .new
    }

    mutating func remember(_ request: RequestTag, result: UInt64?) {
        let capacity = Int(parameters.requestMemory)
        // Through the index, so the session's state is changed in place, not copied out and back.
        guard let index = sessions.index(forKey: request.session) else { return }
        sessions.values[index].requests.remember(request.request.rawValue, result: result, capacity: capacity)
    }

    mutating func modifySession(_ id: SessionID, _ body: (inout SessionState) -> Void) throws(FSError) {
        guard let index = sessions.index(forKey: id) else { throw .badSession }
        body(&sessions.values[index])
    }

    mutating func performOpenSession(info: [UInt8]) throws(FSError) -> SessionID {
        guard info.count <= NamespaceLimits.maxSessionInfoLength else { throw .nameTooLong }
        guard nextSession < UInt32.max else { throw .noSpace }
        let id = SessionID(nextSession)
        nextSession += 1
        sessions[id] = SessionState(info: info)
        return id
    }

    mutating func performCloseSession(_ id: SessionID, now: UnixTime) throws(FSError) {
        guard let s = sessions.removeValue(forKey: id) else { throw .badSession }
        locks.drop(session: id)
        // In inode order, so every replay frees inodes in the same order.
        for (inode, count) in s.open.sorted(by: { $0.key < $1.key }) {
            releaseOpen(inode, count: count, now: now)
        }
    }

    mutating func performAcquire(inode: InodeID, session: SessionID) throws(FSError) {
        let r = try existing(inode)
        guard let index = sessions.index(forKey: session) else { throw .badSession }
        // Opens are counted in 32 bits, per session and per inode: one more than they hold is
        // refused (ENOSPC) rather than wrapped.
        let held = sessions.values[index].open[inode.rawValue, default: 0]
        guard held < NamespaceLimits.maxOpens, r.openCount < NamespaceLimits.maxOpens else { throw .noSpace }
        sessions.values[index].open[inode.rawValue] = held + 1
        inodes.modify(Int(inode.rawValue)) { $0.openCount += 1 }
    }

    mutating func performRelease(inode: InodeID, session: SessionID, now: UnixTime) throws(FSError) {
        guard let index = sessions.index(forKey: session) else { throw .badSession }
        guard let count = sessions.values[index].open[inode.rawValue] else { throw .invalidArgument }
        sessions.values[index].open[inode.rawValue] = count == 1 ? nil : count - 1
        // The session's last open of the inode closed: its locks there end (MooseFS's
        // flock_file_closed and posix_lock_file_closed).
        if count == 1 { locks.drop(session: session, inode: inode) }
        releaseOpen(inode.rawValue, count: 1, now: now)
    }

    private mutating func releaseOpen(_ inode: UInt32, count: UInt32, now: UnixTime) {
        let r = inodes.modify(Int(inode)) { (r: inout InodeRecord) -> InodeRecord in
            r.openCount -= count
            return r
        }
        if r.openCount == 0, r.nlink == 0 { destroy(inode, now: now) }
    }
}
