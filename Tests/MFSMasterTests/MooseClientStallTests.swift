import Foundation
import MFSCore
import MFSMaster
import MFSTestSupport
import MooseClientWire
import MooseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A MooseFS client whose replies are queued past `PollLoopLimits.maxQueuedOutputBytes` and
/// that takes none of them is closed after the keep-alive's input timeout (10 s), as a silent
/// one is: otherwise the notices that other clients' changes cause would queue for it without
/// end, since its frames are not read (so never counted as silence) while the queue is full.
@Suite(.serialized) struct MooseClientStallTests {
    typealias Dialect = MooseClientDialectTests
    static let root = FuseCredentials(uid: 0, gids: [0])

    /// A directory "d" whose listing is some 200 KB, made over `c` with pipelined creates
    /// (message ids 1 and 10 up); nil, with the issue recorded, when the mkdir failed.
    static func directoryToList(_ c: WireConnection) throws -> UInt32? {
        guard
            case .entry(_, 1, let dir, _) = try Dialect.ask(
                c, .mkdir(1, parent: 1, name: Array("d".utf8), mode: 0o755, umask: 0, Self.root, copySGID: 0))
        else {
            Issue.record("mkdir failed")
            return nil
        }
        let files = 4_000
        c.send(
            Array(
                (0..<files).map {
                    FuseRequest.create(UInt32(10 + $0), parent: dir, name: Array("file-\($0)".utf8), mode: 0o644, umask: 0, Self.root)
                        .encode()
                }.joined()))
        for _ in 0..<files { _ = try #require(try Dialect.receive(c), "a create was not answered") }
        return dir
    }

    /// Sixty listings of `dir` (12 MB) asked for over `c`.
    static func askListings(_ c: WireConnection, of dir: UInt32) {
        c.send(
            Array(
                (0..<60).map {
                    FuseRequest.readdir(UInt32(100 + $0), inode: dir, Self.root, flags: 1, maxEntries: .max, edgeID: 0).encode()
                }.joined()))
    }

    @Test func aClientThatTakesNoneOfItsQueuedRepliesIsClosed() throws {
        guard let (master, maker) = try Dialect.registered(), let dir = try Self.directoryToList(maker) else { return }
        let stalled = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(stalled, password: "secret") else {
            Issue.record("no session")
            return
        }
        // Sixty listings (12 MB) asked for, none read.
        let asked = Date()
        Self.askListings(stalled, of: dir)
        let reason = "took none of its queued replies"
        #expect(eventually(30) { master.log.contains(reason) }, "\(master.log.suffix(2_000))")
        let after = Date().timeIntervalSince(asked)
        #expect(after >= 9, "closed after \(after) s, before the 10 s timeout")
        // What was queued is sent before the close (the socket takes it as it is read).
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(stalled.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            total += n
        }
        #expect(total > 4 << 20, "only \(total) bytes came before the end")
        // The master goes on (a new client: `maker`, silent as long, was closed as well).
        let next = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(next, password: "secret"),
            case .attr = try Dialect.ask(next, .getattr(9_000, inode: dir, opened: nil, uid: 0, gid: 0))
        else {
            Issue.record("a new client is not answered")
            return
        }
        #expect(master.isRunning)
    }
}

extension MooseClientStallTests {
    /// While a mount's replies are queued past the limit, at most
    /// `ClientServerLimits.maxNoticeBytesWhileFull` of notices queue for it; one more closes it
    /// (here before the 10 s of the stall timer): another session truncates a file the stalled
    /// one holds open, each truncate a FLENG_HAS_CHANGED for it.
    @Test func noticesQueuedBehindUnreadRepliesAreBounded() throws {
        guard let (master, writer) = try Dialect.registered(), let dir = try Self.directoryToList(writer) else { return }
        guard
            case .create(2, _, let file, _) = try Dialect.ask(
                writer, .create(2, parent: 1, name: Array("f".utf8), mode: 0o644, umask: 0, Self.root))
        else {
            Issue.record("create failed")
            return
        }
        let stalled = try WireConnection(port: master.clientPort)
        guard case .session = try Dialect.register(stalled, password: "secret"),
            case .open = try Dialect.ask(stalled, .open(1, inode: file, Self.root, flags: 0x01))
        else {
            Issue.record("the stalled client's session or open failed")
            return
        }
        Self.askListings(stalled, of: dir)
        usleep(500_000)
        let started = Date()
        let reason = "bytes of notices queued behind its unread replies"
        var sent = 0
        while !master.log.contains(reason), sent < 200_000, Date().timeIntervalSince(started) < 9 {
            let batch = 2_000
            writer.send(
                Array(
                    (0..<batch).map {
                        FuseRequest.truncate(UInt32(10_000 + $0), inode: file, flags: 0x01, Self.root, length: UInt64(($0 % 2) * 100))
                            .encode()
                    }.joined()))
            for _ in 0..<batch { _ = try #require(try Dialect.receive(writer), "a truncate was not answered") }
            sent += batch
        }
        #expect(
            eventually(5) { master.log.contains(reason) },
            "\(sent) truncates in \(Date().timeIntervalSince(started)) s: \(master.log.suffix(1_500))")
        #expect(!master.log.contains("took none of its queued replies"), "the stall timer closed it first")
        #expect(sent * 24 > ClientServerLimits.maxNoticeBytesWhileFull, "closed after \(sent) notices")
        #expect(master.isRunning)
    }
}
