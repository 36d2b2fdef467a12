import Logging
import MFSChunkStore
import MFSCore
import MooseWire

/// Runs the master's chunk commands on the store and says what to answer (notes §2.7). Blocking
/// (disk I/O, and replication's network I/O): the shell calls it on the disk pool, never on an
/// event loop.
struct ChunkCommandRunner: Sendable {
    let store: ChunkStore
    let logger: Logger
    /// Whether a create is fsynced before its answer (`WRITE_ACK_AFTER_FSYNC`).
    var durableCreates = true

    /// The reply frame to `command`, or nil for a message that has none.
    func execute(_ command: MasterToChunkserver) -> [UInt8]? {
        switch command {
        case .create(let create):
            return reply(.create, create.chunkID, "create v\(create.version)") { () throws(ChunkStoreError) in
                try store.create(create.chunkID, version: StoredVersion(create.version), durable: durableCreates)
            }
        case .delete(let delete):
            return reply(.delete, delete.chunkID, "delete v\(delete.version)") { () throws(ChunkStoreError) in
                try store.delete(delete.chunkID, version: StoredVersion(delete.version))
            }
        case .setVersion(let set):
            return reply(.setVersion, set.chunkID, "set version v\(set.oldVersion) → v\(set.newVersion)") { () throws(ChunkStoreError) in
                try store.setVersion(set.chunkID, from: StoredVersion(set.oldVersion), to: StoredVersion(set.newVersion))
            }
        case .truncate(let cut):
            return reply(.truncate, cut.chunkID, "truncate to \(cut.length) v\(cut.oldVersion) → v\(cut.newVersion)") {
                () throws(ChunkStoreError) in
                try store.truncate(
                    cut.chunkID, version: StoredVersion(cut.oldVersion), to: Int(cut.length), newVersion: StoredVersion(cut.newVersion))
            }
        case .duplicate(let copy):
            let what = "duplicate of \(chunkName(copy.sourceChunkID)) v\(copy.sourceVersion) as v\(copy.newVersion)"
            return reply(.duplicate, copy.newChunkID, what) { () throws(ChunkStoreError) in
                try store.duplicate(
                    copy.sourceChunkID, version: StoredVersion(copy.sourceVersion), to: copy.newChunkID,
                    newVersion: StoredVersion(copy.newVersion))
            }
        case .duplicateTruncate(let both):
            let copy = both.duplicate
            let what = "duplicate of \(chunkName(copy.sourceChunkID)) v\(copy.sourceVersion) cut to \(both.length)"
            return reply(.duplicateTruncate, copy.newChunkID, what) { () throws(ChunkStoreError) in
                try store.duplicateTruncate(
                    copy.sourceChunkID, version: StoredVersion(copy.sourceVersion), to: copy.newChunkID,
                    newVersion: StoredVersion(copy.newVersion), length: Int(both.length))
            }
        case .replicate(let replicate):
            let status = Replicator(store: store, logger: logger).replicate(replicate)
            return ReplicateStatus(chunkID: replicate.chunkID, version: replicate.version, status: status).encode()
        case .getChunkBlocks(let query):
            return chunkBlocks(query.chunkID, query.version).encode()
        case .operation(let operation):
            logger.warning(
                "MATOCS_CHUNKOP is not served (no MooseFS 3.0 master sends it)", metadata: ["chunk": "\(chunkName(operation.chunkID))"])
            return ChunkOperationStatus(operation: operation, status: .invalidArgument).encode()
        case .getChunkChecksum(let query):
            return ChunkChecksum(chunkID: query.chunkID, version: query.version, result: .failed(.notDone)).encode()
        case .getChunkChecksumTable(let query):
            return ChunkChecksumTable(chunkID: query.chunkID, version: query.version, result: .failed(.notDone)).encode()
        case .ack, .nop, .version, .configValue, .masterEpoch, .ignored:
            return nil
        }
    }

    /// The block count of a chunk (CSTOAN_CHUNK_BLOCKS), also asked on the data port.
    func chunkBlocks(_ id: ChunkID, _ version: WireVersion) -> ChunkBlocks {
        do {
            let blocks = try store.blocks(id, version: StoredVersion(version))
            return ChunkBlocks(chunkID: id, version: version, blocks: UInt16(blocks), status: .ok)
        } catch {
            return ChunkBlocks(chunkID: id, version: version, blocks: 0, status: MooseStatus(error))
        }
    }

    private func reply(_ command: ChunkCommandStatus.Command, _ id: ChunkID, _ what: String, _ body: () throws(ChunkStoreError) -> Void)
        -> [UInt8]
    {
        let status = MooseStatus.of(body)
        if status == .ok {
            logger.info("chunk \(chunkName(id)): \(what)")
        } else {
            logger.warning("chunk \(chunkName(id)): \(what) refused: \(status)")
        }
        return ChunkCommandStatus(command: command, chunkID: id, status: status).encode()
    }
}
