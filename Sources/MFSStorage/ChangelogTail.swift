import MFSChangelog
import MFSCore

/// Moves changes of a superseded epoch out of a changelog chain (DESIGN §3): the lines after a
/// fork point are written to `changelog.discarded.<epoch>.mfs` (appended; never deleted) and
/// cut from the files that held them.
public enum ChangelogTail {
    /// Moves every line with a version above `version` from `PREFIX.N.mfs` into
    /// `changelog.discarded.<epoch>.mfs`. Returns how many lines moved and the file.
    @discardableResult
    public static func moveAside(in directory: DataDirectory, prefix: String, after version: MetaVersion, epoch: Epoch) throws(StorageError)
        -> (count: Int, file: String)
    {
        let target = directory.file("changelog.discarded.\(epoch.rawValue).mfs")
        var moved: [UInt8] = []
        var count = 0
        var n = 0
        var headerLine: [UInt8]?
        while FileIO.exists(directory.file("\(prefix).\(n).mfs")) {
            let path = directory.file("\(prefix).\(n).mfs")
            n += 1
            let bytes = try FileIO.read(path)
            var kept: [UInt8] = []
            var tail: [UInt8] = []
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                let line = bytes[start..<end]
                let whole = Array(bytes[start..<min(bytes.count, end + 1)])
                start = end + 1
                if ChangelogHeader.isComment(line) {
                    headerLine = headerLine ?? whole
                    kept += whole
                } else if let v = ChangelogCodec.peekVersion(line), v > version {
                    tail += whole
                    count += 1
                } else {
                    kept += whole
                }
            }
            guard !tail.isEmpty else { continue }
            moved = tail + moved
            try FileIO.writeAtomically(path, keepPrevious: 0) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
                try write(kept)
            }
        }
        guard count > 0 else { return (0, target) }
        var existing = FileIO.exists(target) ? try FileIO.read(target) : (headerLine ?? [])
        if existing.last != 0x0A, !existing.isEmpty { existing.append(0x0A) }
        let all = existing + moved
        try FileIO.writeAtomically(target, keepPrevious: 0) { (write: ([UInt8]) throws(StorageError) -> Void) throws(StorageError) in
            try write(all)
        }
        return (count, target)
    }
}
