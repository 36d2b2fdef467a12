import MFSCore
import MFSMetadata
import MFSWire
import MooseClientWire
import MooseWire

/// Conversions between MooseFS's fields and ours: inode numbers (the session's root is 1 to the
/// client), credentials, the 36-byte attribute record, node types and statuses.
extension MooseClientConnection {
    /// The inode a client's number stands for: 1 is the session's root (MooseFS shows every
    /// client its export's directory as the root).
    func local(_ inode: UInt32, _ session: ClientSession) -> InodeID { inode == 1 ? session.root : InodeID(inode) }

    /// The number the client knows an inode by.
    func remote(_ inode: InodeID, _ session: ClientSession) -> UInt32 { Self.remote(inode, root: session.root) }

    static func remote(_ inode: InodeID, root: InodeID) -> UInt32 { inode == root ? 1 : inode.rawValue }

    func credentials(_ who: FuseCredentials) -> Credentials {
        Credentials(uid: who.uid, gid: who.gids.first ?? 0xFFFF_FFFF, groups: Array(who.gids.dropFirst()))
    }

    /// The record for `attributes`: no xattrs (so the client asks for none), data cache allowed
    /// except where `dataCache` is false (open, create, lookup: the client drops what it
    /// cached, since this master does not track other writers yet).
    static func attr(_ attributes: Attributes, dataCache: Bool = true) -> FuseAttr {
        let length: UInt64 =
            switch attributes.type {
            case .file, .symlink: attributes.length
            case .directory: Self.encodedDirectorySize(attributes.length)
            case .blockDevice, .charDevice: UInt64(attributes.rdev) << 32
            case .fifo, .socket: 0
            }
        return FuseAttr(
            flags: FuseAttr.noXattr | (dataCache ? FuseAttr.allowDataCache : 0),
            mode: UInt16(Self.mooseType(attributes.type)) << 12 | attributes.mode & 0o7777, uid: attributes.uid, gid: attributes.gid,
            atime: attributes.atime.rawValue, mtime: attributes.mtime.rawValue, ctime: attributes.ctime.rawValue, nlink: attributes.nlink,
            length: length)
    }

    /// MooseFS's directory "size", a decimal float in u64 space (notes §3.1), here of the
    /// entry count (our directories keep no byte total).
    static func encodedDirectorySize(_ size: UInt64) -> UInt64 {
        guard size > 0 else { return 1 }
        var value = size
        var exponent: UInt64 = 0
        while value >= 1_024, exponent < 6 {
            value >>= 10
            exponent += 1
        }
        return exponent * 1_000_000 + (size * 100 >> (10 * exponent)) % 1_000_000
    }

    /// MooseFS's TYPE_* numbers.
    static func mooseType(_ type: NodeType) -> UInt8 {
        switch type {
        case .file: 1
        case .directory: 2
        case .symlink: 3
        case .fifo: 4
        case .blockDevice: 5
        case .charDevice: 6
        case .socket: 7
        }
    }

    static func nodeType(_ mooseType: UInt8) -> NodeType? {
        NodeType.allCases.first { Self.mooseType($0) == mooseType }
    }

    /// The MooseFS status for one of ours. Errno codes share MooseFS's numbers; ours without a
    /// MooseFS number become the status MooseFS gives in that case (EPERM for unlinking a
    /// directory, EINVAL for a bad name, INDEXTOOBIG for a file too large).
    static func status(_ status: WireStatus) -> FuseStatus {
        switch status {
        case .isDirectory, .tooManyLinks: .notPermitted
        case .crossDevice, .nameTooLong, .tooManyLevels: .invalidArgument
        case .fileTooLarge: .indexTooBig
        case .badSession: .notOpened
        case .requestExpired, .unknown, .staleEpoch, .wrongMetaID, .notActive: .io
        default: status.rawValue < 64 ? FuseStatus(rawValue: status.rawValue) : .io
        }
    }

    /// SETATTR's mask as our changes (winattr and the set-uid clearing mode have no field here).
    static func changes(_ fields: FuseRequest.SetattrFields) -> AttributeChanges {
        typealias F = FuseRequest.SetattrFields
        var changes = AttributeChanges()
        if fields.setMask & F.modeBit != 0 { changes.mode = fields.mode & 0o7777 }
        if fields.setMask & F.uidBit != 0 { changes.uid = fields.uid }
        if fields.setMask & F.gidBit != 0 { changes.gid = fields.gid }
        if fields.setMask & F.atimeNowBit != 0 {
            changes.atime = .now
        } else if fields.setMask & F.atimeBit != 0 {
            changes.atime = .set(UnixTime(fields.atime))
        }
        if fields.setMask & F.mtimeNowBit != 0 {
            changes.mtime = .now
        } else if fields.setMask & F.mtimeBit != 0 {
            changes.mtime = .set(UnixTime(fields.mtime))
        }
        return changes
    }

    /// LOOKUP's `lflags`: one bit per access combination (bit n: n's R=4, W=2, X=1 allowed),
    /// every one for root as MooseFS's master gives it, and RO_FILESYSTEM with the write
    /// combinations cleared on a read-only session.
    static func lookupFlags(_ attributes: Attributes, _ who: Credentials, readOnly: Bool) -> UInt16 {
        var flags: UInt16 = 0
        for combination in 0..<8 {
            let want = AccessMask(rawValue: UInt8(combination))
            if readOnly, want.contains(.write) { continue }
            if who.isRoot || Self.allows(attributes, want, who) { flags |= 1 << combination }
        }
        return readOnly ? flags | FuseReply.lookupReadOnlyFilesystem : flags
    }

    /// POSIX permission bits (root may read and write anything, and execute what anyone may).
    static func allows(_ a: Attributes, _ want: AccessMask, _ who: Credentials) -> Bool {
        if who.isRoot { return !want.contains(.execute) || a.type == .directory || a.mode & 0o111 != 0 }
        let shift: UInt16 = who.uid == a.uid ? 6 : (who.isMember(of: a.gid) ? 3 : 0)
        var granted = UInt8((a.mode >> shift) & 0o7)
        if who.uid != a.uid, who.ignoresGroups { granted = UInt8(((a.mode >> 3) | a.mode) & 0o7) }
        return granted & want.rawValue == want.rawValue
    }
}
