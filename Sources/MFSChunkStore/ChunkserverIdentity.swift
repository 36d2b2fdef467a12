import MFSCore

#if canImport(Glibc)
    import Glibc
#endif

/// The files that tie a chunkserver to its cluster (notes §4.2), all integers big-endian:
///
/// - `DATA_PATH/chunkserverid.mfs`: csid:16 metaid:64 (10 bytes); a 2-byte file holding only
///   the csid (older versions) is also read.
/// - `.metaid` in each data directory: metaid:64 (8 bytes), written once the master confirmed
///   the metaid; a data directory of another cluster (another metaid) is not used.
public struct ChunkserverIdentity: Hashable, Sendable {
    /// The id the master gave this chunkserver; 0 before the first registration.
    public var chunkserverID: UInt16
    /// The cluster; `MetaID.unknown` when the file had only a csid.
    public var metaID: MetaID

    public init(chunkserverID: UInt16, metaID: MetaID) {
        self.chunkserverID = chunkserverID
        self.metaID = metaID
    }

    /// The file's name in DATA_PATH.
    public static let fileName = "chunkserverid.mfs"
    /// The file's name in each data directory.
    public static let metaIDFileName = ".metaid"

    /// The identity in `dataPath/chunkserverid.mfs`; nil when there is no such file.
    public static func read(dataPath: String) throws(ChunkserverIdentityError) -> ChunkserverIdentity? {
        let path = dataPath + "/" + fileName
        guard let bytes = try readIfPresent(path) else { return nil }
        var reader = ByteReader(bytes)
        switch bytes.count {
        case 2: return ChunkserverIdentity(chunkserverID: (try? reader.readInteger(UInt16.self)) ?? 0, metaID: .unknown)
        case 10:
            let id = (try? reader.readInteger(UInt16.self)) ?? 0
            return ChunkserverIdentity(chunkserverID: id, metaID: MetaID((try? reader.readInteger(UInt64.self)) ?? 0))
        default: throw .wrongLength(path: path, length: bytes.count, expected: [2, 10])
        }
    }

    /// Writes `dataPath/chunkserverid.mfs` durably (10 bytes).
    public func write(dataPath: String) throws(ChunkserverIdentityError) {
        var writer = ByteWriter(reservingCapacity: 10)
        writer.write(chunkserverID)
        writer.write(metaID.rawValue)
        do { try PosixPath.writeFileAtomically(dataPath + "/" + Self.fileName, writer.bytes) } catch { throw .io(error) }
    }

    /// The metaid in `directory/.metaid`; nil when there is no such file.
    public static func readMetaID(directory: String) throws(ChunkserverIdentityError) -> MetaID? {
        let path = directory + "/" + metaIDFileName
        guard let bytes = try readIfPresent(path) else { return nil }
        var reader = ByteReader(bytes)
        guard bytes.count == 8, let value = try? reader.readInteger(UInt64.self) else {
            throw .wrongLength(path: path, length: bytes.count, expected: [8])
        }
        return MetaID(value)
    }

    /// Writes `directory/.metaid` durably.
    public static func writeMetaID(_ metaID: MetaID, directory: String) throws(ChunkserverIdentityError) {
        var writer = ByteWriter(reservingCapacity: 8)
        writer.write(metaID.rawValue)
        do { try PosixPath.writeFileAtomically(directory + "/" + metaIDFileName, writer.bytes) } catch { throw .io(error) }
    }

    private static func readIfPresent(_ path: String) throws(ChunkserverIdentityError) -> [UInt8]? {
        do { return try PosixPath.readFile(path) } catch  where error.code == ENOENT { return nil } catch { throw .io(error) }
    }
}

/// Why an identity file could not be read or written.
public enum ChunkserverIdentityError: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongLength(path: String, length: Int, expected: [Int])
    case io(PosixError)

    public var description: String {
        switch self {
        case .wrongLength(let path, let length, let expected):
            "\(path) is \(length) bytes long, expected \(expected.map(String.init).joined(separator: " or "))"
        case .io(let error): error.description
        }
    }
}
