import MFSCore
import MooseWire
import Testing

/// Every captured MooseFS 3.0.117 frame decodes to the values read off the capture, and encodes
/// back to the identical bytes.
@Suite struct CaptureTests {
    static let metaID = MetaID(0x6b13_76de_bf48_08d2)
    static let master = ChunkserverAddress(169, 254, 93, 1, port: 9420)
    static let cs1 = ChunkserverAddress(169, 254, 93, 2, port: 9422)
    static let cs2 = ChunkserverAddress(169, 254, 93, 3, port: 9422)

    /// Decodes fixture `name` as `M`, compares it with `expected` and re-encodes it.
    func check<M: MooseMessage>(_ name: String, _ expected: M, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = Fixtures.bytes(name)
        let decoded = try M.decode(bytes: bytes)
        #expect(decoded == expected, "\(name)", sourceLocation: sourceLocation)
        #expect(decoded.encode() == bytes, "\(name) re-encoded", sourceLocation: sourceLocation)
        #expect(expected.encode() == bytes, "\(name) built from values", sourceLocation: sourceLocation)
    }

    func id(_ raw: UInt64) -> ChunkID { ChunkID(raw) }
    func v(_ raw: UInt32) -> UInt32 { raw }

    @Test func registerBeginWithoutPasscode() throws {
        let begin = RegisterBegin(
            version: .v3_0_117, address: Self.cs1, timeoutSeconds: 0, chunkserverID: .none,
            space: SpaceReport(normal: .zero, markedForRemoval: .zero))
        try check("register-begin", ChunkserverRegister.begin(begin))
    }

    @Test func registerBeginWithPasscodeAnswersTheCapturedChallenge() throws {
        let passcode = RegisterPasscode(bytes: hexBytes("1b9e4eefee0bdd43d6071decad936e2a"))
        let begin = RegisterBegin(
            passcode: passcode, version: .v3_0_117, address: Self.cs1, timeoutSeconds: 0, chunkserverID: .none,
            space: SpaceReport(normal: .zero))
        try check("register-begin-password", ChunkserverRegister.begin(begin))

        let challenge = RegisterChallenge(random: hexBytes("0cfb2950b210fa85bedeab2bec4f47dde21d093ae331d93c0454a04daec54992"))
        try check("ack-challenge", MasterAck.challenge(challenge))
        #expect(challenge.answer(authCode: Array("secretpw".utf8)) == passcode)
        #expect(challenge.accepts(passcode, authCode: Array("secretpw".utf8)))
        #expect(!challenge.accepts(passcode, authCode: Array("secretpW".utf8)))
    }

    @Test func registerChunksEndAndDisconnect() throws {
        let chunks = [(1, 3), (3, 1), (4, 1), (5, 1)].map { ListedChunk(chunkID: id($0.0), version: v($0.1)) }
        try check("register-chunks", ChunkserverRegister.chunks(chunks))
        try check("register-end", ChunkserverRegister.end)
        try check("register-disconnect", ChunkserverRegister.disconnect)
    }

    @Test func masterAcks() throws {
        let accepted = RegisterAccepted(version: .v3_0_117, timeoutSeconds: 10, chunkserverID: ChunkserverID(1), metaID: Self.metaID)
        try check("ack-registered", MasterAck.registered(accepted))
        try check("ack-next", MasterAck.nextChunks)
    }

    @Test func reports() throws {
        let space = SpaceReport(normal: DiskUsage(usedBytes: 0x4_e2b6_9000, totalBytes: 0x17_9e7c_3000, chunkCount: 0))
        try check("space", SpaceMessage(space))
        try check("labels", LabelsMessage(LabelMask(letters: "A,C")))
        #expect(LabelMask(letters: "A,C").rawValue == 5 && LabelMask(rawValue: 5).description == "A,C")
        try check("current-load", CurrentLoad(load: 0, status: .ok))
        let new = [(1, 2), (2, 1), (3, 1), (4, 1)].map { ListedChunk(chunkID: id($0.0), version: v($0.1)) }
        try check("chunk-new", ChunkNewReport(chunks: new))
        // From the second run: a flipped data byte found by cs1's start-up test.
        try check("error-occurred", ErrorOccurred())
        try check("chunk-damaged", ChunkIDReport(.damaged, chunkIDs: [id(5)]))
    }

