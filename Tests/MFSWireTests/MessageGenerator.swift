import MFSCore
import MFSWire

@testable import MFSMetadata

/// Random valid messages of every kind from a seed. Sizes lean small (so that 100,000 fuzz
/// cases stay fast) but reach every limit now and then.
struct MessageGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    static let requestKinds = 23
    static let replyKinds = 20
    static let peerKinds = 6

    // MARK: scalars

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func u8() -> UInt8 { UInt8.random(in: .min ... .max, using: &rng) }
    mutating func u16() -> UInt16 { UInt16.random(in: .min ... .max, using: &rng) }
    mutating func u32() -> UInt32 { edgy(UInt32.random(in: .min ... .max, using: &rng)) }
    mutating func u64() -> UInt64 { edgy(UInt64.random(in: .min ... .max, using: &rng)) }

    /// An epoch or a version as the decoders take them: at most `Epoch.maximum` and
    /// `MetaVersion.maximum`, the edges included.
    mutating func epoch() -> Epoch { Epoch(bounded(Epoch.maximum.rawValue)) }
    mutating func metaVersion() -> MetaVersion { MetaVersion(bounded(MetaVersion.maximum.rawValue)) }

    private mutating func bounded(_ limit: UInt64) -> UInt64 {
        switch int(0...9) {
        case 0: 0
        case 1: 1
        case 2: limit
        default: UInt64.random(in: 0...limit, using: &rng)
        }
    }

    /// Mostly `value`, sometimes 0, 1 or the maximum: the values that break arithmetic.
    private mutating func edgy<T: FixedWidthInteger>(_ value: T) -> T {
        switch int(0...9) {
        case 0: 0
        case 1: 1
        case 2: T.max
        default: value
        }
    }

    /// A length that is usually short and sometimes anything up to `limit`.
    mutating func length(_ range: ClosedRange<Int>) -> Int {
        switch int(0...9) {
        case 0: range.upperBound
        case 1...6: int(range.lowerBound...min(range.upperBound, range.lowerBound + 16))
        default: int(range)
        }
    }

    mutating func bytes(_ range: ClosedRange<Int>) -> [UInt8] { (0..<length(range)).map { _ in u8() } }

    // MARK: fields

    /// A valid entry name: any bytes 1…255 but `/`, not `.` or `..`.
    mutating func name() -> EntryName {
        while true {
            let bytes = (0..<length(1...EntryName.maxLength)).map { _ in
                var byte: UInt8 = 0x2F
                while byte == 0x2F { byte = UInt8.random(in: 1...255, using: &rng) }
                return byte
            }
            if let name = try? EntryName(validating: bytes) { return name }
        }
    }

    /// UTF-8 text of at most `limit` bytes, mixing 1-, 2-, 3- and 4-byte characters.
    mutating func text(limit: Int) -> String {
        let pieces = ["a", "Z", "0", ".", "/", "-", "é", "ß", "中", "文", "😀", "\u{7F}"]
        let target = length(0...limit)
        var text = ""
        while true {
            let piece = pieces[int(0...pieces.count - 1)]
            if text.utf8.count + piece.utf8.count > target { return text }
            text += piece
        }
    }

    mutating func credentials() -> Credentials {
        Credentials(uid: u32(), gid: u32(), groups: (0..<length(0...WireLimits.maxGroups)).map { _ in u32() })
    }

    mutating func nodeType() -> NodeType { NodeType.allCases[int(0...NodeType.allCases.count - 1)] }

    mutating func attributes() -> Attributes {
        Attributes(
            inode: InodeID(u32()), type: nodeType(), mode: u16(), uid: u32(), gid: u32(), atime: UnixTime(u32()),
            mtime: UnixTime(u32()), ctime: UnixTime(u32()), nlink: u32(), length: u64(), goal: u8(), rdev: u32())
    }

    mutating func time() -> TimeUpdate? {
        switch int(0...2) {
        case 0: nil
        case 1: .now
        default: .set(UnixTime(u32()))
        }
    }

    mutating func changes() -> AttributeChanges {
        AttributeChanges(
            mode: bool() ? u16() : nil, uid: bool() ? u32() : nil, gid: bool() ? u32() : nil, atime: time(), mtime: time())
    }

    mutating func entry() -> DirectoryListingEntry {
        DirectoryListingEntry(name: name(), inode: InodeID(u32()), type: nodeType(), cookie: u64())
    }

    /// A location for a read or a write; a hole now and then (with no servers).
    mutating func chunkLocation() -> ChunkLocation {
        let chunk = int(0...9) == 0 ? ChunkID.none : ChunkID(max(1, u64()))
        let count = chunk == .none ? 0 : length(0...WireLimits.maxChunkLocations)
        let servers = (0..<count).map { _ in ChunkserverAddress(ip: u32(), port: u16()) }
        return ChunkLocation(access: bool() ? .read : .write, fileLength: u64(), chunk: chunk, version: u32(), servers: servers)
    }

    mutating func chunk() -> ChunkInfo { ChunkInfo(index: u32(), chunk: ChunkID(u64()), version: u32()) }

    /// A page of `count` items, usually a handful; `full` pages come rarely (they are big).
    mutating func pageCount(limit: Int) -> Int { int(0...49) == 0 ? int(0...limit) : int(0...6) }

    // MARK: handshake

    mutating func hello() -> Hello {
        let role = PeerRole.allCases[int(0...PeerRole.allCases.count - 1)]
        let client =
            role == .client
            ? ClientHello(
                clientVersion: text(limit: WireLimits.maxVersionStringLength),
                mountPath: text(limit: WireLimits.maxMountPathLength),
                resumeSession: bool() ? nil : SessionID(UInt32.random(in: 1...UInt32.max, using: &rng)))
            : nil
        return Hello(
            protocolVersion: ProtocolVersion(major: 1, minor: u8()), role: role, metaID: MetaID(u64()), epoch: epoch(),
            client: client)
    }

    mutating func helloReply() -> HelloReply {
        HelloReply(
            protocolVersion: ProtocolVersion(major: 1, minor: u8()), role: MasterRole.allCases[int(0...2)],
            metaID: MetaID(u64()), epoch: epoch(), metaVersion: metaVersion(),
            softwareVersion: text(limit: WireLimits.maxVersionStringLength),
            challenge: bytes(0...WireLimits.maxChallengeLength))
    }

    mutating func authResponse() -> AuthResponse { AuthResponse(response: bytes(1...WireLimits.maxAuthResponseLength)) }

    mutating func sessionReply() -> SessionReply {
        if bool() {
            return .refused(WireStatus(rawValue: UInt8.random(in: 1...255, using: &rng)))
        }
        return .established(
            SessionGrant(session: SessionID(u32()), readOnly: bool(), root: InodeID(u32()), rootUID: u32(), rootGID: u32()))
    }

    // MARK: requests and replies

    mutating func request(kind: Int) -> ClientRequest {
        let id = RequestID(u64())
        switch kind {
        case 0: return .info(id)
        case 1: return .lookup(id, credentials(), parent: InodeID(u32()), name: name())
        case 2: return .getAttributes(id, inode: InodeID(u32()))
        case 3: return .setAttributes(id, credentials(), inode: InodeID(u32()), changes: changes())
        case 4: return .readlink(id, inode: InodeID(u32()))
        case 5:
            return .symlink(
                id, credentials(), parent: InodeID(u32()), name: name(), target: bytes(0...WireLimits.maxSymlinkTargetLength))
        case 6:
            let types: [NodeType] = [.file, .fifo, .socket, .blockDevice, .charDevice]
            return .mknod(
                id, credentials(), parent: InodeID(u32()), name: name(), type: types[int(0...4)], mode: u16(), rdev: u32())
        case 7: return .mkdir(id, credentials(), parent: InodeID(u32()), name: name(), mode: u16())
        case 8: return .unlink(id, credentials(), parent: InodeID(u32()), name: name())
        case 9: return .rmdir(id, credentials(), parent: InodeID(u32()), name: name())
        case 10:
            return .rename(id, credentials(), parent: InodeID(u32()), name: name(), newParent: InodeID(u32()), newName: name())
        case 11: return .link(id, credentials(), inode: InodeID(u32()), newParent: InodeID(u32()), newName: name())
        case 12:
            return .readdir(
                id, credentials(), inode: InodeID(u32()), cookie: u64(), maxEntries: length(1...WireLimits.maxReaddirEntries))
        case 13: return .open(id, credentials(), inode: InodeID(u32()), flags: OpenFlags(rawValue: UInt8(int(0...7))))
        case 14: return .release(id, credentials(), inode: InodeID(u32()))
        case 15: return .getGoal(id, inode: InodeID(u32()))
        case 16: return .setGoal(id, credentials(), inode: InodeID(u32()), goal: u8(), recursive: bool())
        case 17: return .setLength(id, credentials(), inode: InodeID(u32()), length: u64(), opened: bool())
        case 18: return .chunks(id, inode: InodeID(u32()), firstIndex: u32(), maxChunks: length(1...WireLimits.maxChunksPerReply))
        case 19: return .closeSession(id)
        case 20: return .readChunk(id, inode: InodeID(u32()), index: u32())
        case 21: return .writeChunk(id, credentials(), inode: InodeID(u32()), index: u32())
        default: return .writeChunkEnd(id, credentials(), inode: InodeID(u32()), chunk: ChunkID(u64()), length: u64())
        }
    }

    mutating func reply(kind: Int) -> MasterReply {
        let id = RequestID(u64())
        switch kind {
        case 0:
            let address = text(limit: WireLimits.maxAddressLength)
            return .status(id, WireStatus(rawValue: u8()), activeMaster: address.isEmpty ? nil : address)
        case 1:
            return .info(
                id,
                MasterInfo(
                    totalBytes: u64(), availableBytes: u64(), inodeCount: u64(), chunkCount: u64(), metaVersion: metaVersion()))
        case 2: return .lookup(id, attributes())
        case 3: return .getAttributes(id, attributes())
        case 4: return .setAttributes(id, attributes())
        case 5: return .readlink(id, target: bytes(0...WireLimits.maxSymlinkTargetLength))
        case 6: return .symlink(id, attributes())
        case 7: return .mknod(id, attributes())
        case 8: return .mkdir(id, attributes())
        case 9: return .unlink(id, removed: InodeID(u32()))
        case 10: return .rmdir(id, removed: InodeID(u32()))
        case 11: return .rename(id, moved: InodeID(u32()))
        case 12: return .link(id, attributes())
        case 13:
            let count = pageCount(limit: WireLimits.maxReaddirEntries)
            return .readdir(id, entries: (0..<count).map { _ in entry() }, atEnd: bool())
        case 14: return .open(id, attributes())
        case 15: return .getGoal(id, goal: u8())
        case 16: return .setGoal(id, changed: u64())
        case 17: return .setLength(id, attributes())
        case 18:
            let count = pageCount(limit: WireLimits.maxChunksPerReply)
            return .chunks(id, (0..<count).map { _ in chunk() }, atEnd: bool())
        default:
            return .chunkLocation(id, chunkLocation())
        }
    }

    // MARK: port 9419

    mutating func peerStart() -> PeerStart {
        switch int(0...2) {
        case 0: return .stream(resumeAfter: metaVersion())
        case 1: return .download(version: metaVersion(), length: u64())
        default:
            return .refused(
                WireStatus(rawValue: UInt8.random(in: 1...255, using: &rng)), reason: text(limit: WireLimits.maxReasonLength))
        }
    }

    /// A block, usually small: a full one (512 KiB) comes rarely.
    mutating func metadataBlock() -> MetadataBlock {
        let size = int(0...49) == 0 ? int(1...WireLimits.maxMetadataBlockLength) : length(1...64)
        return MetadataBlock(offset: u64(), isLast: bool(), bytes: (0..<size).map { _ in u8() })
    }

    /// A batch whose versions stay in range, whose text ends in a newline and has two bytes
    /// a change at least (the decoder checks no more: the peer parses the lines). A long one
    /// comes rarely.
    mutating func changeBatch() -> ChangeBatch {
        let size = int(0...49) == 0 ? int(1...WireLimits.maxChangeBatchBytes - 1) : length(1...64)
        let count = UInt32(int(1...(size + 1) / 2))
        // The batch ends at MetaVersion.maximum at the latest.
        let first = MetaVersion(max(1, min(metaVersion().rawValue, MetaVersion.maximum.rawValue + 1 - UInt64(count))))
        return ChangeBatch(firstVersion: first, count: count, text: (0..<size).map { _ in u8() } + [0x0A])
    }

    mutating func peerMessage(kind: Int) -> AnyMessage {
        switch kind {
        case 0: .peerRegister(PeerRegister(lastVersion: metaVersion(), tailEpoch: epoch()))
        case 1: .peerStart(peerStart())
        case 2: .metadataBlock(metadataBlock())
        case 3: .changeBatch(changeBatch())
        case 4: .masterAlive(MasterAlive(version: metaVersion(), epoch: epoch()))
        default: .peerAck(PeerAck(version: metaVersion()))
        }
    }

    /// Any valid message.
    mutating func message() -> AnyMessage {
        switch int(0...23) {
        case 0: .hello(hello())
        case 1: .helloReply(helloReply())
        case 2: .auth(authResponse())
        case 3: .session(sessionReply())
        case 4...11: .request(request(kind: int(0...Self.requestKinds - 1)))
        case 12...19: .reply(reply(kind: int(0...Self.replyKinds - 1)))
        default: peerMessage(kind: int(0...Self.peerKinds - 1))
        }
    }
}
