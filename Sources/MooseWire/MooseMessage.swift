/// One message of MooseFS's 9420 or 9422 protocol as a value: it encodes to one whole frame
/// and decodes from one. Encoding is canonical, so `decode(frame).encode() == frame.encode()`
/// whenever `decode` succeeds; the tests hold every captured MooseFS frame to that.
///
/// A decoder checks the layout and MooseWire's named limits: the length MooseFS would accept,
/// counts, sizes that must agree. Whether a value makes sense (a chunk the chunkserver does not
/// have, a version 0) is the caller's to answer with a status, as MooseFS does.
///
/// Using one message directly (a shell usually goes through the direction enums
/// `ChunkserverToMaster`, `MasterToChunkserver`, `DataPortRequest`, `DataPortReply`):
/// ```
/// var frames = MooseFrameDecoder(maxPayloadLength: MooseWireLimits.masterToChunkserverFrame)
/// frames.append(received)
/// while let frame = try frames.next() {            // throws MooseWireError: log, close
///     let create = try CreateChunk.decode(frame)
///     send(ChunkCommandStatus(command: .create, chunkID: create.chunkID, status: .ok).encode())
/// }
/// ```
public protocol MooseMessage: Equatable, Sendable {
    /// The types this message decodes from.
    static var messageTypes: [MooseMessageType] { get }
    /// Whether `type` is one of `messageTypes` (a message with many types answers without a
    /// search: it is asked for every frame).
    static func decodes(_ type: MooseMessageType) -> Bool
    /// The type this value encodes to (one of `messageTypes`).
    var messageType: MooseMessageType { get }
    /// Writes the payload's fields (the header is the writer's).
    func encode(into writer: inout MooseWriter)
    /// Reads the payload's fields; `reader.message` is one of `messageTypes`. The caller checks
    /// that every byte was read.
    static func decode(from reader: inout MooseReader) throws(MooseWireError) -> Self
}

extension MooseMessage {
    public static func decodes(_ type: MooseMessageType) -> Bool { messageTypes.contains(type) }

    /// The frame's bytes: header and payload.
    public func encode() -> [UInt8] {
        var writer = MooseWriter(messageType)
        encode(into: &writer)
        return writer.finish()
    }

    /// The message as a frame (header dropped).
    public func frame() -> MooseFrame {
        MooseFrame(type: messageType, payload: Array(encode().dropFirst(MooseWireLimits.frameHeaderLength)))
    }

    /// The message in `frame`, or why it is not one.
    public static func decode(_ frame: MooseFrame) throws(MooseWireError) -> Self {
        guard decodes(frame.type) else {
            throw .unexpectedType(frame.type, expected: "\(Self.self) (\(messageTypes.map(\.description).joined(separator: ", ")))")
        }
        var reader = MooseReader(frame)
        let message = try decode(from: &reader)
        try reader.finish()
        return message
    }

    /// Decodes a message from exactly one frame's bytes (for tests and tools; a connection
    /// uses `MooseFrameDecoder`).
    public static func decode(bytes: [UInt8]) throws(MooseWireError) -> Self {
        try decode(MooseFrame(wholeFrame: bytes))
    }
}

extension MooseFrame {
    /// The frame in `bytes`, which must be exactly one frame (header and payload).
    public init(wholeFrame bytes: [UInt8]) throws(MooseWireError) {
        let header = MooseWireLimits.frameHeaderLength
        let type = MooseMessageType(bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard bytes.count >= header else { throw .truncated(message: type, field: "header", needed: header - bytes.count) }
        let length = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        guard bytes.count >= header + length else {
            throw .truncated(message: type, field: "payload", needed: header + length - bytes.count)
        }
        guard bytes.count == header + length else { throw .trailingBytes(message: type, count: bytes.count - header - length) }
        self.init(type: type, payload: Array(bytes[header...]))
    }
}

/// A message whose payload is always empty (NOP, ERROR_OCCURRED, MODULE_INFO's request).
public protocol MooseEmptyMessage: MooseMessage {
    init()
}

extension MooseEmptyMessage {
    public static var messageTypes: [MooseMessageType] { [Self().messageType] }
    public func encode(into writer: inout MooseWriter) {}
    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> Self {
        try reader.expectLength(0)
        return Self()
    }
}
