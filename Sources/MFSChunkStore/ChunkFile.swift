import MFSCore

/// One open chunk file: its descriptor, layout and CRC table in memory. Reads check every block
/// against its stored CRC before a byte leaves; writes keep the table in memory and `flush()`
/// stores it (after the data, as MooseFS does at close). Errors are thrown as they come
/// (`PosixError`) or as `ChunkStoreError.damaged`; the store decides what they mean for the
/// directory. Single owner: the store uses it under its lock.
final class ChunkFile {
    private(set) var name: ChunkFileName
    private(set) var path: String
    private(set) var layout: ChunkFileLayout
    private(set) var table: CRCTable
    private var file: PosixFile
    /// The table in memory differs from the one on disk.
    private var tableChanged = false
    /// Changes made through this descriptor (data, length, header), and how many of
    /// them an fsync is known to cover: a `finish` with nothing new since the last fsync has
    /// nothing to make durable, and skips its own.
    private var changes = 0
    private var durableChanges = 0

    private init(name: ChunkFileName, path: String, layout: ChunkFileLayout, table: CRCTable, file: PosixFile) {
        self.name = name
        self.path = path
        self.layout = layout
        self.table = table
        self.file = file
    }

    var id: ChunkID { name.id }
    var blocks: Int { layout.blocks }

    /// Creates an empty chunk file, byte for byte as MooseFS 3.0 does: the header, then a CRC
    /// table of zeros (an unwritten table; MooseFS stores it at the first write).
    static func create(_ name: ChunkFileName, at path: String) throws(PosixError) -> ChunkFile {
        let file = try PosixFile.create(path)
        try file.write(
            ChunkHeader(id: name.id, version: name.version).bytes + [UInt8](repeating: 0, count: ChunkLimits.crcTableSize), at: 0)
        return ChunkFile(name: name, path: path, layout: ChunkFileLayout(blocks: 0), table: CRCTable(), file: file)
    }

    /// Opens a stored chunk file and checks it: a length of whole blocks after a 1024- or
    /// 4096-byte header and the table, the signature, and the id and version of the file name.
    /// Anything else is `damaged`.
    static func open(_ name: ChunkFileName, at path: String, writable: Bool) throws(ChunkStoreError) -> ChunkFile {
        let file = try io { () throws(PosixError) in try PosixFile.open(path, writable: writable) }
        let length = try io { () throws(PosixError) in try file.length() }
        guard let layout = ChunkFileLayout(fileLength: length) else {
            throw .damaged(name.id, block: nil, reason: "\(path) is \(length) bytes long, not a header, a CRC table and whole blocks")
        }
        let header = try io { () throws(PosixError) in try file.read(count: ChunkHeader.usedBytes, at: 0) }
        guard let header = ChunkHeader(parsing: header) else {
            throw .damaged(name.id, block: nil, reason: "\(path) does not start with a chunk signature")
        }
        guard header.id == name.id else {
            let found = ChunkFileName(id: header.id, version: header.version)
            throw .damaged(name.id, block: nil, reason: "\(path) has \(found) in its header")
        }
        if header.version != name.version {
            // A version change renames the file and then rewrites the header: a crash between
            // the two (or a rename undone after a failed fsync) leaves the name and the header
            // apart. The data is the same at either version; the name is what the scan reported
            // to the master, so the header is brought to it.
            do throws(PosixError) {
                try rewriteVersion(name.version, of: path, through: writable ? file : nil)
            } catch {
                let found = ChunkFileName(id: header.id, version: header.version)
                throw .damaged(name.id, block: nil, reason: "\(path) has \(found) in its header, and it could not be mended: \(error)")
            }
        }
        let table = try io { () throws(PosixError) in try file.read(count: ChunkLimits.crcTableSize, at: layout.crcTableOffset) }
        return ChunkFile(name: name, path: path, layout: layout, table: CRCTable(decoding: table), file: file)
    }

    /// Writes `version` into the header of the chunk file at `path` and fsyncs it, through `file`
    /// when it is open for writing, else through a descriptor of its own.
    private static func rewriteVersion(_ version: ChunkVersion, of path: String, through file: PosixFile?) throws(PosixError) {
        let target: PosixFile
        if let file { target = file } else { target = try PosixFile.open(path, writable: true) }
        defer { if file == nil { try? target.close() } }
        var bytes = ByteWriter(reservingCapacity: 4)
        bytes.write(version.rawValue)
        try target.write(bytes.bytes, at: ChunkHeader.versionOffset)
        try target.sync()
    }

    /// Reads a piece of a block. A block past the chunk's end reads as zeros; a stored block is
    /// returned only when its whole-block CRC matches the table.
    func read(_ piece: BlockPiece) throws(ChunkStoreError) -> ReadPiece {
        guard piece.block < blocks else {
            return ReadPiece(piece: piece, bytes: [UInt8](repeating: 0, count: piece.size), crc: BlockCRC.zeros(piece.size))
        }
        let block = try readCheckedBlock(piece.block)
        let bytes = Array(block.bytes[piece.offset..<piece.offset + piece.size])
        let crc = piece.isWholeBlock ? block.crc : BlockCRC.checksum(bytes)
        return ReadPiece(piece: piece, bytes: bytes, crc: crc)
    }

