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

/// Something a scan found and skipped, or mended (`tornTail`); nothing is ever deleted for it.
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
    /// A chunk file that ended inside a block (`ChunkFileLayout(tornLength:)`), cut back to its
    /// last whole block whose CRC matches the table, and kept: the bytes past it were never
    /// acknowledged, while the blocks before them may hold acknowledged writes.
    case tornTail(path: String, length: Int, keptBlocks: Int)

    public var description: String {
        switch self {
        case .badName(let path, let error): "\(path): skipped, \(error)"
        case .badLength(let path, let length): "\(path): skipped, \(length) bytes is not a chunk file's length"
        case .notAFile(let path): "\(path): skipped, not a regular file"
        case .unreadable(let error): "\(error)"
        case .duplicate(let kept, let ignored): "\(ignored): skipped, the same chunk at a version not newer than \(kept)"
        case .tornTail(let path, let length, let blocks):
            "\(path): \(length) bytes, ending inside block \((length - ChunkLimits.dataOffset) / ChunkLimits.blockSize): cut back to "
                + "\(blocks) whole blocks (\(length - ChunkFileLayout(blocks: blocks).fileLength) bytes of a write a crash cut short, never "
                + "acknowledged)"
        }
    }
}

/// Reads the 256 subdirectories of one data directory (creating missing ones, unless the
/// directory is marked for removal and may be read-only), and lists its chunk files with their
/// block counts, from names and lengths only: contents are checked when a chunk is opened.
enum DirectoryScan {
    /// `createSubdirectories` is false for a directory marked for removal, which may be
    /// read-only: nothing in it is changed (a torn file there is skipped).
    static func scan(_ directory: String, createSubdirectories: Bool) -> (chunks: [ScannedChunk], problems: [ScanProblem]) {
        var chunks: [ScannedChunk] = []
        var problems: [ScanProblem] = []
        for subdirectory in ChunkSubdirectory.all {
            let path = directory + subdirectory.description
            do {
                if createSubdirectories { try PosixPath.makeDirectory(path) }
                guard createSubdirectories || access(path, F_OK) == 0 else { continue }
                for name in try PosixPath.list(path).sorted() {
                    switch found(path + "/" + name, name: name, in: subdirectory, mends: createSubdirectories) {
                    case .success(let (chunk, mended)):
                        chunks.append(chunk)
                        if let mended { problems.append(mended) }
                    case .failure(let problem): problems.append(problem)
                    }
                }
            } catch {
                problems.append(.unreadable(error))
            }
        }
        return (chunks, problems)
    }

    private static func found(
        _ path: String, name: String, in subdirectory: ChunkSubdirectory, mends: Bool
    ) -> Result<(ScannedChunk, mended: ScanProblem?), ScanProblem> {
        let chunkName: ChunkFileName
        do { chunkName = try ChunkFileName(parsing: name) } catch { return .failure(.badName(path: path, error)) }
        let info: stat
        do { info = try PosixPath.status(path) } catch { return .failure(.unreadable(error)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notAFile(path: path)) }
        let length = Int(info.st_size)
        if let layout = ChunkFileLayout(fileLength: length) {
            return .success((ScannedChunk(name: chunkName, subdirectory: subdirectory, blocks: layout.blocks, path: path), nil))
        }
        guard mends, let torn = ChunkFileLayout(tornLength: length), let layout = cutTornTail(path, chunkName, torn) else {
            return .failure(.badLength(path: path, length: length))
        }
        let mended = ScanProblem.tornTail(path: path, length: length, keptBlocks: layout.blocks)
        return .success((ScannedChunk(name: chunkName, subdirectory: subdirectory, blocks: layout.blocks, path: path), mended))
    }

    /// Cuts a torn chunk file back to the whole blocks of `torn` whose CRC matches the table on
    /// disk, when its header is this chunk's (any version: opening mends a version apart from
    /// the name) with the zeros of a 4096-byte header, not the CRC table that follows a
    /// 1024-byte one. The write the crash cut short may have written whole blocks before the
    /// torn one; the table is stored when a write is made durable, so their entries still say
    /// "no block" (the empty block's CRC, or zero in a table never stored), and kept they would
    /// read as damaged: such trailing blocks go too. A block whose entry is a real CRC that does
    /// not match stays (an acknowledged block the cut-short write changed in place: damaged, as
    /// it is, rather than silently gone). Nil, with nothing changed, otherwise.
    private static func cutTornTail(_ path: String, _ name: ChunkFileName, _ torn: ChunkFileLayout) -> ChunkFileLayout? {
        guard let file = try? PosixFile.open(path, writable: true) else { return nil }
        defer { try? file.close() }
        guard let header = try? file.read(count: ChunkLimits.headerSize, at: 0), let parsed = ChunkHeader(parsing: header),
            parsed.id == name.id, header[ChunkHeader.usedBytes...].allSatisfy({ $0 == 0 }),
            let table = (try? file.read(count: ChunkLimits.crcTableSize, at: torn.crcTableOffset)).map(CRCTable.init(decoding:))
        else { return nil }
        var kept = torn
        while kept.blocks > 0 {
            let stored = table[kept.blocks - 1]
            guard let block = try? file.read(count: ChunkLimits.blockSize, at: kept.offset(ofBlock: kept.blocks - 1)) else { return nil }
            guard stored == BlockCRC.emptyBlock || stored == 0, BlockCRC.checksum(block) != stored else { break }
            kept.blocks -= 1
        }
        return (try? file.truncate(to: kept.fileLength)) != nil ? kept : nil
    }
}
