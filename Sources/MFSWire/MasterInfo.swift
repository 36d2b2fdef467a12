import MFSCore

/// Figures for `statfs` and monitoring (`MasterReply.info`).
public struct MasterInfo: Equatable, Sendable {
    /// Bytes of chunkserver space in all.
    public var totalBytes: UInt64
    /// Bytes of chunkserver space free.
    public var availableBytes: UInt64
    /// Inodes in use (`f_files - f_ffree`).
    public var inodeCount: UInt64
    public var chunkCount: UInt64
    /// The metadata version (the last change applied).
    public var metaVersion: MetaVersion

    public init(totalBytes: UInt64, availableBytes: UInt64, inodeCount: UInt64, chunkCount: UInt64, metaVersion: MetaVersion) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.inodeCount = inodeCount
        self.chunkCount = chunkCount
        self.metaVersion = metaVersion
    }
}
