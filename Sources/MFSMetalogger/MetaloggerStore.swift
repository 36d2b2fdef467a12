import Foundation
import Logging
import MFSChangelog
import MFSCore
import MFSMetadata
import MFSPeer
import MFSStorage
import Synchronization

/// The metalogger's `PeerStore`: what the peer link receives goes into `DATA_PATH` as
/// `metadata_ml.mfs.back` and `changelog_ml.N.mfs`, after being replayed on a namespace of the
/// metalogger's own. So every change is verified as it arrives (its recorded result, and each
/// `CHECKSUM`), the position the metalogger registers with is the one its files replay to, and
/// it can write a metadata snapshot without asking the master (`META_DOWNLOAD_FREQ`).
///
/// Threads: `position`, `store`, `install`, `discard` and `close` are called from the link's
/// thread only (the `PeerStore` contract). A snapshot is written on a thread of its own from a
/// copy of the namespace; `metadataLock` keeps it apart from `install` and `discard`, which
/// replace or move metadata files. `hasFailed` may be read from any thread.
public final class MetaloggerStore: PeerStore, @unchecked Sendable {
    public struct Options: Sendable {
        /// `BACK_LOGS`: rotated `changelog_ml.N.mfs` files kept.
        public var backLogs: Int
        /// `BACK_META_KEEP_PREVIOUS`: previous `metadata_ml.mfs.back.N` copies kept.
        public var keepPreviousMetadata: Int
        /// `META_DOWNLOAD_FREQ`: time between metadata snapshots.
        public var snapshotInterval: Duration

        public init(backLogs: Int = 50, keepPreviousMetadata: Int = 3, snapshotInterval: Duration = .seconds(86_400)) {
            self.backLogs = backLogs
            self.keepPreviousMetadata = keepPreviousMetadata
            self.snapshotInterval = snapshotInterval
        }
    }

    public let files: MetaloggerFiles
    let options: Options
    let logger: Logger
    /// Wall time in seconds (injected so tests can make a snapshot due).
    let clock: @Sendable () -> Double

    /// The verified namespace; meaningful only while `hasMetadata && !mustDownload`.
    public internal(set) var namespace: Namespace
    /// Whether `metadata_ml.mfs.back` exists (and the namespace stands on it).
    var hasMetadata: Bool
    var metaID: MetaID
    var highestEpoch: Epoch
    /// The last version in the `changelog_ml` files.
    var storedVersion: MetaVersion
    /// A change did not replay (or a fork could not be rebuilt): the next registration asks
    /// for the metadata afresh, and no change is taken before it.
    var mustDownload = false
    var writer: ChangelogWriter?
    var schedule: SnapshotSchedule
    /// The version of `metadata_ml.mfs.back`.
    var metadataVersion: MetaVersion?
    /// The warning about a master's changelog format was given.
    var formatWarned = false
    /// `position` as of the last store, install or discard, for the voter links' threads.
    private let published = Mutex(
        (
            position: PeerPosition(metaID: .unknown, highestEpoch: .zero, lastVersion: .zero, tailEpoch: .zero),
            voters: (version: MetaVersion.zero, set: VoterSet.empty)
        ))
    /// The highest epoch this metalogger promised a candidate (DESIGN §7.2), set by its voter.
    let promise = Mutex(Epoch.zero)

    /// Held while a metadata file is written, replaced or moved.
    let metadataLock = NSLock()
    /// Guards `snapshotRunning` and `snapshotFailed`, and is signalled when a snapshot ends.
    let snapshotCondition = NSCondition()
    var snapshotRunning = false
    /// The last snapshot failed: rotations keep every changelog until one succeeds, because
    /// the chain from the older metadata file needs them.
    var snapshotFailed = false
    /// When the last snapshot failed, for the link thread to reschedule (nil: nothing new).
    var snapshotFailedAt: Double?
    private let failed = Atomic<Bool>(false)

