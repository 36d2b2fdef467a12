import MFSCore

extension MetadataFile {
    /// The sections, in file order. Payload layouts:
    ///
    /// - `PARAMS` v1: next inode u32 | next chunk u64 | next session u32 | inode reuse delay u32 |
    ///   request memory u32 | namespace checksum u64 | inode count u64 | chunk count u64
    /// - `NODES` v2, per inode in ascending order: inode u32 | type u8 | goal u8 | mode u16 |
    ///   uid u32 | gid u32 | atime u32 | mtime u32 | ctime u32 | nlink u32 | parent u32 | size u64,
    ///   then for a symlink target length u16 + target, for a file chunk count u32 + chunk ids u64
    ///   (0 for a hole). Open counts are not stored: they follow from `SESSIONS`. `parent` is a
    ///   directory holding a link (0: none known, docs/METADATA.md). v1 recorded it for
    ///   directories only; a v1 file loads with each other node's filled in from `EDGES`.
    ///   v3 is v2 where a file with more than `maxHolesInArrayForm` holes records its
    ///   chunks as pairs instead: 0xFFFFFFFF u32 | slot count u32 | chunk count u32, then per
    ///   chunk in ascending index: index u32 | chunk id u64. It is written only when some file
    ///   needs it, so every other file stays readable by builds from before it.
    /// - `EDGES` v1, per non-empty directory in ascending order: directory u32 | count u32, then
    ///   per entry in directory order: child u32 | name length u8 | name.
    /// - `CHUNKS` v1: count u64, then per chunk in ascending order: chunk id u64 | version u32
    ///   (file and index follow from the files' chunk lists).
    /// - `FREE` v1: count u64, then per freed inode, oldest first: inode u32 | freed at u32.
    /// - `SESSIONS` v1: count u32, then per session in ascending order: id u32 | lost u8 |
    ///   lost at u32 | info length u16 + info | open count u32 + (inode u32 | opens u32)… |
    ///   highest forgotten request u64 | kept count u32 + (request u64 | has result u8 | result u64)…
    /// - `VOTERS` v1 (DESIGN §7.2): version of the last `VOTERS` change u64 (0: none) |
    ///   syncReplicas u8 | leader u64 (0: none) | count u16, then per member in ascending id
    ///   order: id u64 | kind u8 (1 master, 2 metalogger). Optional: files written before voters
    ///   existed have no such section and load with the empty set at version 0. It is not
    ///   skippable: a build that does not know it must refuse the file rather than drop the
    ///   voters, which the promotion rule depends on.
    /// - `CSERVERS` v1 (the chunkserver list): count u32, then per chunkserver in ascending id
    ///   order: id u16 | ip u32 | port u16. Optional like `VOTERS` (older files load with no
    ///   chunkservers) and not skippable (a master that dropped it would give ids out twice).
    /// - `FLCK` v1 (granted flock locks, MooseFS's `FLCK`): count u32, then per lock by inode,
    ///   session and owner ascending: inode u32 | session u32 | owner u64 | kind u8 (0 shared,
    ///   1 exclusive).
    /// - `PLCK` v1 (granted POSIX locks, MooseFS's `PLCK`): count u32, then per lock by inode,
    ///   session, owner and start ascending: inode u32 | session u32 | owner u64 | pid u32 |
    ///   start u64 | end u64 | kind u8 (1 read, 2 write).
    ///   `FLCK` and `PLCK` are written only when a lock is held (a file without locks stays
    ///   readable by builds from before them) and are not skippable (dropping them would hand
    ///   a held lock to a second client).
    enum Section: String, CaseIterable {
        case params = "PARAMS"
        case nodes = "NODES"
        case edges = "EDGES"
        case chunks = "CHUNKS"
        case free = "FREE"
        case sessions = "SESSIONS"
        case voters = "VOTERS"
        case chunkservers = "CSERVERS"
        case flocks = "FLCK"
        case posixLocks = "PLCK"

        /// The highest version this build reads (and writes, `encode` says when).
        var version: UInt16 { self == .nodes ? 3 : 1 }

        /// Whether a file without this section is refused. `VOTERS` and `CSERVERS` came later:
        /// a file from before has none, and loads with no voters and no chunkservers.
        var isRequired: Bool { self != .voters && self != .chunkservers && self != .flocks && self != .posixLocks }

        /// Whether `ns` gets this section (the lock sections only when a lock is held).
        func isWritten(for ns: Namespace) -> Bool {
            switch self {
            case .flocks: !ns.locks.flocks.isEmpty
            case .posixLocks: !ns.locks.posix.isEmpty
            default: true
            }
        }

        /// Writes the section; returns its version (`NODES` is v3 only when a file needs it).
        func encode(_ ns: Namespace, into w: inout ByteWriter) -> UInt16 {
            switch self {
            case .params: Self.encodeParams(ns, &w)
            case .nodes: return Self.encodeNodes(ns, &w) ? 3 : 2
            case .edges: Self.encodeEdges(ns, &w)
            case .chunks: Self.encodeChunks(ns, &w)
            case .free: Self.encodeFree(ns, &w)
            case .sessions: Self.encodeSessions(ns, &w)
            case .voters: Self.encodeVoters(ns, &w)
            case .chunkservers: Self.encodeChunkservers(ns, &w)
            case .flocks: Self.encodeFlocks(ns, &w)
            case .posixLocks: Self.encodePosixLocks(ns, &w)
            }
            return version
        }

