import MFSChangelog
import MFSCore

/// Builds a `Namespace` from the sections of a metadata file, checking the structure as it goes.
struct MetadataDecoder {
    var ns: Namespace
    private var storedChecksum: UInt64 = 0
    private var storedInodeCount: UInt64 = 0
    private var storedChunkCount: UInt64 = 0
    /// Each inode's type by id, filled by NODES for EDGES: a directory entry carries its child's
    /// type, and reading it from the 56-byte records at random was a cache miss per entry (four
    /// fifths of decoding EDGES); this table is 1 byte an inode. Ids from `typeTableLimit` on
    /// are read from the records instead (a sparse file must not cost gigabytes here).
    /// A type's high bit (`needsLinks`) marks a node whose links' directories are wanted.
    private var types: [UInt8] = []
    static let typeTableLimit = 1 << 26
    static let needsLinks: UInt8 = 0x80
    /// The nodes `EDGES` listed so far that must be listed once (every node but those in
    /// `links`): a bit per inode below `types.count`, a set above. A node listed twice would
    /// be unlinked twice, and its link count go below zero.
    private var listed: [UInt64] = []
    private var listedFar: Set<UInt32> = []
    /// Each link (node, directory) of the nodes with several links or no recorded directory,
    /// directories ascending (`Namespace.recordLinkDirectories`).
    private var links: [(node: UInt32, directory: UInt32)] = []
    /// The directories' sizes in NODES, less the entries EDGES lists for them: 0 at the end,
    /// or a directory claims entries it does not have.
    private var unlistedDirectoryEntries: UInt64 = 0

    init(header: MetadataFile.Header) {
        ns = Namespace()
        ns.inodes = PagedTable()
        ns.inodeCount = 0
        ns.checksum = 0
        ns.metaID = header.metaID
        ns.version = header.version
        ns.epoch = header.epoch
        ns.epochStartVersion = header.epochStartVersion
    }

    func malformed(_ section: MetadataFile.Section, _ reason: String) -> MetadataFileError {
        .malformed(section: section.rawValue, reason: reason)
    }

    mutating func decode(_ section: MetadataFile.Section, version: UInt16, _ r: inout ByteReader) throws {
        switch section {
        case .params: try decodeParams(&r)
        case .nodes: try decodeNodes(&r, pairs: version >= 3)
        case .edges: try decodeEdges(&r)
        case .chunks: try decodeChunks(&r)
        case .free: try decodeFree(&r)
        case .sessions: try decodeSessions(&r)
        case .voters: try decodeVoters(&r)
        case .chunkservers: try decodeChunkservers(&r)
        case .flocks: try decodeFlocks(&r)
        case .posixLocks: try decodePosixLocks(&r)
        }
    }

    private mutating func decodeParams(_ r: inout ByteReader) throws {
        ns.nextInode = try r.readInteger()
        ns.nextChunk = try r.readInteger()
        ns.nextSession = try r.readInteger()
        ns.parameters = NamespaceParameters(inodeReuseDelaySeconds: try r.readInteger(), requestMemory: try r.readInteger())
        storedChecksum = try r.readInteger()
        storedInodeCount = try r.readInteger()
        storedChunkCount = try r.readInteger()
        guard ns.nextInode >= 2, ns.nextChunk >= 1 else { throw malformed(.params, "counters below their start") }
        // Chunk ids index tables by `Int`: none may reach `Int.max`.
        guard ns.nextChunk <= UInt64(Int.max) else { throw malformed(.params, "next chunk id \(ns.nextChunk) is past Int.max") }
    }

    /// A file's chunks recorded as pairs (`NODES` v3): slot count, chunk count, then each
    /// chunk's index (ascending, below the slot count) and id (not 0).
    private func decodeChunkPairs(_ r: inout ByteReader, inode id: UInt32) throws -> ChunkList {
        let slots: UInt32 = try r.readInteger()
        let count: UInt32 = try r.readInteger()
        guard slots <= NamespaceLimits.maxChunkIndex, count <= slots, Int(count) * 12 <= r.remaining else {
            throw malformed(.nodes, "inode \(id) claims \(count) chunks in \(slots) slots")
        }
        var list = ChunkList()
        var next: UInt32 = 0
        for _ in 0..<count {
            let index: UInt32 = try r.readInteger()
            let chunk: UInt64 = try r.readInteger()
            guard index >= next, index < slots, chunk != 0 else {
                throw malformed(.nodes, "inode \(id) lists chunk \(chunk) at index \(index), out of order or past \(slots) slots")
            }
            list.insert(chunk, at: index)
            next = index + 1
        }
        list.extendSlots(to: Int(slots))
        // Written as pairs only past the array form's holes (the encoding is canonical).
        guard Int(slots) - Int(count) > MetadataFile.Section.maxHolesInArrayForm else {
            throw malformed(
                .nodes,
                "inode \(id) lists its \(count) chunks in \(slots) slots as pairs, which only files with more than "
                    + "\(MetadataFile.Section.maxHolesInArrayForm) holes are")
        }
        return list
    }

