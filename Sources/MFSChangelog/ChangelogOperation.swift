import MFSCore

/// The operation names of the changelog (`CREATE`, `UNLINK`, …): one per `Change` case. Errors
/// name the operation with this type, and its tables (argument names, whether a result follows)
/// drive both the formatter and the parser, so the two cannot disagree.
public enum ChangelogOperation: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case setMetaID, epoch, idle, checksum
    case create, symlink, link, unlink, rmdir, rename
    case setAttributes, setLength, setGoal, addChunk, bumpChunkVersion
    case openSession, closeSession, sessionLost, sessionBack, acquire, release
    case voters
    case chunkserver, chunkserverRemoved
    case flock, posixLock

    /// The name as written in the changelog, for example `CREATE`.
    public var name: String { staticName.description }

    /// The name as a literal, for byte comparison without a `String`.
    var staticName: StaticString {
        switch self {
        case .setMetaID: "SETMETAID"
        case .epoch: "EPOCH"
        case .idle: "IDLE"
        case .checksum: "CHECKSUM"
        case .create: "CREATE"
        case .symlink: "SYMLINK"
        case .link: "LINK"
        case .unlink: "UNLINK"
        case .rmdir: "RMDIR"
        case .rename: "RENAME"
        case .setAttributes: "ATTR"
        case .setLength: "LENGTH"
        case .setGoal: "SETGOAL"
        case .addChunk: "ADDCHUNK"
        case .bumpChunkVersion: "INCVERSION"
        case .openSession: "SESSION"
        case .closeSession: "SESSIONCLOSE"
        case .sessionLost: "SESSIONLOST"
        case .sessionBack: "SESSIONBACK"
        case .acquire: "ACQUIRE"
        case .release: "RELEASE"
        case .voters: "VOTERS"
        case .chunkserver: "CHUNKSERVER"
        case .chunkserverRemoved: "CHUNKSERVERDEL"
        case .flock: "FLOCK"
        case .posixLock: "POSIXLOCK"
        }
    }

    /// The arguments in changelog order, named as in `Change`'s doc comments (for messages).
    public var argumentNames: [String] {
        switch self {
        case .setMetaID: ["metaid"]
        case .epoch: ["epoch"]
        case .idle: []
        case .checksum: ["value"]
        case .create: ["parent", "name", "type", "mode", "uid", "gid", "rdev"]
        case .symlink: ["parent", "name", "target", "uid", "gid"]
        case .link: ["inode", "parent", "name"]
        case .unlink, .rmdir: ["parent", "name"]
        case .rename: ["parent", "name", "newparent", "newname"]
        case .setAttributes: ["inode", "mode", "uid", "gid", "atime", "mtime"]
        case .setLength: ["inode", "length"]
        case .setGoal: ["inode", "goal", "recursive"]
        case .addChunk: ["inode", "index"]
        case .bumpChunkVersion: ["chunkid"]
        case .openSession: ["info"]
        case .closeSession, .sessionLost, .sessionBack: ["sessionid"]
        case .acquire, .release: ["inode", "sessionid"]
        case .voters: ["k", "leader", "members"]
        case .chunkserver: ["id", "ip", "port"]
        case .chunkserverRemoved: ["id"]
        case .flock: ["inode", "sessionid", "owner", "kind"]
        case .posixLock: ["inode", "sessionid", "owner", "kind", "start", "end", "pid"]
        }
    }

    /// How many arguments go between the parentheses.
    public var argumentCount: Int {
        switch self {
        case .idle: 0
        case .setMetaID, .epoch, .checksum, .bumpChunkVersion, .openSession: 1
        case .closeSession, .sessionLost, .sessionBack, .chunkserverRemoved: 1
        case .unlink, .rmdir, .setLength, .addChunk, .acquire, .release: 2
        case .link, .setGoal, .voters, .chunkserver: 3
        case .rename: 4
        case .symlink: 5
        case .setAttributes: 6
        case .create, .posixLock: 7
        case .flock: 4
        }
    }

    /// Whether `:result` follows the arguments. It must for these operations and must not for
    /// the others.
    public var hasResult: Bool {
        switch self {
        case .create, .symlink, .unlink, .rmdir, .rename, .setGoal, .addChunk, .bumpChunkVersion, .openSession:
            true
        case .setMetaID, .epoch, .idle, .checksum, .link, .setAttributes, .setLength:
            false
        case .closeSession, .sessionLost, .sessionBack, .acquire, .release, .voters, .chunkserver, .chunkserverRemoved:
            false
        case .flock, .posixLock:
            false
        }
    }

    public var description: String { name }

    /// The operation whose name is the `count` bytes at `start`, or nil. Dispatches on the
    /// length and a distinguishing letter, then compares the whole name once: no `String`, no
    /// hashing, since this runs for every line read.
    static func lookup(_ start: UnsafePointer<UInt8>, count: Int) -> ChangelogOperation? {
        guard count >= 4 && count <= 14 else { return nil }
        let candidate: ChangelogOperation
        switch (count, start[0]) {
        case (4, UInt8(ascii: "I")): candidate = .idle
        case (4, UInt8(ascii: "L")): candidate = .link
        case (4, UInt8(ascii: "A")): candidate = .setAttributes
        case (5, UInt8(ascii: "E")): candidate = .epoch
        case (5, UInt8(ascii: "R")): candidate = .rmdir
        case (5, UInt8(ascii: "F")): candidate = .flock
        case (6, UInt8(ascii: "C")): candidate = .create
        case (6, UInt8(ascii: "U")): candidate = .unlink
        case (6, UInt8(ascii: "R")): candidate = .rename
        case (6, UInt8(ascii: "L")): candidate = .setLength
        case (6, UInt8(ascii: "V")): candidate = .voters
        case (7, UInt8(ascii: "A")): candidate = .acquire
        case (7, UInt8(ascii: "R")): candidate = .release
        case (7, UInt8(ascii: "S")):
            switch start[2] {
            case UInt8(ascii: "M"): candidate = .symlink
            case UInt8(ascii: "T"): candidate = .setGoal
            default: candidate = .openSession
            }
        case (8, UInt8(ascii: "C")): candidate = .checksum
        case (8, UInt8(ascii: "A")): candidate = .addChunk
        case (9, UInt8(ascii: "S")): candidate = .setMetaID
        case (9, UInt8(ascii: "P")): candidate = .posixLock
        case (10, UInt8(ascii: "I")): candidate = .bumpChunkVersion
        case (11, UInt8(ascii: "S")): candidate = start[7] == UInt8(ascii: "L") ? .sessionLost : .sessionBack
        case (11, UInt8(ascii: "C")): candidate = .chunkserver
        case (12, UInt8(ascii: "S")): candidate = .closeSession
        case (14, UInt8(ascii: "C")): candidate = .chunkserverRemoved
        default: return nil
        }
        let name = candidate.staticName
        let expected = name.utf8Start
        for offset in 0..<count where start[offset] != expected[offset] { return nil }
        return candidate
    }
}

extension Change {
    /// The changelog operation of this change.
    public var operation: ChangelogOperation {
        switch self {
        case .setMetaID: .setMetaID
        case .epoch: .epoch
        case .idle: .idle
        case .checksum: .checksum
        case .create: .create
        case .symlink: .symlink
        case .link: .link
        case .unlink: .unlink
        case .rmdir: .rmdir
        case .rename: .rename
        case .setAttributes: .setAttributes
        case .setLength: .setLength
        case .setGoal: .setGoal
        case .addChunk: .addChunk
        case .bumpChunkVersion: .bumpChunkVersion
        case .openSession: .openSession
        case .closeSession: .closeSession
        case .sessionLost: .sessionLost
        case .sessionBack: .sessionBack
        case .acquire: .acquire
        case .release: .release
        case .voters: .voters
        case .chunkserver: .chunkserver
        case .chunkserverRemoved: .chunkserverRemoved
        case .flock: .flock
        case .posixLock: .posixLock
        }
    }
}
