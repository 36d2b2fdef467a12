import MFSCore
import MFSNet
import MooseWire

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking connection to a chunkserver's data port (9422), MooseFS 3.0 frames: one per
/// chunk transfer, on the thread that does it.
final class DataSocket {
    let server: ChunkserverAddress
    private let socket: BlockingSocket
    private var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.dataPortFrame)

    init(_ server: ChunkserverAddress, timeout: Double) throws(DataPathError) {
        self.server = server
        do throws(SocketError) {
            socket = try BlockingSocket(host: Self.dotted(server.ip), port: Int(server.port), timeout: timeout)
        } catch {
            throw .connection(error.description)
        }
    }

    func close() { socket.close() }

    func send(_ bytes: [UInt8], timeout: Double) throws(DataPathError) {
        do throws(SocketError) { try socket.send(bytes, timeout: timeout) } catch { throw .connection(error.description) }
    }

    /// The next reply that is not a NOP, waiting at most `timeout` seconds for each frame.
    func receive(timeout: Double) throws(DataPathError) -> DataPortReply {
        while true {
            if let reply = try decoded() {
                if case .nop = reply { continue }
                return reply
            }
            guard socket.wait(for: Int16(POLLIN), seconds: timeout) else {
                throw .connection("chunkserver \(server) sent nothing for \(Int(timeout * 1000)) ms")
            }
            try fill()
        }
    }

    /// A reply already here or readable at once (NOPs skipped); nil when none is.
    func receiveNow() throws(DataPathError) -> DataPortReply? {
        while true {
            if let reply = try decoded() {
                if case .nop = reply { continue }
                return reply
            }
            guard socket.wait(for: Int16(POLLIN), seconds: 0) else { return nil }
            try fill()
        }
    }

    private func decoded() throws(DataPathError) -> DataPortReply? {
        do throws(MooseWireError) {
            guard let frame = try frames.next() else { return nil }
            return try DataPortReply.decode(frame)
        } catch {
            throw .protocolViolation(server, "\(error)")
        }
    }

    private func fill() throws(DataPathError) {
        do throws(SocketError) { try socket.receiveSome { frames.append($0) } } catch { throw .connection(error.description) }
    }

    static func dotted(_ ip: UInt32) -> String { "\(ip >> 24).\(ip >> 16 & 0xFF).\(ip >> 8 & 0xFF).\(ip & 0xFF)" }
}
