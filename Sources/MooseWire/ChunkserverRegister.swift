import MFSCore

/// CSTOMA_REGISTER (100): a chunkserver registering with the master, in phases that the first
/// payload byte (`rver`) tells apart. 3.0.117 goes (notes §2.2–2.4):
///
/// ```
/// rver 60 BEGIN    (55 B)  rver:8=60 version:32 ip:32 port:16 timeout:16 csid:16
///                          used:64 total:64 chunks:32 tdused:64 tdtotal:64 tdchunks:32
///                  (71 B)  rver:8=60 passcode:16B then the same 54 bytes (after ACK atype 3)
/// rver 61 CHUNKS           rver:8=61 n × (chunkid:64 version:32)   bit 31 = disk marked for removal
/// rver 62 END      (1 B)   rver:8=62                                no ACK follows
/// rver 63 DISCONNECT (1 B) rver:8=63                                graceful stop, then close
/// ```
/// The master ACKs BEGIN (`MasterAck.registered`, or `.challenge` first when it has an
/// AUTH_CODE) and each CHUNKS packet (`MasterAck.nextChunks`). `ip` 0 means "use the address
/// you see"; `timeout` 0 means "you choose".
///
/// The fallback the chunkserver uses after three connections died unacknowledged (and our
/// chunkserver never sends):
/// ```
/// rver 50 BEGIN (13 B)     rver:8=50 version:32 ip:32 port:16 timeout:16
/// rver 51 CHUNKS           as 61
/// rver 52 END   (41 B)     rver:8=52 then the 40-byte space report
/// ```
/// Every rver form has an odd length; an even length is the pre-1.6.28 register without rver,
/// which no 3.0 chunkserver sends and this decoder refuses, as it refuses rver 1–4.
public enum ChunkserverRegister: MooseMessage {
    case begin(RegisterBegin)
    case chunks([ListedChunk])
    case end
    case disconnect
    case beginV5(LegacyRegisterBegin)
    case chunksV5([ListedChunk])
    case endV5(SpaceReport)

    enum RegisterVersion: UInt8 {
        case beginV5 = 50, chunksV5 = 51, endV5 = 52
        case begin = 60, chunks = 61, end = 62, disconnect = 63
    }

    public static let messageTypes: [MooseMessageType] = [.cstomaRegister]
    public var messageType: MooseMessageType { .cstomaRegister }

    private var registerVersion: RegisterVersion {
        switch self {
        case .begin: .begin
        case .chunks: .chunks
        case .end: .end
        case .disconnect: .disconnect
        case .beginV5: .beginV5
        case .chunksV5: .chunksV5
        case .endV5: .endV5
        }
    }

    public func encode(into writer: inout MooseWriter) {
        writer.write(registerVersion.rawValue)
        switch self {
        case .begin(let begin): begin.encode(into: &writer)
        case .chunks(let chunks), .chunksV5(let chunks):
            precondition(chunks.count <= MooseWireLimits.maxChunksPerRegisterPacket, "\(chunks.count) chunks in one packet")
            for chunk in chunks { chunk.encode(into: &writer) }
        case .end, .disconnect: break
        case .beginV5(let begin): begin.encode(into: &writer)
        case .endV5(let space): space.encode(into: &writer)
        }
    }

    public static func decode(from reader: inout MooseReader) throws(MooseWireError) -> ChunkserverRegister {
        guard reader.length % 2 == 1 else {
            throw reader.malformed("rver", "even length \(reader.length): the register without rver (before 1.6.28) is not supported")
        }
        let raw = try reader.uint8("rver")
        guard let rver = RegisterVersion(rawValue: raw) else { throw reader.malformed("rver", "register version \(raw) is not supported") }
        let limit = MooseWireLimits.maxChunksPerRegisterPacket
        switch rver {
        case .begin: return .begin(try RegisterBegin.decode(from: &reader))
        case .chunks: return .chunks(try ListedChunk.decodeList(from: &reader, header: 1, limit: limit))
        case .end:
            try reader.expectLength(1)
            return .end
        case .disconnect:
            try reader.expectLength(1)
            return .disconnect
        case .beginV5: return .beginV5(try LegacyRegisterBegin.decode(from: &reader))
        case .chunksV5: return .chunksV5(try ListedChunk.decodeList(from: &reader, header: 1, limit: limit))
        case .endV5:
            try reader.expectLength(1 + SpaceReport.encodedSize)
            return .endV5(try SpaceReport.decode(from: &reader))
        }
    }
}

/// The BEGIN of a version-6 register (rver 60); layout on `ChunkserverRegister`.
public struct RegisterBegin: Hashable, Sendable {
    /// The MD5 answer to the master's challenge: present only in the second BEGIN (71 bytes).
    public var passcode: RegisterPasscode?
    public var version: MooseVersion
    /// The data port address; ip 0 = "the address you see me connect from".
    public var address: ChunkserverAddress
    /// MASTER_TIMEOUT in seconds; 0 = "you choose".
    public var timeoutSeconds: UInt16
    public var chunkserverID: ChunkserverID
    public var space: SpaceReport

    public init(
        passcode: RegisterPasscode? = nil, version: MooseVersion = .v3_0_117, address: ChunkserverAddress,
        timeoutSeconds: UInt16, chunkserverID: ChunkserverID, space: SpaceReport
    ) {
        self.passcode = passcode
        self.version = version
        self.address = address
        self.timeoutSeconds = timeoutSeconds
        self.chunkserverID = chunkserverID
        self.space = space
    }

    static let lengthWithoutPasscode = 55
    static let lengthWithPasscode = 71

    func encode(into writer: inout MooseWriter) {
        if let passcode { writer.write(bytes: passcode.bytes) }
        writer.write(version.rawValue)
        writer.write(address)
        writer.write(timeoutSeconds)
        writer.write(chunkserverID.rawValue)
        space.encode(into: &writer)
    }

    static func decode(from reader: inout MooseReader) throws(MooseWireError) -> RegisterBegin {
        try reader.expectLength(lengthWithoutPasscode, lengthWithPasscode)
        let passcode =
            reader.length == lengthWithPasscode
            ? RegisterPasscode(bytes: try reader.bytes(MooseWireLimits.registerPasscodeLength, "passcode")) : nil
        return RegisterBegin(
            passcode: passcode, version: MooseVersion(rawValue: try reader.uint32("version")), address: try reader.address("myip/myport"),
            timeoutSeconds: try reader.uint16("timeout"), chunkserverID: ChunkserverID(try reader.uint16("csid")),
            space: try SpaceReport.decode(from: &reader))
    }
}

/// The BEGIN of the fallback version-5 register (rver 50, 13 bytes); layout on
/// `ChunkserverRegister`. A master with an AUTH_CODE refuses it.
public struct LegacyRegisterBegin: Hashable, Sendable {
    public var version: MooseVersion
    public var address: ChunkserverAddress
    public var timeoutSeconds: UInt16

    public init(version: MooseVersion, address: ChunkserverAddress, timeoutSeconds: UInt16) {
        self.version = version
        self.address = address
        self.timeoutSeconds = timeoutSeconds
    }

    func encode(into writer: inout MooseWriter) {
        writer.write(version.rawValue)
        writer.write(address)
        writer.write(timeoutSeconds)
    }

    static func decode(from reader: inout MooseReader) throws(MooseWireError) -> LegacyRegisterBegin {
        try reader.expectLength(13)
        return LegacyRegisterBegin(
            version: MooseVersion(rawValue: try reader.uint32("version")), address: try reader.address("myip/myport"),
            timeoutSeconds: try reader.uint16("timeout"))
    }
}
