import MFSCore
import MFSMetadata
import MFSStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The metalogger's files in `DATA_PATH`, named apart from the master's so both may share one
/// directory (DESIGN §1, §3):
///
/// - `metadata_ml.mfs.back`: the metadata (downloaded, or a snapshot of the verified
///   namespace); previous copies `metadata_ml.mfs.back.1` … (`.1` the newest);
/// - `changelog_ml.0.mfs`: the current changelog; rotated ones `changelog_ml.1.mfs` …;
/// - `changelog.discarded.<epoch>.mfs`: changes of an older epoch that the master's history
///   superseded, moved aside at a fork (never deleted);
/// - `metadata_ml.discarded.<epoch>.<version>.mfs`: a snapshot that held such changes;
/// - `.mfsmetalogger.lock`.
public struct MetaloggerFiles: Sendable {
    public static let metadataName = "metadata_ml.mfs.back"
    public static let changelogPrefix = "changelog_ml"

    public let directory: DataDirectory

    public init(_ directory: DataDirectory) { self.directory = directory }

    public var metadataPath: String { directory.file(Self.metadataName) }
    public var currentChangelogPath: String { directory.file("\(Self.changelogPrefix).0.mfs") }

    /// `metadata_ml.mfs.back` for 0, else its previous copy `metadata_ml.mfs.back.N`.
    public func metadataCopyPath(_ n: Int) -> String { n == 0 ? metadataPath : "\(metadataPath).\(n)" }

    public func discardedMetadataPath(epoch: Epoch, version: MetaVersion) -> String {
        directory.file("metadata_ml.discarded.\(epoch).\(version).mfs")
    }

    /// The `changelog_ml.N.mfs` files, oldest (highest N) first.
    public func changelogPaths() throws(StorageError) -> [String] {
        try directory.changelogs(prefix: Self.changelogPrefix)
    }

    /// The metadata file and its previous copies present, by copy number (0 is the current).
    func metadataCopies() throws(StorageError) -> [Int] {
        try FileIO.list(directory.path).compactMap { name -> Int? in
            if name == Self.metadataName { return 0 }
            guard name.hasPrefix(Self.metadataName + ".") else { return nil }
            return Int(name.dropFirst(Self.metadataName.count + 1)).flatMap { $0 > 0 ? $0 : nil }
        }.sorted()
    }

    /// Writes `metadata_ml.mfs.back` so that a crash leaves the old or the whole new file, and
    /// keeps `keepPrevious` previous copies as `metadata_ml.mfs.back.1` … (MooseFS's names;
    /// `FileIO.writeAtomically`'s own would be `.back.back.1`).
    func writeMetadata(
        keepPrevious: Int, _ produce: (_ write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) -> Void
    ) throws(StorageError) {
        let path = metadataPath
        try withoutActuallyEscaping(produce) { (produce) throws(StorageError) in
            try FileIO.writeAtomically(path, keepPrevious: 0) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try produce(write)
                // Once the new file is complete, before it replaces the old one: a crash in
                // between leaves the old file in place and a copy of it.
                try keepCopies(of: path, keepPrevious)
            }
        }
    }

    /// Shifts `metadata_ml.mfs.back.N` up by one (dropping the one past `keepPrevious`) and
    /// makes `.1` a hard link to the current file.
    private func keepCopies(of path: String, _ keepPrevious: Int) throws(StorageError) {
        guard keepPrevious > 0, FileIO.exists(path) else { return }
        for n in stride(from: keepPrevious - 1, through: 1, by: -1) where FileIO.exists(metadataCopyPath(n)) {
            guard rename(metadataCopyPath(n), metadataCopyPath(n + 1)) == 0 else { throw StorageError("rename", metadataCopyPath(n)) }
        }
        let newest = metadataCopyPath(1)
        if FileIO.exists(newest) { unlink(newest) }
        if link(path, newest) != 0 {
            guard rename(path, newest) == 0 else { throw StorageError("keep a copy of", path) }
        }
    }

    /// When a file was last written (wall seconds), nil if it is missing.
    static func modificationTime(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }
}

extension MetaloggerFiles {
    /// The header of a metadata file (its first bytes only), nil when it does not read.
    func metadataHeader(_ path: String) -> MetadataFile.Header? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: MetadataFile.headerLength)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n == bytes.count else { return nil }
        return try? MetadataFile.header(of: bytes)
    }
}
