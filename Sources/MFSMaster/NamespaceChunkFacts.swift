import MFSChunkRegistry
import MFSCore
import MFSMetadata

/// The chunk registry's view of the namespace (`ChunkFacts`), over a snapshot taken for one
/// event: a copy-on-write value, so taking it costs a few references, and the event sees one
/// consistent namespace even while clients change the live one.
struct NamespaceChunkFacts: ChunkFacts {
    let namespace: Namespace

    var nextChunkID: ChunkID { namespace.nextChunkID }

    func expectation(of chunk: ChunkID) -> (version: UInt32, goal: UInt8)? { namespace.chunkExpectation(chunk) }

    func extent(of chunk: ChunkID) -> UInt32? { namespace.chunkExtent(chunk) }

    func forEachOwnedChunk(_ body: (ChunkID, UInt32, UInt8) -> Void) { namespace.forEachChunk(body) }

    func isInOpenFile(_ chunk: ChunkID) -> Bool { namespace.chunkIsInOpenFile(chunk) }
}
