import MFSCore

/// The access a caller asks for, as the bits of `access(2)`.
public struct AccessMask: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let execute = AccessMask(rawValue: 1)
    public static let write = AccessMask(rawValue: 2)
    public static let read = AccessMask(rawValue: 4)
}

extension Namespace {
    static let setUID: UInt16 = 0o4000
    static let setGID: UInt16 = 0o2000
    static let sticky: UInt16 = 0o1000

    /// POSIX permission check: the owner's bits for the owner, the group's for a member of the
    /// group (primary or supplementary), else the others' (with `ignoresGroups`, anyone but the
    /// owner gets the group's and the others' bits together, as MooseFS's `ignoregid`). Root passes read and write always, and
    /// execute on a directory or where any execute bit is set.
    static func check(_ r: InodeRecord, _ want: AccessMask, _ who: Credentials) throws(FSError) {
        if who.isRoot {
            if want.contains(.execute), !r.isDirectory, r.mode & 0o111 == 0 { throw .accessDenied }
            return
        }
        let bits: UInt16
        if who.uid == r.uid {
            bits = (r.mode >> 6) & 7
        } else if who.ignoresGroups {
            bits = ((r.mode >> 3) | r.mode) & 7
        } else if who.isMember(of: r.gid) {
            bits = (r.mode >> 3) & 7
        } else {
            bits = r.mode & 7
        }
        guard UInt16(want.rawValue) & ~bits == 0 else { throw .accessDenied }
    }

    /// Whether `who` may remove or rename away `child` from `directory`: in a sticky directory
    /// only root, the directory's owner or the child's owner may (EPERM otherwise).
    static func checkSticky(directory: InodeRecord, child: InodeRecord, _ who: Credentials) throws(FSError) {
        guard directory.mode & sticky != 0, !who.isRoot, who.uid != directory.uid, who.uid != child.uid else {
            return
        }
        throw .notPermitted
    }

    /// Whether `who` may read, write or search `inode`.
    public func access(_ inode: InodeID, _ want: AccessMask, as who: Credentials) throws(FSError) {
        try Self.check(try existing(inode), want, who)
    }
}
