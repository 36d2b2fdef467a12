#if canImport(Glibc)
    import Glibc
#endif

/// A chunk file found by a scan.
public struct ScannedChunk: Hashable, Sendable {
    public var name: ChunkFileName
    public var subdirectory: ChunkSubdirectory
    public var blocks: Int
    public var path: String
}

/// Something a scan found and skipped; nothing is ever deleted for it.
public enum ScanProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// A file in a chunk subdirectory whose name is not a chunk file name.
    case badName(path: String, ChunkFileNameError)
    /// A chunk file whose length is not a header, a CRC table and whole blocks.
    case badLength(path: String, length: Int)
    /// Not a regular file.
    case notAFile(path: String)
    /// A subdirectory that could not be created or read.
    case unreadable(PosixError)
    /// The same chunk in two places: `kept` has the higher version (or was found first).
    case duplicate(kept: String, ignored: String)

    public var description: String {
        switch self {
        case .badName(let path, let error): "\(path): skipped, \(error)"
        case .badLength(let path, let length): "\(path): skipped, \(length) bytes is not a chunk file's length"
        case .notAFile(let path): "\(path): skipped, not a regular file"
        case .unreadable(let error): "\(error)"
        case .duplicate(let kept, let ignored): "\(ignored): skipped, the same chunk at a version not newer than \(kept)"
        }
    }
}

/// Reads the 256 subdirectories of one data directory (creating missing ones, unless the
/// directory is marked for removal and may be read-only), and lists its chunk files with their
/// block counts, from names and lengths only: contents are checked when a chunk is opened.
enum DirectoryScan {
    static func scan(_ directory: String, createSubdirectories: Bool) -> (chunks: [ScannedChunk], problems: [ScanProblem]) {
        var chunks: [ScannedChunk] = []
        var problems: [ScanProblem] = []
        for subdirectory in ChunkSubdirectory.all {
            let path = directory + subdirectory.description
            do {
                if createSubdirectories { try PosixPath.makeDirectory(path) }
                guard createSubdirectories || access(path, F_OK) == 0 else { continue }
                for name in try PosixPath.list(path).sorted() {
                    switch found(path + "/" + name, name: name, in: subdirectory) {
                    case .success(let chunk): chunks.append(chunk)
                    case .failure(let problem): problems.append(problem)
                    }
                }
            } catch {
                problems.append(.unreadable(error))
            }
        }
        return (chunks, problems)
    }

    private static func found(_ path: String, name: String, in subdirectory: ChunkSubdirectory) -> Result<ScannedChunk, ScanProblem> {
        let chunkName: ChunkFileName
        do { chunkName = try ChunkFileName(parsing: name) } catch { return .failure(.badName(path: path, error)) }
        let info: stat
        do { info = try PosixPath.status(path) } catch { return .failure(.unreadable(error)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notAFile(path: path)) }
        guard let layout = ChunkFileLayout(fileLength: Int(info.st_size)) else {
            return .failure(.badLength(path: path, length: Int(info.st_size)))
        }
        return .success(ScannedChunk(name: chunkName, subdirectory: subdirectory, blocks: layout.blocks, path: path))
    }
}