    /// `pairs`: the section is v3, where a file with many holes records its chunks as pairs.
    private mutating func decodeNodes(_ r: inout ByteReader, pairs: Bool) throws {
        var previous: UInt32 = 0
        while !r.isAtEnd {
            let id: UInt32 = try r.readInteger()
            guard id > previous, id < ns.nextInode else {
                throw malformed(.nodes, "inode \(id) out of order or not below the next inode \(ns.nextInode)")
            }
            previous = id
            var rec = InodeRecord.empty
            rec.typeRaw = try r.readInteger()
            guard let type = NodeType(rawValue: rec.typeRaw) else { throw malformed(.nodes, "inode \(id) has unknown type \(rec.typeRaw)") }
            rec.goal = try r.readInteger()
            guard rec.goal <= NamespaceLimits.maxGoal else { throw malformed(.nodes, "inode \(id) has goal \(rec.goal)") }
            rec.mode = try r.readInteger()
            (rec.uid, rec.gid) = (try r.readInteger(), try r.readInteger())
            (rec.atime, rec.mtime, rec.ctime) = (try r.readInteger(), try r.readInteger(), try r.readInteger())
            (rec.nlink, rec.parent) = (try r.readInteger(), try r.readInteger())
            rec.size = try r.readInteger()
            switch type {
            case .symlink:
                let target = try r.readShortBytes()
                guard target.count <= NamespaceLimits.maxSymlinkTargetLength else {
                    throw malformed(.nodes, "symlink \(id) has a target of \(target.count) bytes")
                }
                rec.payload = .target(target)
            case .file:
                let count: UInt32 = try r.readInteger()
                if count == MetadataFile.Section.chunkPairsMarker, pairs {
                    rec.payload = .chunks(try decodeChunkPairs(&r, inode: id))
                } else {
                    guard count <= NamespaceLimits.maxChunkIndex, Int(count) * 8 <= r.remaining else {
                        throw malformed(.nodes, "inode \(id) claims \(count) chunks")
                    }
                    var list = ContiguousArray<UInt64>()
                    list.reserveCapacity(Int(count))
                    var holes = 0
                    for _ in 0..<count {
                        let chunk: UInt64 = try r.readInteger()
                        if chunk == 0 { holes += 1 }
                        list.append(chunk)
                    }
                    // A v3 file writes a list with more holes as pairs (the encoding is canonical).
                    guard !pairs || holes <= MetadataFile.Section.maxHolesInArrayForm else {
                        throw malformed(.nodes, "inode \(id) lists \(holes) holes as an array, which a v3 section writes as pairs")
                    }
                    rec.payload = .chunks(ChunkList(dense: list))
                }
            case .directory:
                // EDGES counts each entry as one u32: a size past that cannot be listed.
                guard rec.size <= UInt64(UInt32.max) else { throw malformed(.nodes, "directory \(id) has size \(rec.size)") }
                unlistedDirectoryEntries += rec.size
                rec.payload = .directory(Directory())
            default:
                break
            }
            ns.inodes.set(Int(id), rec)
            ns.inodeCount += 1
            if id < Self.typeTableLimit {
                if types.isEmpty { types.reserveCapacity(min(Int(ns.nextInode), Self.typeTableLimit)) }
                if types.count <= id { types.append(contentsOf: repeatElement(0, count: Int(id) - types.count + 1)) }
                types[Int(id)] = rec.typeRaw | (Self.wantsLinks(rec) ? Self.needsLinks : 0)
            }
        }
        guard let root = ns.record(InodeID.root.rawValue), root.isDirectory else { throw malformed(.nodes, "no root directory") }
    }

