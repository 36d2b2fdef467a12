/// Cuts a byte stream into frames. Feed it whatever the socket delivered with `append`, then
/// call `next` until it returns nil (it needs more bytes).
///
/// The announced length is checked against `maxFrameLength` as soon as the 8-byte header is
/// in, before any payload is waited for or allocated: a peer claiming a 4 GiB frame costs
/// 8 bytes. The buffer therefore holds at most one incomplete frame plus one read.
///
/// After an error the stream's framing is lost, so the decoder keeps throwing that error:
/// the caller logs it and closes the connection.
public struct FrameDecoder: Sendable {
    /// The longest payload accepted.
    public let maxFrameLength: Int

    private var buffer: [UInt8] = []
    /// The first byte not yet returned in a frame.
    private var start = 0
    private var failure: WireError?

    public init(maxFrameLength: Int = WireLimits.maxFrameLength) {
        precondition(maxFrameLength >= 0 && maxFrameLength <= Int(UInt32.max), "frame limit \(maxFrameLength)")
        self.maxFrameLength = maxFrameLength
    }

    /// Bytes received and not yet returned in a frame.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Adds received bytes. Contiguous ones (an array, NIO's `readableBytesView`) are copied
    /// with one `memcpy`; only other sequences go byte by byte through generic code.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        let copied: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if copied != nil { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes given as raw memory (one `memcpy`, no generic per-byte path).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Drops what was consumed once it is half the buffer: each byte moves at most once more,
    /// so feeding a byte at a time stays linear.
    private mutating func compact() {
        if start > 0, start >= buffer.count - start {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }

    /// The next complete frame, or nil until more bytes arrive.
    public mutating func next() throws(WireError) -> Frame? {
        try nextInPlace { type, payload in Frame(type: type, payload: Array(payload)) }
    }

    /// The next complete frame handed to `body` in place: its type and its payload, valid only
    /// during the call (nothing copied). The frame is consumed; `body` must not touch this
    /// decoder. Nil, without calling `body`, until more bytes arrive; the same errors as `next`.
    public mutating func nextInPlace<T>(_ body: (MessageType, UnsafeRawBufferPointer) -> T) throws(WireError) -> T? {
        if let failure { throw failure }
        let header = WireLimits.frameHeaderLength
        guard buffer.count - start >= header else { return nil }
        let type = readUInt32(at: start)
        let length = readUInt32(at: start + 4)
        guard Int(length) <= maxFrameLength else {
            let error = WireError.lengthTooLarge(length: length, limit: maxFrameLength)
            failure = error
            throw error
        }
        let end = start + header + Int(length)
        guard buffer.count >= end else { return nil }
        let payload = start + header
        let result = buffer.withUnsafeBytes { body(MessageType(type), UnsafeRawBufferPointer(rebasing: $0[payload..<end])) }
        start = end
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return result
    }

    private func readUInt32(at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 8 | UInt32(buffer[index + k]) }
        return value
    }
}
