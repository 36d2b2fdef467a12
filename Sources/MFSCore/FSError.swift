/// The POSIX errors a metadata operation can fail with. Raw values are Linux errno numbers, so
/// they map straight to FUSE replies and wire status codes.
public enum FSError: Int32, Error, Sendable, CaseIterable, CustomStringConvertible {
    case notPermitted = 1  // EPERM
    case noEntry = 2  // ENOENT
    case ioError = 5  // EIO
    case accessDenied = 13  // EACCES
    case exists = 17  // EEXIST
    case crossDevice = 18  // EXDEV
    case notDirectory = 20  // ENOTDIR
    case isDirectory = 21  // EISDIR
    case invalidArgument = 22  // EINVAL
    case fileTooLarge = 27  // EFBIG
    case noSpace = 28  // ENOSPC
    case readOnly = 30  // EROFS
    case tooManyLinks = 31  // EMLINK
    case nameTooLong = 36  // ENAMETOOLONG
    case notEmpty = 39  // ENOTEMPTY
    case tooManyLevels = 40  // ELOOP
    case noData = 61  // ENODATA
    /// A retried request older than the per-session request memory: it may or may not have been
    /// applied, so the client must find out instead of retrying blindly. Not an errno.
    case requestExpired = 10_001
    /// The session is not known (closed, or never opened). Not an errno.
    case badSession = 10_002

    public var description: String {
        switch self {
        case .notPermitted: "EPERM (operation not permitted)"
        case .noEntry: "ENOENT (no such file or directory)"
        case .ioError: "EIO (input/output error)"
        case .accessDenied: "EACCES (permission denied)"
        case .exists: "EEXIST (file exists)"
        case .crossDevice: "EXDEV (cross-device link)"
        case .notDirectory: "ENOTDIR (not a directory)"
        case .isDirectory: "EISDIR (is a directory)"
        case .invalidArgument: "EINVAL (invalid argument)"
        case .fileTooLarge: "EFBIG (file too large)"
        case .noSpace: "ENOSPC (no space left)"
        case .readOnly: "EROFS (read-only)"
        case .tooManyLinks: "EMLINK (too many links)"
        case .nameTooLong: "ENAMETOOLONG (file name too long)"
        case .notEmpty: "ENOTEMPTY (directory not empty)"
        case .tooManyLevels: "ELOOP (too many levels)"
        case .noData: "ENODATA (no data)"
        case .requestExpired: "request expired (older than the session's request memory)"
        case .badSession: "unknown session"
        }
    }
}