    /// Notes that `child` is listed; false when it was already.
    private mutating func markListed(_ child: UInt32) -> Bool {
        let index = Int(child)
        guard index < types.count else { return listedFar.insert(child).inserted }
        if listed.isEmpty { listed = Array(repeating: 0, count: (types.count + 63) / 64) }
        let bit = UInt64(1) << UInt64(index & 63)
        guard listed[index >> 6] & bit == 0 else { return false }
        listed[index >> 6] |= bit
        return true
    }

    private mutating func decodeEdges(_ r: inout ByteReader) throws {
        var previous: UInt32 = 0
        while !r.isAtEnd {
            let dirID: UInt32 = try r.readInteger()
            let count: UInt32 = try r.readInteger()
            guard dirID > previous, let dir = ns.record(dirID), dir.isDirectory else {
                throw malformed(.edges, "entries for \(dirID), which is not a directory or out of order")
            }
            previous = dirID
            guard UInt64(count) == dir.size else {
                throw malformed(.edges, "directory \(dirID) has \(count) entries, its size says \(dir.size)")
            }
            // An entry is at least 6 bytes (inode, length, one byte of name).
            guard UInt64(count) * 6 <= UInt64(r.remaining) else {
                throw malformed(.edges, "directory \(dirID) claims \(count) entries in \(r.remaining) bytes")
            }
            unlistedDirectoryEntries -= dir.size
            var directory = Directory()
            var lastHash: UInt64 = 0
            var lastName: [UInt8] = []
            var subdirectories: UInt64 = 0
            for _ in 0..<count {
                let child: UInt32 = try r.readInteger()
                let length = Int(try r.readInteger(UInt8.self))
                let name = try r.read(count: length)
                guard EntryName.isValid(name) else { throw malformed(.edges, "directory \(dirID) has an invalid name") }
                let marked =
                    child < Self.typeTableLimit
                    ? (Int(child) < types.count ? types[Int(child)] : 0)
                    : (ns.inodes.read(Int(child), { $0.typeRaw | (Self.wantsLinks($0) ? Self.needsLinks : 0) }) ?? 0)
                let typeRaw = marked & ~Self.needsLinks
                if marked & Self.needsLinks != 0 { links.append((child, dirID)) }
                guard typeRaw != 0 else {
                    throw malformed(.edges, "directory \(dirID) names missing inode \(child)")
                }
                guard marked & Self.needsLinks != 0 || (child != InodeID.root.rawValue && markListed(child)) else {
                    throw malformed(
                        .edges, "directory \(dirID) names inode \(child), which has one link and is listed already (or is the root)")
                }
                if typeRaw == NodeType.directory.rawValue { subdirectories += 1 }
                let bytes = Array(name)
                let hash = Directory.key(of: bytes)
                if !directory.isEmpty, !(lastHash < hash || (lastHash == hash && lastName.lexicographicallyPrecedes(bytes))) {
                    throw malformed(.edges, "directory \(dirID) entries out of order")
                }
                directory.appendInOrder(
                    DirectoryEntry(hash: hash, inode: child, typeRaw: typeRaw, name: DirectoryName(bytes)), expectedCount: Int(count))
                (lastHash, lastName) = (hash, bytes)
                ns.checksum &+= Namespace.entryContribution(parent: dirID, hash: hash, child: child)
            }
            // A directory links to itself and from its parent, and each subdirectory links to it.
            guard dir.nlink == 0 ? subdirectories == 0 : UInt64(dir.nlink) == 2 + subdirectories else {
                throw malformed(.edges, "directory \(dirID) has \(subdirectories) subdirectories, its link count says \(dir.nlink)")
            }
            ns.inodes.modify(Int(dirID)) { $0.payload = .directory(directory) }
        }
    }

    private mutating func decodeChunks(_ r: inout ByteReader) throws {
        let count: UInt64 = try r.readInteger()
        guard count <= UInt64(r.remaining / 12) else { throw malformed(.chunks, "claims \(count) chunks") }
        for _ in 0..<count {
            let id: UInt64 = try r.readInteger()
            let version: UInt32 = try r.readInteger()
            guard id > 0, id < ns.nextChunk, id < UInt64(Int.max), version > 0 else {
                throw malformed(.chunks, "chunk \(id) version \(version) is invalid")
            }
            ns.chunks.set(Int(id), ChunkRecord(version: version, inode: 0, index: 0))
            ns.chunkCount += 1
        }
    }

