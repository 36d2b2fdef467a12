/// A directory entry's name bytes: up to `inlineCapacity` held in the entry itself, longer
/// ones in an array of their own.
///
/// Why: as a separate array per name, every name lay somewhere else on the heap, and a
/// listing (which walks entries in hash order) or a search that reached the name took a cache
/// miss for each: `perf annotate` put 60 % of a 10,000-entry listing's time on loading each
/// name's length (docs/BENCHMARKS-METADATA.md). Nearly every real name fits in 23 bytes; held in
/// the entry, it shares the entry's cache lines, and it needs no allocation either.
struct DirectoryName: Sendable {
    /// The longest name held inline; the byte after it holds the length.
    static let inlineCapacity = 23
    /// The inline name's bytes in memory order, its length in the last byte (`inlineCapacity`
    /// bytes + 1). All zero for a long name.
    private var inline: (UInt64, UInt64, UInt64) = (0, 0, 0)
    /// A name longer than `inlineCapacity` (empty otherwise: the shared empty array, no
    /// allocation).
    private var long: [UInt8] = []

    init(_ bytes: [UInt8]) {
        guard bytes.count <= Self.inlineCapacity else {
            long = bytes
            return
        }
        withUnsafeMutableBytes(of: &inline) { raw in
            raw.copyBytes(from: bytes)
            raw[Self.inlineCapacity] = UInt8(bytes.count)
        }
    }

    private var isInline: Bool { long.isEmpty }

    var count: Int {
        // The length is the last of the 24 bytes in memory: the top byte of the third word
        // read as little-endian, whatever the machine's byte order.
        isInline ? Int(truncatingIfNeeded: inline.2.littleEndian >> 56) : long.count
    }

    /// The bytes, lent in place (inline ones from a copy on the stack).
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard isInline else { return try long.withUnsafeBufferPointer(body) }
        var words = inline
        let length = count
        return try withUnsafeBytes(of: &words) { raw in
            try body(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length))
        }
    }

    /// A copy of the bytes.
    var bytes: [UInt8] { withUnsafeBufferPointer { Array($0) } }

    /// Whether this name holds exactly `other`'s bytes.
    @inline(__always)
    func equals(_ other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBufferPointer { mine in other.withUnsafeBufferPointer { mine.elementsEqual($0) } }
    }

    /// Whether this name sorts before `other` byte by byte (a prefix first).
    @inline(__always)
    func precedes(_ other: [UInt8]) -> Bool {
        withUnsafeBufferPointer { mine in other.withUnsafeBufferPointer { mine.lexicographicallyPrecedes($0) } }
    }
}
