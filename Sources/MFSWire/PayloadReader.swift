import MFSCore

/// Reads one frame's payload field by field, throwing a `WireError` that names the message
/// (and the field, where a rule is broken) instead of trapping on short or bad input.
struct PayloadReader {
    let message: MessageType
    private var reader: ByteReader

    init(_ frame: Frame) {
        message = frame.type
        reader = ByteReader(frame.payload)
    }

    mutating func uint8() throws(WireError) -> UInt8 { try integer() }
    mutating func uint16() throws(WireError) -> UInt16 { try integer() }
    mutating func uint32() throws(WireError) -> UInt32 { try integer() }
    mutating func uint64() throws(WireError) -> UInt64 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws(WireError) -> T {
        do throws(ByteReaderError) { return try reader.readInteger(T.self) } catch { throw truncated(error) }
    }

    mutating func bytes(_ count: Int) throws(WireError) -> [UInt8] {
        do throws(ByteReaderError) { return Array(try reader.read(count: count)) } catch { throw truncated(error) }
    }

    private func truncated(_ error: ByteReaderError) -> WireError {
        switch error {
        case .truncated(_, let needed): .truncated(message: message, needed: needed)
        }
    }

    /// Whether every byte has been read (for a field a newer peer appends).
    var isAtEnd: Bool { reader.isAtEnd }
    /// Bytes not read yet.
    var remaining: Int { reader.remaining }

    func malformed(_ field: String, _ reason: String) -> WireError {
        .malformed(message: message, field: field, reason: reason)
    }

    /// An epoch, at most `Epoch.maximum`.
    mutating func epoch(_ field: String) throws(WireError) -> Epoch {
        let value = try uint64()
        guard let epoch = Epoch(checking: value) else { throw malformed(field, "epoch \(value) is above \(Epoch.maximum)") }
        return epoch
    }

    /// A metadata version, at most `MetaVersion.maximum`.
    mutating func metaVersion(_ field: String) throws(WireError) -> MetaVersion {
        let value = try uint64()
        guard let version = MetaVersion(checking: value) else { throw malformed(field, "version \(value) is above \(MetaVersion.maximum)") }
        return version
    }

    /// A boolean byte: 0 or 1, nothing else, so every value has one encoding.
    mutating func bool(_ field: String) throws(WireError) -> Bool {
        switch try uint8() {
        case 0: return false
        case 1: return true
        case let other: throw malformed(field, "\(other) is not a boolean (0 or 1)")
        }
    }

    /// A flags byte whose bits must all be within `allowed`.
    mutating func flags(_ field: String, allowed: UInt8) throws(WireError) -> UInt8 {
        let value = try uint8()
        guard value & ~allowed == 0 else {
            throw malformed(field, "unknown bits 0x\(String(value & ~allowed, radix: 16)) set")
        }
        return value
    }

    /// A byte string with a one-byte length and at most `limit` bytes.
    mutating func shortBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let count = Int(try uint8())
        guard count <= limit else { throw malformed(field, "\(count) bytes; the limit is \(limit)") }
        return try bytes(count)
    }

    /// A byte string with a two-byte length and at most `limit` bytes; the length is checked
    /// before the bytes are read.
    mutating func longBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let count = Int(try uint16())
        guard count <= limit else { throw malformed(field, "\(count) bytes; the limit is \(limit)") }
        return try bytes(count)
    }

    /// UTF-8 text with a one-byte length and at most `limit` bytes.
    mutating func shortText(_ field: String, limit: Int) throws(WireError) -> String {
        try text(field, try shortBytes(field, limit: limit))
    }

    /// UTF-8 text with a two-byte length and at most `limit` bytes.
    mutating func longText(_ field: String, limit: Int) throws(WireError) -> String {
        try text(field, try longBytes(field, limit: limit))
    }

    private func text(_ field: String, _ bytes: [UInt8]) throws(WireError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw malformed(field, "not valid UTF-8") }
        return text
    }

    /// A directory entry name (`NAME`: `length:8 bytes`), checked as `EntryName` checks it.
    mutating func name(_ field: String) throws(WireError) -> EntryName {
        let bytes = try shortBytes(field, limit: WireLimits.maxNameLength)
        do throws(FSError) {
            return try EntryName(validating: bytes)
        } catch {
            throw malformed(field, Self.nameRule(bytes, error))
        }
    }

    private static func nameRule(_ bytes: [UInt8], _ error: FSError) -> String {
        if bytes.isEmpty { return "empty name" }
        if bytes.contains(0x2F) { return "name contains '/'" }
        if bytes.contains(0) { return "name contains NUL" }
        if bytes == [0x2E] || bytes == [0x2E, 0x2E] { return "name is '.' or '..'" }
        return "invalid name (\(error))"
    }

    /// A node type letter.
    mutating func nodeType(_ field: String) throws(WireError) -> NodeType {
        let raw = try uint8()
        guard let type = NodeType(rawValue: raw) else { throw malformed(field, "unknown node type \(raw)") }
        return type
    }

    /// A field that this version always sends as zero.
    mutating func zero<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(WireError) {
        let value: T = try integer()
        guard value == 0 else { throw malformed(field, "\(value) where this version requires 0") }
    }

    /// Ends the message: every byte must have been read.
    func finish() throws(WireError) {
        guard reader.isAtEnd else { throw .trailingBytes(message: message, count: reader.remaining) }
    }
}
