import MFSWire

/// Cuts a byte stream of 9420 or 9422 into frames. Feed it whatever the socket delivered with
/// `append`, then call `next` until it returns nil (it needs more bytes).
///
/// The framing is the same as our own protocol's, so this is MFSWire's `FrameDecoder` with a
/// per-port limit: the announced length is checked against `maxPayloadLength` as soon as the
/// 8-byte header is in, before any payload is waited for or allocated, so a peer claiming a
/// 4 GiB frame costs 8 bytes. Pick the limit by what the connection reads (`MooseWireLimits`):
/// our master reading a chunkserver, our chunkserver reading the master, a data port, a
/// replication source.
///
/// After an error the stream's framing is lost, so the decoder keeps throwing that error: the
/// caller logs it and closes the connection.
public struct MooseFrameDecoder: Sendable {
    private var frames: FrameDecoder

    public init(maxPayloadLength: Int) {
        frames = FrameDecoder(maxFrameLength: maxPayloadLength)
    }

    /// The longest payload accepted.
    public var maxPayloadLength: Int { frames.maxFrameLength }

    /// Bytes received and not yet returned in a frame.
    public var bufferedByteCount: Int { frames.bufferedByteCount }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Sequence<UInt8>) { frames.append(bytes) }

    /// Adds received bytes given as raw memory (one `memcpy`, no generic per-byte path).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) { frames.append(bytes) }

    /// The next complete frame handed to `body` in place (its type and payload, valid only
    /// during the call, nothing copied; `body` must not touch this decoder), or nil until more
    /// bytes arrive; the same errors as `next`.
    public mutating func nextInPlace<T>(_ body: (MooseMessageType, UnsafeRawBufferPointer) -> T) throws(MooseWireError) -> T? {
        do throws(WireError) {
            return try frames.nextInPlace { type, payload in body(MooseMessageType(type.rawValue), payload) }
        } catch {
            guard case .lengthTooLarge(let length, let limit) = error else {
                preconditionFailure("FrameDecoder threw \(error), which it never does")
            }
            throw .lengthTooLarge(length: length, limit: limit)
        }
    }

    /// The next complete frame, or nil until more bytes arrive.
    public mutating func next() throws(MooseWireError) -> MooseFrame? {
        do throws(WireError) {
            guard let frame = try frames.next() else { return nil }
            return MooseFrame(type: MooseMessageType(frame.type.rawValue), payload: frame.payload)
        } catch {
            guard case .lengthTooLarge(let length, let limit) = error else {
                preconditionFailure("FrameDecoder threw \(error), which it never does")
            }
            throw .lengthTooLarge(length: length, limit: limit)
        }
    }
}