    /// From the third run: cs2's only disk marked `*` and reloaded. Its chunks come again with
    /// bit 31 set (the version is the low 31 bits) and its space moves to the td* fields.
    @Test func diskMarkedForRemoval() throws {
        let marked = [(1, 3), (3, 1), (4, 1), (5, 1)].map { ListedChunk(chunkID: id($0.0), version: v($0.1), onDiskMarkedForRemoval: true) }
        try check("chunk-new-marked-for-removal", ChunkNewReport(chunks: marked))
        let removal = DiskUsage(usedBytes: 0x5_2cd9_4000, totalBytes: 0x17_9e7c_3000, chunkCount: 4)
        try check("space-marked-for-removal", SpaceMessage(SpaceReport(normal: .zero, markedForRemoval: removal)))
    }

    @Test func chunkCommandsAndTheirStatuses() throws {
        try check("create", CreateChunk(chunkID: id(1), version: v(1)))
        try check("create-status", ChunkCommandStatus(command: .create, chunkID: id(1), status: .ok))
        try check("delete-any-version", DeleteChunk(chunkID: id(2), version: 0))
        try check("delete-status", ChunkCommandStatus(command: .delete, chunkID: id(2), status: .ok))
        // New chunk first; the status names the new chunk.
        try check("duplicate", DuplicateChunk(newChunkID: id(3), newVersion: v(1), sourceChunkID: id(1), sourceVersion: v(2)))
        try check("duplicate-status", ChunkCommandStatus(command: .duplicate, chunkID: id(3), status: .ok))
        // New version before old: the capture bumped chunk 1 from 2 to 3.
        try check("set-version", SetChunkVersion(chunkID: id(1), newVersion: v(3), oldVersion: v(2)))
        try check("set-version-status", ChunkCommandStatus(command: .setVersion, chunkID: id(1), status: .ok))
        // Length before the versions (truncate -s 500, version 1 → 2).
        try check("truncate", TruncateChunk(chunkID: id(1), length: 500, newVersion: v(2), oldVersion: v(1)))
        try check("truncate-status", ChunkCommandStatus(command: .truncate, chunkID: id(1), status: .ok))
        let duptrunc = DuplicateTruncateChunk(newChunkID: id(4), newVersion: v(1), sourceChunkID: id(2), sourceVersion: v(1), length: 100)
        try check("duptrunc", duptrunc)
        try check("duptrunc-status", ChunkCommandStatus(command: .duplicateTruncate, chunkID: id(4), status: .ok))
    }

    @Test func replicationOnBothPorts() throws {
        try check("replicate", ReplicateChunk(chunkID: id(5), version: v(1), source: Self.cs1))
        try check("replicate-status", ReplicateStatus(chunkID: id(5), version: v(1), status: .ok))
        // The destination asks the source's data port for the block count, then reads it all
        // without protover.
        try check("get-chunk-blocks", GetChunkBlocks(chunkID: id(5), version: v(1)))
        try check("chunk-blocks", ChunkBlocks(chunkID: id(5), version: v(1), blocks: 1, status: .ok))
        try check("read-replication", ReadRequest(protocolVersion: nil, chunkID: id(5), version: v(1), offset: 0, size: 0x10000))
    }

    @Test func readWithPerPieceCRC() throws {
        try check("read", ReadRequest(protocolVersion: 1, chunkID: id(1), version: v(1), offset: 0, size: 1000))
        let data = try ReadData.decode(bytes: Fixtures.bytes("read-data"))
        #expect(data.chunkID == id(1) && data.piece.block == 0 && data.piece.offset == 0 && data.piece.data.count == 1000)
        #expect(data.piece.crc == 0x37d9_d792 && data.piece.crcMatches)
        try check("read-data", ReadData(chunkID: id(1), piece: DataPiece(block: 0, offset: 0, data: data.piece.data)))
        try check("read-status", ReadStatus(chunkID: id(1), status: .ok))
    }

