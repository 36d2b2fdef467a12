import MFSCore
import MFSMetadata
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A namespace's metadata file written to a temporary file of the data directory and read back
/// a block at a time: what a peer downloads (DESIGN §6) costs the master disk, not memory,
/// whatever the metadata's size and however slowly the peer reads. The file is unlinked as
/// soon as it is made, so no directory lists it and a crash leaves nothing behind; its space
/// goes with `close` (or the last reference).
///
/// Made off the event loops (it writes the whole file); then used by one thread at a time.
public final class SpooledMetadata: @unchecked Sendable {
    public let version: MetaVersion
    /// The metadata file's length in bytes.
    public let length: Int
    private let path: String
    private var fd: Int32
    /// The offset of the next block `next` reads.
    private var offset = 0
    private static let made = Atomic<Int>(0)

    /// Writes the metadata file of `namespace` to a new temporary file in `directory`. Memory:
    /// one section of the file at a time, as a dump.
    public init(_ namespace: Namespace, in directory: DataDirectory) throws(StorageError) {
        let path = directory.file(".metadata-download.\(getpid()).\(Self.made.add(1, ordering: .relaxed).newValue).tmp")
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError("create", path) }
        unlink(path)
        var length = 0
        do throws(StorageError) {
            try FileIO.writeMetadata(namespace) { (chunk: [UInt8]) throws(StorageError) in
                try FileIO.writeAll(fd, chunk, path)
                length += chunk.count
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.path = path
        self.fd = fd
        self.length = length
        version = namespace.version
    }

    deinit { close() }

    /// Whether every byte has been read.
    public var isFinished: Bool { offset >= length }

    /// The next block of at most `maxBytes` and its offset; nil once everything was read.
    public func next(maxBytes: Int) throws(StorageError) -> (offset: Int, bytes: [UInt8])? {
        guard offset < length, fd >= 0 else { return nil }
        let count = min(maxBytes, length - offset)
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw StorageError("read", path, code: n == 0 ? EIO : errno) }
            done += n
        }
        defer { offset += count }
        return (offset, bytes)
    }

    /// Gives the file's space back.
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}
