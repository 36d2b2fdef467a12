import Dispatch
import MFSChunkRegistry
import MFSCore
import MFSMetadata
import MFSWire
import MooseClientWire
import MooseWire
import NIOCore

/// The requests of MooseFS's tools (`mfscheckfile`, `mfsfileinfo`, `mfsdirinfo`,
/// `mfsgetsclass -r`, `mfsgeteattr`, `mfsfilepaths`, `mfslistsclass`), which mfsmount's proxy
/// forwards on its session's connection. Each reads a snapshot of the namespace (and, for
/// CHECK, the chunk registry) and changes nothing. The tree walks (GETDIRSTATS, the recursive
/// forms, PATHS) cost one step per node and run off the event loop on their snapshot
/// (`offLoop`), so a big tree does not hold up the other connections the loop serves; MooseFS's
/// master keeps such sums up to date instead.
extension MooseClientConnection {
    /// CHECK: without an index, the file's chunks counted by number of valid copies (0…10+,
    /// then holes); with one, that chunk's id, version and every copy with its state.
    func check(_ id: UInt32, inode: InodeID, index: UInt32?, _ session: ClientSession) {
        let type = MooseMessageType.fuseCheck.reply
        guard visible(inode, session) != nil else { return send(FuseReply.status(type, id, .noEntry).encode()) }
        let namespace = shared.service.namespace
        let slots: (count: Int, chunks: [ChunkID])
        do throws(FSError) {
            slots = try namespace.chunkSlots(of: inode)
        } catch {
            return send(FuseReply.status(type, id, Self.status(WireStatus(error))).encode())
        }
        let hub = shared.processor.chunks
        guard let index else {
            let copies = hub?.checkedCopies(of: slots.chunks) ?? slots.chunks.map { _ in [] }
            var counts = [UInt32](repeating: 0, count: FuseReply.checkCountSlots)
            for chunk in copies { counts[min(chunk.filter { $0.state.counts }.count, Self.checkMostCopies)] += 1 }
            counts[FuseReply.checkCountSlots - 1] = UInt32(slots.count - slots.chunks.count)
            return send(FuseReply.checkCopies(id, counts: counts).encode())
        }
        guard index < NamespaceLimits.maxChunkIndex else { return send(FuseReply.status(type, id, .indexTooBig).encode()) }
        let chunk = (try? namespace.chunk(of: inode, index: index).chunk) ?? ChunkID(0)
        guard chunk != ChunkID(0) else { return send(FuseReply.checkChunk(id, chunkID: 0, version: 0, []).encode()) }
        guard let version = namespace.chunkVersion(chunk) else {
            return send(FuseReply.status(type, id, .noChunk).encode())
        }
        let copies = (hub?.checkedCopies(of: [chunk]).first ?? []).prefix(MooseClientLimits.maxChunkLocations).map {
            FuseReply.CopyState(ip: $0.location.address.ip, port: $0.location.address.port, type: $0.state.rawValue)
        }
        send(FuseReply.checkChunk(id, chunkID: chunk.rawValue, version: version, Array(copies)).encode())
    }

    /// Where the tools' tree walks run, one after another.
    static let treeWalks = DispatchQueue(label: "mfsmaster.tree-walks")

    /// The last CHECK count before the holes: chunks with this many valid copies or more.
    static let checkMostCopies = 10

    /// GETDIRSTATS: a directory's tree (or one file) counted as MooseFS counts it.
    func dirStats(_ id: UInt32, inode: InodeID, _ session: ClientSession) {
        let type = MooseMessageType.fuseGetDirStats.reply
        guard let attributes = visible(inode, session) else { return send(FuseReply.status(type, id, .noEntry).encode()) }
        guard [.directory, .file].contains(attributes.type) else { return send(FuseReply.status(type, id, .notPermitted).encode()) }
        let service = shared.service
        offLoop {
            do throws(FSError) {
                let s = try service.namespace.statistics(of: inode)
                let stats = FuseReply.DirStats(
                    inodes: s.inodes, directories: s.directories, files: s.files, chunks: s.chunks, length: s.length, size: s.size,
                    realSize: s.realSize)
                return FuseReply.dirStats(id, stats).encode()
            } catch {
                return FuseReply.status(type, id, Self.status(WireStatus(error))).encode()
            }
        }
    }

    /// GETSCLASS: the node's class, or with gmode 1 every class in its tree, files apart
    /// from directories. Our classes are MooseFS's "1" to "9": the goal.
    func storageClass(_ id: UInt32, inode: InodeID, gmode: UInt8, _ session: ClientSession) {
        goalCounts(.fuseGetStorageClass, id, inode, gmode, session) { counts in
            let entries = { (counts: [UInt8: UInt32]) in
                counts.sorted { $0.key < $1.key }.map { FuseReply.ClassCount(goal: $0.key, count: $0.value) }
            }
            return FuseReply.storageClasses(id, files: entries(counts.files), directories: entries(counts.directories))
        }
    }