    @Test func writeChain() throws {
        // The client dials cs1 and names cs2; cs1 forwards with an empty chain.
        let write = WriteRequest(protocolVersion: 1, chunkID: id(1), version: v(1), chain: [Self.cs2])
        try check("write", write)
        try check("write-forwarded", WriteRequest(protocolVersion: 1, chunkID: id(1), version: v(1), chain: []))
        #expect(write.forwarded?.next == Self.cs2)
        #expect(write.forwarded?.request.encode() == Fixtures.bytes("write-forwarded"))
        try check("write-status-ready", WriteStatus(chunkID: id(1), writeID: 0, status: .ok))
        let piece = try WriteData.decode(bytes: Fixtures.bytes("write-data"))
        #expect(piece.writeID == 1 && piece.piece.data.count == 1000 && piece.piece.crcMatches)
        try check("write-data", WriteData(chunkID: id(1), writeID: 1, piece: DataPiece(block: 0, offset: 0, data: piece.piece.data)))
        // A middle chunkserver forwards WRITE_DATA verbatim.
        #expect(Fixtures.bytes("write-data-forwarded") == Fixtures.bytes("write-data"))
        try check("write-status", WriteStatus(chunkID: id(1), writeID: 1, status: .ok))
        try check("write-finish", WriteFinish(chunkID: id(1), version: v(1)))
    }

    @Test func anyToAny() throws {
        for name in ["nop-to-master", "nop-to-chunkserver", "nop-to-data-port", "nop-from-data-port"] {
            try check(name, Nop())
            #expect(Fixtures.bytes(name) == MooseFrame.nop.encode())
        }
        try check("get-version-master", GetVersion())
        try check("get-version-data", GetVersion())
        try check("version-master", VersionInfo(version: .v3_0_117, text: "3.0.117-1"))
        try check("version-data", VersionInfo(version: .v3_0_117, text: "3.0.117-1"))
        try check("get-config", GetConfig(messageID: 7, name: "LABELS"))
        try check("config-value", ConfigValue(messageID: 7, value: "A,C"))
        try check("module-info-request", ModuleInfoRequest())
        try check(
            "module-info", ModuleInfo(version: .v3_0_117, chunkserverID: ChunkserverID(1), metaID: Self.metaID, master: Self.master))
    }

    /// Which direction enum reads each fixture; every fixture is listed exactly once.
    static let directions: [String: Direction] = {
        var table: [String: Direction] = [:]
        for name in [
            "register-begin", "register-begin-password", "register-chunks", "register-end", "register-disconnect", "space",
            "labels", "current-load", "chunk-new", "create-status", "delete-status", "duplicate-status", "set-version-status",
            "truncate-status", "duptrunc-status", "replicate-status", "nop-to-master", "get-version-master", "chunk-damaged",
            "error-occurred", "chunk-new-marked-for-removal", "space-marked-for-removal",
        ] { table[name] = .chunkserverToMaster }
        for name in [
            "ack-challenge", "ack-registered", "ack-next", "create", "delete-any-version", "duplicate", "set-version", "truncate",
            "duptrunc", "replicate", "nop-to-chunkserver", "version-master",
        ] { table[name] = .masterToChunkserver }
        for name in [
            "read", "read-replication", "write", "write-forwarded", "write-data", "write-data-forwarded", "write-finish",
            "get-chunk-blocks", "get-version-data", "get-config", "module-info-request", "nop-to-data-port",
        ] { table[name] = .dataPortRequest }
        for name in [
            "read-data", "read-status", "write-status", "write-status-ready", "chunk-blocks", "version-data", "config-value",
            "module-info", "nop-from-data-port",
        ] { table[name] = .dataPortReply }
        return table
    }()

    enum Direction { case chunkserverToMaster, masterToChunkserver, dataPortRequest, dataPortReply }

    @Test func everyFixtureDecodesThroughItsDirectionAndReencodes() throws {
        #expect(Set(Fixtures.names) == Set(Self.directions.keys), "fixtures and the direction table disagree")
        for name in Fixtures.names {
            let frame = Fixtures.frame(name)
            let encoded: [UInt8]
            switch Self.directions[name] {
            case .chunkserverToMaster: encoded = try ChunkserverToMaster.decode(frame).encode()
            case .masterToChunkserver: encoded = try MasterToChunkserver.decode(frame).encode()
            case .dataPortRequest: encoded = try DataPortRequest.decode(frame).encode()
            case .dataPortReply: encoded = try DataPortReply.decode(frame).encode()
            case nil: continue
            }
            #expect(encoded == Fixtures.bytes(name), "\(name)")
        }
    }
}
