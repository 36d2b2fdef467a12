import Foundation
import MFSClient
import MFSConfig
import MFSCore
import MFSTestSupport
import MFSWire
import Testing

/// Runs blocking work (a process starting or stopping) on a thread of its own, so it never
/// holds one of the few cooperative threads the client needs meanwhile.
private func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Lets a non-Sendable helper cross into `offPool`; the test touches it from one place at a
/// time.
private struct Handle<T>: @unchecked Sendable {
    let value: T
}

/// `MasterClient` against a real `mfsmaster`: riding out a master restart and a lost reply.
@Suite(.serialized) struct LiveMasterTests {
    /// Generous retry time: the master's stop (final dump) and start run beside the other test
    /// suites on two cores, which at the start of a full run slow everything down many times
    /// over (two full runs needed more than 60 s here); what is tested is that the client
    /// comes through, not how fast.
    func options(port: Int) -> ClientOptions {
        ClientOptions(
            masters: [HostPort(host: "127.0.0.1", port: UInt16(port))], connectTimeout: .seconds(2), requestTimeout: .seconds(10),
            retryFor: .seconds(180))
    }

    /// The master stops (SIGTERM) and comes back on the same port and data: the client
    /// reconnects by itself, resumes its session, and the request made while the master was
    /// away is answered.
    @Test func theClientRidesOutAMasterRestartInTheSameSession() async throws {
        let master = Handle(value: try MasterProcess())
        try await offPool { try master.value.start() }
        let client = try await MasterClient.connect(options(port: master.value.clientPort))
        let session = client.grant.session
        let before = try await client.mkdir(client.grant.root, "before", mode: 0o755)

        #expect(try await offPool { master.value.stop() } == 0)
        let during = Task { try await client.mkdir(client.grant.root, "during", mode: 0o700) }
        try await Task.sleep(for: .milliseconds(300))
        try await offPool { try master.value.start() }

        let made = try await during.value
        #expect(made.type == .directory && made.mode == 0o700)
        #expect(client.grant.session == session)
        #expect(client.currentMaster?.port == UInt16(master.value.clientPort))
        #expect(try await client.lookup(client.grant.root, "before").inode == before.inode)
        #expect(try await client.lookup(client.grant.root, "during").inode == made.inode)
        let names = try await client.listAll(client.grant.root).map(\.name.description).sorted()
        #expect(names == ["before", "during"])
        await client.close()
        #expect(master.value.stop() == 0)
    }

    /// The connection breaks after the master did a mkdir but before its reply arrived: the
    /// client resends it with its id on a new connection in the same session, and gets the
    /// first result instead of EEXIST; the directory is made once.
    @Test func aMkdirWhoseReplyWasLostGetsItsFirstResult() async throws {
        let master = Handle(value: try MasterProcess())
        try await offPool { try master.value.start() }
        let proxy = try TestRelay(upstreamPort: master.value.clientPort)
        defer { proxy.stop() }
        let client = try await MasterClient.connect(options(port: proxy.port))
        let session = client.grant.session
        #expect(proxy.connections == 1)

        proxy.cutNextReply()
        let made = try await client.mkdir(client.grant.root, "once", mode: 0o755)
        #expect(proxy.cuts == 1 && proxy.connections == 2)
        #expect(made.type == .directory && made.mode == 0o755)
        #expect(client.grant.session == session)
        #expect(try await client.lookup(client.grant.root, "once").inode == made.inode)
        #expect(try await client.listAll(client.grant.root).map(\.name.description) == ["once"])
        // Not a request the master forgot: a new mkdir of the same name is a new request.
        await #expect(throws: ClientError.fs(.exists)) { try await client.mkdir(client.grant.root, "once", mode: 0o755) }
        #expect(try await client.info().inodeCount == 2)
        await client.close()
        #expect(master.value.stop() == 0)
    }

    /// An export with password lines only: a client without a password is told a password is
    /// wanted; with the right one it gets in. With a read-only line beside it, the client
    /// without a password is admitted read-only.
    @Test func aClientWithoutAPasswordGetsTheBestLineThatNeedsNone() async throws {
        let master = Handle(
            value: try MasterProcess(exports: "127.0.0.1 / ro\n127.0.0.1 / rw,maproot=0,password=pw\n127.0.0.1 /p rw,password=pw\n"))
        try await offPool { try master.value.start() }
        let port = master.value.clientPort

        let writer = try await MasterClient.connect(ClientOptions(masters: options(port: port).masters, password: "pw"))
        #expect(!writer.grant.readOnly)
        _ = try await writer.mkdir(writer.grant.root, "p", mode: 0o777)
        await writer.close()

        let reader = try await MasterClient.connect(options(port: port))
        #expect(reader.grant.readOnly)
        await #expect(throws: ClientError.fs(.readOnly)) { try await reader.mkdir(reader.grant.root, "x", mode: 0o755) }
        #expect(try await reader.listAll(reader.grant.root).map(\.name.description) == ["p"])
        await reader.close()

        var locked = options(port: port)
        locked.mountPath = "/p"
        await #expect(throws: ClientError.sessionRefused(.badPassword)) { try await MasterClient.connect(locked) }
        locked.password = "wrong"
        await #expect(throws: ClientError.sessionRefused(.badPassword)) { try await MasterClient.connect(locked) }
        locked.password = "pw"
        let inside = try await MasterClient.connect(locked)
        #expect(!inside.grant.readOnly && inside.grant.root != .root)
        await inside.close()
        #expect(master.value.stop() == 0)
    }
}