    /// GETTRASHTIME: every node's trash time is 0 here (removed files go at once).
    func trashTime(_ id: UInt32, inode: InodeID, gmode: UInt8, _ session: ClientSession) {
        goalCounts(.fuseGetTrashTime, id, inode, gmode, session) { counts in
            let entry = { Self.allAlike($0) { FuseReply.TrashTimeCount(trashTime: 0, count: $0) } }
            return FuseReply.trashTimes(id, files: entry(counts.files), directories: entry(counts.directories))
        }
    }

    /// GETEATTR: no node has an extra attribute here (SETEATTR is refused with ENOTSUP), so
    /// every node counts under the empty set.
    func eattrs(_ id: UInt32, inode: InodeID, gmode: UInt8, _ session: ClientSession) {
        goalCounts(.fuseGetEattr, id, inode, gmode, session) { counts in
            let entry = { Self.allAlike($0) { FuseReply.EattrCount(eattr: 0, count: $0) } }
            return FuseReply.eattrs(id, directories: entry(counts.directories), files: entry(counts.files))
        }
    }

    /// One entry counting every node of `counts` (all alike in what is asked), none for none.
    private static func allAlike<Entry>(_ counts: [UInt8: UInt32], _ entry: (UInt32) -> Entry) -> [Entry] {
        counts.isEmpty ? [] : [entry(counts.values.reduce(0, &+))]
    }

    /// Answers with `reply` of the goals over a node (gmode 0, here) or its tree (gmode 1, off
    /// the event loop), or with the status of what went wrong.
    private func goalCounts(
        _ request: MooseMessageType, _ id: UInt32, _ inode: InodeID, _ gmode: UInt8, _ session: ClientSession,
        reply: @escaping @Sendable (GoalCounts) -> FuseReply
    ) {
        let type = request.reply
        guard visible(inode, session) != nil else { return send(FuseReply.status(type, id, .noEntry).encode()) }
        guard gmode <= 1 else { return send(FuseReply.status(type, id, .invalidArgument).encode()) }
        let service = shared.service
        let answer = { @Sendable () -> [UInt8] in
            do throws(FSError) {
                return reply(try service.namespace.goalCounts(of: inode, recursive: gmode == 1)).encode()
            } catch {
                return FuseReply.status(type, id, Self.status(WireStatus(error))).encode()
            }
        }
        if gmode == 1 { offLoop(answer) } else { send(answer()) }
    }

    /// PATHS: every path of the node inside the session's export.
    func paths(_ id: UInt32, inode: InodeID, _ session: ClientSession) {
        let type = MooseMessageType.fusePaths.reply
        guard visible(inode, session) != nil else { return send(FuseReply.status(type, id, .noEntry).encode()) }
        let (service, root) = (shared.service, session.root)
        offLoop {
            do throws(FSError) {
                return FuseReply.paths(id, try service.namespace.paths(of: inode, under: root)).encode()
            } catch {
                return FuseReply.status(type, id, Self.status(WireStatus(error))).encode()
            }
        }
    }

    /// PARENTS: the directory of each link inside the session's export (as the client numbers
    /// inodes: the export's root is 1).
    func parents(_ id: UInt32, inode: InodeID, _ session: ClientSession) {
        let type = MooseMessageType.fuseParents.reply
        let namespace = shared.service.namespace
        guard visible(inode, session) != nil, inode != session.root else { return send(FuseReply.status(type, id, .noEntry).encode()) }
        do throws(FSError) {
            let directories = try namespace.linkDirectories(of: inode).filter { namespace.isInside($0, tree: session.root) }
            send(FuseReply.parents(id, directories.map { remote($0, session) }).encode())
        } catch {
            send(FuseReply.status(type, id, Self.status(WireStatus(error))).encode())
        }
    }

    /// SCLASS_LIST: MooseFS's predefined classes "1" to "9", which are our goals.
    func storageClassList(_ id: UInt32, longForm: UInt8) {
        let classes = (NamespaceLimits.minGoal...NamespaceLimits.maxGoal).map {
            FuseReply.StorageClassInfo(name: Array(String($0).utf8), copies: $0)
        }
        send(FuseReply.storageClassList(id, classes, longForm: longForm & 1 != 0).encode())
    }

    /// Runs `work` on the master's one queue for tree walks and sends what it returns on this
    /// connection's event loop (a reply carries its msgid: the client takes replies in any
    /// order). One walk at a time, each on a snapshot taken when it starts: a snapshot's pages
    /// are copied by the writers while it lives, so walks in parallel would multiply that memory.
    private func offLoop(_ work: @escaping @Sendable () -> [UInt8]) {
        guard let eventLoop = handler.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        Self.treeWalks.async {
            let reply = work()
            eventLoop.execute {
                bound.value.send(reply)
                bound.value.handler.flushOutput()
            }
        }
    }
}
