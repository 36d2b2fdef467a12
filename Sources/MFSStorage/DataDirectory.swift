/// The files of a data directory (`DATA_PATH`), named as MooseFS names them: the master's
/// `metadata.mfs` and `changelog.N.mfs`, the metalogger's `metadata_ml.mfs.back` and
/// `changelog_ml.N.mfs` (DESIGN §3, §4).
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public static let metadataName = "metadata.mfs"

    public func file(_ name: String) -> String { path.hasSuffix("/") ? path + name : path + "/" + name }

    /// The metadata files a restore may start from: the master's current file and its backups,
    /// and the metalogger's downloads.
    public func metadataCandidates() throws(StorageError) -> [String] {
        try FileIO.list(path).filter { name in
            name == "metadata.mfs" || name.hasPrefix("metadata.mfs.back") || name.hasPrefix("metadata_ml.mfs.back")
        }.filter { !$0.hasSuffix(".tmp") }.map(file)
    }

    /// Every changelog in both naming schemes, oldest first (highest N first within a scheme).
    public func changelogs() throws(StorageError) -> [String] {
        let names = try FileIO.list(path)
        func numbered(_ prefix: String) -> [(Int, String)] {
            names.compactMap { name in
                guard name.hasPrefix(prefix), name.hasSuffix(".mfs") else { return nil }
                let middle = name.dropFirst(prefix.count).dropLast(4)
                guard let n = Int(middle) else { return nil }
                return (n, name)
            }
        }
        let all = numbered("changelog.") + numbered("changelog_ml.")
        return all.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.map { file($0.1) }
    }

    /// The `PREFIX.N.mfs` files (`changelog` for a master's, `changelog_ml` for a
    /// metalogger's), oldest (highest N) first.
    public func changelogs(prefix: String) throws(StorageError) -> [String] {
        try changelogs().filter { $0.hasPrefix(file("\(prefix).")) }
    }
}
