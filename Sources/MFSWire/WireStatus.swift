import MFSCore

/// The outcome code of a request on the wire: one byte. A struct, not an enum, so that a code
/// a newer peer sends survives decoding (it reads as `unknown`-like through `isKnown == false`
/// and keeps its number for the log) instead of failing the whole reply.
///
/// Codes that MooseFS has keep MooseFS's number (`MFSCommunication.h`: `ERROR_ENOENT` is 3,
/// `ERROR_BADSESSIONID` is 35, `ERROR_ENOATTR` (Linux's ENODATA) is 38); swift-mfs's own errno
/// codes are numbered from 64, protocol-level codes from 96.
public struct WireStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ok = WireStatus(rawValue: 0)

    // MARK: errno codes, MooseFS numbers
    public static let notPermitted = WireStatus(rawValue: 1)  // EPERM
    public static let notDirectory = WireStatus(rawValue: 2)  // ENOTDIR
    public static let noEntry = WireStatus(rawValue: 3)  // ENOENT
    public static let accessDenied = WireStatus(rawValue: 4)  // EACCES
    public static let exists = WireStatus(rawValue: 5)  // EEXIST
    public static let invalidArgument = WireStatus(rawValue: 6)  // EINVAL
    public static let notEmpty = WireStatus(rawValue: 7)  // ENOTEMPTY
    /// No copy of the chunk is on any chunkserver, and every one the master knows is connected
    /// (MooseFS `ERROR_CHUNKLOST`; mfsmount retries it, then fails with ENXIO).
    public static let chunkLost = WireStatus(rawValue: 8)
    /// Another write holds the chunk's lock (MooseFS `ERROR_LOCKED`): retry after a pause.
    public static let locked = WireStatus(rawValue: 11)
    /// No chunkserver can take a new chunk now, maybe only for a while: none is connected, or
    /// one the metadata knows is still away (MooseFS `ERROR_NOCHUNKSERVERS`; mfsmount retries
    /// it, then fails with ENOSPC). With every chunkserver connected and none with space, the
    /// answer is `noSpace`.
    public static let noChunkservers = WireStatus(rawValue: 12)
    /// The chunk is busy with a chunkserver operation (MooseFS `ERROR_CHUNKBUSY`): retry.
    public static let chunkBusy = WireStatus(rawValue: 14)
    public static let noSpace = WireStatus(rawValue: 21)  // ENOSPC
    public static let ioError = WireStatus(rawValue: 22)  // EIO
    public static let readOnly = WireStatus(rawValue: 33)  // EROFS
    public static let badSession = WireStatus(rawValue: 35)  // the session is not known
    /// The client's answer to the password challenge was wrong (MooseFS `ERROR_BADPASSWORD`).
    public static let badPassword = WireStatus(rawValue: 37)
    public static let noData = WireStatus(rawValue: 38)  // ENODATA (ENOATTR)
    /// No copy of the chunk is on a connected chunkserver while one that may hold it is away
    /// (MooseFS `ERROR_CSNOTPRESENT`): retry, the copy comes back with its server.
    public static let chunkserverAbsent = WireStatus(rawValue: 43)
    /// Not now (MooseFS `ERROR_EAGAIN`): after a failover the master waited its bounded time
    /// for chunkservers to register and still has too few; retry.
    public static let tryAgain = WireStatus(rawValue: 45)

    // MARK: errno codes MooseFS has no number for
    public static let isDirectory = WireStatus(rawValue: 64)  // EISDIR
    public static let crossDevice = WireStatus(rawValue: 65)  // EXDEV
    public static let fileTooLarge = WireStatus(rawValue: 66)  // EFBIG
    public static let tooManyLinks = WireStatus(rawValue: 67)  // EMLINK
    public static let nameTooLong = WireStatus(rawValue: 68)  // ENAMETOOLONG
    public static let tooManyLevels = WireStatus(rawValue: 69)  // ELOOP
    /// A retried request older than the session's request memory: it may have been applied.
    public static let requestExpired = WireStatus(rawValue: 70)

    // MARK: protocol level
    /// This master is a follower or fenced and takes no writes. A `MasterReply.status` with
    /// this code carries the active master's address when this master knows it.
    public static let notActive = WireStatus(rawValue: 96)
    /// The peer's epoch is higher than this master's: this master is stale and fences itself.
    public static let staleEpoch = WireStatus(rawValue: 97)
    /// The peer's metaid is not this cluster's: it belongs to another cluster.
    public static let wrongMetaID = WireStatus(rawValue: 98)
    /// An error the sender has no better code for.
    public static let unknown = WireStatus(rawValue: 255)

    /// Every code this version defines, with its name.
    public static let known: [WireStatus: String] = [
        .ok: "ok", .notPermitted: "EPERM", .notDirectory: "ENOTDIR", .noEntry: "ENOENT",
        .accessDenied: "EACCES", .exists: "EEXIST", .invalidArgument: "EINVAL", .notEmpty: "ENOTEMPTY",
        .chunkLost: "chunk lost", .chunkserverAbsent: "chunkserver not present",
        .locked: "chunk locked", .noChunkservers: "no chunkservers", .chunkBusy: "chunk busy", .tryAgain: "EAGAIN",
        .noSpace: "ENOSPC", .ioError: "EIO", .readOnly: "EROFS", .badSession: "bad session",
        .badPassword: "bad password", .noData: "ENODATA", .isDirectory: "EISDIR", .crossDevice: "EXDEV",
        .fileTooLarge: "EFBIG", .tooManyLinks: "EMLINK", .nameTooLong: "ENAMETOOLONG", .tooManyLevels: "ELOOP",
        .requestExpired: "request expired", .notActive: "not active", .staleEpoch: "stale epoch",
        .wrongMetaID: "wrong metaid", .unknown: "unknown error",
    ]

    /// Whether a client should retry the request after a pause (a chunk's write lock, a busy
    /// chunk, a master still waiting for chunkservers) rather than fail it.
    public var isRetryable: Bool { self == .locked || self == .chunkBusy || self == .tryAgain }

    /// Whether this version defines the code.
    public var isKnown: Bool { WireStatus.known[self] != nil }

    public var description: String { WireStatus.known[self] ?? "status \(rawValue)" }
}

extension WireStatus {
    /// The code for a namespace error.
    public init(_ error: FSError) {
        switch error {
        case .notPermitted: self = .notPermitted
        case .noEntry: self = .noEntry
        case .ioError: self = .ioError
        case .accessDenied: self = .accessDenied
        case .exists: self = .exists
        case .crossDevice: self = .crossDevice
        case .notDirectory: self = .notDirectory
        case .isDirectory: self = .isDirectory
        case .invalidArgument: self = .invalidArgument
        case .fileTooLarge: self = .fileTooLarge
        case .noSpace: self = .noSpace
        case .readOnly: self = .readOnly
        case .tooManyLinks: self = .tooManyLinks
        case .nameTooLong: self = .nameTooLong
        case .notEmpty: self = .notEmpty
        case .tooManyLevels: self = .tooManyLevels
        case .noData: self = .noData
        case .requestExpired: self = .requestExpired
        case .badSession: self = .badSession
        }
    }

    /// The namespace error this code stands for; nil for `ok`, the protocol-level codes and
    /// codes this version does not know (a client answers those with EIO).
    public var fsError: FSError? { WireStatus.errors[self] }

    private static let errors: [WireStatus: FSError] = {
        var errors: [WireStatus: FSError] = [:]
        for error in FSError.allCases { errors[WireStatus(error)] = error }
        return errors
    }()
}
