import MFSChangelog
import MFSCore
import MFSTestSupport
import Testing

/// The shared seeded generator (MFSTestSupport.SeededRandom, SplitMix64).
typealias SplitMix64 = SeededRandom

/// The error `line` fails to parse with, or nil if it parses.
func parseError(_ line: String) -> ChangelogParseError? {
    parseError(Array(line.utf8))
}

func parseError(_ line: [UInt8]) -> ChangelogParseError? {
    do {
        _ = try ChangelogCodec.parse(line)
        return nil
    } catch {
        return error
    }
}

/// Bytes as text for test names and failure messages: printable ASCII as is, the rest `\xNN`.
func printableLine(_ bytes: some Sequence<UInt8>) -> String {
    var text = ""
    for byte in bytes {
        if byte >= 32 && byte < 127 {
            text.unicodeScalars.append(UnicodeScalar(byte))
        } else {
            text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
    }
    return text
}

/// A formatted line without its `\n`, as parse takes it.
func formattedLine(_ record: ChangelogRecord) -> [UInt8] {
    let bytes = ChangelogCodec.format(record)
    #expect(bytes.last == UInt8(ascii: "\n"))
    return Array(bytes.dropLast())
}

/// A record of `change` at a fixed version and time, with the result its operation needs.
func record(_ change: Change, version: UInt64 = 7, time: UInt32 = 1_795_315_206, result: UInt64? = nil, request: RequestTag? = nil)
    -> ChangelogRecord
{
    let needed = change.operation.hasResult ? (result ?? 17) : nil
    return ChangelogRecord(version: MetaVersion(version), time: UnixTime(time), change: change, result: needed, request: request)
}

/// Random valid records, biased toward the edges (0, maximum values, escaped bytes, long names).
struct RecordGenerator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func uint64() -> UInt64 {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: 0
        case 1: .max
        case 2: UInt64.random(in: 0..<10, using: &rng)
        case 3: UInt64.random(in: 0...UInt64(UInt32.max), using: &rng)
        default: rng.next() >> UInt64.random(in: 0..<64, using: &rng)
        }
    }

    mutating func uint32() -> UInt32 { UInt32(truncatingIfNeeded: uint64() >> (Bool.random(using: &rng) ? 32 : 0)) }
    mutating func uint16() -> UInt16 { UInt16(truncatingIfNeeded: uint64()) }

    /// Bytes from `alphabet`-style ranges: mostly printable, some needing escapes.
    mutating func bytes(count: Int, allowed: (UInt8) -> Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let byte: UInt8 =
                Bool.random(using: &rng)
                ? UInt8.random(in: 32...126, using: &rng) : UInt8.random(in: 0...255, using: &rng)
            if allowed(byte) { out.append(byte) }
        }
        return out
    }

    mutating func length(max: Int) -> Int {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: max
        case 1: Int.random(in: 0...max, using: &rng)
        default: Int.random(in: 0...min(max, 16), using: &rng)
        }
    }

    mutating func name() -> EntryName {
        while true {
            let bytes = bytes(count: Swift.max(1, length(max: EntryName.maxLength))) { $0 != 0 && $0 != UInt8(ascii: "/") }
            if let name = try? EntryName(validating: bytes) { return name }
        }
    }

    mutating func target() -> [UInt8] { bytes(count: length(max: ChangelogLimits.maxSymlinkTargetLength)) { $0 != 0 } }
    mutating func info() -> [UInt8] { bytes(count: length(max: ChangelogLimits.maxSessionInfoLength)) { _ in true } }
    mutating func inode() -> InodeID { InodeID(uint32()) }
    mutating func session() -> SessionID { SessionID(uint32()) }

    mutating func change() -> Change {
        switch ChangelogOperation.allCases.randomElement(using: &rng)! {
        case .setMetaID: .setMetaID(MetaID(uint64()))
        case .epoch: .epoch(Epoch(uint64() % (Epoch.maximum.rawValue + 1)))
        case .idle: .idle
        case .checksum: .checksum(uint64())
        case .create:
            .create(
                parent: inode(), name: name(), type: NodeType.allCases.randomElement(using: &rng)!, mode: uint16(), uid: uint32(),
                gid: uint32(), rdev: uint32())
        case .symlink: .symlink(parent: inode(), name: name(), target: target(), uid: uint32(), gid: uint32())
        case .link: .link(inode: inode(), parent: inode(), name: name())
        case .unlink: .unlink(parent: inode(), name: name())
        case .rmdir: .rmdir(parent: inode(), name: name())
        case .rename: .rename(parent: inode(), name: name(), newParent: inode(), newName: name())
        case .setAttributes:
            .setAttributes(
                inode: inode(), mode: uint16(), uid: uint32(), gid: uint32(), atime: UnixTime(uint32()), mtime: UnixTime(uint32()))
        case .setLength: .setLength(inode: inode(), length: uint64())
        case .setGoal: .setGoal(inode: inode(), goal: UInt8(truncatingIfNeeded: uint64()), recursive: Bool.random(using: &rng))
        case .addChunk: .addChunk(inode: inode(), index: uint32())
        case .bumpChunkVersion: .bumpChunkVersion(chunk: ChunkID(uint64()))
        case .openSession: .openSession(info: info())
        case .closeSession: .closeSession(session())
        case .sessionLost: .sessionLost(session())
        case .sessionBack: .sessionBack(session())
        case .acquire: .acquire(inode: inode(), session: session())
        case .release: .release(inode: inode(), session: session())
        case .voters: .voters(voterSet())
        case .chunkserver: .chunkserver(ChunkserverID(uint16()), ChunkserverAddress(ip: uint32(), port: uint16()))
        case .chunkserverRemoved: .chunkserverRemoved(ChunkserverID(uint16()))
        case .flock: .flock(inode: inode(), session: session(), owner: uint64(), LockChange.allCases.randomElement(using: &rng)!)
        case .posixLock:
            .posixLock(
                inode: inode(), session: session(), owner: uint64(), LockChange.allCases.randomElement(using: &rng)!, start: uint64(),
                end: uint64(), pid: uint32())
        }
    }

    /// Any set the format holds (the codec does not check what the namespace does, such as the
    /// leader being a master).
    mutating func voterSet() -> VoterSet {
        var members: [MemberID: MemberKind] = [:]
        for _ in 0..<length(max: ChangelogLimits.maxVoters) {
            members[MemberID(uint64())] = MemberKind.allCases.randomElement(using: &rng)!
        }
        return VoterSet(
            syncReplicas: Int.random(in: 0...ChangelogLimits.maxSyncReplicas, using: &rng), leader: MemberID(uint64()), members: members)
    }

    mutating func record() -> ChangelogRecord {
        let change = change()
        let tag = Bool.random(using: &rng) ? RequestTag(session: session(), request: RequestID(uint64())) : nil
        return ChangelogRecord(
            version: MetaVersion(uint64()), time: UnixTime(uint32()), change: change,
            result: change.operation.hasResult ? uint64() : nil, request: tag)
    }
}
