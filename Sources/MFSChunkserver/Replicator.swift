import Logging
import MFSChunkStore
import MFSCore
import MooseWire

/// Replication as the destination (notes §2.8): the master names a chunk, its version and a
/// source chunkserver; this server asks the source for the chunk's block count, reads every
/// block with its CRC, stores them under version 0 (each CRC checked again by the store), then
/// makes the copy durable and gives it its version. Any failure drops the partial copy. Blocking:
/// runs on the disk pool.
struct Replicator {
    let store: ChunkStore
    let logger: Logger

    func replicate(_ request: ReplicateChunk) -> MooseStatus {
        guard case .single(let source) = request.sources else {
            logger.warning("XOR replication is not supported (no MooseFS 3.0 CE master sends it)")
            return .invalidArgument
        }
        let id = request.chunkID
        let ticket: ReplicaTicket
        do throws(ChunkStoreError) {
            try StoredVersion(request.version).checkStorable(for: id)
            ticket = try store.beginReplication(id)
        } catch {
            logger.warning("replication of chunk \(chunkName(id)) refused: \(error)")
            return MooseStatus(error)
        }
        let started = ContinuousClock.now
        do {
            let blocks = try fetch(request, from: source, into: ticket)
            try store.completeReplication(ticket, version: StoredVersion(request.version))
            logger.info(
                "chunk \(chunkName(id)) v\(request.version) replicated from \(source)",
                metadata: ["blocks": "\(blocks)", "took": "\(ContinuousClock.now - started)"])
            return .ok
        } catch let error as ReplicationFailure {
            store.abandonReplication(ticket)
            logger.warning("replication of chunk \(chunkName(id)) from \(source) failed: \(error.reason)")
            return error.status
        } catch let error as ChunkStoreError {
            store.abandonReplication(ticket)
            logger.warning("replication of chunk \(chunkName(id)) from \(source) failed: \(error)")
            return MooseStatus(error)
        } catch {
            store.abandonReplication(ticket)
            logger.warning("replication of chunk \(chunkName(id)) from \(source) failed: \(error)")
            return .io
        }
    }

    /// Reads the chunk from `source` into the version-0 copy; the block count.
    private func fetch(_ request: ReplicateChunk, from source: ChunkserverAddress, into ticket: ReplicaTicket) throws -> Int {
        let id = request.chunkID
        let connection: BlockingConnection
        do {
            connection = try BlockingConnection(
                ipv4: source.ip, port: source.port, timeout: ChunkserverLimits.replicationTimeout,
                maxFrame: ChunkserverLimits.replicationSourceFrame)
        } catch {
            throw ReplicationFailure(status: .cantConnect, reason: "\(error)")
        }
        try connection.send(GetChunkBlocks(chunkID: id, version: request.version).encode())
        let answer = try ChunkBlocks.decode(try nextReply(connection))
        guard answer.chunkID == id, answer.version == request.version else {
            throw ReplicationFailure(status: .wrongChunkID, reason: "the source answered for another chunk or version")
        }
        guard answer.status == .ok else { throw ReplicationFailure(status: answer.status, reason: "the source says \(answer.status)") }
        let blocks = Int(answer.blocks)
        guard blocks <= MooseWireLimits.blocksPerChunk else {
            throw ReplicationFailure(status: .wrongSize, reason: "the source claims \(blocks) blocks")
        }
        let size = UInt32(blocks * MooseWireLimits.blockSize)
        try connection.send(ReadRequest(protocolVersion: nil, chunkID: id, version: request.version, offset: 0, size: size).encode())
        for expected in 0..<blocks {
            let frame = try nextReply(connection)
            if frame.type == .cstoclReadStatus {
                let status = try ReadStatus.decode(frame).status
                throw ReplicationFailure(status: status == .ok ? .io : status, reason: "the source ended the read early: \(status)")
            }
            let data = try ReadData.decode(frame)
            let piece = data.piece
            guard data.chunkID == id, Int(piece.block) == expected, piece.offset == 0, piece.data.count == MooseWireLimits.blockSize else {
                throw ReplicationFailure(
                    status: .io, reason: "block \(expected) came as \(piece.block) [\(piece.offset), +\(piece.data.count)]")
            }
            guard piece.crcMatches else { throw ReplicationFailure(status: .crc, reason: "block \(expected) failed its CRC") }
            try store.writeReplica(
                ticket, piece: MFSChunkStore.BlockPiece(block: expected, offset: 0, size: piece.data.count), bytes: piece.data,
                crc: piece.crc)
        }
        let status = try ReadStatus.decode(try nextReply(connection)).status
        guard status == .ok else { throw ReplicationFailure(status: status, reason: "the source's read ended with \(status)") }
        return blocks
    }

    /// The next frame that is not a NOP, within `ChunkserverLimits.replicationNopsInARow` NOPs.
    private func nextReply(_ connection: BlockingConnection) throws -> MooseFrame {
        for _ in 0...ChunkserverLimits.replicationNopsInARow {
            let frame = try connection.receive()
            if frame.type != .nop { return frame }
        }
        throw ReplicationFailure(
            status: .io, reason: "the source sent \(ChunkserverLimits.replicationNopsInARow + 1) NOPs in a row and no answer")
    }
}

struct ReplicationFailure: Error {
    var status: MooseStatus
    var reason: String
}
