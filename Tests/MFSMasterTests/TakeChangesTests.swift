import Foundation
import MFSCore
import MFSMaster
import MFSMetadata
import Synchronization
import Testing

/// A master that stops taking changes (a demotion, a fence) answers every reply still waiting
/// for its peers `notActive`, after its lock is released: an answer may take that lock (a chunk
/// create's reads the namespace), or a lock whose holder waits for it (the chunk hub's, held by
/// a create making its change). Answered under the lock, a demotion with a create waiting for
/// its peers deadlocked the master.
@Suite struct TakeChangesTests {
    @Test func aDemotionAnswersWaitingRepliesOutsideTheServiceLock() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir, syncReplicas: 1)
        defer { service.writer.close() }  // its thread holds it unowned
        let answer = Mutex<MasterError??>(nil)
        let (_, version) = try service.perform { (ns: inout Namespace) throws(FSError) in
            let (_, record) = try ns.create(.root, try EntryName(validating: "f"), type: .file, mode: 0o644, as: .root, now: t0)
            return ((), record)
        }
        service.whenCommitted(version) { error in
            _ = service.version  // takes the service's lock, as a create's answer does
            answer.withLock { $0 = .some(error) }
        }
        Thread.sleep(forTimeInterval: 0.5)  // stored by now, and waiting for a peer
        #expect(answer.withLock { $0 } == nil, "answered with no peer to hold the change")
        let done = DispatchSemaphore(value: 0)
        let demotion = Thread {
            service.takeChanges(false)
            done.signal()
        }
        demotion.start()
        #expect(done.wait(timeout: .now() + 10) == .success, "the demotion deadlocked on the answer it gave")
        #expect(answer.withLock { $0 } == .some(.notActive))
    }
}
