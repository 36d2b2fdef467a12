import Foundation
import MFSCore
import MFSMetadata
import MFSStorage

/// `META_DOWNLOAD_FREQ`. MooseFS's metalogger downloads the whole metadata file from the master
/// that often; this one writes `metadata_ml.mfs.back` from its own namespace instead, which
/// every change was replayed on and every `CHECKSUM` verified, so it costs the master nothing
/// (no dump, no transfer) and is as trustworthy as a download. The changelog is rotated at the
/// snapshot's version, so `mfsmetarestore -a` needs only the newest files (docs/METALOGGER.md).
extension MetaloggerStore {
    /// Called after each stored batch: when a snapshot is due and the namespace moved since
    /// the last one, rotates `changelog_ml` at the current version (fsynced, so the rotation
    /// point is exactly the snapshot's version) and writes the snapshot from a copy of the
    /// namespace on a thread of its own: the link goes on storing and acknowledging meanwhile.
    func snapshotIfDue() {
        let now = clock()
        snapshotCondition.lock()
        let failedAt = snapshotFailedAt
        snapshotFailedAt = nil
        snapshotCondition.unlock()
        if let failedAt {
            // The last snapshot failed: the file is older than `metadataVersion` said.
            schedule.failed(now: failedAt)
            metadataVersion = nil
        }
        guard schedule.isDue(now: now), let writer else { return }
        guard metadataVersion != namespace.version else {
            schedule.written(now: now)
            return
        }
        snapshotCondition.lock()
        let running = snapshotRunning
        let keepAll = snapshotFailed
        if !running { snapshotRunning = true }
        snapshotCondition.unlock()
        guard !running else { return }
        do throws(ChangelogWriteError) {
            try writer.rotate(keepAll: keepAll)
        } catch {
            logger.error("metadata snapshot skipped: the changelog_ml rotation failed: \(error)")
            schedule.failed(now: now)
            snapshotCondition.lock()
            snapshotRunning = false
            snapshotCondition.broadcast()
            snapshotCondition.unlock()
            return
        }
        schedule.written(now: now)
        let snapshot = namespace
        metadataVersion = snapshot.version
        let thread = Thread { [self] in writeSnapshot(snapshot) }
        thread.name = "metadata-snapshot"
        thread.start()
    }

    private func writeSnapshot(_ snapshot: Namespace) {
        let started = Date()
        var failure: String?
        metadataLock.lock()
        do throws(StorageError) {
            try files.writeMetadata(keepPrevious: options.keepPreviousMetadata) {
                (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try FileIO.writeMetadata(snapshot, through: write)
            }
        } catch {
            failure = error.description
        }
        metadataLock.unlock()
        if let failure {
            logger.error(
                "metadata snapshot failed; the changelog_ml files are all kept until one succeeds",
                metadata: ["version": "\(snapshot.version)", "reason": "\(failure)"])
        } else {
            logger.info(
                "metadata snapshot written",
                metadata: [
                    "version": "\(snapshot.version)", "file": "\(files.metadataPath)",
                    "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))",
                ])
        }
        finishSnapshot(failedAt: failure == nil ? nil : clock())
    }

    /// `failedAt`: when the snapshot failed; nil when it was written (or not begun).
    private func finishSnapshot(failedAt: Double?) {
        snapshotCondition.lock()
        snapshotRunning = false
        if let failedAt { snapshotFailed = true; snapshotFailedAt = failedAt } else { snapshotFailed = false }
        snapshotCondition.broadcast()
        snapshotCondition.unlock()
    }

    /// Returns once no snapshot is being written.
    public func waitForSnapshot() {
        snapshotCondition.lock()
        while snapshotRunning { snapshotCondition.wait() }
        snapshotCondition.unlock()
    }
}
