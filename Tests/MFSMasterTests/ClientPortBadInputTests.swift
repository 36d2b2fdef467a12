import Foundation
import MFSCore
import MFSMetadata
import MFSTestSupport
import MFSWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Bad bytes on the client port close only that connection, with a logged reason; the master
/// keeps serving and its namespace does not change.
@Suite(.serialized) struct ClientPortBadInputTests {
    /// Each kind of bad input the issue names, one connection each.
    @Test func eachBadInputClosesOnlyItsConnection() throws {
        let master = try MasterProcess()
        try master.start()
        let keeper = try master.connect()
        _ = try keeper.open()
        let valid = Hello(role: .client, metaID: .unknown, epoch: .zero, client: ClientHello(clientVersion: "t", mountPath: "/")).encode()
        var generator = SeededRandom(seed: 7)
        let random = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let cases: [(String, [UInt8], String)] = [
            ("random bytes", random, "closing client connection"),
            ("oversized length", [0, 0, 3, 232, 0x7F, 0xFF, 0xFF, 0xFF], "the limit is \(WireLimits.maxFrameLength)"),
            ("unknown type", Frame(type: MessageType(54_321), payload: []).encode(), "type 54321 before the hello"),
            ("request before the hello", ClientRequest.getAttributes(RequestID(1), inode: .root).encode(), "before the hello"),
            ("truncated hello", Frame(type: AnyToMaster.hello, payload: Array(valid[8..<14])).encode(), "bytes short"),
            (
                "a chunkserver on the client port", Hello(role: .chunkserver, metaID: .unknown, epoch: .zero).encode(),
                "chunkserver said hello"
            ),
        ]
        for (name, bytes, logged) in cases {
            let c = try master.connect()
            c.send(bytes)
            #expect(c.isClosedByMaster(), "\(name): the connection stayed open")
            #expect(master.log.contains(logged), "\(name): the log does not say \"\(logged)\"")
        }
        // A hello with another cluster's metaid gets its refusal, then the close.
        let stranger = try master.connect()
        let (_, refused) = try stranger.handshake(metaID: MetaID(0xDEAD_BEEF))
        #expect(refused == .refused(.wrongMetaID) && stranger.isClosedByMaster())
        #expect(master.log.contains("the client belongs to cluster 00000000deadbeef"))
        // A frame cut off by the client's close is noted too.
        let cut = try master.connect()
        cut.send(Array(valid.prefix(valid.count - 3)))
        shutdown(cut.fd, Int32(SHUT_WR))
        #expect(cut.isClosedByMaster())
        // A second hello after the session is a protocol error.
        let twice = try master.connect()
        _ = try twice.open()
        twice.send(valid)
        #expect(twice.isClosedByMaster())
        // The established connection never noticed.
        #expect(try keeper.call(.getAttributes(keeper.newID(), inode: .root)).wireStatus == .ok)
        #expect(master.isRunning)
    }

