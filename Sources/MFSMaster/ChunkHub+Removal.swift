import MFSChangelog
import MFSChunkRegistry
import MFSCore
import MFSMetadata

/// Why a chunkserver was not removed (`mfscli remove-chunkserver`).
public enum ChunkserverRemovalRefused: Error, Sendable, Equatable, CustomStringConvertible {
    /// Only the active master changes the chunkserver list.
    case notActive
    /// Connected (registering or registered): stop it first.
    case connected(ChunkserverID)
    /// Neither the metadata nor the registry knows this id.
    case unknown(ChunkserverID)
    /// The `CHUNKSERVERDEL` change was not stored or not committed.
    case notStored(String)

    public var description: String {
        switch self {
        case .notActive: "this master is not the active one: ask the active master"
        case .connected(let id): "chunkserver \(id) is connected: stop it first (only a chunkserver that is gone can be removed)"
        case .unknown(let id): "no chunkserver \(id) is known (mfscli lists them with their ids)"
        case .notStored(let reason): "the removal was not stored: \(reason)"
        }
    }
}

/// Removing a chunkserver that is gone for good (MooseFS's `mfscli -CRC`).
extension ChunkHub {
    /// Forgets chunkserver `id`: out of the metadata (`CHUNKSERVERDEL`) and out of the
    /// registry. A chunk whose copies were only there then reads as lost (CHUNKLOST) rather
    /// than absent (CSNOTPRESENT, which clients retry), and a master that becomes active no
    /// longer holds writes waiting for it. Answers once the change is committed (nil: the
    /// metadata did not name it, only the registry remembered it). A chunkserver that comes
    /// back later registers as a new one would.
    public func remove(_ id: ChunkserverID) async -> Result<MetaVersion?, ChunkserverRemovalRefused> {
        let outcome = state.withLock { (state: inout State) -> Result<MetaVersion?, ChunkserverRemovalRefused> in
            guard state.active else { return .failure(.notActive) }
            let named = service.namespace.chunkservers[id] != nil
            guard named || state.registry.knows(id) else { return .failure(.unknown(id)) }
            guard state.links[id] == nil else { return .failure(.connected(id)) }
            // A registration may have begun before its connection was recorded.
            do throws(RegistryError) { try state.registry.forget(id) } catch { return .failure(.connected(id)) }
            var version: MetaVersion?
            if named {
                do throws(MasterError) {
                    (_, version) = try service.perform { (namespace: inout Namespace) throws(FSError) -> (Void, ChangelogRecord?) in
                        ((), try namespace.removeChunkserver(id, now: ClientServerContext.now()))
                    }
                } catch {
                    return .failure(.notStored("\(error)"))
                }
            }
            return .success(version)
        }
        guard case .success(let version?) = outcome else { return outcome }
        logger.notice("chunkserver removed", metadata: ["chunkserver": "\(id)"])
        let committed: MasterError? = await withCheckedContinuation { continuation in
            service.whenCommitted(version) { continuation.resume(returning: $0) }
        }
        if let committed { return .failure(.notStored("\(committed)")) }
        return .success(version)
    }
}
