import Foundation
import MFSCore
import MFSTestSupport
import MFSWire
import MooseWire

#if canImport(Glibc)
    import Glibc
#endif

/// A chunkserver written in the test with MooseWire over a blocking socket: it sends exactly
/// the 9420 frames a test means and reads exactly what the master answers.
final class FakeChunkserver: @unchecked Sendable {
    let connection: WireConnection
    /// The data address it announces (never 127.x: the master refuses those, as MooseFS does).
    let address: ChunkserverAddress

    init(port: Int, address: ChunkserverAddress = ChunkserverAddress(10, 0, 0, 1, port: 9422)) throws {
        connection = try WireConnection(port: port)
        self.address = address
    }

    func send(_ message: some MooseMessage) { connection.send(message.encode()) }

    /// The next message from the master (NOPs skipped unless `nops`); nil once it closed.
    func receive(nops: Bool = false) throws -> MasterToChunkserver? {
        while true {
            guard let frame = try connection.receive() else { return nil }
            let message = try MasterToChunkserver.decode(MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload))
            if case .nop = message, !nops { continue }
            return message
        }
    }

    func begin(id: ChunkserverID = .none, passcode: RegisterPasscode? = nil, usedBytes: UInt64 = 1 << 30, totalBytes: UInt64 = 100 << 30)
        -> ChunkserverRegister
    {
        .begin(
            RegisterBegin(
                passcode: passcode, address: address, timeoutSeconds: 0, chunkserverID: id,
                space: SpaceReport(normal: DiskUsage(usedBytes: usedBytes, totalBytes: totalBytes, chunkCount: 0))))
    }

    struct Unexpected: Error, CustomStringConvertible {
        var description: String
    }

    /// Registers with `chunks` (in packets of `perPacket`), checking the pace: one ACK after
    /// BEGIN, one after each CHUNKS packet, none after END. Returns the id the master gave.
    @discardableResult
    func register(id: ChunkserverID = .none, chunks: [ListedChunk] = [], perPacket: Int = 2, authCode: String? = nil) throws
        -> RegisterAccepted
    {
        send(begin(id: id))
        var answer = try receive(nops: true)
        if case .ack(.challenge(let challenge)) = answer {
            send(begin(id: id, passcode: challenge.answer(authCode: Array((authCode ?? "").utf8))))
            answer = try receive(nops: true)
        }
        guard case .ack(.registered(let accepted)) = answer else {
            throw Unexpected(description: "BEGIN answered \(String(describing: answer))")
        }
        send(LabelsMessage(LabelMask(rawValue: 0)))
        var rest = chunks[...]
        while !rest.isEmpty {
            send(ChunkserverRegister.chunks(Array(rest.prefix(perPacket))))
            rest = rest.dropFirst(perPacket)
            let ack = try receive(nops: true)
            guard case .ack(.nextChunks) = ack else { throw Unexpected(description: "CHUNKS answered \(String(describing: ack))") }
        }
        send(ChunkserverRegister.end)
        return accepted
    }

    /// Registers (as `register()` does) and returns once `master` lists this chunkserver as
    /// registered. The master handles the END on its own time, so a client's write sent right
    /// after `register()` could find no chunkserver to place a chunk on yet.
    @discardableResult
    func register(on master: MasterProcess) throws -> RegisterAccepted {
        let accepted = try register()
        let listed = try eventually {
            try master.status().chunkserverList?.contains { $0.address == "\(address)" && $0.state == "registered" } == true
        }
        guard listed else { throw Unexpected(description: "the master never listed \(address) as registered") }
        return accepted
    }

    /// Reads commands until `match` returns a value (answering none of them), up to `seconds`.
    func awaitCommand<T>(seconds: Double = 10, _ match: (MasterToChunkserver) -> T?) throws -> T? {
        connection.setTimeout(seconds)
        defer { connection.setTimeout(20) }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard let message = try? receive() else { return nil }
            if let found = match(message) { return found }
        }
        return nil
    }
}
