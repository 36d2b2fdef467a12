import Foundation
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStatus
import MFSTestSupport
import MFSWire
import Testing

@testable import MFSMaster

/// A session whose client is gone is marked lost, so it expires after `SESSION_SUSTAIN_TIME`
/// and lets go of its open files and locks; a session nobody marks stays for ever.
@Suite struct SessionLossTests {
    /// A promotion marks every session lost, as a start as active does: a client of the old
    /// master that never comes back must not keep its session (the old master, demoted or dead,
    /// cannot record that it left).
    @Test func aPromotionMarksEverySessionLostUntilItsClientComesBack() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let service = try newService(dir, mode: .background)
        defer { service.writer.close() }
        let connected = try await service.change { (ns: inout Namespace) throws(FSError) in try ns.openSession(info: [1], now: t0) }
        let gone = try await service.change { (ns: inout Namespace) throws(FSError) in try ns.openSession(info: [2], now: t0) }
        // A client connection this master kept through a demotion speaks for its session still.
        let kept = try await service.change { (ns: inout Namespace) throws(FSError) in try ns.openSession(info: [3], now: t0) }
        try await service.change { (ns: inout Namespace) throws(FSError) in ((), try ns.sessionLost(gone, now: t0)) }
        let before = service.namespace.version
        let later = UnixTime(t0.rawValue + 100)

        let version = try service.beginLeading(
            epoch: Epoch(service.namespace.epoch.rawValue + 1), me: MemberID(1), syncReplicas: 0, now: later, connected: { [kept] })

        // EPOCH, VOTERS and one SESSIONLOST: the session lost before keeps its time.
        #expect(version == service.namespace.version && version.rawValue == before.rawValue + 3)
        #expect(service.namespace.session(connected)?.lostAt == later)
        #expect(service.namespace.session(gone)?.lostAt == t0)
        #expect(service.namespace.session(kept) != nil && service.namespace.session(kept)?.lostAt == nil)
        #expect(
            service.namespace.sessionsToClose(now: UnixTime(later.rawValue + 60), sustainSeconds: 60).sorted { $0.rawValue < $1.rawValue }
                == [connected, gone])
        // A client that comes back resumes its session.
        try await service.change { (ns: inout Namespace) throws(FSError) in ((), try ns.sessionBack(connected, now: later)) }
        #expect(service.namespace.session(connected)?.lostAt == nil)
        #expect(service.namespace.sessionsToClose(now: UnixTime(later.rawValue + 60), sustainSeconds: 60) == [gone])
    }

    /// A connection that ends while its new session is being stored (here: waiting for a peer,
    /// `SYNC_DEGRADE = 0`) leaves the session marked lost once the changes go through, not
    /// open with no connection.
    @Test func aSessionWhoseConnectionEndsBeforeItIsStoredIsMarkedLost() throws {
        let active = try MasterProcess.active(syncReplicas: 1, extra: ["SYNC_DEGRADE": "0"])
        try active.start()
        let before = try active.status().version
        do {
            let c = try active.connect()
            let hello = Hello(
                role: .client, metaID: .unknown, epoch: .zero,
                client: ClientHello(clientVersion: "test", mountPath: "/", resumeSession: nil))
            c.send(hello.encode())
            #expect(eventually { ((try? active.status().version) ?? 0) > before }, "the session's change never reached the master")
        }  // the connection closes here, its session unanswered
        let metalogger = try MetaloggerProcess(masterPeerPorts: [active.peerPort])
        try metalogger.start()
        #expect(eventually { ((try? active.status().version) ?? 0) >= before + 2 }, "no SESSIONLOST after the open")
        #expect(metalogger.stop() == 0)
        #expect(active.stop() == 0)
        let namespace = try active.dumpedNamespace()
        #expect(namespace.sessionIDs.count == 1)
        for id in namespace.sessionIDs { #expect(namespace.session(id)?.lostAt != nil, "session \(id) is open with no connection") }
    }
}
