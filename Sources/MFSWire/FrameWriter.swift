import MFSCore

/// Builds one frame: writes the header with a length to fill in, then the payload fields.
struct FrameWriter {
    private var writer: ByteWriter

    init(_ type: MessageType, capacity: Int = 64) {
        writer = ByteWriter(reservingCapacity: WireLimits.frameHeaderLength + capacity)
        writer.write(type.rawValue)
        writer.write(UInt32(0))  // the length, filled in by `finish`
    }

    mutating func write(_ value: UInt8) { writer.write(value) }
    mutating func write(_ value: UInt16) { writer.write(value) }
    mutating func write(_ value: UInt32) { writer.write(value) }
    mutating func write(_ value: UInt64) { writer.write(value) }
    mutating func write(_ value: Bool) { writer.write(UInt8(value ? 1 : 0)) }
    mutating func write(bytes: some Collection<UInt8>) { writer.write(bytes: bytes) }

    /// A byte string with a one-byte length (MooseFS's `NAME` type), at most `limit` bytes.
    mutating func write(shortString bytes: some Collection<UInt8>, limit: Int = Int(UInt8.max), field: String) {
        precondition(bytes.count <= min(limit, Int(UInt8.max)), "\(field) of \(bytes.count) bytes; the limit is \(limit)")
        writer.write(UInt8(bytes.count))
        writer.write(bytes: bytes)
    }

    /// A byte string with a two-byte length, at most `limit` bytes.
    mutating func write(longString bytes: some Collection<UInt8>, limit: Int, field: String) {
        precondition(bytes.count <= min(limit, Int(UInt16.max)), "\(field) of \(bytes.count) bytes; the limit is \(limit)")
        writer.write(UInt16(bytes.count))
        writer.write(bytes: bytes)
    }

    /// The frame's bytes, with the payload length in the header.
    mutating func finish() -> [UInt8] {
        let length = writer.bytes.count - WireLimits.frameHeaderLength
        precondition(length <= WireLimits.maxFrameLength, "frame payload of \(length) bytes")
        for k in 0..<4 { writer.bytes[4 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * k)) }
        return writer.bytes
    }
}
