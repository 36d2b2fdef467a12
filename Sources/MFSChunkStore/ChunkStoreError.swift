import MFSCore

/// Why a chunk operation failed. Each case maps to the MooseFS status the chunkserver sends
/// (`mooseFSStatus`, codes from MFSCommunication.h); none of them is ever a crash.
public enum ChunkStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No chunk with this id is stored (status NOCHUNK 13).
    case noChunk(ChunkID)
    /// A create or duplicate names a chunk that is already stored (CHUNKEXIST 20).
    case chunkExists(ChunkID)
    /// The request's version is neither 0 nor the stored one (WRONGVERSION 19).
    case wrongVersion(ChunkID, requested: ChunkVersion, stored: ChunkVersion)
    /// A range that does not fit in a chunk, or a length past `ChunkLimits.chunkSize`
    /// (WRONGOFFSET 25).
    case outOfChunk(offset: Int, size: Int)
    /// A block number past `ChunkLimits.blocksPerChunk` (BNUMTOOBIG 23).
    case blockOutOfChunk(Int)
    /// A packet whose bytes do not have the CRC it carries; nothing was written (CRC 29).
    case packetCRCMismatch(ChunkID, sent: UInt32, computed: UInt32)
    /// Stored data that fails its check: a block whose stored CRC does not match, a header that
    /// does not match the file name, a file of impossible length (CRC 29 for a block, else IO 22).
    /// The chunk is reported damaged; no byte of a damaged block is ever returned.
    case damaged(ChunkID, block: Int?, reason: String)
    /// The file system of a data directory is full (NOSPACE 21); that directory takes no new
    /// chunks until its space is refreshed.
    case noSpace(directory: String)
    /// No data directory can take a new chunk: all full, failed or marked for removal
    /// (NOSPACE 21).
    case noUsableDirectory
    /// The directory holding the chunk has been taken out of use after I/O errors (IO 22).
    case directoryFailed(String)
    /// A system call failed (IO 22).
    case io(PosixError)
    /// A version a chunk cannot be stored at: bit 31 is the chunk lists' removal flag
    /// (`ChunkVersion.maximum`; EINVAL 6).
    case versionOutOfRange(ChunkID, ChunkVersion)
    /// Writes to the chunk were taken and then dropped before an fsync covered them (an fsync
    /// failed, or the chunk was closed without one when its directory failed): no sync or
    /// finish of it succeeds until its next version (IO 22).
    case writesLost(ChunkID)

    /// The MooseFS status byte for this error.
    public var mooseFSStatus: UInt8 {
        switch self {
        case .noChunk: 13
        case .chunkExists: 20
        case .wrongVersion: 19
        case .outOfChunk: 25
        case .blockOutOfChunk: 23
        case .packetCRCMismatch: 29
        case .damaged(_, let block, _): block == nil ? 22 : 29
        case .noSpace, .noUsableDirectory: 21
        case .directoryFailed, .io, .writesLost: 22
        case .versionOutOfRange: 6
        }
    }

    public var description: String {
        switch self {
        case .noChunk(let id): "chunk \(hex(id.rawValue, digits: 16)) is not stored here"
        case .chunkExists(let id): "chunk \(hex(id.rawValue, digits: 16)) already exists"
        case .wrongVersion(let id, let requested, let stored):
            "chunk \(hex(id.rawValue, digits: 16)) is at version \(stored), not \(requested)"
        case .outOfChunk(let offset, let size):
            "\(size) bytes at offset \(offset) do not fit in a chunk of \(ChunkLimits.chunkSize) bytes"
        case .blockOutOfChunk(let block): "block \(block) is past the chunk's \(ChunkLimits.blocksPerChunk) blocks"
        case .packetCRCMismatch(let id, let sent, let computed):
            "chunk \(hex(id.rawValue, digits: 16)): data has CRC \(hex(UInt64(computed), digits: 8)), packet says \(hex(UInt64(sent), digits: 8))"
        case .damaged(let id, let block, let reason):
            "chunk \(hex(id.rawValue, digits: 16)) is damaged\(block.map { " (block \($0))" } ?? ""): \(reason)"
        case .noSpace(let directory): "no space left in \(directory)"
        case .noUsableDirectory: "no data directory can take a new chunk (all full, failed or marked for removal)"
        case .directoryFailed(let path): "data directory \(path) was taken out of use after I/O errors"
        case .io(let error): error.description
        case .versionOutOfRange(let id, let version):
            "chunk \(hex(id.rawValue, digits: 16)): version \(version) is above the highest a chunk can have, \(ChunkVersion.maximum)"
        case .writesLost(let id):
            "chunk \(hex(id.rawValue, digits: 16)): writes were dropped before an fsync covered them (a failed fsync or directory); none is acknowledged until the chunk's next version"
        }
    }
}