    private mutating func decodeFree(_ r: inout ByteReader) throws {
        let count: UInt64 = try r.readInteger()
        guard count <= UInt64(r.remaining / 8) else { throw malformed(.free, "claims \(count) entries") }
        var seen = Set<UInt32>()
        for _ in 0..<count {
            let inode: UInt32 = try r.readInteger()
            let freedAt: UInt32 = try r.readInteger()
            // Only an inode made before, once, can be handed out again (the root never); that
            // no node has it is checked once every section is in (`finish`).
            guard inode > InodeID.root.rawValue, inode < ns.nextInode, seen.insert(inode).inserted else {
                throw malformed(.free, "inode \(inode) cannot be free: the root, repeated or not yet made")
            }
            ns.freedInodes.append(FreedInode(inode: inode, freedAt: freedAt))
        }
    }

    private mutating func decodeSessions(_ r: inout ByteReader) throws {
        let count: UInt32 = try r.readInteger()
        for _ in 0..<count {
            let id = SessionID(try r.readInteger())
            let lost = try r.readInteger(UInt8.self) != 0
            let lostAt: UInt32 = try r.readInteger()
            var s = SessionState(info: try r.readShortBytes(), lostAt: lost ? lostAt : nil)
            let opens: UInt32 = try r.readInteger()
            for _ in 0..<opens {
                let inode: UInt32 = try r.readInteger()
                let n: UInt32 = try r.readInteger()
                s.open[inode] = n
            }
            s.requests.highestForgotten = try r.readInteger()
            let kept: UInt32 = try r.readInteger()
            for _ in 0..<kept {
                let request: UInt64 = try r.readInteger()
                let has = try r.readInteger(UInt8.self) != 0
                let result: UInt64 = try r.readInteger()
                s.requests.remember(request, result: has ? result : nil, capacity: Int.max)
            }
            guard ns.sessions.updateValue(s, forKey: id) == nil else { throw malformed(.sessions, "session \(id) appears twice") }
        }
    }

    private mutating func decodeVoters(_ r: inout ByteReader) throws {
        let version = MetaVersion(try r.readInteger())
        let syncReplicas = Int(try r.readInteger(UInt8.self))
        let leader = MemberID(try r.readInteger(UInt64.self))
        let count = Int(try r.readInteger(UInt16.self))
        guard count <= ChangelogLimits.maxVoters else {
            throw malformed(.voters, "claims \(count) members, more than the limit of \(ChangelogLimits.maxVoters)")
        }
        var members: [MemberID: MemberKind] = [:]
        var previous: MemberID?
        for _ in 0..<count {
            let id = MemberID(try r.readInteger(UInt64.self))
            let kindRaw = try r.readInteger(UInt8.self)
            guard let kind = MemberKind(rawValue: kindRaw) else { throw malformed(.voters, "member \(id) has unknown kind \(kindRaw)") }
            if let previous, id <= previous { throw malformed(.voters, "member \(id) is out of order or repeated") }
            members[id] = kind
            previous = id
        }
        let set = VoterSet(syncReplicas: syncReplicas, leader: leader, members: members)
        if let problem = set.validationProblem { throw malformed(.voters, problem) }
        guard version <= ns.version else {
            throw malformed(.voters, "set at version \(version), after the file's version \(ns.version)")
        }
        guard version != .zero || set == .empty else { throw malformed(.voters, "a voter set without the version that set it") }
        ns.voters = set
        ns.votersVersion = version
    }

    private mutating func decodeChunkservers(_ r: inout ByteReader) throws {
        let count = Int(try r.readInteger(UInt32.self))
        guard count <= Int(UInt16.max) else { throw malformed(.chunkservers, "claims \(count) chunkservers, more than ids exist") }
        var previous: UInt16 = 0
        for _ in 0..<count {
            let id = ChunkserverID(try r.readInteger(UInt16.self))
            let address = ChunkserverAddress(ip: try r.readInteger(), port: try r.readInteger())
            guard id.rawValue > previous else { throw malformed(.chunkservers, "chunkserver \(id) is out of order, repeated or 0") }
            previous = id.rawValue
            do {
                try ns.performSetChunkserver(id, address)
            } catch {
                throw malformed(
                    .chunkservers, "chunkserver \(id) at \(address): \(error == .exists ? "address repeated" : "invalid address")")
            }
        }
        guard r.isAtEnd else { throw malformed(.chunkservers, "bytes after the last chunkserver") }
    }

