import MFSChangelog
import MFSCore
import MFSMetadata

@testable import MFSMaster

/// A real namespace with two sessions (1 and 2) and a file, for the lock tables' tests: the
/// tables' effects are recorded in it as the master records them, so the holders the next
/// decision sees are the namespace's.
struct LockHarness {
    var ns = Namespace()
    var records: [ChangelogRecord] = []
    let file: InodeID
    static let t0 = UnixTime(1_800_000_000)

    init() throws {
        _ = try ns.setMetaID(MetaID(0x5EED), now: Self.t0)
        _ = try ns.openSession(info: [], now: Self.t0)
        _ = try ns.openSession(info: [], now: Self.t0)
        let (attributes, _) = try ns.create(
            .root, try EntryName(validating: Array("f".utf8)), type: .file, mode: 0o644, as: .root, now: Self.t0)
        file = attributes.inode
    }

    /// Records flock effects; returns the waiters they granted.
    mutating func record(_ effects: [FlockTable<Int>.Effect]) throws -> [Int] {
        for effect in effects { records.append(try ns.flock(effect.inode, owner: effect.owner, effect.change, now: Self.t0)) }
        return effects.compactMap(\.waiter)
    }

    mutating func record(_ effects: [PosixLockTable<Int>.Effect]) throws -> [Int] {
        for effect in effects {
            let r = effect.request
            records.append(
                try ns.posixLock(effect.inode, owner: r.owner, r.kind.change, start: r.start, end: r.end, pid: r.pid, now: Self.t0))
        }
        return effects.compactMap(\.waiter)
    }
}
