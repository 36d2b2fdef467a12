import MFSCore

/// Messages a metalogger or follower sends the master on port 9419 (MooseFS's `MLTOMA`).
///
/// A connection goes (DESIGN §6):
/// 1. peer → `Hello` (role `metalogger` or `follower`, its metaid, the highest epoch it has
///    seen); master → `HelloReply` (with a challenge when `AUTH_CODE` is set).
/// 2. only if the challenge is not empty: peer → `AuthResponse` (HMAC-SHA256 of the challenge
///    keyed with SHA-256 of `AUTH_CODE`, as `PasswordProof`).
/// 3. peer → `PeerRegister`; master → `PeerStart`: stream from a version, download the
///    metadata first, or a refusal with its reason.
/// 4. for a download: master → `MetadataBlock`s, the last one flagged.
/// 5. master → `ChangeBatch`es and, when idle, `MasterAlive`; peer → `PeerAck` once a version
///    is fsynced on its disk, and for a `MasterAlive` that came with no change (the version it
///    holds already), so that the master hears an idle peer too.
public enum PeerToMaster {
    public static let register = MessageType(1020)
    public static let ack = MessageType(1025)

    public static let all: [(MessageType, String)] = [(register, "register"), (ack, "ack")]
}

/// Messages the master sends a metalogger or follower on port 9419 (MooseFS's `MATOML`).
public enum MasterToPeer {
    public static let start = MessageType(1021)
    public static let metadataBlock = MessageType(1022)
    public static let changes = MessageType(1023)
    public static let alive = MessageType(1024)

    public static let all: [(MessageType, String)] = [
        (start, "start"), (metadataBlock, "metadataBlock"), (changes, "changes"), (alive, "alive"),
    ]
}

/// What a peer holds, sent after the hello (`PeerToMaster.register`).
///
/// ```
/// PeerToMaster.register (1020):
///   lastVersion:64 tailEpoch:64 [member:64]
/// ```
/// `lastVersion` is the last change the peer holds (0: nothing, it needs the metadata);
/// `tailEpoch` the epoch that change belongs to, so the master can tell a tail of an older
/// epoch that its own history superseded (DESIGN §3). `member` is the peer's voter id (DESIGN
/// §7.2), absent for a peer that does not vote.
public struct PeerRegister: WireMessage {
    public var lastVersion: MetaVersion
    public var tailEpoch: Epoch
    public var member: MemberID

    public init(lastVersion: MetaVersion, tailEpoch: Epoch, member: MemberID = .none) {
        self.lastVersion = lastVersion
        self.tailEpoch = tailEpoch
        self.member = member
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(PeerToMaster.register)
        writer.write(lastVersion.rawValue)
        writer.write(tailEpoch.rawValue)
        if member != .none { writer.write(member.rawValue) }
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> PeerRegister {
        guard frame.type == PeerToMaster.register else { throw .unexpectedType(frame.type, expected: "a peer register") }
        var reader = PayloadReader(frame)
        let version = try reader.metaVersion("version")
        let epoch = try reader.epoch("epoch")
        let member = reader.remaining >= 8 ? MemberID(try reader.uint64()) : MemberID.none
        try reader.finish()
        // One encoding per value: no member is written as no field, never as 0.
        guard member != .none || frame.payload.count == 16 else { throw reader.malformed("member", "member 0 is written as absent") }
        return PeerRegister(lastVersion: version, tailEpoch: epoch, member: member)
    }
}

/// The master's answer to a `PeerRegister` (`MasterToPeer.start`).
///
/// ```
/// MasterToPeer.start (1021):
///   status:8=0 mode:8=1 resumeAfter:64                      (stream)
///   status:8=0 mode:8=2 version:64 length:64                (download, then stream)
///   status:8 reasonLength:16 reason:UTF-8                   (refused: any status but ok)
/// ```
/// Stream: changes follow from `resumeAfter + 1`. When `resumeAfter` is below the peer's
/// `lastVersion`, the peer's changes after it belong to an older epoch that this master's
/// history superseded: the peer moves them aside and continues from there.
/// Download: `length` bytes of the metadata file at `version` follow in `MetadataBlock`s, then
/// changes from `version + 1`.
public enum PeerStart: WireMessage {
    case stream(resumeAfter: MetaVersion)
    case download(version: MetaVersion, length: UInt64)
    /// Never `ok`; the reason is for the peer's log (at most `WireLimits.maxReasonLength`).
    case refused(WireStatus, reason: String)