    /// ≥ 100,000 frames: half mutated hellos on fresh connections, half mutated requests of
    /// every type after a valid hello on a read-only export. Afterwards a client still works
    /// and the namespace, compared by dump, is what it was.
    @Test func fuzzedFramesChangeNothing() throws {
        let frames = Int(ProcessInfo.processInfo.environment["MFS_FUZZ_FRAMES"] ?? "") ?? 100_000
        let seed = UInt64(ProcessInfo.processInfo.environment["MFS_FUZZ_SEED"] ?? "") ?? UInt64(time(nil))
        let master = try MasterProcess(
            exports: "127.0.0.1  /  rw,alldirs,maproot=0,password=admin\n127.0.0.1  /  ro,alldirs,maproot=0\n",
            settings: ["CHANGELOG_SAVE_MODE": "1"])
        try master.start()
        let tree = try FuzzTree(master)
        #expect(master.stop() == 0)
        let before = try NamespaceSignature(master.dumpedNamespace())
        try master.start()

        var fuzzer = FrameFuzzer(seed: seed, tree: tree)
        var stats = FuzzStats()
        var connection: WireConnection?
        for i in 0..<frames {
            if i % 2 == 0 {
                // A mutated hello on a connection of its own.
                // The client then ends its side, so the master closes once it has answered.
                let c = try master.connect()
                c.prepareForFuzzing()
                c.send(FrameFuzzer.completed(fuzzer.mutate(fuzzer.hello())))
                shutdown(c.fd, Int32(SHUT_WR))
                let outcome = c.drain()
                stats.count(outcome)
                if outcome == .waiting {
                    Issue.record("the master neither answered nor closed a fuzzed hello (seed \(seed), frame \(i))")
                }
            } else {
                if connection == nil {
                    let c = try master.connect()
                    c.prepareForFuzzing()
                    let (_, session) = try c.handshake()
                    guard case .established(let grant) = session, grant.readOnly else {
                        Issue.record("the read-only export did not admit the fuzzer (seed \(seed)): \(session)")
                        return
                    }
                    connection = c
                }
                let c = connection!
                // Completed so that every byte the master reads belongs to a whole frame: the
                // probe behind it is then answered, or the connection closed; never a wait.
                let frame = FrameFuzzer.completed(fuzzer.mutate(fuzzer.request()))
                c.send(frame + ClientRequest.getAttributes(RequestID(UInt64.max), inode: .root).encode())
                let outcome = c.drainUntil(RequestID(UInt64.max))
                stats.count(outcome)
                if outcome == .waiting {
                    Issue.record("the master neither answered nor closed after a fuzzed request (seed \(seed), frame \(i))")
                }
                if outcome != .answered { connection = nil }
            }
        }
        print("fuzz: seed \(seed), \(frames) frames: \(stats)")
        #expect(stats.closed > 0 && stats.answered > 0, "the fuzzer never hit one of the outcomes (seed \(seed)): \(stats)")
        // The master serves, and nothing changed.
        let after = try master.connect()
        _ = try after.open(password: "admin")
        #expect(try after.call(.lookup(after.newID(), rootCaller, parent: .root, name: "d0")).wireStatus == .ok)
        #expect(master.stop() == 0, "seed \(seed)")
        let signature = try NamespaceSignature(master.dumpedNamespace())
        #expect(signature == before, "the namespace changed under fuzzing (seed \(seed))")
    }
}

/// Files, directories and a symlink for the fuzzer to aim at, made over a read-write session.
struct FuzzTree {
    var inodes: [InodeID] = [.root]
    var names: [EntryName] = []

