import MFSChunkRegistry
import MFSCore
import MooseWire

/// Between the registry's values and MooseFS 3.0.117's 9420 messages (MooseWire): a command
/// becomes its MATOCS message; a chunkserver's reports and answers become registry inputs.
enum ChunkCommandCodec {
    /// The MATOCS frame for a registry command (field orders in the protocol notes §2.1).
    static func encode(_ command: ChunkCommand) -> [UInt8] {
        switch command {
        case .create(let chunk, let version):
            CreateChunk(chunkID: chunk, version: version).encode()
        case .delete(let chunk, let version, _):
            DeleteChunk(chunkID: chunk, version: version).encode()
        case .setVersion(let chunk, let version, let oldVersion):
            SetChunkVersion(chunkID: chunk, newVersion: version, oldVersion: oldVersion).encode()
        case .duplicate(let chunk, let version, let from, let fromVersion):
            DuplicateChunk(newChunkID: chunk, newVersion: version, sourceChunkID: from, sourceVersion: fromVersion).encode()
        case .truncate(let chunk, let length, let version, let oldVersion):
            TruncateChunk(chunkID: chunk, length: length, newVersion: version, oldVersion: oldVersion).encode()
        case .duplicateTruncate(let chunk, let version, let from, let fromVersion, let length):
            DuplicateTruncateChunk(
                newChunkID: chunk, newVersion: version, sourceChunkID: from, sourceVersion: fromVersion, length: length
            ).encode()
        case .replicate(let chunk, let version, _, let address, _):
            ReplicateChunk(chunkID: chunk, version: version, source: address).encode()
        }
    }

    /// A command's answer as the registry takes it.
    static func result(_ status: ChunkCommandStatus) -> CommandResult {
        let kind: CommandKind =
            switch status.command {
            case .create: .create
            case .delete: .delete
            case .duplicate: .duplicate
            case .setVersion: .setVersion
            case .truncate: .truncate
            case .duplicateTruncate: .duplicateTruncate
            }
        return CommandResult(kind, chunk: status.chunkID, status: ChunkStatus(rawValue: status.status.rawValue))
    }

    static func result(_ status: ReplicateStatus) -> CommandResult {
        CommandResult(.replicate, chunk: status.chunkID, status: ChunkStatus(rawValue: status.status.rawValue), version: status.version)
    }

    static func space(_ report: SpaceReport) -> ServerSpace {
        ServerSpace(
            usedBytes: report.normal.usedBytes, totalBytes: report.normal.totalBytes, chunkCount: report.normal.chunkCount,
            markedUsedBytes: report.markedForRemoval.usedBytes, markedTotalBytes: report.markedForRemoval.totalBytes,
            markedChunkCount: report.markedForRemoval.chunkCount)
    }

    static func chunks(_ list: [ListedChunk]) -> [ReportedChunk] {
        list.map { ReportedChunk(chunk: $0.chunkID, version: $0.version, markedForRemoval: $0.onDiskMarkedForRemoval) }
    }
}