    /// Fills in what the file does not store (open counts, chunk owners, the checksum) and checks
    /// it against what it does.
    mutating func finish() throws(MetadataFileError) -> Namespace {
        types = []
        listed = []
        listedFar = []
        var inUse: UInt32?
        ns.freedInodes.forEach { freed in
            if inUse == nil, ns.record(freed.inode) != nil { inUse = freed.inode }
        }
        if let inUse { throw malformed(.free, "inode \(inUse) cannot be free: a node has it") }
        guard unlistedDirectoryEntries == 0 else {
            throw malformed(.edges, "directories' sizes claim \(unlistedDirectoryEntries) entries EDGES does not list")
        }
        for (id, s) in ns.sessions {
            for (inode, n) in s.open {
                guard let record = ns.record(inode) else {
                    throw malformed(.sessions, "session \(id) holds missing inode \(inode)")
                }
                let (total, overflow) = record.openCount.addingReportingOverflow(n)
                guard !overflow, n > 0 else { throw malformed(.sessions, "session \(id) holds inode \(inode) open \(n) times") }
                ns.inodes.modify(Int(inode)) { $0.openCount = total }
            }
        }
        var problem: MetadataFileError?
        var inodeChecksum: UInt64 = 0
        var owners = PagedTable<ChunkRecord>()
        ns.inodes.forEach { id, r in
            inodeChecksum &+= r.checksumContribution(id: UInt32(id))
            var bad = false
            r.chunkList.forEach { index, chunk in
                guard !bad else { return }
                let c = chunk < UInt64(Int.max) ? ns.chunks[Int(chunk)] : .empty
                guard !c.isEmpty, owners[Int(chunk)].isEmpty else {
                    problem = problem ?? malformed(.chunks, "chunk \(chunk) of inode \(id) is missing or shared")
                    bad = true
                    return
                }
                owners.set(Int(chunk), ChunkRecord(version: c.version, inode: UInt32(id), index: index))
            }
            if bad { return }
            if r.nlink == 0, r.openCount == 0, id != Int(InodeID.root.rawValue) {
                problem = problem ?? malformed(.nodes, "inode \(id) has no links and is not open")
            }
        }
        if let problem { throw problem }
        var chunkChecksum: UInt64 = 0
        var ownedChunks = 0
        owners.forEach { id, c in
            chunkChecksum &+= c.checksumContribution(id: UInt64(id))
            ownedChunks += 1
        }
        guard ownedChunks == ns.chunkCount else { throw malformed(.chunks, "\(ns.chunkCount - ownedChunks) chunks belong to no file") }
        ns.chunks = owners
        ns.checksum &+= inodeChecksum &+ chunkChecksum &+ Namespace.votersContribution(ns.voters, version: ns.votersVersion)
        guard UInt64(ns.inodeCount) == storedInodeCount, UInt64(ns.chunkCount) == storedChunkCount else {
            throw malformed(.params, "counts differ from the sections")
        }
        if let problem = ns.lockProblem() {
            throw malformed(problem.hasPrefix("flock") ? .flocks : .posixLocks, problem)
        }
        // Each node with several links (or none recorded) is listed as often as it links.
        var listings = [UInt32: UInt32](minimumCapacity: links.count)
        for (node, _) in links { listings[node, default: 0] += 1 }
        for (node, count) in listings where ns.record(node)?.nlink != count {
            throw malformed(.edges, "inode \(node) is listed \(count) times, its link count says \(ns.record(node)?.nlink ?? 0)")
        }
        guard ns.checksum == storedChecksum else {
            throw .namespaceChecksumMismatch(stored: storedChecksum, computed: ns.checksum)
        }
        if !links.isEmpty { ns.recordLinkDirectories(links) }
        return ns
    }

    /// A node whose links' directories the load collects: one with several links (for
    /// `Namespace.hardLinkDirectories`), or a linked one that records no directory (every
    /// node but directories in `NODES` v1, written before they recorded theirs).
    static func wantsLinks(_ r: borrowing InodeRecord) -> Bool {
        !r.isDirectory && (r.nlink > 1 || (r.nlink == 1 && r.parent == 0))
    }
}
