import MFSCore
import MFSWire

/// The requests a client has in flight on its session, keyed by request id: the bookkeeping
/// that lets many requests share one connection and survive a reconnect.
///
/// - ids are unique within the client (and so within every session it holds) and increase;
/// - a reply is matched by id and must be the request's own reply type or a status
///   (`MasterReply.answers`); anything else is a protocol violation;
/// - after a reconnect every request still here is sent again with the same id: the master
///   answers a mutating request it already did with its first result;
/// - a request given up on (timed out) is remembered as abandoned until the next connection,
///   so that its late reply is dropped instead of taken for a violation.
///
/// A pure value, generic over what waits for the reply and over the clock's instant.
public struct RequestTable<Waiter, Instant: InstantProtocol> where Instant.Duration == Duration {
    public struct Entry {
        public var request: ClientRequest
        public var waiter: Waiter
        /// When the caller asked: bounds the request's whole life.
        public var enqueuedAt: Instant
        /// When it was last written to a connection; nil while waiting for one.
        public var sentAt: Instant?
        /// Why its last attempt did not finish it (a `notActive` answer), to report if it runs
        /// out of time.
        public var lastFailure: ClientError?
        /// Whether it was ever written to a connection (and so may have been applied).
        public var everSent: Bool
    }

    public enum Match {
        /// The reply answers this request; `finish` or `retryLater` it.
        case answered(ClientRequest)
        /// A late reply to a request given up on: drop it.
        case abandoned
        /// A reply that answers no request in flight.
        case unexpected(String)
    }

    private var entries: [RequestID: Entry] = [:]
    private var abandonedIDs: Set<RequestID> = []
    /// The last id handed out; ids start at 1.
    public private(set) var lastID: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a request with the next id; `sent` says whether it goes on a connection now.
    public mutating func add(
        _ make: (RequestID) -> ClientRequest, waiter: Waiter, now: Instant, sent: Bool
    ) -> ClientRequest {
        lastID += 1
        let request = make(RequestID(lastID))
        precondition(request.requestID == RequestID(lastID), "a request built with another id than it was given")
        entries[request.requestID] = Entry(
            request: request, waiter: waiter, enqueuedAt: now, sentAt: sent ? now : nil, lastFailure: nil, everSent: sent)
        return request
    }

    /// Matches a reply to its request, which stays in the table until `finish` or
    /// `retryLater`.
    public func match(_ reply: MasterReply) -> Match {
        let id = reply.requestID
        guard let entry = entries[id] else {
            if abandonedIDs.contains(id) { return .abandoned }
            return .unexpected("a reply to request \(id), which is not in flight")
        }
        guard reply.answers(entry.request) else {
            return .unexpected("\(reply.messageType) does not answer request \(id) (\(entry.request.messageType))")
        }
        return .answered(entry.request)
    }

    /// Takes a request out, done: returns its waiter to answer.
    public mutating func finish(_ id: RequestID) -> Waiter? {
        entries.removeValue(forKey: id)?.waiter
    }

    /// Leaves a request in the table to be sent again on the next connection, noting why.
    public mutating func retryLater(_ id: RequestID, because failure: ClientError?) {
        guard entries[id] != nil else { return }
        entries[id]!.sentAt = nil
        if let failure { entries[id]!.lastFailure = failure }
    }

    /// The connection is gone: nothing is on the wire any more.
    public mutating func connectionLost() {
        for id in entries.keys { entries[id]!.sentAt = nil }
    }

    /// A new connection is up: forget the abandoned ids (their replies died with the old
    /// connection) and return every request to send again, oldest first, marked sent at `now`.
    public mutating func resendAll(now: Instant) -> [ClientRequest] {
        abandonedIDs.removeAll()
        let ids = entries.keys.sorted()
        for id in ids {
            entries[id]!.sentAt = now
            entries[id]!.everSent = true
        }
        return ids.map { entries[$0]!.request }
    }

    /// The session was replaced by a new one: the old session's memory of answered requests
    /// is gone, so a mutating request sent in it may or may not have been applied and sending
    /// it again could apply it twice (a second mkdir fails with EEXIST, a second rename may
    /// move something else). Removes every mutating request that was ever sent and returns
    /// their waiters, to fail with `ClientError.requestExpired`; reads, and requests that never
    /// reached a master, stay to be sent in the new session.
    public mutating func removeUnsafeAfterSessionLoss() -> [Waiter] {
        let unsafe = entries.filter { $0.value.request.isMutating && $0.value.everSent }
        for id in unsafe.keys { entries[id] = nil }
        return unsafe.keys.sorted().map { unsafe[$0]!.waiter }
    }

    /// Whether a request sent on the current connection has waited longer than `timeout`:
    /// the connection is then taken for dead.
    public func stalled(now: Instant, timeout: Duration) -> Bool {
        entries.values.contains { entry in entry.sentAt.map { $0.advanced(by: timeout) <= now } ?? false }
    }

    /// Removes the requests asked for `limit` or longer ago, remembering their ids as
    /// abandoned; returns each with why it failed (its last failure, else a timeout).
    public mutating func expire(now: Instant, limit: Duration) -> [(Waiter, ClientError)] {
        let old = entries.filter { $0.value.enqueuedAt.advanced(by: limit) <= now }
        var failed: [(Waiter, ClientError)] = []
        for id in old.keys.sorted() {
            let entry = entries.removeValue(forKey: id)!
            if entry.sentAt != nil { abandonedIDs.insert(id) }
            failed.append((entry.waiter, entry.lastFailure ?? .timedOut("no answer from the master within \(limit)")))
        }
        return failed
    }

    /// Removes everything, for a client that gives up or closes.
    public mutating func removeAll() -> [Waiter] {
        let waiters = entries.keys.sorted().map { entries[$0]!.waiter }
        entries.removeAll()
        abandonedIDs.removeAll()
        return waiters
    }
}

extension RequestTable: Sendable where Waiter: Sendable, Instant: Sendable {}
extension RequestTable.Entry: Sendable where Waiter: Sendable, Instant: Sendable {}
