import Foundation
import MFSNet
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// Why a peer connection to the master ended or could not start.
public struct LinkError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP connection that sends and receives whole frames, with deadlines. A peer
/// (metalogger, follower) has one connection and one thread: read what came, store it, fsync,
/// acknowledge; no event loop needed.
public final class FrameSocket {
    private let socket: BlockingSocket
    private var frames = FrameDecoder()
    public var address: String { socket.address }

    /// Connects to `host:port` within `timeout` seconds.
    public init(host: String, port: Int, timeout: Double) throws(LinkError) {
        do throws(SocketError) { socket = try BlockingSocket(host: host, port: port, timeout: timeout) } catch {
            throw LinkError(error.description)
        }
    }

    public func close() { socket.close() }

    /// See `BlockingSocket.descriptor`.
    public var descriptor: Int32 { socket.descriptor }

    /// Sends all of `bytes` within `timeout` seconds.
    public func send(_ bytes: [UInt8], timeout: Double = 10) throws(LinkError) {
        do throws(SocketError) { try socket.send(bytes, timeout: timeout) } catch { throw LinkError(error.description) }
    }

    /// The next frame, waiting at most `timeout` seconds; nil when none came in time.
    public func receive(timeout: Double) throws(LinkError) -> Frame? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let frame = try decoded() { return frame }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, socket.wait(for: Int16(POLLIN), seconds: left) else { return nil }
            try fill()
        }
    }

    /// A frame already received or readable at once, without waiting.
    public func receiveNow() throws(LinkError) -> Frame? {
        if let frame = try decoded() { return frame }
        guard socket.wait(for: Int16(POLLIN), seconds: 0) else { return nil }
        try fill()
        return try decoded()
    }

    private func decoded() throws(LinkError) -> Frame? {
        do throws(WireError) { return try frames.next() } catch { throw LinkError("\(address) sent a bad frame: \(error)") }
    }

    private func fill() throws(LinkError) {
        do throws(SocketError) { try socket.receiveSome { frames.append($0) } } catch { throw LinkError(error.description) }
    }
}