    /// Reads a piece of a block straight into `space` (exactly `piece.size` bytes) and returns
    /// the CRC of those bytes, under the same checks as `read(_:)`. A whole block takes one
    /// `pread` into `space` and one CRC pass over it, with no copy (issue #12).
    func read(_ piece: BlockPiece, into space: UnsafeMutableRawBufferPointer) throws(ChunkStoreError) -> UInt32 {
        precondition(space.count == piece.size, "\(space.count) bytes of room for \(piece)")
        guard piece.isWholeBlock, piece.block < blocks else {
            let read = try read(piece)
            read.bytes.withUnsafeBytes { space.copyMemory(from: $0) }
            return read.crc
        }
        try io { () throws(PosixError) in try file.read(into: space, at: layout.offset(ofBlock: piece.block)) }
        let crc = BlockCRC.checksum(UnsafeRawBufferPointer(space))
        try check(piece.block, crc: crc)
        return crc
    }

    /// Reads `pieces` into the memory of the same index in `spaces` and returns each one's CRC,
    /// under the same checks as `read(_:into:)`. Whole stored blocks that follow each other in
    /// the file are read with one `preadv`: the kernel reads larger runs of the disk at a time
    /// (with 64 KiB `pread`s a cold chunk read at a third of the speed of 512 KiB ones: about
    /// 500 against 1,700 MB/s here, docs/BENCHMARKS-DATA.md).
    func read(_ pieces: [BlockPiece], into spaces: [UnsafeMutableRawBufferPointer]) throws(ChunkStoreError) -> [UInt32] {
        var crcs: [UInt32] = []
        crcs.reserveCapacity(pieces.count)
        var next = 0
        while next < pieces.count {
            // The run of whole stored blocks, each the one after the last, starting here.
            var end = next
            while end < pieces.count, end - next < PosixFile.maxVectors, pieces[end].isWholeBlock, pieces[end].block < blocks,
                end == next || pieces[end].block == pieces[end - 1].block + 1
            {
                end += 1
            }
            guard end - next > 1 else {
                crcs.append(try read(pieces[next], into: spaces[next]))
                next += 1
                continue
            }
            try io { () throws(PosixError) in try file.read(into: spaces[next..<end], at: layout.offset(ofBlock: pieces[next].block)) }
            for i in next..<end {
                let crc = BlockCRC.checksum(UnsafeRawBufferPointer(spaces[i]))
                try check(pieces[i].block, crc: crc)
                crcs.append(crc)
            }
            next = end
        }
        return crcs
    }

    /// A whole stored block, checked against its CRC.
    func readCheckedBlock(_ block: Int) throws(ChunkStoreError) -> (bytes: [UInt8], crc: UInt32) {
        let bytes = try io { () throws(PosixError) in try file.read(count: ChunkLimits.blockSize, at: layout.offset(ofBlock: block)) }
        let crc = BlockCRC.checksum(bytes)
        try check(block, crc: crc)
        return (bytes, crc)
    }

    /// Throws `damaged` unless `crc` (of the whole stored block) is the table's.
    private func check(_ block: Int, crc: UInt32) throws(ChunkStoreError) {
        guard crc == table[block] else {
            throw .damaged(
                id, block: block,
                reason:
                    "\(path) block \(block) has CRC \(hex(UInt64(crc), digits: 8)), the table says \(hex(UInt64(table[block]), digits: 8))")
        }
    }

    /// Writes a piece whose CRC (`crc`, of exactly `bytes`) has been checked. A whole block is
    /// written as is; a part of a stored block is merged into it after the stored block passed
    /// its CRC check (so a damaged block is never laundered by a new CRC); a block past the end
    /// extends the chunk by whole blocks (the gap reads as zeros, its CRCs are empty).
    func write(_ piece: BlockPiece, _ bytes: ArraySlice<UInt8>, crc: UInt32) throws(ChunkStoreError) {
        precondition(bytes.count == piece.size, "\(bytes.count) bytes for \(piece)")
        let blockCRC: UInt32
        if piece.isWholeBlock {
            blockCRC = crc
        } else if piece.block < blocks {
            let old = try readCheckedBlock(piece.block).bytes
            blockCRC = BlockCRC.joined([
                (BlockCRC.checksum(old[..<piece.offset]), piece.offset), (crc, piece.size),
                (BlockCRC.checksum(old[(piece.offset + piece.size)...]), piece.bytesAfter),
            ])
        } else {
            blockCRC = BlockCRC.joined([
                (BlockCRC.zeros(piece.offset), piece.offset), (crc, piece.size), (BlockCRC.zeros(piece.bytesAfter), piece.bytesAfter),
            ])
        }
        changes += 1  // before the write: a write that fails half-way is not known durable either
        try io { () throws(PosixError) in
            if piece.block >= blocks, !piece.isWholeBlock {
                // A new block is stored whole, in one write: a write of the piece and then a
                // truncate to the block's end could leave, at a crash between them, a file that
                // ends inside a block, which no scan takes for a chunk.
                var block = [UInt8](repeating: 0, count: ChunkLimits.blockSize)
                block.replaceSubrange(piece.offset..<piece.offset + piece.size, with: bytes)
                try file.write(block, at: layout.offset(ofBlock: piece.block))
            } else {
                try file.write(bytes, at: layout.offset(ofBlock: piece.block) + piece.offset)
            }
        }
        if piece.block >= blocks {
            for gap in blocks..<piece.block { table[gap] = BlockCRC.emptyBlock }
            layout.blocks = piece.block + 1
        }
        table[piece.block] = blockCRC
        tableChanged = true
    }

