import MooseWire

/// The 9421 client dialect's types (`CLTOMA_FUSE_*` and `MATOCL_FUSE_*` of MooseFS 3.0.117's
/// `MFSCommunication.h`). A reply's type is its request's plus one.
extension MooseMessageType {
    /// `mfslistsclass` and `mfsscadmin list` (through mfsmount's proxy): not a FUSE request
    /// but sent on the session's connection all the same.
    public static let storageClassList = MooseMessageType(360)
    public static let fuseRegister = MooseMessageType(400)
    public static let fuseRegisterReply = MooseMessageType(401)
    public static let fuseStatfs = MooseMessageType(402)
    public static let fuseAccess = MooseMessageType(404)
    public static let fuseLookup = MooseMessageType(406)
    public static let fuseGetattr = MooseMessageType(408)
    public static let fuseSetattr = MooseMessageType(410)
    public static let fuseReadlink = MooseMessageType(412)
    public static let fuseSymlink = MooseMessageType(414)
    public static let fuseMknod = MooseMessageType(416)
    public static let fuseMkdir = MooseMessageType(418)
    public static let fuseUnlink = MooseMessageType(420)
    public static let fuseRmdir = MooseMessageType(422)
    public static let fuseRename = MooseMessageType(424)
    public static let fuseLink = MooseMessageType(426)
    public static let fuseReaddir = MooseMessageType(428)
    public static let fuseOpen = MooseMessageType(430)
    public static let fuseReadChunk = MooseMessageType(432)
    public static let fuseWriteChunk = MooseMessageType(434)
    public static let fuseWriteChunkEnd = MooseMessageType(436)
    public static let fuseCheck = MooseMessageType(440)
    public static let fuseGetTrashTime = MooseMessageType(442)
    public static let fuseSetTrashTime = MooseMessageType(444)
    public static let fuseGetStorageClass = MooseMessageType(446)
    public static let fuseSetStorageClass = MooseMessageType(448)
    public static let fuseGetDirStats = MooseMessageType(462)
    public static let fuseGetEattr = MooseMessageType(472)
    public static let fuseParents = MooseMessageType(484)
    public static let fusePaths = MooseMessageType(486)
    public static let fuseTruncate = MooseMessageType(464)
    public static let fuseGetXattr = MooseMessageType(478)
    public static let fuseSetXattr = MooseMessageType(480)
    public static let fuseCreate = MooseMessageType(482)
    public static let fuseGetFacl = MooseMessageType(488)
    public static let fuseSetFacl = MooseMessageType(490)
    public static let fuseFlock = MooseMessageType(492)
    public static let fusePosixLock = MooseMessageType(494)
    public static let fuseSustainedInodes = MooseMessageType(700)
    public static let fuseAmtimeInodes = MooseMessageType(701)
    public static let fuseChunkHasChanged = MooseMessageType(702)
    public static let fuseFlengHasChanged = MooseMessageType(703)
    public static let fuseTimeSync = MooseMessageType(704)
    public static let fuseTimeSyncReply = MooseMessageType(705)
    public static let fuseInvalidateChunkCache = MooseMessageType(706)

    /// The reply type to this request type (MooseFS numbers each reply one above its request).
    public var reply: MooseMessageType { MooseMessageType(rawValue + 1) }

    /// Whether this request type changes nothing in the namespace (lookups, attributes,
    /// listings, reads of chunk locations, NOPs): a master need not prepare to store a change.
    public var changesNothing: Bool {
        switch self {
        case .nop, .fuseStatfs, .fuseAccess, .fuseLookup, .fuseGetattr, .fuseReadlink, .fuseReaddir, .fuseReadChunk,
            .fuseGetTrashTime, .fuseGetStorageClass, .fuseGetDirStats, .fuseGetXattr, .fuseGetFacl, .fuseTimeSync, .fuseCheck,
            .fuseGetEattr, .fuseParents, .fusePaths, .storageClassList:
            true
        default: false
        }
    }

    /// Whether this is a FUSE request type of MooseFS 3.0 that carries a msgid (402…498, even),
    /// known to this codec or not: one this codec does not decode is still answered by msgid.
    public var isFuseRequestWithMessageID: Bool { (402...498).contains(rawValue) && rawValue % 2 == 0 }
}
