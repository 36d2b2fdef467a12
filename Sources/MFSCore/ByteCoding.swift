/// Big-endian byte writing and reading for the binary formats (metadata file, wire).

/// Appends big-endian integers and byte strings to a growing buffer.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable public mutating func write(_ value: UInt8) { bytes.append(value) }
    @inlinable public mutating func write(_ value: UInt16) { writeInteger(value) }
    @inlinable public mutating func write(_ value: UInt32) { writeInteger(value) }
    @inlinable public mutating func write(_ value: UInt64) { writeInteger(value) }

    @inlinable
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        // Byte by byte: cheaper than a generic append(contentsOf:) for 2 to 8 bytes.
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    @inlinable public mutating func write(bytes other: some Collection<UInt8>) { bytes.append(contentsOf: other) }

    /// A length (UInt16) followed by the bytes.
    @inlinable
    public mutating func write(shortBytes other: some Collection<UInt8>) {
        precondition(other.count <= Int(UInt16.max), "short byte string of \(other.count) bytes")
        write(UInt16(other.count))
        bytes.append(contentsOf: other)
    }
}

/// Why a binary record could not be read.
public enum ByteReaderError: Error, Equatable, Sendable {
    /// The input ended `needed` bytes short at `offset`.
    case truncated(offset: Int, needed: Int)
}

/// Reads big-endian integers from a byte buffer, throwing instead of trapping on short input.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// Where the next read starts (public so that the reads inline into their callers; only
    /// the reads move it).
    public var offset: Int
    public let end: Int

    @inlinable
    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        precondition(end ?? 0 <= bytes.count, "ByteReader end \(end ?? 0) past the \(bytes.count) bytes")
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    @inlinable public var remaining: Int { end - offset }
    @inlinable public var isAtEnd: Bool { offset >= end }

    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(_: T.Type = T.self) throws(ByteReaderError) -> T {
        let size = MemoryLayout<T>.size
        guard end - offset >= size else { throw .truncated(offset: offset, needed: size - (end - offset)) }
        // One unaligned load instead of a checked read per byte: decoding a metadata file is
        // mostly this (checked above: `offset + size <= end <= bytes.count`).
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(bigEndian: value)
    }

    @inlinable
    public mutating func read(count: Int) throws(ByteReaderError) -> ArraySlice<UInt8> {
        guard count >= 0, end - offset >= count else {
            throw .truncated(offset: offset, needed: count - (end - offset))
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    @inlinable
    public mutating func readShortBytes() throws(ByteReaderError) -> [UInt8] {
        let count = Int(try readInteger(UInt16.self))
        return Array(try read(count: count))
    }
}
