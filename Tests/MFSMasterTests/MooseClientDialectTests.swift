import Foundation
import MFSCore
import MFSMetadata
import MFSTestSupport
import MFSWire
import MooseClientWire
import MooseWire
import Testing

/// MooseFS's client dialect on our master's client port (9421), over real TCP: the register with
/// its MD5 challenge as MooseFS answers it, requests mapped onto our namespace, and bad input
/// after a register closing only that connection with the namespace unchanged.
@Suite(.serialized) struct MooseClientDialectTests {
    static let exports = "*  /  rw,alldirs,maproot=0,password=secret\n"

    /// The next MooseFS frame from the master, NOPs skipped.
    static func receive(_ c: WireConnection) throws -> MooseFrame? {
        while let frame = try c.receive() {
            if frame.type.rawValue == 0 { continue }
            return MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload)
        }
        return nil
    }

    /// GETRANDOM, then NEWSESSION answering it for `password` (nil: no passcode).
    static func register(_ c: WireConnection, password: String?) throws -> FuseRegisterReply? {
        c.send(FuseRegister.getRandom.encode())
        guard let frame = try receive(c), case .random(let random) = try FuseRegisterReply.decode(frame) else { return nil }
        let passcode = password.map { FusePassword.passcode(random: random, digest: FusePassword.digest(Array($0.utf8))) }
        let session = FuseRegister.NewSession(version: .v3_0_117, info: Array("/mnt\0".utf8), path: Array("/\0".utf8), passcode: passcode)
        c.send(FuseRegister.newSession(session).encode())
        return try receive(c).map { try FuseRegisterReply.decode($0) }
    }

    static let root = FuseCredentials(uid: 0, gids: [0])
    static let user = FuseCredentials(uid: 1000, gids: [1000])

    /// A started master (its exports need the password) and a connection registered with it;
    /// nil, with the issue recorded, when no session was granted.
    static func registered() throws -> (MasterProcess, WireConnection)? {
        let master = try MasterProcess(exports: Self.exports, settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let c = try WireConnection(port: master.clientPort)
        guard case .session = try Self.register(c, password: "secret") else {
            Issue.record("no session")
            return nil
        }
        return (master, c)
    }

    static func ask(_ c: WireConnection, _ request: FuseRequest) throws -> FuseReply? {
        c.send(request.encode())
        return try receive(c).map { try FuseReply.decode($0) }
    }

    /// An idle client gets a NOP every `nopInterval` (1 s, as MooseFS's master sends them), and
    /// its connection stays open. Timed as they arrive: the middle of the three gaps between
    /// four NOPs is about 1 s (one every other second would be 2), whatever a busy host delays.
    @Test func anIdleClientGetsANOPEverySecond() throws {
        guard let (master, c) = try Self.registered() else { return }
        _ = master
        c.setTimeout(20)
        var arrivals: [ContinuousClock.Instant] = []
        while arrivals.count < 4, let frame = try c.receive() {
            if frame.type.rawValue == 0 { arrivals.append(.now) }
        }
        try #require(arrivals.count == 4, "the connection closed after \(arrivals.count) NOPs")
        let gaps = zip(arrivals.dropFirst(), arrivals).map { $0 - $1 }.sorted()
        #expect(gaps[1] > .milliseconds(500) && gaps[1] < .milliseconds(1_600), "gaps between NOPs: \(gaps)")
        c.setTimeout(0.2)
        #expect(!c.isClosedByMaster())
    }

    @Test func theRegisterChecksThePasswordAsMooseFSDoes() throws {
        let master = try MasterProcess(exports: Self.exports, settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let right = try WireConnection(port: master.clientPort)
        guard case .session(let grant) = try Self.register(right, password: "secret") else {
            Issue.record("the right password was refused")
            return
        }
        #expect(grant.version == .v3_0_117)
        #expect(grant.rootUID == 0)
        #expect(try Self.register(WireConnection(port: master.clientPort), password: "wrong") == .status(.badPassword))
        #expect(try Self.register(WireConnection(port: master.clientPort), password: nil) == .status(.noPassword))
        // RECONNECT of the live session from the same address: OK with the version.
        let again = try WireConnection(port: master.clientPort)
        again.send(FuseRegister.reconnect(sessionID: grant.sessionID, version: .v3_0_117, metaID: grant.metaID).encode())
        #expect(try Self.receive(again).map { try FuseRegisterReply.decode($0) } == .reconnected(version: .v3_0_117, status: .ok))
        // Another cluster's session.
        let stranger = try WireConnection(port: master.clientPort)
        stranger.send(FuseRegister.reconnect(sessionID: grant.sessionID, version: .v3_0_117, metaID: grant.metaID &+ 1).encode())
        #expect(
            try Self.receive(stranger).map { try FuseRegisterReply.decode($0) } == .reconnected(version: .v3_0_117, status: .badSessionID))
    }

    @Test func requestsMapOntoTheNamespace() throws {
        guard let (master, c) = try Self.registered() else { return }
        defer { withExtendedLifetime(master) {} }
        let (root, user) = (Self.root, Self.user)
        guard
            case .entry(_, 1, let dir, let attr) = try Self.ask(
                c, .mkdir(1, parent: 1, name: Array("d".utf8), mode: 0o777, umask: 0o022, root, copySGID: 0))
        else {
            Issue.record("mkdir failed")
            return
        }
        #expect(attr.mode == 0x2000 | 0o755)
        #expect(
            try Self.ask(c, .mkdir(2, parent: 1, name: Array("d".utf8), mode: 0o777, umask: 0, root, copySGID: 0))
                == .status(.fuseMkdir.reply, 2, .exists))
        guard case .create(3, _, let file, _) = try Self.ask(c, .create(3, parent: dir, name: Array("f".utf8), mode: 0o644, umask: 0, root))
        else {
            Issue.record("create failed")
            return
        }
        guard case .lookup(4, file, let found, let flags, nil) = try Self.ask(c, .lookup(4, parent: dir, name: Array("f".utf8), user))
        else {
            Issue.record("lookup failed")
            return
        }
        #expect(found.type == 1)
        // uid 1000 may read (R = bit 4) but not write (W = bit 2) a root file of mode 644.
        #expect(flags & (1 << 4) != 0 && flags & (1 << 2) == 0)
        #expect(try Self.ask(c, .lookup(5, parent: dir, name: Array("nope".utf8), root)) == .status(.fuseLookup.reply, 5, .noEntry))
        guard case .readdir(6, 0, let entries) = try Self.ask(c, .readdir(6, inode: dir, root, flags: 1, maxEntries: .max, edgeID: 0))
        else {
            Issue.record("readdir failed")
            return
        }
        #expect(entries.map { String(decoding: $0.name, as: UTF8.self) } == [".", "..", "f"])
        #expect(try Self.ask(c, .rmdir(7, parent: 1, name: Array("d".utf8), root)) == .status(.fuseRmdir.reply, 7, .notEmpty))
        #expect(try Self.ask(c, .unlink(8, parent: dir, name: Array("f".utf8), root)) == .removed(.fuseUnlink.reply, 8, inode: file))
        #expect(try Self.ask(c, .rmdir(9, parent: 1, name: Array("d".utf8), root)) == .removed(.fuseRmdir.reply, 9, inode: dir))
        #expect(
            try Self.ask(c, .getXattr(10, inode: 1, name: Array("user.a".utf8), mode: 0, opened: 0, root))
                == .status(.fuseGetXattr.reply, 10, .noAttribute))
        #expect(
            try Self.ask(c, .unsupported(MooseMessageType(468), 11, rest: [0, 0, 0, 1]))
                == .status(MooseMessageType(469), 11, .notSupported))
        guard case .timeSync(0, let usec) = try Self.ask(c, .timeSync(messageID: 0)) else {
            Issue.record("no time")
            return
        }
        #expect(abs(Double(usec) / 1e6 - Date().timeIntervalSince1970) < 60)
    }

    /// READDIR without `GETDIR_FLAG_WITHATTR` (libmfsio's listing): each entry is its name, inode
    /// and type byte, as MooseFS sends it; with attributes a listing also needs search permission.
    @Test func aListingWithoutAttributesCarriesTypeBytes() throws {
        guard let (master, c) = try Self.registered() else { return }
        defer { withExtendedLifetime(master) {} }
        let (root, user) = (Self.root, Self.user)
        guard
            case .entry(_, 1, let dir, _) = try Self.ask(
                c, .mkdir(1, parent: 1, name: Array("d".utf8), mode: 0o744, umask: 0, root, copySGID: 0)),
            case .create(2, _, let file, _) = try Self.ask(c, .create(2, parent: dir, name: Array("f".utf8), mode: 0o644, umask: 0, root)),
            case .entry(_, 3, let sub, _) = try Self.ask(
                c, .mkdir(3, parent: dir, name: Array("s".utf8), mode: 0o755, umask: 0, root, copySGID: 0))
        else {
            Issue.record("setup failed")
            return
        }
        c.send(FuseRequest.readdir(4, inode: dir, user, flags: 0, maxEntries: .max, edgeID: 0).encode())
        guard let frame = try Self.receive(c), frame.type == MooseMessageType.fuseReaddir.reply else {
            Issue.record("no READDIR reply")
            return
        }
        // msgid:32 nedgeid:64 then N x (nleng:8 name inode:32 type:8)
        var listed: [String: (inode: UInt32, type: UInt8)] = [:]
        let p = frame.payload
        #expect(p.count >= 12 && p[0..<4] == [0, 0, 0, 4])
        var at = 12
        while at < p.count {
            let n = Int(p[at])
            guard at + 1 + n + 5 <= p.count else {
                Issue.record("an entry runs past the reply at byte \(at)")
                return
            }
            let name = String(decoding: p[(at + 1)..<(at + 1 + n)], as: UTF8.self)
            let inode = p[(at + 1 + n)..<(at + 5 + n)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            listed[name] = (inode, p[at + 5 + n])
            at += 1 + n + 5
        }
        #expect(listed.count == 4)
        #expect(listed["."]?.inode == dir && listed["."]?.type == 2)
        #expect(listed[".."]?.inode == 1 && listed[".."]?.type == 2)
        #expect(listed["f"]?.inode == file && listed["f"]?.type == 1)
        #expect(listed["s"]?.inode == sub && listed["s"]?.type == 2)
        // Read without search permission: the listing with attributes is refused, as MooseFS does.
        #expect(
            try Self.ask(c, .readdir(5, inode: dir, user, flags: 1, maxEntries: .max, edgeID: 0))
                == .status(.fuseReaddir.reply, 5, .accessDenied))
        #expect(FuseReaddirWriter.typeByte(3, clientVersion: MooseVersion(major: 1, mid: 6, minor: 27)) == UInt8(ascii: "l"))
        #expect(FuseReaddirWriter.typeByte(9, clientVersion: MooseVersion(major: 1, mid: 6, minor: 27)) == UInt8(ascii: "?"))
    }

    @Test func aFollowerRedirectsMooseFSClientsToTheActiveMaster() throws {
        let active = try MasterProcess.active(syncReplicas: 0)
        try active.start()
        let follower = try MasterProcess.follower(of: active.peerPort, extra: ["SYNC_REPLICAS": "0"])
        try follower.start()
        // Once the follower follows (it knows the active master; before that the redirect
        // names 0, "not known yet"), GETRANDOM is answered as usual (the client reads exactly
        // 32 bytes), then NEWSESSION gets the 4-byte redirect: the active master's IPv4.
        #expect(eventually { (try? follower.status()).map { $0.role == "follower" && $0.following?.connected == true } ?? false })
        let c = try WireConnection(port: follower.clientPort)
        guard case .redirect(let ip) = try Self.register(c, password: nil) else {
            Issue.record("a follower did not redirect")
            return
        }
        #expect(ip == 0x7F00_0001, "redirected to \(ip)")
        #expect(c.isClosedByMaster())
        _ = follower.stop()
        _ = active.stop()
    }

    @Test func badInputAfterARegisterClosesOnlyThatConnection() throws {
        let master = try MasterProcess(exports: Self.exports, settings: ["SYNC_REPLICAS": "0"])
        try master.start()
        let seed = UInt64.random(in: 0...UInt64.max)
        var random = SeededRandom(seed: seed)
        // Registered sessions first (each opens a session: a change), then the version to keep.
        var connections: [WireConnection] = []
        for _ in 0..<30 {
            let c = try WireConnection(port: master.clientPort)
            guard case .session = try Self.register(c, password: "secret") else { throw WireConnection.Closed() }
            connections.append(c)
        }
        // A tree to keep: /d holding /d/f, listed (names and attributes) before and after.
        let root = FuseCredentials(uid: 0, gids: [0])
        guard
            case .entry(_, _, let dir, _) = try Self.ask(
                connections[0], .mkdir(90, parent: 1, name: Array("d".utf8), mode: 0o755, umask: 0, root, copySGID: 0)),
            case .create = try Self.ask(connections[0], .create(91, parent: dir, name: Array("f".utf8), mode: 0o644, umask: 0, root))
        else { throw WireConnection.Closed() }
        let listing = { (c: WireConnection) throws -> [FuseReply] in
            [
                try Self.ask(c, .readdir(92, inode: 1, root, flags: 1, maxEntries: .max, edgeID: 0)),
                try Self.ask(c, .readdir(93, inode: dir, root, flags: 1, maxEntries: .max, edgeID: 0)),
            ].compactMap { $0 }
        }
        let treeBefore = try listing(connections[0])
        #expect(treeBefore.count == 2)
        let before = try master.status().version
        let lookup = FuseRequest.lookup(1, parent: 1, name: Array("x".utf8), FuseCredentials(uid: 0, gids: [0])).encode()
        for (n, c) in connections.enumerated() {
            switch n % 3 {
            case 0:  // a request cut short: a wrong length
                let cut = Int(random.next() % UInt64(lookup.count - 9)) + 1
                var bytes = Array(lookup.prefix(8 + cut))
                bytes.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(cut).bigEndian, Array.init))
                c.send(bytes)
            case 1:  // a frame longer than the limit
                c.send([0, 0, 1, 0x96] + withUnsafeBytes(of: UInt32(MooseClientLimits.requestFrame + 1).bigEndian, Array.init))
            default:  // random bytes
                c.send((0..<Int(random.next() % 64 + 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            }
        }
        // Each ends closed: at once, or after MooseFS's 10 s without a whole frame (a random
        // header may announce a payload that never comes). NOPs come meanwhile.
        for c in connections { c.setTimeout(15) }
        for c in connections { #expect(c.isClosedByMaster(), "seed \(seed)") }
        let status = try master.status()
        #expect(status.healthy && status.role == "active", "seed \(seed)")
        // The tree as it was (names and attributes), seen from a new session.
        let after = try WireConnection(port: master.clientPort)
        guard case .session = try Self.register(after, password: "secret") else { throw WireConnection.Closed() }
        #expect(try listing(after) == treeBefore, "seed \(seed)")
        // Only the sessions' losses and the new session may have been recorded (no namespace change).
        let namespace = try master.dumpedNamespaceAfterStop()
        #expect(namespace.inodeCount == 3, "seed \(seed): \(status.version - before) changes")
        #expect(master.log.contains("MooseFS client"), "no log line names the MooseFS dialect's refusals")
    }
}

extension MasterProcess {
    /// The namespace as the master dumps it when stopped.
    func dumpedNamespaceAfterStop() throws -> Namespace {
        _ = stop()
        return try dumpedNamespace()
    }
}
