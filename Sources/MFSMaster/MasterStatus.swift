import MFSCore
import MFSStatus
import MFSStorage

extension MetadataService {
    /// The status of an active master serving this metadata.
    public func status(role: String = "active", sessions: Int? = nil, chunkservers: Int = 0, peers: [MasterStatus.Peer] = [])
        -> MasterStatus
    {
        let writerStatus = writer.status
        let namespace = self.namespace
        let lastDump = self.lastDump
        let healthy = writerStatus.error == nil
        return MasterStatus(
            role: role, writable: healthy && role == "active", healthy: healthy, metaid: namespace.metaID.hex,
            epoch: namespace.epoch.rawValue, version: namespace.version.rawValue, epochStartVersion: namespace.epochStartVersion.rawValue,
            sessions: sessions ?? namespace.sessionIDs.count, chunkservers: chunkservers, peers: peers,
            changelog: MasterStatus.Changelog(
                mode: writerStatus.mode.rawValue, durableVersion: writerStatus.durableVersion.rawValue, fsyncs: writerStatus.fsyncs,
                lastFsyncSeconds: writerStatus.lastFsyncSeconds, error: writerStatus.error),
            inodes: namespace.inodeCount,
            lastDump: lastDump.map { MasterStatus.Dump(version: $0.version.rawValue, seconds: $0.seconds) })
    }
}
