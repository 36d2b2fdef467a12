import MFSCore

/// Reads one frame's payload field by field. Every read names its field, so a short payload
/// throws `MooseWireError.truncated` saying which message and which field ran out, never a trap.
///
/// Field names are `@autoclosure`s: a name built by interpolation (`"\(field).ip"`) costs
/// nothing unless the read fails (decoding is on every request's path).
public struct MooseReader {
    public let message: MooseMessageType
    /// The payload's length.
    public let length: Int
    private var reader: ByteReader

    public init(_ frame: MooseFrame) {
        message = frame.type
        length = frame.payload.count
        reader = ByteReader(frame.payload)
    }

    public mutating func uint8(_ field: @autoclosure () -> String) throws(MooseWireError) -> UInt8 { try integer(field()) }
    public mutating func uint16(_ field: @autoclosure () -> String) throws(MooseWireError) -> UInt16 { try integer(field()) }
    public mutating func uint32(_ field: @autoclosure () -> String) throws(MooseWireError) -> UInt32 { try integer(field()) }
    public mutating func uint64(_ field: @autoclosure () -> String) throws(MooseWireError) -> UInt64 { try integer(field()) }

    private mutating func integer<T: FixedWidthInteger>(_ field: @autoclosure () -> String) throws(MooseWireError) -> T {
        do throws(ByteReaderError) { return try reader.readInteger(T.self) } catch { throw truncated(field(), error) }
    }

    public mutating func bytes(_ count: Int, _ field: @autoclosure () -> String) throws(MooseWireError) -> [UInt8] {
        do throws(ByteReaderError) { return Array(try reader.read(count: count)) } catch { throw truncated(field(), error) }
    }

    public mutating func chunkID(_ field: @autoclosure () -> String = "chunkid") throws(MooseWireError) -> ChunkID {
        ChunkID(try uint64(field()))
    }
    /// A chunk version (u32; 0 in a request = whichever version is stored).
    public mutating func version(_ field: @autoclosure () -> String = "version") throws(MooseWireError) -> UInt32 { try uint32(field()) }
    public mutating func status(_ field: @autoclosure () -> String = "status") throws(MooseWireError) -> MooseStatus {
        MooseStatus(rawValue: try uint8(field()))
    }
    public mutating func address(_ field: @autoclosure () -> String) throws(MooseWireError) -> ChunkserverAddress {
        let ip = try uint32("\(field()).ip")
        return ChunkserverAddress(ip: ip, port: try uint16("\(field()).port"))
    }

    /// The message's last field: `length:8 bytes`, ending exactly at the payload's end.
    public mutating func lastShortBytes(_ field: @autoclosure () -> String) throws(MooseWireError) -> [UInt8] {
        let count = Int(try uint8("\(field()) length"))
        try expectLength(length - reader.remaining + count)
        return try bytes(count, field())
    }

    private func truncated(_ field: String, _ error: ByteReaderError) -> MooseWireError {
        switch error {
        case .truncated(_, let needed): .truncated(message: message, field: field, needed: needed)
        }
    }

    /// Bytes not read yet.
    public var remaining: Int { reader.remaining }

    /// The payload must be one of `lengths` bytes long (MooseFS checks fixed sizes exactly).
    public func expectLength(_ lengths: Int...) throws(MooseWireError) {
        guard lengths.contains(length) else {
            throw .wrongLength(message: message, length: length, expected: lengths.map(String.init).joined(separator: " or "))
        }
    }

    /// The number of `entrySize`-byte entries after a `header`-byte start, which must divide
    /// evenly and be at most `limit`.
    public func entryCount(header: Int, entrySize: Int, limit: Int, _ field: String) throws(MooseWireError) -> Int {
        let body = length - header
        guard body >= 0, body % entrySize == 0 else {
            throw .wrongLength(message: message, length: length, expected: "\(header) + \(entrySize) × n")
        }
        guard body / entrySize <= limit else {
            throw .countOutOfRange(message: message, field: field, count: body / entrySize, limit: limit)
        }
        return body / entrySize
    }

    public func malformed(_ field: String, _ reason: String) -> MooseWireError {
        .malformed(message: message, field: field, reason: reason)
    }

    /// Ends the message: every byte must have been read.
    public func finish() throws(MooseWireError) {
        guard reader.isAtEnd else { throw .trailingBytes(message: message, count: reader.remaining) }
    }
}

/// Writes one frame: the header, whose length `finish` fills in, then the payload fields.
public struct MooseWriter {
    private var writer: ByteWriter

    public init(_ type: MooseMessageType, capacity: Int = 64) {
        writer = ByteWriter(reservingCapacity: MooseWireLimits.frameHeaderLength + capacity)
        writer.write(type.rawValue)
        writer.write(UInt32(0))  // the length, filled in by `finish`
    }

    public mutating func write(_ value: UInt8) { writer.write(value) }
    public mutating func write(_ value: UInt16) { writer.write(value) }
    public mutating func write(_ value: UInt32) { writer.write(value) }
    public mutating func write(_ value: UInt64) { writer.write(value) }
    public mutating func write(bytes: some Collection<UInt8>) { writer.write(bytes: bytes) }
    /// `length:8 bytes`, at most 255 bytes (the caller's limit).
    public mutating func write(lastShortBytes bytes: [UInt8]) {
        precondition(bytes.count <= Int(UInt8.max), "\(bytes.count) bytes after a one-byte length")
        writer.write(UInt8(bytes.count))
        writer.write(bytes: bytes)
    }
    public mutating func write(_ id: ChunkID) { writer.write(id.rawValue) }
    public mutating func write(_ status: MooseStatus) { writer.write(status.rawValue) }
    public mutating func write(_ address: ChunkserverAddress) {
        writer.write(address.ip)
        writer.write(address.port)
    }

    /// The frame's bytes, with the payload length in the header.
    public mutating func finish() -> [UInt8] {
        let length = writer.bytes.count - MooseWireLimits.frameHeaderLength
        precondition(length <= Int(UInt32.max), "frame payload of \(length) bytes")
        for k in 0..<4 { writer.bytes[4 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * k)) }
        return writer.bytes
    }
}