    private static let streamMode: UInt8 = 1
    private static let downloadMode: UInt8 = 2

    public func encode() -> [UInt8] {
        var writer = FrameWriter(MasterToPeer.start)
        switch self {
        case .stream(let after):
            writer.write(WireStatus.ok.rawValue)
            writer.write(Self.streamMode)
            writer.write(after.rawValue)
        case .download(let version, let length):
            writer.write(WireStatus.ok.rawValue)
            writer.write(Self.downloadMode)
            writer.write(version.rawValue)
            writer.write(length)
        case .refused(let status, let reason):
            precondition(status != .ok, "a refusal with status ok")
            writer.write(status.rawValue)
            writer.write(longString: Self.cut(reason), limit: WireLimits.maxReasonLength, field: "reason")
        }
        return writer.finish()
    }

    /// `reason`'s UTF-8, cut to `WireLimits.maxReasonLength` bytes on a character boundary.
    static func cut(_ reason: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in reason.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= WireLimits.maxReasonLength else { break }
            bytes += encoded
        }
        return bytes
    }

    public static func decode(_ frame: Frame) throws(WireError) -> PeerStart {
        guard frame.type == MasterToPeer.start else { throw .unexpectedType(frame.type, expected: "a peer start") }
        var reader = PayloadReader(frame)
        let status = WireStatus(rawValue: try reader.uint8())
        let start: PeerStart
        if status == .ok {
            let mode = try reader.uint8()
            switch mode {
            case streamMode: start = .stream(resumeAfter: try reader.metaVersion("resumeAfter"))
            case downloadMode: start = .download(version: try reader.metaVersion("version"), length: try reader.uint64())
            default: throw reader.malformed("mode", "unknown mode \(mode)")
            }
        } else {
            start = .refused(status, reason: try reader.longText("reason", limit: WireLimits.maxReasonLength))
        }
        try reader.finish()
        return start
    }
}

/// One block of the metadata file a peer downloads (`MasterToPeer.metadataBlock`).
///
/// ```
/// MasterToPeer.metadataBlock (1022):
///   offset:64 flags:8 crc:32 length:32 bytes:lengthB       (1…maxMetadataBlockLength bytes)
/// ```
/// `crc` is the CRC-32 of `bytes`; flags 0x01 marks the last block. Blocks come in order.
public struct MetadataBlock: WireMessage {
    public var offset: UInt64
    public var isLast: Bool
    public var bytes: [UInt8]

    private static let lastFlag: UInt8 = 0x01

    public init(offset: UInt64, isLast: Bool, bytes: [UInt8]) {
        self.offset = offset
        self.isLast = isLast
        self.bytes = bytes
    }

    public func encode() -> [UInt8] {
        precondition(!bytes.isEmpty && bytes.count <= WireLimits.maxMetadataBlockLength, "metadata block of \(bytes.count) bytes")
        var writer = FrameWriter(MasterToPeer.metadataBlock, capacity: bytes.count + 32)
        writer.write(offset)
        writer.write(isLast ? Self.lastFlag : 0)
        writer.write(CRC32.checksum(bytes))
        writer.write(UInt32(bytes.count))
        writer.write(bytes: bytes)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> MetadataBlock {
        guard frame.type == MasterToPeer.metadataBlock else { throw .unexpectedType(frame.type, expected: "a metadata block") }
        var reader = PayloadReader(frame)
        let offset = try reader.uint64()
        let flags = try reader.flags("flags", allowed: lastFlag)
        let crc = try reader.uint32()
        let length = Int(try reader.uint32())
        guard length >= 1, length <= WireLimits.maxMetadataBlockLength else {
            throw reader.malformed("length", "\(length) bytes; a block holds 1…\(WireLimits.maxMetadataBlockLength)")
        }
        let bytes = try reader.bytes(length)
        try reader.finish()
        guard CRC32.checksum(bytes) == crc else { throw reader.malformed("crc", "the block at offset \(offset) does not match its CRC") }
        return MetadataBlock(offset: offset, isLast: flags == lastFlag, bytes: bytes)
    }
}

/// Consecutive changelog lines (`MasterToPeer.changes`), exactly as the changelog holds them.
///
/// ```
/// MasterToPeer.changes (1023):
///   firstVersion:64 count:32 textLength:32 text:textLengthB
/// ```
/// `text` is `count` lines, each ending in `\n`, with versions `firstVersion` … `firstVersion +
/// count - 1` (the peer parses and checks them). At most `WireLimits.maxChangeBatchBytes`.
public struct ChangeBatch: WireMessage {
    public var firstVersion: MetaVersion
    public var count: UInt32
    public var text: [UInt8]

