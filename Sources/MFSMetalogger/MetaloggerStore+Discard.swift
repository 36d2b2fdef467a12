import MFSChangelog
import MFSCore
import MFSMetadata
import MFSPeer
import MFSRestore
import MFSStorage

extension MetaloggerStore {
    /// The master's history left this metalogger's after `version`: the changes held after it
    /// belong to an older epoch that was superseded (DESIGN §3). They are moved into
    /// `changelog.discarded.<epoch>.mfs` (appended, fsynced, never deleted), the lines up to
    /// `version` stay, and the namespace is rebuilt at `version` from the files as they are
    /// now, exactly as a restart would replay them. A snapshot of the metalogger's that
    /// already holds superseded changes is moved aside too, so neither a restart nor
    /// `mfsmetarestore -a` ever starts from it.
    public func discard(after version: MetaVersion, count: UInt64) throws(LinkError) {
        guard hasMetadata, !mustDownload else {
            throw LinkError("told to discard the changes after \(version), but this metalogger holds no verified metadata")
        }
        guard version < storedVersion else { return }
        defer { publish() }
        if count != storedVersion.rawValue - version.rawValue {
            logger.warning(
                "the master counts \(count) changes to discard after version \(version); this metalogger holds \(storedVersion.rawValue - version.rawValue)"
            )
        }
        waitForSnapshot()
        metadataLock.lock()
        defer { metadataLock.unlock() }
        // The superseded epoch was seen: a master below it is still stale.
        highestEpoch = max(highestEpoch, namespace.epoch)
        // The files change under the writer: it stores what it has and closes first.
        writer?.close()
        writer = nil
        let rebuilt = rebuild(at: version)
        let epochAtFork = (try? rebuilt.get())?.epoch ?? fallbackEpoch(at: version)
        try setAside(after: version, epochAtFork: epochAtFork, reason: "the master's history after version \(version)")
        switch rebuilt {
        case .success(let namespace):
            do throws(MetaloggerStartError) { writer = try openWriter(lastVersion: version) } catch {
                mustDownload = true
                throw LinkError("cannot reopen \(files.currentChangelogPath) after the discard: \(error)")
            }
            self.namespace = namespace
            storedVersion = version
            highestEpoch = max(highestEpoch, namespace.epoch)
            logger.notice("continuing from the fork point", metadata: ["version": "\(version)", "epoch": "\(namespace.epoch)"])
        case .failure(let reason):
            // The superseded changes are aside; what is left cannot be replayed to `version`.
            mustDownload = true
            storedVersion = version
            throw LinkError(
                "cannot rebuild the namespace at version \(version) after the discard (\(reason)): downloading the metadata afresh")
        }
    }

    /// The namespace at `version` from what will be left once the changes after it are set
    /// aside: the newest metadata copy at or below `version`, and the changelog lines up to it.
    func rebuild(at version: MetaVersion) -> Result<Namespace, RebuildFailure> {
        let copies = (try? files.metadataCopies()) ?? []
        // Copies above `version` hold superseded changes; an unreadable one stays where it is.
        guard let base = copies.first(where: { (files.metadataHeader(files.metadataCopyPath($0))?.version ?? .zero) <= version }) else {
            return .failure(RebuildFailure("no metadata file at or below version \(version)"))
        }
        do {
            let namespace = try files.readMetadata(files.metadataCopyPath(base))
            var changelogs: [ChangelogFile] = []
            for path in try files.changelogPaths() {
                let bytes = try FileIO.read(path)
                let cut = ForkTail(bytes, after: version).cutOffset
                changelogs.append(try ChangelogFile(name: path, bytes: Array(bytes[..<cut])))
            }
            let outcome = try Restorer.restore(namespace, changelogs: changelogs)
            guard outcome.namespace.version == version else {
                return .failure(RebuildFailure("the files replay to version \(outcome.namespace.version)"))
            }
            return .success(outcome.namespace)
        } catch {
            return .failure(RebuildFailure("\(error)"))
        }
    }

    struct RebuildFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The epoch at `version` as the namespace tells it without a replay.
    func fallbackEpoch(at version: MetaVersion) -> Epoch { ChangelogTail.epoch(at: version, of: namespace) }

    /// Moves every change after `version` out of the `changelog_ml` files into
    /// `changelog.discarded.<epoch>.mfs`, and every metadata copy above `version` to
    /// `metadata_ml.discarded.<epoch>.<version>.mfs` (the remaining copies keep their order
    /// under `metadata_ml.mfs.back`, `.1` …). Order for crashes: the discarded lines are
    /// fsynced before anything is cut, so a crash at any point loses nothing (at worst the
    /// next discard appends the same lines again). Called with `metadataLock` held.
    func setAside(after version: MetaVersion, epochAtFork: Epoch, reason: String) throws(LinkError) {
        do throws(StorageError) {
            let moved = try ChangelogTail.moveAside(
                try files.changelogPaths(), after: version, epochAtFork: epochAtFork, header: ChangelogHeader(metaID: metaID).format(),
                in: files.directory
            ) { () throws(StorageError) in try moveAsideMetadata(above: version) }
            for m in moved { logger.warning("moved \(m.count) changes of epoch \(m.epoch) after version \(m.after) aside to \(m.path)") }
        } catch {
            mustDownload = true
            throw LinkError("cannot move the changes after version \(version) aside (\(reason)): \(error)")
        }
    }

    /// Moves metadata copies above `version` aside and renumbers the rest without holes.
    private func moveAsideMetadata(above version: MetaVersion) throws(StorageError) {
        var kept: [Int] = []
        for copy in try files.metadataCopies() {
            let path = files.metadataCopyPath(copy)
            guard let header = files.metadataHeader(path), header.version > version else {
                kept.append(copy)
                continue
            }
            var target = files.discardedMetadataPath(epoch: header.epoch, version: header.version)
            var n = 1
            while FileIO.exists(target) {
                n += 1
                target = files.discardedMetadataPath(epoch: header.epoch, version: header.version) + ".\(n)"
            }
            try FileIO.renameDurably(path, target)
            logger.warning("moved the metadata snapshot at version \(header.version) (epoch \(header.epoch)) aside to \(target)")
        }
        // Ascending: each copy moves to a lower number, never over one not yet moved.
        for (index, copy) in kept.enumerated() where index != copy {
            try FileIO.renameDurably(files.metadataCopyPath(copy), files.metadataCopyPath(index))
        }
        hasMetadata = !kept.isEmpty
        metadataVersion = kept.isEmpty ? nil : files.metadataHeader(files.metadataPath)?.version
    }
}
