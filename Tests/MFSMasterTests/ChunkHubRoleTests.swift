import Foundation
import Logging
import MFSChunkRegistry
import MFSCore
import MFSMaster
import MFSMetadata
import MFSWire
import Testing

/// A chunk registry that is not active knows no copy (a new master's before it follows its
/// role, a demoted master's emptied): a client asking it where a chunk is must go to the active
/// master, not take the chunk for lost (mfsmount makes CHUNKLOST an ENXIO for the program).
@Suite struct ChunkHubRoleTests {
    @Test func anInactiveRegistrySendsAReaderToTheActiveMaster() throws {
        try withServiceAndFile { service, file in
            _ = try service.perform { (ns: inout Namespace) throws(FSError) in
                let (chunk, record) = try ns.addChunk(file, index: 0, now: t0)
                return (chunk, record)
            }
            let hub = ChunkHub(service: service, settings: RegistrySettings(), logger: Logger(label: "test"))
            let answers = AnswerBox()
            hub.readChunk(RequestID(1), inode: file, index: 0) { answers.add($0) }
            #expect(answers.all == [.status(RequestID(1), .notActive, activeMaster: nil)])

            // Active: the request is answered by the registry (held for the chunkservers to come
            // back, here), no longer sent away.
            hub.becameActive()
            hub.readChunk(RequestID(2), inode: file, index: 0) { answers.add($0) }
            #expect(answers.all.count == 1, "held for the chunkservers: \(answers.all)")
            hub.stoppedBeingActive("test")
            #expect(
                answers.all.contains(.status(RequestID(2), .notActive, activeMaster: nil)),
                "the read held for chunkservers was left without an answer at the demotion: \(answers.all)")
            hub.readChunk(RequestID(3), inode: file, index: 0) { answers.add($0) }
            #expect(answers.all.last == .status(RequestID(3), .notActive, activeMaster: nil), "a demoted master's registry")
        }
    }
}

/// A new chunk nobody can take: `noChunkservers` (MooseFS's NOCHUNKSERVERS, which mfsmount and
/// our client retry) while no chunkserver is there, as after a failover before they are back;
/// ENOSPC only when every chunkserver is there and none has space.
@Suite struct NoChunkserversTests {
    @Test func aNewChunkWithNoChunkserverIsNoChunkserversNotNoSpace() throws {
        try withServiceAndFile { service, file in
            let (session, _) = try service.perform { (ns: inout Namespace) throws(FSError) in
                let (id, record) = try ns.openSession(info: [], now: t0)
                return (id, record)
            }
            _ = try service.perform { (ns: inout Namespace) throws(FSError) in
                ((), try ns.acquire(file, session: session, now: t0))
            }
            let hub = ChunkHub(service: service, settings: RegistrySettings(writeHoldLimit: .zero), logger: Logger(label: "test"))
            hub.becameActive()
            let answers = AnswerBox()
            hub.writeChunk(RequestID(1), session: session, inode: file, index: 0) { answers.add($0) }
            #expect(answers.all == [.status(RequestID(1), .noChunkservers, activeMaster: nil)])
        }
    }
}

final class AnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [MasterReply] = []
    func add(_ reply: MasterReply) { lock.withLock { answers.append(reply) } }
    var all: [MasterReply] { lock.withLock { answers } }
}

/// A new cluster's service in a directory of its own, with one empty file `f`; the directory
/// goes afterwards, and the changelog writer is closed first (its thread holds it unowned).
func withServiceAndFile(_ body: (MetadataService, InodeID) throws -> Void) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let service = try newService(dir)
    defer { service.writer.close() }
    let (file, _) = try service.perform { (ns: inout Namespace) throws(FSError) in
        let (attributes, record) = try ns.create(.root, try EntryName(validating: "f"), type: .file, mode: 0o644, as: .root, now: t0)
        return (attributes.inode, record)
    }
    try body(service, file)
}