        static func encodeParams(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(ns.nextInode)
            w.write(ns.nextChunk)
            w.write(ns.nextSession)
            w.write(ns.parameters.inodeReuseDelaySeconds)
            w.write(ns.parameters.requestMemory)
            w.write(ns.checksum)
            w.write(UInt64(ns.inodeCount))
            w.write(UInt64(ns.chunkCount))
        }

        /// The marker of a chunk list recorded as pairs (`NODES` v3).
        static let chunkPairsMarker = UInt32.max
        /// Holes a file's chunk list may have and still be recorded as an array (8 bytes a
        /// slot); one with more is recorded as pairs. Files no more sparse than this stay
        /// readable by builds from before `NODES` v3.
        static let maxHolesInArrayForm = 1_024

        /// Returns whether some file's chunks were recorded as pairs.
        static func encodeNodes(_ ns: Namespace, _ w: inout ByteWriter) -> Bool {
            var pairs = false
            w.bytes.reserveCapacity(ns.inodeCount * 52)
            ns.inodes.forEach { id, r in
                w.write(UInt32(id))
                w.write(r.typeRaw)
                w.write(r.goal)
                w.write(r.mode)
                // One by one: an array literal here was an allocation per inode.
                w.write(r.uid)
                w.write(r.gid)
                w.write(r.atime)
                w.write(r.mtime)
                w.write(r.ctime)
                w.write(r.nlink)
                w.write(r.parent)
                w.write(r.size)
                switch r.payload {
                case .target(let target):
                    w.write(shortBytes: target)
                case .chunks(let list):
                    // Decided by the list's content, never its layout in memory: the encoding
                    // stays canonical.
                    let held = list.chunkCount
                    if list.slots - held > maxHolesInArrayForm {
                        pairs = true
                        w.write(chunkPairsMarker)
                        w.write(UInt32(list.slots))
                        w.write(UInt32(held))
                        list.forEach { index, chunk in
                            w.write(index)
                            w.write(chunk)
                        }
                    } else {
                        w.write(UInt32(list.slots))
                        for index in 0..<UInt32(list.slots) { w.write(list[index]) }
                    }
                case .none, .directory:
                    break
                }
            }
            return pairs
        }

        static func encodeEdges(_ ns: Namespace, _ w: inout ByteWriter) {
            ns.inodes.forEach { id, r in
                guard case .directory(let directory) = r.payload, !directory.isEmpty else { return }
                w.write(UInt32(id))
                w.write(UInt32(r.size))
                directory.forEach { entry in
                    w.write(entry.inode)
                    w.write(UInt8(entry.name.count))
                    entry.name.withUnsafeBufferPointer { w.write(bytes: $0) }
                }
            }
        }

        static func encodeChunks(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(UInt64(ns.chunkCount))
            ns.chunks.forEach { id, c in
                w.write(UInt64(id))
                w.write(c.version)
            }
        }

        static func encodeFree(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(UInt64(ns.freedInodes.count))
            ns.freedInodes.forEach { f in
                w.write(f.inode)
                w.write(f.freedAt)
            }
        }

        static func encodeSessions(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(UInt32(ns.sessions.count))
            for (id, s) in ns.sessions.sorted(by: { $0.key < $1.key }) {
                w.write(id.rawValue)
                w.write(UInt8(s.lostAt == nil ? 0 : 1))
                w.write(s.lostAt ?? 0)
                w.write(shortBytes: s.info)
                w.write(UInt32(s.open.count))
                for (inode, count) in s.open.sorted(by: { $0.key < $1.key }) {
                    w.write(inode)
                    w.write(count)
                }
                w.write(s.requests.highestForgotten)
                let kept = s.requests.kept
                w.write(UInt32(kept.count))
                for (request, result) in kept {
                    w.write(request)
                    w.write(UInt8(result == nil ? 0 : 1))
                    w.write(result ?? 0)
                }
            }
        }

        static func encodeChunkservers(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(UInt32(ns.chunkservers.count))
            for (id, address) in ns.chunkservers.sorted(by: { $0.key < $1.key }) {
                w.write(id.rawValue)
                w.write(address.ip)
                w.write(address.port)
            }
        }

        static func encodeVoters(_ ns: Namespace, _ w: inout ByteWriter) {
            w.write(ns.votersVersion.rawValue)
            w.write(UInt8(ns.voters.syncReplicas))
            w.write(ns.voters.leader.rawValue)
            let members = ns.voters.sortedMembers
            w.write(UInt16(members.count))
            for member in members {
                w.write(member.id.rawValue)
                w.write(member.kind.rawValue)
            }
        }
    }
}