    init(_ master: MasterProcess) throws {
        let c = try master.connect()
        _ = try c.open(password: "admin")
        for d in 0..<4 {
            let name = try EntryName(validating: "d\(d)")
            guard let dir = try c.call(.mkdir(c.newID(), rootCaller, parent: .root, name: name, mode: 0o755)).attributes else {
                throw WireConnection.Closed()
            }
            inodes.append(dir.inode)
            names.append(name)
            for f in 0..<4 {
                let file = try EntryName(validating: "f\(f)")
                let reply = try c.call(.mknod(c.newID(), rootCaller, parent: dir.inode, name: file, type: .file, mode: 0o644, rdev: 0))
                inodes.append(try #require(reply.attributes).inode)
                names.append(file)
            }
        }
        let link = try c.call(.symlink(c.newID(), rootCaller, parent: .root, name: "l", target: Array("d0/f0".utf8)))
        inodes.append(try #require(link.attributes).inode)
    }
}

/// The namespace as a comparable value: every inode's attributes and every directory's entries
/// (sessions are left out: connecting is allowed to open and close them).
struct NamespaceSignature: Equatable {
    var attributes: [Attributes] = []
    var entries: [[DirectoryListingEntry]] = []

    init(_ namespace: Namespace) throws {
        for inode in namespace.allInodes() {
            let a = try namespace.attributes(of: inode)
            attributes.append(a)
            if a.type == .directory { entries.append(try namespace.readdir(inode, limit: 1_000_000, as: .root).entries) }
        }
    }
}

enum FuzzOutcome: Equatable {
    /// The master answered (the probe after the frame came back).
    case answered
    /// The master closed the connection.
    case closed
    /// The master waits for more bytes (a length that promises more than was sent).
    case waiting
}

struct FuzzStats: CustomStringConvertible {
    var answered = 0
    var closed = 0
    var waiting = 0

    mutating func count(_ outcome: FuzzOutcome) {
        switch outcome {
        case .answered: answered += 1
        case .closed: closed += 1
        case .waiting: waiting += 1
        }
    }

    var description: String { "\(answered) answered, \(closed) closed the connection, \(waiting) left the master waiting for bytes" }
}

extension WireConnection {
    /// A short receive timeout (a silent master is a failure, not something to wait out) and a
    /// close that resets instead of leaving tens of thousands of sockets in TIME_WAIT.
    func prepareForFuzzing() {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Reads replies until the master closes or goes quiet.
    func drain() -> FuzzOutcome {
        while true {
            do {
                guard try receive() != nil else { return .closed }
            } catch let error as POSIXError where error.code == .EAGAIN {
                return .waiting
            } catch {
                return .closed
            }
        }
    }

    /// Reads replies until the one for `probe` (the connection is alive), a close, or silence.
    func drainUntil(_ probe: RequestID) -> FuzzOutcome {
        while true {
            do {
                guard let frame = try receive() else { return .closed }
                if let reply = try? MasterReply.decode(frame), reply.requestID == probe { return .answered }
            } catch let error as POSIXError where error.code == .EAGAIN {
                return .waiting
            } catch {
                return .closed
            }
        }
    }
}

/// Valid frames of every message type, then mutated: bit flips, truncation (with the length
/// fixed up or not), wrong lengths, out-of-range ids and names with bad bytes.
struct FrameFuzzer {
    var random: SeededRandom
    let tree: FuzzTree
    private var nextID: UInt64 = 1

    init(seed: UInt64, tree: FuzzTree) {
        random = SeededRandom(seed: seed)
        self.tree = tree
    }

    mutating func hello() -> [UInt8] {
        let paths = ["/", "/d0", "/nope", "", "d0", String(repeating: "x", count: 300)]
        let path = paths[Int.random(in: 0..<paths.count, using: &random)]
        return Hello(
            role: .client, metaID: .unknown, epoch: .zero,
            client: ClientHello(
                clientVersion: "fuzz", mountPath: path,
                resumeSession: Bool.random(using: &random) ? SessionID(UInt32.random(in: 1...9, using: &random)) : nil)
        ).encode()
    }

    private mutating func inode() -> InodeID {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: InodeID(UInt32.random(in: 0...UInt32.max, using: &random))
        case 1: InodeID(0)
        default: tree.inodes[Int.random(in: 0..<tree.inodes.count, using: &random)]
        }
    }

    private mutating func name() -> EntryName {
        Bool.random(using: &random) ? tree.names[Int.random(in: 0..<tree.names.count, using: &random)] : "new"
    }

    /// A valid request of a random type, aimed at the tree.
    mutating func request() -> [UInt8] {
        nextID += 1
        let id = RequestID(Bool.random(using: &random) ? nextID : UInt64.random(in: 0...UInt64.max - 1, using: &random))
        let who = Credentials(uid: UInt32.random(in: 0...2, using: &random), gid: 0, groups: [1, 2])
        let requests: [ClientRequest] = [
            .info(id), .lookup(id, who, parent: inode(), name: name()), .getAttributes(id, inode: inode()),
            .setAttributes(id, who, inode: inode(), changes: AttributeChanges(mode: 0o777, atime: .now)), .readlink(id, inode: inode()),
            .symlink(id, who, parent: inode(), name: name(), target: [0x61]),
            .mknod(id, who, parent: inode(), name: name(), type: .file, mode: 0o644, rdev: 0),
            .mkdir(id, who, parent: inode(), name: name(), mode: 0o755), .unlink(id, who, parent: inode(), name: name()),
            .rmdir(id, who, parent: inode(), name: name()),
            .rename(id, who, parent: inode(), name: name(), newParent: inode(), newName: name()),
            .link(id, who, inode: inode(), newParent: inode(), newName: name()),
            .readdir(id, who, inode: inode(), cookie: UInt64.random(in: 0...3, using: &random), maxEntries: 10),
            .open(id, who, inode: inode(), flags: [.read]), .release(id, who, inode: inode()), .getGoal(id, inode: inode()),
            .setGoal(id, who, inode: inode(), goal: UInt8.random(in: 0...12, using: &random), recursive: true),
            .setLength(id, who, inode: inode(), length: 5, opened: true),
            .chunks(id, inode: inode(), firstIndex: 0, maxChunks: 5), .closeSession(id),
        ]
        return requests[Int.random(in: 0..<requests.count, using: &random)].encode()
    }

    /// One mutation of a valid frame; sometimes none, so valid frames keep their share.
    mutating func mutate(_ frame: [UInt8]) -> [UInt8] {
        var bytes = frame
        let header = WireLimits.frameHeaderLength
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            return bytes
        case 1, 2:
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let i = Int.random(in: 0..<bytes.count, using: &random)
                bytes[i] ^= 1 << UInt8.random(in: 0...7, using: &random)
            }
        case 3:
            // Truncated payload with the length fixed up: a whole frame that is short.
            let keep = Int.random(in: header...bytes.count, using: &random)
            bytes = Array(bytes[..<keep])
            setLength(&bytes, UInt32(keep - header))
        case 4:
            // A wrong length, padded so the master is not left waiting.
            let delta = Int.random(in: -8...64, using: &random)
            let length = max(0, bytes.count - header + delta)
            setLength(&bytes, UInt32(length))
            if delta > 0 { bytes += [UInt8](repeating: 0, count: delta) }
        case 5:
            // Out-of-range numbers: overwrite a payload word with 0 or all ones.
            if bytes.count >= header + 12 {
                let i = Int.random(in: (header + 8)...(bytes.count - 4), using: &random)
                let value: UInt8 = Bool.random(using: &random) ? 0xFF : 0
                for k in 0..<4 { bytes[i + k] = value }
            }
        case 6:
            // A name byte replaced with '/' or NUL, or a length byte with 0 or 255.
            let i = Int.random(in: header..<bytes.count, using: &random)
            bytes[i] = [0x2F, 0x00, 0xFF][Int.random(in: 0..<3, using: &random)]
        default:
            // Random bytes appended after the frame (the next "frame" is garbage).
            bytes += (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        return bytes
    }

    /// The bytes padded with zeros so that they split into whole frames as the master reads
    /// them, unless a header claims more than the frame limit (the master closes at once).
    static func completed(_ bytes: [UInt8]) -> [UInt8] {
        var stream = bytes
        let header = WireLimits.frameHeaderLength
        var start = 0
        while start < stream.count {
            if stream.count - start < header { stream += [UInt8](repeating: 0, count: header - (stream.count - start)) }
            let length = stream[(start + 4)..<(start + 8)].reduce(0) { $0 << 8 | Int($1) }
            if length > WireLimits.maxFrameLength { break }
            let end = start + header + length
            if end > stream.count { stream += [UInt8](repeating: 0, count: end - stream.count) }
            start = end
        }
        return stream
    }

    private func setLength(_ bytes: inout [UInt8], _ length: UInt32) {
        for k in 0..<4 { bytes[4 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(k))) }
    }
}
