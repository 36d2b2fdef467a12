import MFSChangelog
import MFSCore
import MFSMetadata
import MFSStorage

/// Why the master could not do what was asked.
public enum MasterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation itself failed (EEXIST, EACCES, ...): nothing changed.
    case operation(FSError)
    /// The change could not be stored: the master accepts no more changes (DESIGN §3).
    case storage(ChangelogWriteError)
    /// A dump could not be written; the changelogs still hold everything.
    case dump(String)

    public var description: String {
        switch self {
        case .operation(let error): "\(error)"
        case .storage(let error): "\(error)"
        case .dump(let reason): "metadata dump failed: \(reason)"
        }
    }
}

/// The master's metadata: the namespace, its changelog and its dumps.
///
/// A change runs inside the actor (namespace, then changelog queue: versions stay in order),
/// then waits for the disk outside it, so changes that arrive during an fsync share the next one
/// (group commit) and a slow disk never blocks reads. A dump copies the namespace (cheap: pages
/// are copy-on-write), rotates the changelog and writes the copy on another thread while changes
/// go on.
public actor MetadataService {
    public private(set) var namespace: Namespace
    public nonisolated let writer: ChangelogWriter
    public nonisolated let directory: DataDirectory
    /// Every this many changes a `CHECKSUM` change records the namespace checksum.
    public let checksumInterval: Int
    /// Previous metadata files kept as `metadata.mfs.back.N` (`BACK_META_KEEP_PREVIOUS`).
    public let keepPreviousMetadata: Int
    private var sinceChecksum = 0
    private var dumping = false
    public private(set) var lastDump: (version: MetaVersion, seconds: Double)?

    public init(
        namespace: Namespace, writer: ChangelogWriter, directory: DataDirectory, checksumInterval: Int = 10_000,
        keepPreviousMetadata: Int = 1
    ) {
        self.namespace = namespace
        self.writer = writer
        self.directory = directory
        self.checksumInterval = checksumInterval
        self.keepPreviousMetadata = keepPreviousMetadata
    }

    /// Makes a change with `body` and returns its result once the changelog holds it as the
    /// save mode requires. A change that could not be queued is never acknowledged, and from
    /// then on no change is accepted.
    public func change<R: Sendable>(_ body: (inout Namespace) throws(FSError) -> (R, ChangelogRecord)) async throws(MasterError) -> R {
        if let failure = writer.status.error { throw .storage(.failed(failure)) }
        let result: R
        let record: ChangelogRecord
        do {
            (result, record) = try body(&namespace)
        } catch {
            throw .operation(error)
        }
        var last = record.version
        do {
            try writer.append(record)
            sinceChecksum += 1
            if sinceChecksum >= checksumInterval {
                sinceChecksum = 0
                let checksum = try! namespace.recordChecksum(now: record.time)
                try writer.append(checksum)
                last = checksum.version
            }
        } catch {
            throw .storage(error)
        }
        do {
            try await writer.waitStored(last)
        } catch {
            throw .storage(error)
        }
        return result
    }

    /// Reads the namespace (attributes, lookups, listings).
    public func read<R: Sendable>(_ body: (Namespace) throws(FSError) -> R) throws(MasterError) -> R {
        do { return try body(namespace) } catch { throw .operation(error) }
    }

    /// Dumps the metadata: snapshot, changelog rotation, then `metadata.mfs` written atomically
    /// from the snapshot while changes continue. Returns the dumped version. Refused while the
    /// changelog is failed (the namespace may hold a change the changelog does not).
    public func dump() async throws(MasterError) -> MetaVersion {
        if let failure = writer.status.error { throw .storage(.failed(failure)) }
        guard !dumping else { throw .dump("a dump is already running") }
        dumping = true
        defer { dumping = false }
        let snapshot = namespace
        do {
            try writer.rotate()
        } catch {
            throw .storage(error)
        }
        let path = directory.file(DataDirectory.metadataName)
        let keep = keepPreviousMetadata
        let started = ContinuousClock.now
        let outcome: Result<Void, StorageError> = await Task.detached(priority: .utility) {
            do throws(StorageError) {
                try FileIO.writeAtomically(path, keepPrevious: keep) {
                    (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                    var failure: StorageError?
                    MetadataFile.encode(snapshot) { chunk in
                        guard failure == nil else { return }
                        do throws(StorageError) { try write(chunk) } catch { failure = error }
                    }
                    if let failure { throw failure }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }.value
        if case .failure(let error) = outcome { throw .dump(error.description) }
        let elapsed = ContinuousClock.now - started
        lastDump = (snapshot.version, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return snapshot.version
    }
}
