/// A MooseFS status byte on 9421 (`MFS_STATUS_OK`, `MFS_ERROR_*`; notes §6), with the names a
/// master answers with. A struct, so any byte round-trips.
public struct FuseStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ok = FuseStatus(rawValue: 0)
    public static let notPermitted = FuseStatus(rawValue: 1)  // EPERM
    public static let notDirectory = FuseStatus(rawValue: 2)  // ENOTDIR
    public static let noEntry = FuseStatus(rawValue: 3)  // ENOENT
    public static let accessDenied = FuseStatus(rawValue: 4)  // EACCES
    public static let exists = FuseStatus(rawValue: 5)  // EEXIST
    public static let invalidArgument = FuseStatus(rawValue: 6)  // EINVAL
    public static let notEmpty = FuseStatus(rawValue: 7)  // ENOTEMPTY
    public static let chunkLost = FuseStatus(rawValue: 8)  // ENXIO
    public static let indexTooBig = FuseStatus(rawValue: 10)  // EFBIG
    public static let locked = FuseStatus(rawValue: 11)
    public static let noChunk = FuseStatus(rawValue: 13)
    public static let chunkBusy = FuseStatus(rawValue: 14)
    public static let notOpened = FuseStatus(rawValue: 17)  // EBADF
    public static let noSpace = FuseStatus(rawValue: 21)  // ENOSPC
    public static let io = FuseStatus(rawValue: 22)  // EIO
    public static let readOnly = FuseStatus(rawValue: 33)  // EROFS
    public static let quota = FuseStatus(rawValue: 34)  // EDQUOT
    public static let badSessionID = FuseStatus(rawValue: 35)
    public static let noPassword = FuseStatus(rawValue: 36)
    public static let badPassword = FuseStatus(rawValue: 37)
    public static let noAttribute = FuseStatus(rawValue: 38)  // ENOATTR (ENODATA)
    public static let notSupported = FuseStatus(rawValue: 39)  // ENOTSUP
    public static let range = FuseStatus(rawValue: 40)  // ERANGE
    public static let tryAgain = FuseStatus(rawValue: 45)  // EAGAIN
    public static let interrupted = FuseStatus(rawValue: 46)  // EINTR
    public static let cancelled = FuseStatus(rawValue: 47)  // ECANCELED
    /// ENOENT that the client must not cache (lookup only).
    public static let noEntryNoCache = FuseStatus(rawValue: 48)

    private static let names: [UInt8: String] = [
        0: "OK", 1: "EPERM", 2: "ENOTDIR", 3: "ENOENT", 4: "EACCES", 5: "EEXIST", 6: "EINVAL", 7: "ENOTEMPTY", 8: "CHUNKLOST",
        10: "INDEXTOOBIG", 11: "LOCKED", 13: "NOCHUNK", 14: "CHUNKBUSY", 17: "NOTOPENED", 21: "NOSPACE", 22: "IO", 33: "EROFS", 34: "QUOTA",
        35: "BADSESSIONID", 36: "NOPASSWORD", 37: "BADPASSWORD", 38: "ENOATTR", 39: "ENOTSUP", 40: "ERANGE", 45: "EAGAIN",
        46: "EINTR", 47: "ECANCELED", 48: "ENOENT_NOCACHE",
    ]

    public var description: String { "\(Self.names[rawValue] ?? "status") (\(rawValue))" }
}
