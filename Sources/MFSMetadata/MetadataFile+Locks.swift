import MFSChangelog
import MFSCore

/// The `FLCK` and `PLCK` sections (layouts in `MetadataFile.Section`'s comment). Records come
/// in one canonical order, so equal namespaces give equal files; the decoder refuses any other
/// order, and `Namespace.lockProblem` checks what the records mean once every section is in.
extension MetadataFile.Section {
    static func encodeFlocks(_ ns: Namespace, _ w: inout ByteWriter) {
        let all = ns.locks.flocks.sorted { $0.key < $1.key }.flatMap { inode, holders in
            holders.sorted { $0.key < $1.key }.map { (inode, $0.key, $0.value) }
        }
        w.write(UInt32(all.count))
        for (inode, owner, kind) in all {
            w.write(inode.rawValue)
            w.write(owner.session.rawValue)
            w.write(owner.owner)
            w.write(kind.rawValue)
        }
    }

    static func encodePosixLocks(_ ns: Namespace, _ w: inout ByteWriter) {
        let all = ns.locks.posix.sorted { $0.key < $1.key }.flatMap { inode, held in
            held.sorted { ($0.owner, $0.start) < ($1.owner, $1.start) }.map { (inode, $0) }
        }
        w.write(UInt32(all.count))
        for (inode, lock) in all {
            w.write(inode.rawValue)
            w.write(lock.owner.session.rawValue)
            w.write(lock.owner.owner)
            w.write(lock.pid)
            w.write(lock.start)
            w.write(lock.end)
            w.write(UInt8(lock.exclusive ? 2 : 1))
        }
    }
}

/// Ascending (inode, session, owner[, start]) keys, compared as tuples.
private struct LockKey: Comparable {
    var inode: UInt32
    var session: UInt32
    var owner: UInt64
    var start: UInt64

    static func < (a: LockKey, b: LockKey) -> Bool { (a.inode, a.session, a.owner, a.start) < (b.inode, b.session, b.owner, b.start) }
}

extension MetadataDecoder {
    mutating func decodeFlocks(_ r: inout ByteReader) throws {
        let count = Int(try r.readInteger(UInt32.self))
        guard count * 17 <= r.remaining else { throw malformed(.flocks, "claims \(count) locks in \(r.remaining) bytes") }
        var previous: LockKey?
        for index in 0..<count {
            let key = LockKey(inode: try r.readInteger(), session: try r.readInteger(), owner: try r.readInteger(), start: 0)
            let raw = try r.readInteger(UInt8.self)
            guard let kind = FlockKind(rawValue: raw) else { throw malformed(.flocks, "lock \(index + 1) has unknown kind \(raw)") }
            if let previous, key <= previous { throw malformed(.flocks, "lock \(index + 1) is out of order or repeated") }
            previous = key
            ns.locks.flocks[InodeID(key.inode), default: [:]][LockOwner(session: SessionID(key.session), owner: key.owner)] = kind
        }
    }

    mutating func decodePosixLocks(_ r: inout ByteReader) throws {
        let count = Int(try r.readInteger(UInt32.self))
        guard count * 37 <= r.remaining else { throw malformed(.posixLocks, "claims \(count) locks in \(r.remaining) bytes") }
        var previous: LockKey?
        var byInode: [InodeID: [PosixLock]] = [:]
        for index in 0..<count {
            let inode: UInt32 = try r.readInteger()
            let owner = LockOwner(session: SessionID(try r.readInteger()), owner: try r.readInteger())
            let pid: UInt32 = try r.readInteger()
            let (start, end): (UInt64, UInt64) = (try r.readInteger(), try r.readInteger())
            let raw = try r.readInteger(UInt8.self)
            guard raw == 1 || raw == 2 else { throw malformed(.posixLocks, "lock \(index + 1) has unknown kind \(raw)") }
            let key = LockKey(inode: inode, session: owner.session.rawValue, owner: owner.owner, start: start)
            if let previous, key <= previous { throw malformed(.posixLocks, "lock \(index + 1) is out of order or repeated") }
            previous = key
            byInode[InodeID(inode), default: []].append(PosixLock(owner: owner, pid: pid, exclusive: raw == 2, start: start, end: end))
        }
        for (inode, locks) in byInode { ns.locks.setPosix(locks, on: inode) }
    }
}
