import MFSConfig
import MFSCore
import MFSMetadata
import MooseClientWire
import MooseWire
import Synchronization

/// What MooseFS-dialect connections share beyond `ClientServerContext`: the export each live
/// session was admitted under (for RECONNECT, which names no path), the request ids our
/// namespace remembers MooseFS requests by, and O_APPEND reservations.
final class MooseClientState: Sendable {
    /// How a session was admitted: a RECONNECT resumes it only from the same address under the
    /// same exports (else EPERM, and the client registers again with its session id).
    struct Admission: Sendable {
        var rule: ExportRule
        var root: InodeID
        var address: IPv4Address
        var exports: Exports
        /// The client's version and the subfolder it mounted, as `mfscli` lists sessions.
        var version = MooseVersion.v3_0_117
        var path = "/"
    }

    private let admissions = Mutex<[SessionID: Admission]>([:])
    private let requests: Atomic<UInt64>
    private let reservations = Mutex<[InodeID: UInt64]>([:])
    /// The lock requests waiting (the locks held are metadata: `MooseClientState+Locks.swift`).
    let lockQueues = Mutex(LockQueues())
    private let listeners = Mutex<[SessionID: Listener]>([:])

    /// A live session's connection, for the notices the master pushes (MooseFS's
    /// matoclserv.c): `send` hands bytes to that connection's event loop.
    struct Listener: Sendable {
        var connection: ObjectIdentifier
        /// The session's root, which that client knows as inode 1.
        var root: InodeID
        /// MooseFS sends the file notices to clients of 3.0.74 and later, INVALIDATE_CHUNK_CACHE
        /// to 3.0.100 to 4.0 and 4.3 on: older ones do not know them.
        var knowsFileNotices: Bool
        var knowsCacheNotice: Bool
        var send: @Sendable ([UInt8]) -> Void
    }

    /// A lock request waiting for its lock: how to answer it on its own connection, once the
    /// change that granted it (if any) is stored.
    struct FlockWaiter: Sendable {
        var connection: ObjectIdentifier
        var answer: @Sendable (MooseClientWire.FuseStatus, MetaVersion?) -> Void
    }

    /// Request ids start at the master's start time in the high bits: MooseFS's msgids are
    /// small and reused, so they cannot be the namespace's request ids; ours must rise within a
    /// session, also across a master restart (the namespace forgets ids in rising order).
    init(startSeconds: UInt64) { requests = Atomic(startSeconds << 24) }

    func nextRequestID() -> RequestID { RequestID(requests.add(1, ordering: .relaxed).newValue) }

    /// Numbers the next requests above `highest`: a session that comes from another master (a
    /// failover) or an earlier run used ids this master's clock-based start may be below, and
    /// the namespace would take a new request with such an id for a retry of an old one.
    func raise(above highest: UInt64) {
        var current = requests.load(ordering: .relaxed)
        while current < highest {
            let (exchanged, original) = requests.compareExchange(expected: current, desired: highest, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    func admitted(_ session: SessionID, _ admission: Admission) { admissions.withLock { $0[session] = admission } }
    func admission(of session: SessionID) -> Admission? { admissions.withLock { $0[session] } }
    func forget(_ session: SessionID) { _ = admissions.withLock { $0.removeValue(forKey: session) } }

    /// O_APPEND (TRUNCATE with RESERVE): the offset to write at, at least `length`, and the
    /// reservation moved past `count` bytes. In memory only, as in MooseFS.
    func reserve(_ inode: InodeID, length: UInt64, count: UInt64) -> UInt64 {
        reservations.withLock { all in
            let start = max(all[inode] ?? 0, length)
            all[inode] = start &+ count
            return start
        }
    }

    func listen(_ session: SessionID, _ listener: Listener) { listeners.withLock { $0[session] = listener } }

    /// The connection stopped listening (a newer connection of the session may have taken over).
    func stopListening(_ session: SessionID, connection: ObjectIdentifier) {
        listeners.withLock { if $0[session]?.connection == connection { $0[session] = nil } }
    }

    /// Sends `notice` (built with the receiver's number for `inode`) to every session but
    /// `origin` for which `holds` says it has the inode open, as MooseFS sends
    /// CHUNK_HAS_CHANGED and FLENG_HAS_CHANGED to the sessions that have the file open.
    func notify(
        holdersOf inode: InodeID, except origin: SessionID, holds: (SessionID) -> Bool, _ notice: (UInt32) -> FuseReply
    ) {
        let targets = listeners.withLock { $0.filter { $0.key != origin } }
        for (session, listener) in targets where listener.knowsFileNotices && holds(session) {
            listener.send(notice(inode == listener.root ? 1 : inode.rawValue).encode())
        }
    }

    /// INVALIDATE_CHUNK_CACHE to every session: a chunkserver came or went, so cached chunk
    /// locations may name a server that is gone or miss a new copy.
    func invalidateChunkCaches() {
        let bytes = FuseReply.invalidateChunkCache.encode()
        for listener in listeners.withLock({ Array($0.values) }) where listener.knowsCacheNotice { listener.send(bytes) }
    }

    /// Any other length change ends the reservation.
    func clearReservation(_ inode: InodeID) { _ = reservations.withLock { $0.removeValue(forKey: inode) } }

    /// Drops what no longer matters (the daemon's housekeeping, every few seconds): the
    /// admissions of sessions the namespace no longer has (expired, closed, or closed on another
    /// master), and reservations the file's length has reached (the appends landed: the length
    /// alone gives the same offset) or whose file is gone. A reservation left for a deleted file
    /// would otherwise push the appends of the next file given that inode number past its end.
    /// `namespace` is called after the reservations are read: a reservation made or a session
    /// admitted before it is in it, and one changed since is left alone.
    func prune(_ namespace: () -> Namespace) {
        let reserved = reservations.withLock { $0 }
        let ns = namespace()
        let next = ns.nextSessionID
        let sessions = Set(ns.sessionIDs)
        admissions.withLock { all in all = all.filter { $0.key >= next || sessions.contains($0.key) } }
        guard !reserved.isEmpty else { return }
        reservations.withLock { all in
            for (inode, offset) in reserved where all[inode] == offset {
                let length = try? ns.attributes(of: inode).length
                if length.map({ offset <= $0 }) ?? true { all[inode] = nil }
            }
        }
    }

    /// How many sessions and reservations are kept (for tests).
    var counts: (admissions: Int, reservations: Int) {
        (admissions.withLock { $0.count }, reservations.withLock { $0.count })
    }
}
