import Foundation
import MFSCore
import MooseWire
import Synchronization

@testable import MFSChunkserver

#if canImport(Glibc)
    import Glibc
#endif

/// A master for tests, written with MooseWire over blocking sockets: accepts chunkservers on
/// 127.0.0.1, answers their registration as a MooseFS 3.0.117 master does (optionally with an
/// AUTH_CODE challenge, our epoch extension, a redirect or a wait), records what they send, and
/// sends them commands.
final class TestMaster: @unchecked Sendable {
    struct Options {
        var authCode: String?
        /// Answer the probe as swift-mfs and send this epoch; nil: behave as MooseFS.
        var epoch: UInt64?
        var metaID: UInt64 = 0x1234_5678_9ABC_DEF0
        /// Answer the next BEGIN with a redirect to this IPv4 (then forget it).
        var redirect: UInt32?
        var chunkserverID: UInt16 = 7
    }

    /// One registered (or registering) chunkserver connection.
    final class Link: @unchecked Sendable {
        let fd: Int32
        var begin: RegisterBegin?
        var chunks: [ListedChunk] = []
        var registered = false
        /// Answers nothing and keeps the connection (a master gone silent, no FIN).
        var silent = false
        var received: [ChunkserverToMaster] = []
        let lock = NSLock()

        init(fd: Int32) { self.fd = fd }

        func send(_ bytes: [UInt8]) {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
        }

        func snapshot<T>(_ body: (Link) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(self)
        }
    }

    var options: Options
    private let listener: Int32
    let port: UInt16
    private let state = NSLock()
    private var links: [Link] = []
    private var stopped = false
    /// Passcode failures seen.
    private(set) var refusedPasswords = 0

    init(_ options: Options = Options()) throws {
        self.options = options
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw LabFailure("bind/listen: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        state.lock()
        stopped = true
        let all = links
        state.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for link in all { shutdown(link.fd, Int32(SHUT_RDWR)) }
    }

    /// Drops every connection with a FIN (the chunkservers reconnect).
    func dropConnections() {
        state.lock()
        let all = links
        links = []
        state.unlock()
        for link in all { shutdown(link.fd, Int32(SHUT_RDWR)) }
    }

    var allLinks: [Link] {
        state.lock()
        defer { state.unlock() }
        return links
    }

    /// The newest registered link, waiting up to `seconds`.
    func registered(within seconds: Double = 10, where condition: (Link) -> Bool = { _ in true }) -> Link? {
        var found: Link?
        _ = waitFor(seconds) {
            found = allLinks.last { link in link.snapshot { $0.registered } && condition(link) }
            return found != nil
        }
        return found
    }

    // MARK: serving

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                state.lock()
                let done = stopped
                state.unlock()
                if done { return }
                continue
            }
            let link = Link(fd: fd)
            state.lock()
            links.append(link)
            state.unlock()
            let thread = Thread { [self] in serve(link) }
            thread.start()
        }
    }

    private func serve(_ link: Link) {
        defer { close(link.fd) }
        var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.chunkserverToMasterFrame)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var challenge: RegisterChallenge?
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(link.fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            frames.append(buffer[..<n])
            while let frame = try? frames.next() {
                guard let message = try? ChunkserverToMaster.decode(frame) else { return }
                if link.snapshot({ $0.silent }) { continue }
                link.snapshot { $0.received.append(message) }
                switch message {
                case .register(.begin(let begin)):
                    if let redirect = options.redirect {
                        options.redirect = nil
                        link.send(MasterAck.redirect(ipv4: redirect).encode())
                        continue
                    }
                    if let code = options.authCode {
                        guard let answer = begin.passcode, let asked = challenge else {
                            let drawn = RegisterChallenge(random: (0..<32).map { _ in UInt8.random(in: 0...255) })
                            challenge = drawn
                            link.send(MasterAck.challenge(drawn).encode())
                            continue
                        }
                        guard asked.accepts(answer, authCode: Array(code.utf8)) else {
                            state.lock()
                            refusedPasswords += 1
                            state.unlock()
                            return
                        }
                    }
                    link.snapshot { $0.begin = begin }
                    let accepted = RegisterAccepted(
                        timeoutSeconds: 10, chunkserverID: ChunkserverID(options.chunkserverID), metaID: MetaID(options.metaID))
                    link.send(MasterAck.registered(accepted).encode())
                case .register(.chunks(let chunks)):
                    link.snapshot { $0.chunks += chunks }
                    link.send(MasterAck.nextChunks.encode())
                case .register(.end):
                    link.snapshot { $0.registered = true }
                case .getConfig(let query):
                    if options.epoch != nil, SwiftMFSExtension.isProbe(query) {
                        link.send(SwiftMFSExtension.answer(to: query).encode())
                    } else {
                        link.send(ConfigValue(messageID: query.messageID, value: "").encode())
                    }
                case .epochQuery:
                    if let epoch = options.epoch { link.send(MasterEpoch(epoch: Epoch(epoch), metaID: MetaID(options.metaID)).encode()) }
                case .getVersion(let query):
                    link.send(VersionInfo(messageID: query.messageID, version: .v3_0_117, text: "3.0.117-test").encode())
                default: break
                }
            }
        }
    }
}

extension TestMaster.Link {
    /// Sends a command and waits for the reply `match` picks.
    func command<T>(_ bytes: [UInt8], within seconds: Double = 20, _ match: @escaping (ChunkserverToMaster) -> T?) -> T? {
        let before = snapshot { $0.received.count }
        send(bytes)
        var found: T?
        _ = waitFor(seconds) {
            found = snapshot { link in link.received[before...].lazy.compactMap(match).first }
            return found != nil
        }
        return found
    }

    /// The status of a chunk command (create, delete, set version, truncate, duplicate).
    func status(_ bytes: [UInt8], chunk: ChunkID) -> MooseStatus? {
        command(bytes) { message in
            if case .commandStatus(let reply) = message, reply.chunkID == chunk { return reply.status }
            return nil
        }
    }

    var damagedReports: [ChunkID] {
        snapshot { link in
            link.received.flatMap { message -> [ChunkID] in
                if case .chunkIDs(let report) = message, report.kind == .damaged { return report.chunkIDs }
                return []
            }
        }
    }
}

struct LabFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass.
@discardableResult
func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
