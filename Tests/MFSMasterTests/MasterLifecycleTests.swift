import Foundation
import MFSCore
import MFSMetadata
import MFSStatus
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The master's life around its clients: a stop while clients write, sessions across a crash,
/// exports that confine, ports that cannot be bound.
@Suite(.serialized) struct MasterLifecycleTests {
    /// SIGTERM while four clients pipeline mkdirs: the last dump holds every change (the next
    /// start needs no `-a`), and every mkdir the master acknowledged is there.
    @Test func stopWhileClientsWriteLeavesNothingToRestore() throws {
        let master = try MasterProcess()
        try master.start()
        let writers = 4
        let acknowledged = Acknowledged()
        let group = DispatchGroup()
        for w in 0..<writers {
            let c = try master.connect()
            _ = try c.open()
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var n = 0
                while true {
                    // 32 requests in flight, then their replies.
                    var batch: [ClientRequest] = []
                    for _ in 0..<32 {
                        let name = EntryName(unchecked: Array("w\(w)_\(n)".utf8))
                        batch.append(.mkdir(c.newID(), rootCaller, parent: .root, name: name, mode: 0o755))
                        n += 1
                    }
                    guard c.send(batch.flatMap { $0.encode() }) else { return }
                    // Replies carry their request's id; those that wait for the disk may come
                    // after a quick error.
                    var names: [RequestID: EntryName] = [:]
                    for case .mkdir(let id, _, _, let name, _) in batch { names[id] = name }
                    for _ in batch {
                        guard let frame = try? c.receive(), let reply = try? MasterReply.decode(frame) else { return }
                        guard let name = names.removeValue(forKey: reply.requestID) else {
                            acknowledged.fail("a reply to request \(reply.requestID), which was not asked or was answered before")
                            return
                        }
                        switch reply {
                        case .mkdir(_, let made): acknowledged.add(name, made.inode)
                        default: acknowledged.refused(reply.wireStatus)
                        }
                    }
                }
            }
        }
        // Stopped under load: once more than 100 are acknowledged (after 400 ms at the soonest).
        usleep(400_000)
        #expect(eventually(30) { acknowledged.all.count > 100 || acknowledged.failure != nil })
        #expect(master.stop() == 0)
        group.wait()
        #expect(acknowledged.failure == nil, "\(acknowledged.failure ?? "")")
        let made = acknowledged.all
        #expect(made.count > 100, "the writers made only \(made.count) directories before the stop")
        print("stop under load: \(made.count) mkdirs acknowledged, refused: \(acknowledged.refusals)")
        // No -a: the changelogs hold nothing newer than the last dump.
        try master.start()
        #expect(master.stop() == 0)
        let namespace = try master.dumpedNamespace()
        for (name, inode) in made {
            #expect((try? namespace.lookup(.root, name, as: .root).inode) == inode, "acknowledged \(name) is missing")
        }
        #expect(!master.log.contains("newer changelogs"))
    }

    /// A client mounting `/sub` reaches nothing outside it, whatever inode numbers it sends.
    @Test func subdirectoryExportConfinesTheClient() throws {
        let master = try MasterProcess()
        try master.start()
        let admin = try master.connect()
        _ = try admin.open()
        let sub = try #require(try admin.call(.mkdir(admin.newID(), rootCaller, parent: .root, name: "sub", mode: 0o777)).attributes)
        let secret = try #require(
            try admin.call(.mkdir(admin.newID(), rootCaller, parent: .root, name: "secret", mode: 0o777)).attributes)
        let file = try #require(
            try admin.call(.mknod(admin.newID(), rootCaller, parent: secret.inode, name: "f", type: .file, mode: 0o666, rdev: 0))
                .attributes)

        let c = try master.connect()
        let grant = try c.open(mountPath: "/sub")
        #expect(grant.root == sub.inode)
        let inside = try #require(try c.call(.mkdir(c.newID(), rootCaller, parent: grant.root, name: "in", mode: 0o755)).attributes)
        #expect(try c.call(.getAttributes(c.newID(), inode: inside.inode)).wireStatus == .ok)
        let outside: [ClientRequest] = [
            .getAttributes(c.newID(), inode: .root), .getAttributes(c.newID(), inode: file.inode),
            .lookup(c.newID(), rootCaller, parent: .root, name: "secret"),
            .readdir(c.newID(), rootCaller, inode: secret.inode, cookie: 0, maxEntries: 10),
            .mkdir(c.newID(), rootCaller, parent: secret.inode, name: "x", mode: 0o755),
            .unlink(c.newID(), rootCaller, parent: secret.inode, name: "f"),
            .rename(c.newID(), rootCaller, parent: grant.root, name: "in", newParent: .root, newName: "out"),
            .link(c.newID(), rootCaller, inode: file.inode, newParent: grant.root, newName: "stolen"),
            .setAttributes(c.newID(), rootCaller, inode: secret.inode, changes: AttributeChanges(mode: 0o700)),
            .open(c.newID(), rootCaller, inode: file.inode, flags: [.read]),
        ]
        for request in outside {
            #expect(try c.call(request).wireStatus == .notPermitted, "\(request) reached outside /sub")
        }
        // Nothing outside changed.
        #expect(try admin.call(.lookup(admin.newID(), rootCaller, parent: secret.inode, name: "f")).wireStatus == .ok)
        #expect(try admin.call(.lookup(admin.newID(), rootCaller, parent: .root, name: "out")).wireStatus == .noEntry)
        #expect(try admin.call(.lookup(admin.newID(), rootCaller, parent: sub.inode, name: "stolen")).wireStatus == .noEntry)
    }

    /// Session ids are small numbers: a session resumes only from the address that opened it.
    @Test func sessionResumesOnlyFromItsAddress() throws {
        let master = try MasterProcess()
        try master.start()
        let first = try master.connect()
        let grant = try first.open()
        let other = try WireConnection(port: master.clientPort, source: "127.0.0.2")
        let (_, refused) = try other.handshake(resume: grant.session)
        #expect(refused == .refused(.badSession))
        let same = try master.connect()
        let (_, resumed) = try same.handshake(resume: grant.session)
        guard case .established(let again) = resumed else {
            Issue.record("the opening address could not resume its session: \(resumed)")
            return
        }
        #expect(again.session == grant.session)
    }

    /// Sessions open when the master crashed are marked lost at the next start, so they
    /// expire unless their clients come back.
    @Test func sessionsOfACrashedMasterAreMarkedLost() throws {
        let master = try MasterProcess()
        try master.start()
        let c = try master.connect()
        let grant = try c.open()
        master.crash()
        try master.start(["-a"])
        #expect(master.stop() == 0)
        let session = try #require(try master.dumpedNamespace().session(grant.session))
        #expect(session.lostAt != nil)
        #expect(master.log.contains("marked lost"))
    }

    /// SIGHUP re-reads the exports: a good file takes effect for new connections, a bad one is
    /// refused with its errors logged and the rules in force stay.
    @Test func sighupReloadsTheExports() throws {
        let master = try MasterProcess(exports: "127.0.0.1  /  ro\n")
        try master.start()
        #expect(try master.connect().open().readOnly)
        let exportsPath = master.directory + "/mfsexports.cfg"
        func reload(_ text: String, until line: String) throws {
            let before = master.log.components(separatedBy: line).count
            try text.write(toFile: exportsPath, atomically: true, encoding: .utf8)
            kill(try #require(master.process).processIdentifier, SIGHUP)
            let deadline = Date().addingTimeInterval(10)
            while master.log.components(separatedBy: line).count == before, Date() < deadline { usleep(20_000) }
            #expect(master.log.components(separatedBy: line).count > before, "no \"\(line)\" in the log")
        }
        try reload("127.0.0.1  /  rw,alldirs,maproot=0\n", until: "exports reloaded")
        #expect(try !master.connect().open().readOnly)
        try reload("127.0.0.1  /  rw,bogus\n", until: "exports not reloaded")
        #expect(master.log.contains("bogus"))
        #expect(try !master.connect().open().readOnly)
        #expect(master.isRunning)
    }

    /// MATOCL_HELLO_TIMEOUT: a connection that says nothing is closed when it runs out; one
    /// that said hello in time is not.
    @Test func silentConnectionsAreClosedAtTheHelloTimeout() throws {
        let master = try MasterProcess(settings: ["MATOCL_HELLO_TIMEOUT": "1"])
        try master.start()
        let talker = try master.connect()
        _ = try talker.open()
        let silent = try master.connect()
        let started = Date()
        #expect(silent.isClosedByMaster())
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.9 && waited < 5, "closed after \(waited) s")
        #expect(master.log.contains("no hello within 1 s"))
        #expect(try talker.call(.getAttributes(talker.newID(), inode: .root)).wireStatus == .ok)
    }

    /// Out of descriptors (a master started with 64 at most): connections past them wait in the
    /// listen backlog, the master says why (once a second, not once a pass) and does not spin;
    /// when some close, the waiting ones are accepted and answered.
    @Test func connectionsPastTheDescriptorLimitWaitAndAreTakenLater() throws {
        let master = try MasterProcess(launcher: ["/usr/bin/prlimit", "--nofile=64:64", "--"])
        try master.start()
        var connections: [WireConnection] = []
        for _ in 0..<80 { connections.append(try master.connect()) }
        var warned = false
        for _ in 0..<500 where !warned {
            usleep(20_000)
            warned = master.log.contains("client port cannot accept a connection: Too many open files; accepting again in 100 ms")
        }
        #expect(warned)
        let pid = try #require(master.process?.processIdentifier)
        // utime + stime of the master (fields 14 and 15 of /proc/PID/stat); a read that fails
        // fails the test rather than counting 0.
        let ticks = { () throws -> Int in
            let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
            return try #require(Int(fields[11])) + #require(Int(fields[12]))
        }
        let before = try ticks()
        usleep(1_000_000)
        #expect(try ticks() - before < 30, "the master spun while out of descriptors")
        #expect(master.log.components(separatedBy: "cannot accept a connection").count - 1 <= 3)
        let last = connections.removeLast()
        connections.removeFirst(60)  // closes them, some accepted, some still waiting
        last.setTimeout(5)
        #expect(try last.open().session.rawValue > 0, "a connection that waited in the backlog was not served")
        #expect(master.isRunning)
    }

    /// MATOCL_MAX_CONNECTIONS: at the limit every connection works; one past it is closed at
    /// once with a log line; when one closes, a new one is taken again.
    @Test func connectionsPastTheLimitAreClosed() throws {
        let master = try MasterProcess(settings: ["MATOCL_MAX_CONNECTIONS": "3"])
        try master.start()
        var open: [WireConnection] = []
        for _ in 0..<3 {
            let c = try master.connect()
            _ = try c.open()
            open.append(c)
        }
        let extra = try master.connect()
        #expect(extra.isClosedByMaster())
        #expect(master.log.contains("too many connections (limit 3"))
        open.removeLast()  // closes it
        var admitted = false
        for _ in 0..<500 where !admitted {
            usleep(20_000)
            if let c = try? master.connect(), (try? c.open()) != nil { admitted = true }
        }
        #expect(admitted, "no connection was taken after one closed")
        #expect(try open[0].call(.getAttributes(open[0].newID(), inode: .root)).wireStatus == .ok)
    }

    /// `POST /dump` dumps at once and answers with the version; other methods are refused.
    @Test func postDumpDumpsNow() throws {
        let master = try MasterProcess()
        try master.start()
        let c = try master.connect()
        _ = try c.open()
        _ = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "before", mode: 0o755))
        let (code, body) = try StatusClient.get(host: "127.0.0.1", port: master.statusPort, path: "/dump", timeout: 10, method: "POST")
        #expect(code == 200, "\(String(decoding: body, as: UTF8.self))")
        let dumped = try master.dumpedNamespace()
        #expect(String(decoding: body, as: UTF8.self).hasPrefix("{\"version\":\(dumped.version.rawValue),"))
        #expect((try? dumped.lookup(.root, "before", as: .root)) != nil)
        let (refused, _) = try StatusClient.get(host: "127.0.0.1", port: master.statusPort, path: "/dump", timeout: 10)
        #expect(refused == 405)
        // The same through mfscli.
        _ = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: "after", mode: 0o755))
        let cli = try runBinary("mfscli", ["-H", "127.0.0.1:\(master.statusPort)", "dump"])
        let version = try master.dumpedNamespace().version.rawValue
        #expect(cli.0 == 0 && cli.1.contains("metadata dumped: {\"version\":\(version),"), "\(cli)")
        let unreachable = try runBinary("mfscli", ["-H", "127.0.0.1:1", "dump"])
        #expect(unreachable.0 == 1)
    }

    /// A client port that cannot be bound stops the master with exit status 3 (a failure
    /// after the start, which systemd's Restart=on-failure retries; 1 is a refused start) and a
    /// log line naming the address.
    @Test func portInUseStopsWithExitStatus3() throws {
        let occupied = try OccupiedPort()
        defer { withExtendedLifetime(occupied) {} }  // held until the daemon has tried it
        let port = occupied.port
        let master = try MasterProcess(settings: ["MATOCL_LISTEN_PORT": "\(port)"])
        #expect(throws: MasterProcess.StartFailed.self) { try master.start() }
        #expect(master.exitStatus == 3)
        let named =
            "cannot listen on 127.0.0.1:\(port) for the client port (MATOCL_LISTEN_HOST, MATOCL_LISTEN_PORT): Address already in use"
        #expect(master.log.contains(named), "\(master.log)")
    }
}

/// What the writers were told was done.
private final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var made: [(EntryName, InodeID)] = []
    private var problem: String?

    func add(_ name: EntryName, _ inode: InodeID) { lock.withLock { made.append((name, inode)) } }
    private var statuses: [String: Int] = [:]

    func fail(_ reason: String) { lock.withLock { problem = reason } }
    func refused(_ status: WireStatus) { lock.withLock { statuses["\(status)", default: 0] += 1 } }
    var refusals: [String: Int] { lock.withLock { statuses } }
    var all: [(EntryName, InodeID)] { lock.withLock { made } }
    var failure: String? { lock.withLock { problem } }
}
