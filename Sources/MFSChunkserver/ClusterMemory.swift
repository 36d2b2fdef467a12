import MFSChunkStore
import MFSCore
import MFSStorage
import Synchronization

/// What the chunkserver remembers of its cluster across restarts, all in DATA_PATH and each
/// written durably (fsynced, renamed) before it counts:
///
/// - `chunkserverid.mfs` (MooseFS's file, `ChunkserverIdentity`): the csid the master gave and
///   the metaid; `.metaid` in each data directory once the master confirmed the metaid.
/// - `masterepoch.mfs` (swift-mfs): the highest master epoch seen, `epoch:64` big-endian. A
///   master of a lower epoch is stale (DESIGN §7.6): the link to it is refused.
public final class ClusterMemory: Sendable {
    public static let epochFileName = "masterepoch.mfs"

    private let dataPath: String
    private let directories: [String]
    private let state: Mutex<(identity: ChunkserverIdentity, epoch: Epoch)>
    /// The epoch in the file.
    private let stored: Mutex<Epoch>
    /// Serializes the file's writes (held through one; `stored` stays readable meanwhile).
    private let fileWrites = Mutex(())

    /// Reads the files; a file that exists and cannot be read refuses the start. The metaid is
    /// chunkserverid.mfs's, or when that is unknown the one the data directories agree on.
    public init(dataPath: String, directories: [String]) throws(ChunkserverStartError) {
        self.dataPath = dataPath
        self.directories = directories
        var identity: ChunkserverIdentity
        do throws(ChunkserverIdentityError) {
            identity = try ChunkserverIdentity.read(dataPath: dataPath) ?? ChunkserverIdentity(chunkserverID: 0, metaID: .unknown)
            if identity.metaID == .unknown {
                for directory in directories {
                    if let metaID = try ChunkserverIdentity.readMetaID(directory: directory), metaID != .unknown {
                        identity.metaID = metaID
                        break
                    }
                }
            }
        } catch {
            throw ChunkserverStartError("\(error)")
        }
        let epochPath = dataPath + "/" + Self.epochFileName
        var epoch = Epoch(0)
        do {
            if let bytes = try FileIO.readIfPresent(epochPath) {
                guard bytes.count == 8 else { throw ChunkserverStartError("\(epochPath) is \(bytes.count) bytes long, expected 8") }
                epoch = Epoch(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            }
        } catch let error as ChunkserverStartError {
            throw error
        } catch {
            throw ChunkserverStartError("\(error)")
        }
        state = Mutex((identity, epoch))
        stored = Mutex(epoch)
    }

    public var identity: ChunkserverIdentity { state.withLock { $0.identity } }
    public var highestEpoch: Epoch { state.withLock { $0.epoch } }
    /// The highest epoch on disk (at most `highestEpoch`: one seen and not stored yet, or
    /// whose write failed, is above it).
    public var storedEpoch: Epoch { stored.withLock { $0 } }

    /// Records the csid and metaid a master's ACK gave (disk I/O: call off the event loop).
    public func adopt(chunkserverID: UInt16, metaID: MetaID) throws {
        let current = identity
        var updated = current
        if chunkserverID != 0 { updated.chunkserverID = chunkserverID }
        if metaID != .unknown { updated.metaID = metaID }
        if updated != current {
            try updated.write(dataPath: dataPath)
            state.withLock { $0.identity = updated }
        }
        guard metaID != .unknown else { return }
        for directory in directories where (try? ChunkserverIdentity.readMetaID(directory: directory)) ?? nil == nil {
            try ChunkserverIdentity.writeMetaID(metaID, directory: directory)
        }
    }

    /// Records `epoch` if it is above the highest seen (disk I/O: call off the event loop). It
    /// counts as seen at once, so a session that starts meanwhile already refuses masters below
    /// it; the file is written under `stored`'s lock and only ever raised, so two observations
    /// at once cannot leave the lower one on disk (they shared one temporary file). Returns once
    /// `epoch`, or a higher one, is on disk; throws if it could not be stored.
    public func observe(epoch: Epoch) throws {
        state.withLock { if epoch > $0.epoch { $0.epoch = epoch } }
        try fileWrites.withLock { _ throws in
            guard epoch > storedEpoch else { return }
            let path = dataPath + "/" + Self.epochFileName
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: epoch.rawValue >> (56 - 8 * UInt64($0))) }
            try FileIO.writeAtomically(path, keepPrevious: 0) { (write) throws(StorageError) in try write(bytes) }
            stored.withLock { $0 = epoch }
        }
    }
}
