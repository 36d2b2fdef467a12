/// One message on the wire: `type:32 length:32 payload:lengthB`, big-endian, as MooseFS frames
/// every packet. `FrameDecoder` cuts a byte stream into frames; the message types
/// (`ClientRequest`, `MasterReply`, `Hello`, ...) decode a frame's payload.
public struct Frame: Equatable, Sendable {
    public var type: MessageType
    public var payload: [UInt8]

    public init(type: MessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The frame as bytes: header and payload. Traps if the payload is longer than
    /// `WireLimits.maxFrameLength` (a programmer error: every message bounds its fields so it
    /// cannot get there).
    public func encode() -> [UInt8] {
        var writer = FrameWriter(type)
        writer.write(bytes: payload)
        return writer.finish()
    }
}