    /// Opens the files in `directory` and replays them to find the position. Refuses files that
    /// do not replay (naming file and line); a torn last line is dropped with a warning.
    public init(
        directory: DataDirectory, options: Options = Options(), logger: Logger,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws(MetaloggerStartError) {
        files = MetaloggerFiles(directory)
        self.options = options
        self.logger = logger
        self.clock = clock
        let loaded = try files.load()
        for warning in loaded.warnings { logger.warning("\(warning)") }
        namespace = loaded.namespace ?? Namespace()
        hasMetadata = loaded.namespace != nil
        metaID = loaded.metaID
        highestEpoch = max(namespace.epoch, loaded.highestDiscardedEpoch)
        storedVersion = loaded.lastChangelogVersion
        metadataVersion = loaded.metadataVersion
        schedule = SnapshotSchedule(interval: options.snapshotInterval, lastWritten: loaded.metadataWritten, now: clock())
        if hasMetadata { writer = try openWriter(lastVersion: namespace.version) }
        publish()
        logger.notice(
            hasMetadata ? "metalogger files loaded" : "no metadata here yet: it is downloaded from the master first",
            metadata: [
                "dataPath": "\(directory.path)", "metaid": "\(metaID.hex)", "version": "\(namespace.version)",
                "epoch": "\(namespace.epoch)", "replayed": "\(loaded.applied)",
            ])
    }

    func openWriter(lastVersion: MetaVersion) throws(MetaloggerStartError) -> ChangelogWriter {
        let logger = self.logger
        do {
            return try ChangelogWriter(
                directory: files.directory, prefix: MetaloggerFiles.changelogPrefix, metaID: metaID, mode: .fsyncBeforeReply,
                backLogs: options.backLogs, lastVersion: lastVersion,
                onFailure: { [weak self] reason in
                    self?.failed.store(true, ordering: .releasing)
                    logger.critical(
                        "changelog_ml write failed: no change is stored any more; fix the disk and restart",
                        metadata: ["reason": "\(reason)"])
                })
        } catch {
            throw MetaloggerStartError("\(error)")
        }
    }

    /// Whether a changelog write or fsync failed: the metalogger can store nothing any more
    /// (the daemon stops, so that a restart reopens the files).
    public var hasFailed: Bool { failed.load(ordering: .acquiring) }

    public var position: PeerPosition {
        guard hasMetadata, !mustDownload else {
            return PeerPosition(metaID: metaID, highestEpoch: max(highestEpoch, namespace.epoch), lastVersion: .zero, tailEpoch: .zero)
        }
        return PeerPosition(
            metaID: metaID, highestEpoch: max(highestEpoch, namespace.epoch), lastVersion: namespace.version, tailEpoch: namespace.epoch)
    }

    /// Replays each change on the namespace (which checks its recorded result and every
    /// `CHECKSUM`), appends it to `changelog_ml.0.mfs`, and returns once they are fsynced. A
    /// change that does not replay is refused: the ones before it stay stored, and the next
    /// registration downloads the metadata afresh.
    public func store(_ records: [ChangelogRecord], text: [UInt8]) throws(LinkError) {
        guard hasMetadata, !mustDownload, let writer else {
            throw LinkError("changes arrived, but this metalogger holds no verified metadata: it waits for a metadata download")
        }
        for record in records {
            do throws(ReplayError) {
                try namespace.apply(record)
            } catch {
                mustDownload = true
                try? writer.sync()
                let message =
                    "the metalogger diverged at version \(record.version): \(error); the changes up to \(storedVersion) "
                    + "stay in \(files.currentChangelogPath), and the metadata is downloaded afresh"
                logger.error("\(message)")
                throw LinkError(message)
            }
            do throws(ChangelogWriteError) { try writer.append(record) } catch {
                throw LinkError("cannot store change \(record.version): \(error)")
            }
            storedVersion = record.version
        }
        do throws(ChangelogWriteError) { try writer.sync() } catch {
            throw LinkError("cannot store changes up to \(storedVersion): \(error)")
        }
        checkCanonical(records, text)
        publish()
        snapshotIfDue()
    }

    /// What other threads may read of `position`: as of the last store, install or discard.
    public var publishedPosition: PeerPosition { published.withLock { $0.position } }
    /// The voter set of the verified namespace, and the version that set it.
    public var publishedVoters: (version: MetaVersion, set: VoterSet) { published.withLock { $0.voters } }

    func publish() {
        let now = position
        let voters = (namespace.votersVersion, namespace.voters)
        published.withLock { $0 = (now, voters) }
    }

    public var promisedEpoch: Epoch { promise.withLock { $0 } }

    /// The writer formats each record again; the lines must come out as the master wrote them,
    /// or a restore that merges both changelogs would find two different lines for one version.
    /// Said once: it means a master whose changelog format this metalogger does not write.
    private func checkCanonical(_ records: [ChangelogRecord], _ text: [UInt8]) {
        guard !formatWarned else { return }
        var formatted: [UInt8] = []
        formatted.reserveCapacity(text.count)
        for record in records { ChangelogCodec.append(record, to: &formatted) }
        guard formatted != text else { return }
        formatWarned = true
        let versions = "\(records.first!.version)…\(records.last!.version)"
        logger.warning(
            "the master's changelog lines differ from the ones this metalogger writes for the same changes (versions \(versions)): a restore merging the master's and the metalogger's changelogs may report a conflict; run the same swift-mfs version on both"
        )
    }

    /// Replaces everything with a downloaded metadata file: checks it decodes at the announced
    /// version, writes it as `metadata_ml.mfs.back` (keeping previous copies), and starts a
    /// new `changelog_ml.0.mfs` after it. Changes held after that version (an older epoch's
    /// tail, DESIGN §3) are moved aside first.
    public func install(metadata bytes: [UInt8], version: MetaVersion) throws(LinkError) {
        let downloaded: Namespace
        do throws(MetadataFileError) { downloaded = try MetadataFile.decode(bytes) } catch {
            throw LinkError("the downloaded metadata does not decode: \(error); refused")
        }
        guard downloaded.version == version else {
            throw LinkError("the downloaded metadata is at version \(downloaded.version), announced as \(version); refused")
        }
        guard metaID == .unknown || downloaded.metaID == metaID else {
            throw LinkError("the downloaded metadata belongs to cluster \(downloaded.metaID.hex), the files here to \(metaID.hex); refused")
        }
        waitForSnapshot()
        metadataLock.lock()
        defer { metadataLock.unlock() }
        highestEpoch = max(highestEpoch, namespace.epoch)
        if storedVersion > version {
            try setAside(after: version, epochAtFork: fallbackEpoch(at: version), reason: "a metadata download at version \(version)")
        }
        do throws(StorageError) {
            try files.writeMetadata(keepPrevious: options.keepPreviousMetadata) {
                (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try write(bytes)
            }
        } catch {
            throw LinkError("cannot write \(files.metadataPath): \(error)")
        }
        metaID = downloaded.metaID
        try restartChangelog(after: version)
        namespace = downloaded
        hasMetadata = true
        mustDownload = false
        storedVersion = version
        metadataVersion = version
        highestEpoch = max(highestEpoch, downloaded.epoch)
        schedule.written(now: clock())
        snapshotCondition.lock()
        snapshotFailed = false
        snapshotCondition.unlock()
        publish()
        logger.notice(
            "metadata downloaded", metadata: ["version": "\(version)", "epoch": "\(downloaded.epoch)", "bytes": "\(bytes.count)"])
    }

    /// A new `changelog_ml.0.mfs` continuing after `version`; the old one is rotated unless it
    /// holds no change.
    private func restartChangelog(after version: MetaVersion) throws(LinkError) {
        do {
            if let writer {
                try writer.rotate(restartAfter: version)
                return
            }
            let last = (try? files.readChangelog(files.currentChangelogPath))?.lastVersion
            // Opened after its own last change (the writer never appends below it), then
            // rotated away at once.
            let opened = try openWriter(lastVersion: max(version, last ?? version))
            let hadChanges = last != nil
            writer = opened
            if hadChanges { try opened.rotate(restartAfter: version) }
        } catch let error as ChangelogWriteError {
            throw LinkError("cannot start a new \(files.currentChangelogPath): \(error)")
        } catch {
            throw LinkError("cannot open \(files.currentChangelogPath): \(error)")
        }
    }

    /// Waits for a running snapshot, then stores what is queued and closes the changelog.
    public func close() {
        waitForSnapshot()
        writer?.close()
    }
}
