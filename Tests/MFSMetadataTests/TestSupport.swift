import MFSChangelog
import MFSCore
import MFSTestSupport

@testable import MFSMetadata

let t0 = UnixTime(1_795_315_206)
let alice = Credentials(uid: 1000, gid: 1000)
let bob = Credentials(uid: 1001, gid: 1001)
let carol = Credentials(uid: 1002, gid: 1002, groups: [1000])

/// A namespace with a metaid, as a master makes at its first start.
func newNamespace(parameters: NamespaceParameters = NamespaceParameters()) -> Namespace {
    var ns = Namespace(parameters: parameters)
    _ = try! ns.setMetaID(MetaID(0xC0FF_EE00_1234_5678), now: t0)
    return ns
}

extension Namespace {
    /// Creates with root credentials and returns the inode (tests only).
    @discardableResult
    mutating func make(_ parent: InodeID, _ name: EntryName, _ type: NodeType = .file, mode: UInt16 = 0o644, as who: Credentials = .root)
        throws(FSError) -> InodeID
    {
        try create(parent, name, type: type, mode: mode, as: who, now: t0).0.inode
    }

    /// Resolves a path like "a/b/c" from the root as root.
    func resolve(_ path: String) throws(FSError) -> InodeID {
        var current = InodeID.root
        for part in path.split(separator: "/") {
            current = try lookup(current, try EntryName(validating: String(part)), as: .root).inode
        }
        return current
    }

    /// Resolves a path that must name a directory (ENOTDIR otherwise), as path resolution of a
    /// parent does.
    func resolveDirectory(_ path: String) throws(FSError) -> InodeID {
        let inode = try resolve(path)
        guard try attributes(of: inode).type == .directory else { throw .notDirectory }
        return inode
    }

    /// Every entry of a directory, following cookies.
    func listAll(_ dir: InodeID, pageSize: Int = 7) throws(FSError) -> [DirectoryListingEntry] {
        var all: [DirectoryListingEntry] = []
        var cookie: UInt64 = 0
        while true {
            let page = try readdir(dir, after: cookie, limit: pageSize, as: .root)
            all += page.entries
            cookie = page.nextCookie
            if page.atEnd { return all }
        }
    }
}

/// Compares two namespaces field by field through their internal tables; returns the first
/// difference found, or nil.
func firstDifference(_ a: Namespace, _ b: Namespace) -> String? {
    if a.metaID != b.metaID || a.version != b.version || a.epoch != b.epoch || a.epochStartVersion != b.epochStartVersion {
        return
            "header: \(a.metaID)/\(a.version)/\(a.epoch)/\(a.epochStartVersion) vs \(b.metaID)/\(b.version)/\(b.epoch)/\(b.epochStartVersion)"
    }
    if a.checksum != b.checksum { return "checksum \(a.checksum) vs \(b.checksum)" }
    if a.nextInode != b.nextInode || a.nextChunk != b.nextChunk || a.nextSession != b.nextSession { return "counters" }
    if a.inodeCount != b.inodeCount || a.chunkCount != b.chunkCount { return "counts" }
    if a.parameters != b.parameters { return "parameters" }
    if a.voters != b.voters || a.votersVersion != b.votersVersion { return "voters" }
    if a.chunkservers != b.chunkservers { return "chunkservers" }
    let ids = a.allInodes()
    if ids != b.allInodes() { return "inode sets differ" }
    for id in ids {
        let x = a.inodes[Int(id.rawValue)]
        let y = b.inodes[Int(id.rawValue)]
        if x.typeRaw != y.typeRaw || x.goal != y.goal || x.mode != y.mode || x.uid != y.uid || x.gid != y.gid
            || x.atime != y.atime || x.mtime != y.mtime || x.ctime != y.ctime || x.nlink != y.nlink
            || x.parent != y.parent || x.openCount != y.openCount || x.size != y.size || x.chunkList != y.chunkList
        {
            return "inode \(id) fields differ"
        }
        if case .target(let t) = x.payload, case .target(let u) = y.payload, t != u { return "inode \(id) target" }
        var ex: [(UInt64, UInt32, UInt8, [UInt8])] = []
        var ey: [(UInt64, UInt32, UInt8, [UInt8])] = []
        x.directory.forEach { ex.append(($0.hash, $0.inode, $0.typeRaw, $0.name.bytes)) }
        y.directory.forEach { ey.append(($0.hash, $0.inode, $0.typeRaw, $0.name.bytes)) }
        if ex.count != ey.count || zip(ex, ey).contains(where: { $0.0 != $1.0 || $0.1 != $1.1 || $0.2 != $1.2 || $0.3 != $1.3 }) {
            return "directory \(id) entries differ"
        }
    }
    var cx: [(Int, UInt32, UInt32, UInt32)] = []
    var cy: [(Int, UInt32, UInt32, UInt32)] = []
    a.chunks.forEach { cx.append(($0, $1.version, $1.inode, $1.index)) }
    b.chunks.forEach { cy.append(($0, $1.version, $1.inode, $1.index)) }
    if cx.count != cy.count || zip(cx, cy).contains(where: { $0 != $1 }) { return "chunks differ" }
    var fx: [(UInt32, UInt32)] = []
    var fy: [(UInt32, UInt32)] = []
    a.freedInodes.forEach { fx.append(($0.inode, $0.freedAt)) }
    b.freedInodes.forEach { fy.append(($0.inode, $0.freedAt)) }
    if fx.count != fy.count || zip(fx, fy).contains(where: { $0 != $1 }) { return "free queues differ" }
    if a.sessionIDs != b.sessionIDs { return "session sets differ" }
    for id in a.sessionIDs {
        let s = a.sessions[id]!
        let t = b.sessions[id]!
        if s.info != t.info || s.lostAt != t.lostAt || s.open != t.open || s.requests.highestForgotten != t.requests.highestForgotten
            || s.requests.kept.map({ $0.0 }) != t.requests.kept.map({ $0.0 })
            || s.requests.kept.map({ $0.1 }) != t.requests.kept.map({ $0.1 })
        {
            return "session \(id) differs"
        }
    }
    return nil
}
