import MFSChangelog
import MFSCore
import MFSMetadata

/// Seeded random metadata operations of every kind, applied to a namespace through its public
/// API, as a client population would make them. Failed operations (EEXIST, ENOENT, EACCES…) are
/// part of the mix: they change nothing and produce no record.
public struct RandomWorkload: Sendable {
    public var rng: SeededRandom
    public private(set) var now: UnixTime
    private var directories: [InodeID] = [.root]
    private var entries: [(InodeID, EntryName)] = []
    private var files: [InodeID] = []
    private var chunks: [ChunkID] = []
    private var sessions: [SessionID] = []
    private var opens: [(InodeID, SessionID)] = []
    private var nextRequest: [SessionID: UInt64] = [:]
    /// Every this many records, a `CHECKSUM` change is added.
    public var checksumInterval: Int
    private var recordsSinceChecksum = 0
    /// Bytes for names: mostly a small alphabet (so names collide), sometimes any byte but `/`.
    private static let alphabet = Array("abcdefgh".utf8)
    private static let users = [Credentials.root, Credentials(uid: 1000, gid: 1000), Credentials(uid: 1001, gid: 100, groups: [1000])]

    /// Which operations, how often.
    public enum Mix: Sendable {
        /// Every operation often, failures included: for tests, to cover every path.
        case coverage
        /// What a client population mostly does (creates, writes, opens, attribute changes,
        /// renames, unlinks), with rare sessions, goals and epochs, and no voter changes: for
        /// benchmarks.
        case typical
        /// Creates only (files, one in eight a directory): to build a large namespace fast.
        case grow
    }

    public var mix: Mix

    public init(seed: UInt64, start: UnixTime = UnixTime(1_795_315_206), checksumInterval: Int = 500, mix: Mix = .coverage) {
        rng = SeededRandom(seed: seed)
        now = start
        self.checksumInterval = checksumInterval
        self.mix = mix
    }

    /// Weights per thousand for `.typical`, keyed by the first roll of each operation below.
    private static let typicalWeights: [(roll: UInt64, perMille: UInt64)] = [
        (0, 250), (22, 10), (26, 10), (30, 80), (40, 4), (45, 80), (55, 100), (63, 100), (69, 2), (72, 100), (79, 50),
        (82, 2), (85, 1), (86, 2), (88, 110), (93, 95), (98, 4),
    ]

    private mutating func nextRoll() -> UInt64 {
        if mix == .grow { return 0 }
        guard mix == .typical else { return rng.next() % 100 }
        var pick = rng.next() % Self.typicalWeights.reduce(0) { $0 + $1.perMille }
        for (roll, weight) in Self.typicalWeights {
            if pick < weight { return roll }
            pick -= weight
        }
        return 98
    }

    /// Makes one random operation; returns its records (none if it failed).
    public mutating func step(_ ns: inout Namespace) -> [ChangelogRecord] {
        now = UnixTime(now.rawValue + UInt32(rng.next() % 3) + (rng.next() % 500 == 0 ? 200_000 : 0))
        var records: [ChangelogRecord] = []
        if let record = try? operation(&ns) { records.append(record) }
        recordsSinceChecksum += records.count
        if recordsSinceChecksum >= checksumInterval {
            recordsSinceChecksum = 0
            records.append(try! ns.recordChecksum(now: now))
        }
        return records
    }

