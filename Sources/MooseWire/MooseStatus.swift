/// A MooseFS status byte (`MFS_STATUS_OK`, `MFS_ERROR_*` in `MFSCommunication.h`), as carried by
/// the chunk command replies on 9420 and the read and write statuses on 9422. An enum with the
/// codes the chunkserver protocols use and `other` for the rest, so a code this version does not
/// name survives decoding and re-encodes to the same byte: `MooseStatus(rawValue:)` always picks
/// the named case when there is one, so build values with it (or the named cases), never with
/// `.other` of a named code.
public enum MooseStatus: Hashable, Sendable, CustomStringConvertible {
    case ok  // 0
    case notPermitted  // 1 EPERM
    case invalidArgument  // 6 EINVAL
    case chunkLost  // 8
    case outOfMemory  // 9
    case locked  // 11
    case noChunkservers  // 12
    /// The chunkserver has no such chunk (DELETE counts it as success on the master).
    case noChunk  // 13
    case chunkBusy  // 14
    /// The chunkserver's job queue refused the command: known not to have started.
    case notDone  // 16
    case wrongVersion  // 19
    case chunkExists  // 20
    case noSpace  // 21
    case io  // 22
    case blockNumberTooBig  // 23
    case wrongSize  // 24
    case wrongOffset  // 25
    case cantConnect  // 26
    case wrongChunkID  // 27
    case disconnected  // 28
    case crc  // 29
    case delayed  // 30
    case cantCreatePath  // 31
    case mismatch  // 32
    case tryAgain  // 45 EAGAIN
    /// Any other byte, kept as it came.
    case other(UInt8)

    private static let table: [(MooseStatus, UInt8, String)] = [
        (.ok, 0, "OK"), (.notPermitted, 1, "EPERM"), (.invalidArgument, 6, "EINVAL"), (.chunkLost, 8, "CHUNKLOST"),
        (.outOfMemory, 9, "OUTOFMEMORY"), (.locked, 11, "LOCKED"), (.noChunkservers, 12, "NOCHUNKSERVERS"),
        (.noChunk, 13, "NOCHUNK"), (.chunkBusy, 14, "CHUNKBUSY"), (.notDone, 16, "NOTDONE"),
        (.wrongVersion, 19, "WRONGVERSION"), (.chunkExists, 20, "CHUNKEXIST"), (.noSpace, 21, "NOSPACE"), (.io, 22, "IO"),
        (.blockNumberTooBig, 23, "BNUMTOOBIG"), (.wrongSize, 24, "WRONGSIZE"), (.wrongOffset, 25, "WRONGOFFSET"),
        (.cantConnect, 26, "CANTCONNECT"), (.wrongChunkID, 27, "WRONGCHUNKID"), (.disconnected, 28, "DISCONNECTED"),
        (.crc, 29, "CRC"), (.delayed, 30, "DELAYED"), (.cantCreatePath, 31, "CANTCREATEPATH"), (.mismatch, 32, "MISMATCH"),
        (.tryAgain, 45, "EAGAIN"),
    ]
    private static let byCode: [UInt8: MooseStatus] = Dictionary(uniqueKeysWithValues: table.map { ($0.1, $0.0) })
    private static let codes: [MooseStatus: (UInt8, String)] = Dictionary(uniqueKeysWithValues: table.map { ($0.0, ($0.1, $0.2)) })

    public init(rawValue: UInt8) { self = Self.byCode[rawValue] ?? .other(rawValue) }

    public var rawValue: UInt8 {
        if case .other(let code) = self { return code }
        return Self.codes[self]!.0
    }

    public var description: String {
        if case .other(let code) = self { return "status \(code)" }
        return "\(Self.codes[self]!.1) (\(rawValue))"
    }
}
