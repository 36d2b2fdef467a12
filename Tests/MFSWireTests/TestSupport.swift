import MFSCore
import MFSTestSupport
import MFSWire
import Testing

@testable import MFSMetadata

/// The shared seeded generator (MFSTestSupport.SeededRandom, SplitMix64).
typealias SplitMix64 = SeededRandom

/// Bytes written by hand as hex groups: `hex("000003E8", "0000001E", "01 00")`.
func hex(_ groups: String...) -> [UInt8] {
    var bytes: [UInt8] = []
    for group in groups {
        let digits = group.filter { !$0.isWhitespace }
        precondition(digits.count % 2 == 0, "odd hex group \(group)")
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
    }
    return bytes
}

/// ASCII text as bytes.
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A frame header for `type` with a payload of `length` bytes.
func header(_ type: MessageType, _ length: Int) -> [UInt8] {
    var w = ByteWriter()
    w.write(type.rawValue)
    w.write(UInt32(length))
    return w.bytes
}

/// `payload` framed as `type`, with the right length.
func frameBytes(_ type: MessageType, _ payload: [UInt8]) -> [UInt8] { header(type, payload.count) + payload }

/// The error decoding `bytes` as `M` throws, or nil if it decodes.
func decodeError<M: WireMessage>(_: M.Type, _ bytes: [UInt8]) -> WireError? {
    do throws(WireError) {
        _ = try M.decode(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

/// Any message of the protocol, for tests that treat them alike.
enum AnyMessage: Equatable, CustomStringConvertible {
    case hello(Hello)
    case helloReply(HelloReply)
    case auth(AuthResponse)
    case session(SessionReply)
    case request(ClientRequest)
    case reply(MasterReply)
    case peerRegister(PeerRegister)
    case peerStart(PeerStart)
    case metadataBlock(MetadataBlock)
    case changeBatch(ChangeBatch)
    case masterAlive(MasterAlive)
    case peerAck(PeerAck)
    /// A vote message (`VoteMessages`): its description and its encoding.
    case vote(String, [UInt8])

    func encode() -> [UInt8] {
        switch self {
        case .hello(let m): m.encode()
        case .helloReply(let m): m.encode()
        case .auth(let m): m.encode()
        case .session(let m): m.encode()
        case .request(let m): m.encode()
        case .reply(let m): m.encode()
        case .peerRegister(let m): m.encode()
        case .peerStart(let m): m.encode()
        case .metadataBlock(let m): m.encode()
        case .changeBatch(let m): m.encode()
        case .masterAlive(let m): m.encode()
        case .peerAck(let m): m.encode()
        case .vote(_, let bytes): bytes
        }
    }

    /// Every decoding of `frame`: at most one decoder accepts a frame type, so this has at most
    /// one element.
    static func decodings(of frame: Frame) -> [AnyMessage] {
        var found: [AnyMessage] = []
        if let m = try? Hello.decode(frame) { found.append(.hello(m)) }
        if let m = try? HelloReply.decode(frame) { found.append(.helloReply(m)) }
        if let m = try? AuthResponse.decode(frame) { found.append(.auth(m)) }
        if let m = try? SessionReply.decode(frame) { found.append(.session(m)) }
        if let m = try? ClientRequest.decode(frame) { found.append(.request(m)) }
        if let m = try? MasterReply.decode(frame) { found.append(.reply(m)) }
        if let m = try? PeerRegister.decode(frame) { found.append(.peerRegister(m)) }
        if let m = try? PeerStart.decode(frame) { found.append(.peerStart(m)) }
        if let m = try? MetadataBlock.decode(frame) { found.append(.metadataBlock(m)) }
        if let m = try? ChangeBatch.decode(frame) { found.append(.changeBatch(m)) }
        if let m = try? MasterAlive.decode(frame) { found.append(.masterAlive(m)) }
        if let m = try? PeerAck.decode(frame) { found.append(.peerAck(m)) }
        if let m = try? VoterJoin.decode(frame) { found.append(.vote("\(m)", m.encode())) }
        if let m = try? VoteRequest.decode(frame) { found.append(.vote("\(m)", m.encode())) }
        if let m = try? VoteAnswer.decode(frame) { found.append(.vote("\(m)", m.encode())) }
        if let m = try? TailRequest.decode(frame) { found.append(.vote("\(m)", m.encode())) }
        if let m = try? TailEnd.decode(frame) { found.append(.vote("\(m)", m.encode())) }
        return found
    }

    static func decode(bytes: [UInt8]) -> AnyMessage? {
        var decoder = FrameDecoder()
        decoder.append(bytes)
        guard let frame = try? decoder.next(), decoder.bufferedByteCount == 0 else { return nil }
        return decodings(of: frame).first
    }

    var description: String {
        switch self {
        case .hello(let m): "\(m)"
        case .helloReply(let m): "\(m)"
        case .auth(let m): "\(m)"
        case .session(let m): "\(m)"
        case .request(let m): "\(m)"
        case .reply(let m): "\(m)"
        case .peerRegister(let m): "\(m)"
        case .peerStart(let m): "\(m)"
        // Blocks and batches can be 1 MiB: their size, not their bytes.
        case .metadataBlock(let m): "MetadataBlock(offset: \(m.offset), isLast: \(m.isLast), \(m.bytes.count) bytes)"
        case .changeBatch(let m): "ChangeBatch(firstVersion: \(m.firstVersion), count: \(m.count), \(m.text.count) bytes)"
        case .masterAlive(let m): "\(m)"
        case .peerAck(let m): "\(m)"
        case .vote(let m, _): m
        }
    }
}

/// Checks the canonical-encoding property on one frame: whatever decodes re-encodes to the
/// frame's exact bytes, and those decode to the same value. Returns whether it decoded. (Plain
/// comparisons, recorded only on failure: this runs 100,000s of times.)
@discardableResult
func checkCanonical(_ frame: Frame, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    let decodings = AnyMessage.decodings(of: frame)
    if decodings.count > 1 {
        Issue.record("seed \(seed): \(frame.type) decoded \(decodings.count) ways", sourceLocation: sourceLocation)
    }
    guard let message = decodings.first else { return false }
    let bytes = message.encode()
    if bytes != frame.encode() {
        Issue.record("seed \(seed): \(message) re-encodes differently", sourceLocation: sourceLocation)
    }
    if AnyMessage.decode(bytes: bytes) != message {
        Issue.record("seed \(seed): \(message) does not round-trip", sourceLocation: sourceLocation)
    }
    return true
}