    public init(firstVersion: MetaVersion, count: UInt32, text: [UInt8]) {
        self.firstVersion = firstVersion
        self.count = count
        self.text = text
    }

    public var lastVersion: MetaVersion { MetaVersion(firstVersion.rawValue + UInt64(count) - 1) }

    public func encode() -> [UInt8] {
        precondition(
            count > 0 && firstVersion.rawValue >= 1 && text.last == 0x0A && text.count <= WireLimits.maxChangeBatchBytes,
            "a change batch of \(count) lines from \(firstVersion) in \(text.count) bytes")
        var writer = FrameWriter(MasterToPeer.changes, capacity: text.count + 24)
        writer.write(firstVersion.rawValue)
        writer.write(count)
        writer.write(UInt32(text.count))
        writer.write(bytes: text)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> ChangeBatch {
        guard frame.type == MasterToPeer.changes else { throw .unexpectedType(frame.type, expected: "a change batch") }
        var reader = PayloadReader(frame)
        let first = try reader.metaVersion("first")
        let count = try reader.uint32()
        let length = Int(try reader.uint32())
        guard count >= 1 else { throw reader.malformed("count", "an empty batch") }
        guard first.rawValue >= 1, first.rawValue - 1 + UInt64(count) <= MetaVersion.maximum.rawValue else {
            throw reader.malformed("firstVersion", "versions \(first) + \(count) are out of range")
        }
        guard length <= WireLimits.maxChangeBatchBytes else {
            throw reader.malformed("textLength", "\(length) bytes; the limit is \(WireLimits.maxChangeBatchBytes)")
        }
        // A change is a line of at least two bytes (a character and its newline): a count the
        // text cannot hold is refused before anyone sizes anything by it.
        guard UInt64(count) * 2 <= UInt64(length) else {
            throw reader.malformed("count", "\(count) changes cannot fit in \(length) bytes of text")
        }
        let text = try reader.bytes(length)
        try reader.finish()
        guard text.last == 0x0A else { throw reader.malformed("text", "does not end with a newline") }
        return ChangeBatch(firstVersion: first, count: count, text: text)
    }
}

/// The master's heartbeat while no change flows (`MasterToPeer.alive`), so that a peer can
/// tell a quiet master from a dead one.
///
/// ```
/// MasterToPeer.alive (1024):
///   version:64 epoch:64
/// ```
public struct MasterAlive: WireMessage {
    public var version: MetaVersion
    public var epoch: Epoch

    public init(version: MetaVersion, epoch: Epoch) {
        self.version = version
        self.epoch = epoch
    }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(MasterToPeer.alive)
        writer.write(version.rawValue)
        writer.write(epoch.rawValue)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> MasterAlive {
        guard frame.type == MasterToPeer.alive else { throw .unexpectedType(frame.type, expected: "a master heartbeat") }
        var reader = PayloadReader(frame)
        let version = try reader.metaVersion("version")
        let epoch = try reader.epoch("epoch")
        try reader.finish()
        return MasterAlive(version: version, epoch: epoch)
    }
}

/// A peer's acknowledgement (`PeerToMaster.ack`): every change up to `version` is fsynced on
/// its disk.
///
/// ```
/// PeerToMaster.ack (1025):
///   version:64
/// ```
public struct PeerAck: WireMessage {
    public var version: MetaVersion

    public init(version: MetaVersion) { self.version = version }

    public func encode() -> [UInt8] {
        var writer = FrameWriter(PeerToMaster.ack)
        writer.write(version.rawValue)
        return writer.finish()
    }

    public static func decode(_ frame: Frame) throws(WireError) -> PeerAck {
        guard frame.type == PeerToMaster.ack else { throw .unexpectedType(frame.type, expected: "a peer ack") }
        var reader = PayloadReader(frame)
        let version = try reader.metaVersion("version")
        try reader.finish()
        return PeerAck(version: version)
    }
}