    /// Cuts or extends the chunk to `length` bytes (at most `ChunkLimits.chunkSize`): whole
    /// blocks are kept, the tail of a partial last block becomes zeros and its CRC is recomputed
    /// (after the block passed its check), blocks past the end go, new blocks read as zeros.
    func truncate(to length: Int) throws(ChunkStoreError) {
        guard (0...ChunkLimits.chunkSize).contains(length) else { throw .outOfChunk(offset: length, size: 0) }
        let newBlocks = (length + ChunkLimits.blockSize - 1) / ChunkLimits.blockSize
        let kept = length % ChunkLimits.blockSize
        var lastCRC: UInt32? = nil
        if newBlocks <= blocks, kept > 0 {
            let old = try readCheckedBlock(newBlocks - 1).bytes
            lastCRC = BlockCRC.joined([
                (BlockCRC.checksum(old[..<kept]), kept), (BlockCRC.zeros(ChunkLimits.blockSize - kept), ChunkLimits.blockSize - kept),
            ])
        }
        changes += 1
        try io { () throws(PosixError) in
            // The last kept block's tail becomes zeros in place, and the file is cut (or
            // extended) at a block's end in one truncate: never a length inside a block, even
            // at a crash between the steps.
            if newBlocks <= blocks, kept > 0 {
                try file.write([UInt8](repeating: 0, count: ChunkLimits.blockSize - kept), at: layout.dataOffset + length)
            }
            try file.truncate(to: layout.offset(ofBlock: newBlocks))
        }
        for block in min(blocks, newBlocks)..<ChunkLimits.blocksPerChunk { table[block] = BlockCRC.emptyBlock }
        if let lastCRC { table[newBlocks - 1] = lastCRC }
        layout.blocks = newBlocks
        tableChanged = true
    }

    /// Rewrites the header's version (after the file was renamed to `name`).
    func rename(to name: ChunkFileName, path: String) throws(ChunkStoreError) {
        var version = ByteWriter(reservingCapacity: 4)
        version.write(name.version.rawValue)
        changes += 1
        try io { () throws(PosixError) in try file.write(version.bytes, at: ChunkHeader.versionOffset) }
        self.name = name
        self.path = path
    }

    /// Stores the CRC table if it changed.
    func flush() throws(ChunkStoreError) {
        guard tableChanged else { return }
        try io { () throws(PosixError) in try file.write(table.encoded(blocks: blocks), at: layout.crcTableOffset) }
        tableChanged = false
    }

    /// Something written through this descriptor is not yet known to be fsynced (a table not
    /// yet stored always comes with such a change: only writes and truncates change it).
    var needsSync: Bool { changes != durableChanges }

    /// Stores the table and fsyncs data and header: after this the chunk survives a crash.
    func sync() throws(ChunkStoreError) {
        try flush()
        try io { () throws(PosixError) in try file.sync() }
        durableChanges = changes
    }

    /// Stores the table and returns a second descriptor of the file, to fsync the writes made
    /// so far without holding the store's lock (`ChunkStore.sync`), and the count of changes
    /// that fsync will cover (`covered(upTo:)` once it succeeded).
    func flushForSync() throws(ChunkStoreError) -> (file: PosixFile, changes: Int) {
        try flush()
        return (try io { () throws(PosixError) in try file.duplicate() }, changes)
    }

    /// An fsync through a second descriptor covered the first `changes` changes.
    func covered(upTo changes: Int) { durableChanges = max(durableChanges, changes) }

    func close() throws(ChunkStoreError) {
        try io { () throws(PosixError) in try file.close() }
    }
}

/// Runs system calls, turning their error into `ChunkStoreError.io`.
func io<T>(_ body: () throws(PosixError) -> T) throws(ChunkStoreError) -> T {
    do { return try body() } catch { throw .io(error) }
}
