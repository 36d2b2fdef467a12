/// One MooseFS packet on the chunkserver port (9420) or the data port (9422):
/// `type:32 length:32 payload:lengthB`, big-endian, with no message id (unlike 9421) and no
/// padding. `MooseFrameDecoder` cuts a byte stream into frames; the message types
/// (`ChunkserverToMaster`, `MasterToChunkserver`, `DataPortRequest`, `DataPortReply`, or any one
/// `MooseMessage`) decode a frame's payload.
public struct MooseFrame: Equatable, Sendable {
    public var type: MooseMessageType
    public var payload: [UInt8]

    public init(type: MooseMessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The frame as bytes: header and payload. Traps if the payload does not fit the 32-bit
    /// length field (no message gets there: every field is bounded).
    public func encode() -> [UInt8] {
        precondition(payload.count <= Int(UInt32.max), "payload of \(payload.count) bytes")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(MooseWireLimits.frameHeaderLength + payload.count)
        MooseFrame.appendHeader(type: type, length: payload.count, to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    static func appendHeader(type: MooseMessageType, length: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: type.rawValue >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> shift)) }
    }

    /// The keep-alive both sides send on 9420 and 9422: type 0, length 0 (on 9421 the same
    /// type carries a 4-byte message id; not here).
    public static let nop = MooseFrame(type: .nop, payload: [])
}
