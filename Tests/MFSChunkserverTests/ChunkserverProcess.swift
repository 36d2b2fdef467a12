import Foundation
import MFSCore
import MFSTestSupport
import MooseWire

@testable import MFSChunkserver

#if canImport(Glibc)
    import Glibc
#endif

/// A data-port client built from MooseWire: writes (one session, pieces pipelined) and reads
/// (every piece's CRC checked).
struct DataClient {
    let port: UInt16

    func connection() throws -> BlockingConnection {
        try BlockingConnection(ipv4: 0x7F00_0001, port: port, timeout: .seconds(10), maxFrame: MooseWireLimits.dataPortFrame)
    }

    /// Writes `bytes` at chunk offset `offset`; the statuses (writeid 0 first), or nil.
    func write(_ id: ChunkID, version: UInt32, chain: [ChunkserverAddress] = [], offset: Int, bytes: [UInt8]) throws -> [MooseStatus] {
        let connection = try connection()
        try connection.send(WriteRequest(chunkID: id, version: WireVersion(version), chain: chain).encode())
        var writeID: UInt32 = 0
        var position = 0
        while position < bytes.count {
            let chunkOffset = offset + position
            let inBlock = chunkOffset % MooseWireLimits.blockSize
            let size = min(MooseWireLimits.blockSize - inBlock, bytes.count - position)
            writeID += 1
            let piece = DataPiece(
                block: UInt16(chunkOffset / MooseWireLimits.blockSize), offset: UInt16(inBlock),
                data: Array(bytes[position..<position + size]))
            try connection.send(WriteData(chunkID: id, writeID: writeID, piece: piece).encode())
            position += size
        }
        var statuses: [UInt32: MooseStatus] = [:]
        while statuses.count < Int(writeID) + 1 {
            let frame = try connection.receive()
            if frame.type == .nop { continue }
            let status = try WriteStatus.decode(frame)
            statuses[status.writeID] = status.status
            if status.writeID == 0 && status.status != .ok { break }
        }
        if statuses.values.allSatisfy({ $0 == .ok }) {
            try connection.send(WriteFinish(chunkID: id, version: WireVersion(version)).encode())
        }
        return statuses.keys.sorted().map { statuses[$0]! }
    }

    /// Reads `size` bytes; the data, or the status that ended the read.
    func read(_ id: ChunkID, version: UInt32, offset: Int, size: Int) throws -> Result<[UInt8], ReadFailure> {
        let (pieces, status) = try readPieces(id, version: version, offset: offset, size: size)
        guard pieces.allSatisfy(\.crcMatches) else { return .failure(ReadFailure(status: .crc)) }
        return status == .ok ? .success(pieces.flatMap(\.data)) : .failure(ReadFailure(status: status))
    }

    /// Reads `size` bytes: every READ_DATA piece as it came, and the status that ended the read.
    func readPieces(_ id: ChunkID, version: UInt32, offset: Int, size: Int) throws -> (pieces: [DataPiece], status: MooseStatus) {
        let connection = try connection()
        try connection.send(ReadRequest(chunkID: id, version: WireVersion(version), offset: UInt32(offset), size: UInt32(size)).encode())
        var pieces: [DataPiece] = []
        while true {
            let frame = try connection.receive()
            switch try DataPortReply.decode(frame) {
            case .readData(let data): pieces.append(data.piece)
            case .readStatus(let status): return (pieces, status.status)
            case .nop: continue
            default: throw LabFailure("unexpected \(frame.type) in a read")
            }
        }
    }

    struct ReadFailure: Error, Equatable {
        var status: MooseStatus
    }
}

/// Deterministic bytes for a test file.
func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