    private mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(rng.next() % UInt64(items.count))]
    }

    private mutating func name() -> EntryName {
        if rng.next() % 10 == 0 {
            let count = 1 + Int(rng.next() % 40)
            var bytes: [UInt8] = []
            while bytes.count < count {
                let b = UInt8(truncatingIfNeeded: rng.next())
                if b != 0 && b != 0x2F { bytes.append(b) }
            }
            if let valid = try? EntryName(validating: bytes) { return valid }
        }
        let count = 1 + Int(rng.next() % 3)
        return EntryName(unchecked: (0..<count).map { _ in Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))] })
    }

    private mutating func who() -> Credentials {
        rng.next() % 4 == 0 ? pick(Self.users)! : .root
    }

    private mutating func request() -> RequestTag? {
        guard rng.next() % 2 == 0, let session = pick(sessions) else { return nil }
        let id = nextRequest[session, default: 0] + 1
        nextRequest[session] = id
        return RequestTag(session: session, request: RequestID(id))
    }

    private mutating func operation(_ ns: inout Namespace) throws -> ChangelogRecord {
        let roll = nextRoll()
        let dir = pick(directories)!
        switch roll {
        case 0..<22:
            let types: [NodeType] =
                mix != .coverage
                ? [.file, .file, .file, .file, .file, .file, .file, .directory]
                : [.file, .file, .file, .directory, .directory, .fifo, .socket, .charDevice]
            let type = types[Int(rng.next() % 8)]
            let (attrs, record) = try ns.create(
                dir, name(), type: type, mode: UInt16(rng.next() % 0o10000), rdev: UInt32(rng.next() % 5000), as: who(), now: now,
                request: request())
            if type == .directory { directories.append(attrs.inode) }
            if type == .file { files.append(attrs.inode) }
            if case .create(let parent, let n, _, _, _, _, _) = record.change { entries.append((parent, n)) }
            return record
        case 22..<26:
            let target = (0..<(1 + Int(rng.next() % 30))).map { _ in UInt8(1 + rng.next() % 255) }
            let n = name()
            let record = try ns.symlink(dir, n, target: target, as: who(), now: now, request: request()).1
            entries.append((dir, n))
            return record
        case 26..<30:
            guard let file = pick(files) else { throw FSError.noEntry }
            let n = name()
            let record = try ns.link(file, into: dir, as: n, who: who(), now: now, request: request()).1
            entries.append((dir, n))
            return record
        case 30..<40:
            guard let (parent, n) = pick(entries) else { throw FSError.noEntry }
            return try ns.unlink(parent, n, as: who(), now: now, request: request()).1
        case 40..<45:
            guard let (parent, n) = pick(entries) else { throw FSError.noEntry }
            return try ns.rmdir(parent, n, as: who(), now: now, request: request()).1
        case 45..<55:
            guard let (parent, n) = pick(entries) else { throw FSError.noEntry }
            let newName = name()
            let record = try ns.rename(parent, n, to: dir, newName, as: who(), now: now, request: request()).1
            entries.append((dir, newName))
            return record
        case 55..<63:
            let target = pick(files) ?? dir
            let changes = AttributeChanges(
                mode: rng.next() % 2 == 0 ? UInt16(rng.next() % 0o10000) : nil,
                uid: rng.next() % 4 == 0 ? UInt32(1000 + rng.next() % 2) : nil,
                gid: rng.next() % 4 == 0 ? UInt32(1000 + rng.next() % 2) : nil,
                atime: rng.next() % 3 == 0 ? .now : nil,
                mtime: rng.next() % 3 == 0 ? .set(UnixTime(UInt32(rng.next() % 2_000_000_000))) : nil)
            return try ns.setAttributes(target, changes, as: who(), now: now, request: request()).1
        case 63..<69:
            guard let file = pick(files) else { throw FSError.noEntry }
            let length = rng.next() % (5 * NamespaceLimits.chunkSize)
            return try ns.setLength(file, length, as: who(), now: now, request: request()).1
        case 69..<72:
            return try ns.setGoal(dir, UInt8(1 + rng.next() % 9), recursive: rng.next() % 16 == 0, as: who(), now: now, request: request())
                .record
        case 72..<79:
            guard let file = pick(files) else { throw FSError.noEntry }
            let (chunk, record) = try ns.addChunk(file, index: UInt32(rng.next() % 6), now: now)
            chunks.append(chunk)
            return record
        case 79..<82:
            guard let chunk = pick(chunks) else { throw FSError.noEntry }
            return try ns.bumpChunkVersion(chunk, now: now).1
        case 82..<85:
            let info = Array("169.254.0.\(rng.next() % 250):/mnt/\(rng.next() % 10)".utf8)
            let (session, record) = try ns.openSession(info: info, now: now)
            sessions.append(session)
            return record
        case 85..<86:
            guard let session = pick(sessions) else { throw FSError.badSession }
            sessions.removeAll { $0 == session }
            return try ns.closeSession(session, now: now)
        case 86..<88:
            guard let session = pick(sessions) else { throw FSError.badSession }
            return rng.next() % 2 == 0 ? try ns.sessionLost(session, now: now) : try ns.sessionBack(session, now: now)
        case 88..<93:
            guard let file = pick(files), let session = pick(sessions) else { throw FSError.noEntry }
            let record = try ns.acquire(file, session: session, now: now, request: request())
            opens.append((file, session))
            return record
        case 93..<97:
            guard !opens.isEmpty else { throw FSError.noEntry }
            let index = Int(rng.next() % UInt64(opens.count))
            let (file, session) = opens.remove(at: index)
            return try ns.release(file, session: session, now: now)
        case 97..<98:
            return try ns.beginEpoch(now: now)
        case 99 where mix == .coverage:
            return try ns.setVoters(voterSet(), now: now)
        default:
            return try ns.idle(now: now)
        }
    }

    /// A random voter set over a few member ids (and now and then a random one): the leader is
    /// any member or none, so some sets (a metalogger leading) are refused, as they must be.
    private mutating func voterSet() -> VoterSet {
        var members: [MemberID: MemberKind] = [:]
        for _ in 0..<(rng.next() % 5) {
            let id = rng.next() % 8 == 0 ? MemberID(rng.next() | 1) : MemberID(0xAA + rng.next() % 4)
            members[id] = rng.next() % 3 == 0 ? .metalogger : .master
        }
        let leader = rng.next() % 4 == 0 ? MemberID.none : pick(members.keys.sorted()) ?? .none
        return VoterSet(syncReplicas: Int(rng.next() % 3), leader: leader, members: members)
    }
}
