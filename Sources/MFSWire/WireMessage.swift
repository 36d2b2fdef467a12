/// A message of the client–master protocol: it encodes to one whole frame and decodes from
/// one. Encoding is canonical: every value has exactly one encoding, and a decoder refuses any
/// other (non-zero reserved fields, unknown flag bits, booleans other than 0 and 1, trailing
/// bytes), so `decode(frame).encode() == frame.encode()` whenever `decode` succeeds.
///
/// Using it, on the master (a client does the mirror image):
/// ```
/// var frames = FrameDecoder()
/// frames.append(received)
/// while let frame = try frames.next() {          // throws WireError: log it, close
///     let request = try ClientRequest.decode(frame) // after Hello.decode / AuthResponse.decode
///     let reply: MasterReply = ...                  // e.g. .lookup(request.requestID, attributes)
///     send(reply.encode())                          // or MasterReply.failure(id, fsError).encode()
/// }
/// ```
///
/// A decoder checks structure and the wire's named limits only. Whether a value makes sense
/// (a goal of 0, mode bits above 07777, inode 0) is the namespace's call, so that the client
/// gets an errno for it instead of a closed connection.
public protocol WireMessage: Equatable, Sendable {
    /// The frame's bytes: header and payload.
    func encode() -> [UInt8]

    /// The message in `frame`, or why it is not one.
    static func decode(_ frame: Frame) throws(WireError) -> Self
}

extension WireMessage {
    /// Decodes a message from exactly one frame's bytes (for tests and tools; a connection
    /// uses `FrameDecoder`).
    public static func decode(bytes: [UInt8]) throws(WireError) -> Self {
        var decoder = FrameDecoder()
        decoder.append(bytes)
        guard let frame = try decoder.next() else {
            // Short of a whole frame: name what the header says, padding a partial header.
            let header =
                Array(bytes.prefix(WireLimits.frameHeaderLength))
                + [UInt8](repeating: 0, count: max(0, WireLimits.frameHeaderLength - bytes.count))
            let type = header[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let length = header[4..<8].reduce(0) { $0 << 8 | Int($1) }
            throw .truncated(message: MessageType(type), needed: WireLimits.frameHeaderLength + length - bytes.count)
        }
        guard decoder.bufferedByteCount == 0 else {
            throw .trailingBytes(message: frame.type, count: decoder.bufferedByteCount)
        }
        return try decode(frame)
    }
}
