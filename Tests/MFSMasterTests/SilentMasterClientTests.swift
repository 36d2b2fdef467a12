import Foundation
import MFSClient
import MFSConfig
import MFSCore
import MFSTestSupport
import Testing

/// A client whose master dies without a FIN while a request waits (DESIGN §7; issue #11: the
/// client must not wait for TCP's retransmissions once the virtual IP moved). On loopback a
/// proxy plays the address: it silences the old connection and sends new ones to the promoted
/// follower. The client's probe (`ClientOptions.probeAfter`) finds a newer active master at
/// the address, drops the silent connection, resumes the session there and sends the waiting
/// request again.
@Suite(.serialized) struct SilentMasterClientTests {
    @Test func aRequestWaitingOnASilentConnectionGoesToTheNewActiveMaster() async throws {
        let active = try MasterProcess.active(syncReplicas: 0)
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["SYNC_REPLICAS": "0"])
        try follower.start()
        let proxy = try TestRelay(upstreamPort: active.clientPort)
        defer { proxy.stop() }
        // The request timeout (120 s) is far beyond what the probe needs: only the probe can
        // bring the create through within the 60 s checked below (0.4 s on an idle machine;
        // the bound leaves room for a loaded CI run).
        let options = ClientOptions(
            masters: [HostPort(host: "127.0.0.1", port: UInt16(proxy.port))], connectTimeout: .seconds(2), requestTimeout: .seconds(120),
            retryFor: .seconds(300))
        let client = try await MasterClient.connect(options)
        let session = client.grant.session
        _ = try await client.mkdir(client.grant.root, "before", mode: 0o755)
        let epoch = client.epoch
        #expect(
            await eventually { (try? follower.status())?.version == (try? active.status())?.version },
            "the follower caught up")

        proxy.silence()
        proxy.switchUpstream(to: follower.clientPort)
        let (code, body) = try follower.post("/promote?force=1")
        #expect(code == 200, "\(body)")

        let started = ContinuousClock.now
        let made = try await client.mkdir(client.grant.root, "after", mode: 0o755)
        let took = ContinuousClock.now - started
        #expect(took < .seconds(60), "the create waited \(took): the silent connection was not given up early")
        #expect(made.type == .directory)
        #expect(client.epoch > epoch && client.grant.session == session, "resumed in the new epoch")
        #expect(try await client.lookup(client.grant.root, "before").type == .directory)
        #expect(proxy.connections >= 3, "the first connection, a probe and the new one: \(proxy.connections)")
        await client.close()
        #expect(follower.stop() == 0)
        _ = active.stop()
    }
}

/// Polls `condition` every 50 ms for up to 10 s.
private func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<200 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
