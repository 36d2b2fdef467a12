import MFSCore
import MooseWire
import Testing

/// The forms that the captures did not show, built from the notes, round-tripped, and the
/// variants a decoder must refuse.
@Suite struct VariantTests {
    let address = ChunkserverAddress(169, 254, 93, 2, port: 9422)
    let space = SpaceReport(
        normal: DiskUsage(usedBytes: 1, totalBytes: 2, chunkCount: 3),
        markedForRemoval: DiskUsage(usedBytes: 4, totalBytes: 5, chunkCount: 6))

    func roundTrip<M: MooseMessage>(_ message: M, length: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = message.encode()
        #expect(bytes.count == 8 + length, "\(message)", sourceLocation: sourceLocation)
        #expect(try M.decode(bytes: bytes) == message, sourceLocation: sourceLocation)
    }

    @Test func registerForms() throws {
        let begin = RegisterBegin(address: address, timeoutSeconds: 0, chunkserverID: ChunkserverID(2), space: space)
        try roundTrip(ChunkserverRegister.begin(begin), length: 55)
        let chunks = [ListedChunk(chunkID: ChunkID(1), version: 3, onDiskMarkedForRemoval: true)]
        try roundTrip(ChunkserverRegister.chunks(chunks), length: 13)
        try roundTrip(ChunkserverRegister.chunks([]), length: 1)
        try roundTrip(
            ChunkserverRegister.beginV5(LegacyRegisterBegin(version: .v3_0_117, address: address, timeoutSeconds: 10)), length: 13)
        try roundTrip(ChunkserverRegister.chunksV5(chunks), length: 13)
        try roundTrip(ChunkserverRegister.endV5(space), length: 41)
        // BEGIN's space fields are in MooseFS's order.
        #expect(
            Array(ChunkserverRegister.begin(begin).encode().suffix(40))
                == (be(UInt64(1)) + be(UInt64(2)) + be(UInt32(3)) + be(UInt64(4)) + be(UInt64(5)) + be(UInt32(6))))
    }

    @Test func registerRefusals() {
        #expect(
            throws: MooseWireError.malformed(
                message: .cstomaRegister, field: "rver",
                reason: "even length 22: the register without rver (before 1.6.28) is not supported")
        ) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [UInt8](repeating: 0, count: 22)))
        }
        #expect(throws: MooseWireError.malformed(message: .cstomaRegister, field: "rver", reason: "register version 4 is not supported")) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [4] + [UInt8](repeating: 0, count: 52)))
        }
        #expect(throws: MooseWireError.wrongLength(message: .cstomaRegister, length: 57, expected: "55 or 71")) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [60] + [UInt8](repeating: 0, count: 56)))
        }
        #expect(throws: MooseWireError.wrongLength(message: .cstomaRegister, length: 3, expected: "1")) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [62, 0, 0]))
        }
        #expect(throws: MooseWireError.wrongLength(message: .cstomaRegister, length: 15, expected: "1 + 12 × n")) {
            try ChunkserverRegister.decode(bytes: frameBytes(.cstomaRegister, [61] + [UInt8](repeating: 0, count: 14)))
        }
    }

    /// Bit 31 of a listed version is the marked-for-removal flag, not part of the version.
    @Test func markedForRemovalBit() throws {
        let bytes = frameBytes(.cstomaChunkNew, be(UInt64(7)) + [0x80, 0, 0, 2] + be(UInt64(8)) + [0, 0, 0, 2])
        let report = try ChunkNewReport.decode(bytes: bytes)
        #expect(
            report.chunks == [
                ListedChunk(chunkID: ChunkID(7), version: 2, onDiskMarkedForRemoval: true),
                ListedChunk(chunkID: ChunkID(8), version: 2, onDiskMarkedForRemoval: false),
            ])
        #expect(report.encode() == bytes)
    }

    @Test func ackForms() throws {
        let metaID = MetaID(0x1234)
        try roundTrip(
            MasterAck.registered(RegisterAccepted(timeoutSeconds: 10, chunkserverID: ChunkserverID(3), metaID: metaID)), length: 17)
        try roundTrip(MasterAck.registered(RegisterAccepted(timeoutSeconds: 10, chunkserverID: ChunkserverID(3), metaID: nil)), length: 9)
        try roundTrip(MasterAck.registeredV5(version: .v3_0_117), length: 5)
        try roundTrip(MasterAck.nextChunks, length: 1)
        try roundTrip(MasterAck.redirect(ipv4: 0xA9FE_5D01), length: 5)
        try roundTrip(MasterAck.redirect(ipv4: 0), length: 5)
        try roundTrip(MasterAck.wait(version: .v3_0_117, timeoutSeconds: 10, metaID: nil), length: 7)
        try roundTrip(MasterAck.wait(version: .v3_0_117, timeoutSeconds: 10, metaID: metaID), length: 15)
        #expect(MasterAck.redirect(ipv4: 0xA9FE_5D01).encode() == hexBytes("000000680000000501a9fe5d01"))
        #expect(throws: MooseWireError.malformed(message: .matocsMasterAck, field: "atype", reason: "unknown ACK type 4")) {
            try MasterAck.decode(bytes: frameBytes(.matocsMasterAck, [4]))
        }
        #expect(throws: MooseWireError.wrongLength(message: .matocsMasterAck, length: 3, expected: "1 or 5 or 9 or 17")) {
            try MasterAck.decode(bytes: frameBytes(.matocsMasterAck, [0, 0, 0]))
        }
        #expect(throws: MooseWireError.truncated(message: .matocsMasterAck, field: "atype", needed: 1)) {
            try MasterAck.decode(bytes: frameBytes(.matocsMasterAck, []))
        }
    }

    @Test func chunkOperationKinds() throws {
        func op(_ newVersion: UInt32, _ copy: UInt64, _ length: UInt32) -> ChunkOperation {
            ChunkOperation(
                chunkID: ChunkID(1), version: 1, newVersion: newVersion, copyChunkID: ChunkID(copy),
                copyVersion: copy == 0 ? 0 : 1, length: length)
        }
        #expect(op(2, 0, ChunkOperation.keepLength).kind == .setVersion)
        #expect(op(2, 5, ChunkOperation.keepLength).kind == .duplicate)
        #expect(op(2, 0, 100).kind == .truncate)
        #expect(op(2, 5, UInt32(MooseWireLimits.chunkSize)).kind == .duplicateTruncate)
        #expect(op(2, 0, UInt32(MooseWireLimits.chunkSize) + 1).kind == .invalid)
        #expect(op(0, 0, 0).kind == .delete)
        #expect(op(0, 0, 1).kind == .create)
        #expect(op(0, 0, 2).kind == .test)
        #expect(op(0, 0, 3).kind == .invalid)
        try roundTrip(op(2, 5, 100), length: 32)
        try roundTrip(ChunkOperationStatus(operation: op(2, 5, 100), status: .notDone), length: 33)
    }

    @Test func otherMessagesRoundTrip() throws {
        let id = ChunkID(0x0102_0304_0506_0708)
        let version: UInt32 = 9
        try roundTrip(CurrentLoad(load: 3, status: nil), length: 4)
        try roundTrip(CurrentLoad(load: 3, status: .overloaded), length: 5)
        try roundTrip(ErrorOccurred(), length: 0)
        try roundTrip(ChunkIDReport(.damaged, chunkIDs: [id, ChunkID(4)]), length: 16)
        try roundTrip(DeleteChunk(chunkID: id, version: version), length: 12)
        try roundTrip(GetChunkChecksum(chunkID: id, version: version), length: 12)
        try roundTrip(GetChunkChecksumTable(chunkID: id, version: version), length: 12)
        try roundTrip(ChunkChecksum(chunkID: id, version: version, result: .checksum(0xD797_8EEB)), length: 16)
        try roundTrip(ChunkChecksum(chunkID: id, version: version, result: .failed(.noChunk)), length: 13)
        let table = (0..<MooseWireLimits.blocksPerChunk).map { UInt32($0) }
        try roundTrip(ChunkChecksumTable(chunkID: id, version: version, result: .table(table)), length: 4_108)
        try roundTrip(ChunkChecksumTable(chunkID: id, version: version, result: .failed(.io)), length: 13)
        try roundTrip(ReplicateStatus(chunkID: id, version: version, status: .notDone), length: 13)
        try roundTrip(GetVersion(messageID: 5), length: 4)
        try roundTrip(ChunkBlocks(chunkID: id, version: version, blocks: 0, status: .noChunk), length: 15)
        let write = WriteRequest(protocolVersion: nil, chunkID: id, version: version, chain: [address])
        try roundTrip(write, length: 18)
        let withID = VersionInfo(messageID: 5, version: .v3_0_117, text: "3.0.117-1")
        #expect(try VersionInfo.decode(MooseFrame(wholeFrame: withID.encode()), withMessageID: true) == withID)
        #expect(try DataPortReply.decode(MooseFrame(wholeFrame: withID.encode()), versionWithMessageID: true) == .version(withID))
    }

    /// Each fixed-size captured message refuses one byte less and one byte more.
    @Test func fixedSizesAreExact() throws {
        // Messages with another legal form one byte away (READ 21/20, ...) or a free-length
        // tail are left out.
        let variable: Set<String> = [
            "read", "read-replication", "version-master", "version-data", "get-config", "config-value", "get-version-data",
            "get-version-master", "write", "write-forwarded", "current-load", "register-chunks", "chunk-new", "ack-next",
            "register-end", "register-disconnect", "nop-to-master", "nop-to-chunkserver", "nop-to-data-port", "nop-from-data-port",
            "module-info-request", "error-occurred",
        ]
        for name in Fixtures.names where !variable.contains(name) {
            let frame = Fixtures.frame(name)
            for payload in [Array(frame.payload.dropLast()), frame.payload + [0]] {
                let changed = MooseFrame(type: frame.type, payload: payload)
                #expect(throws: MooseWireError.self, "\(name) with \(payload.count) bytes") { try decodeAny(changed) }
            }
        }
        // Empty messages refuse any payload.
        for type in [MooseMessageType.nop, .cltoanModuleInfo, .cstomaErrorOccurred] {
            #expect(throws: MooseWireError.wrongLength(message: type, length: 1, expected: "0")) {
                try decodeAny(MooseFrame(type: type, payload: [0]))
            }
        }
    }

    @Test func unexpectedTypesAreRefusedByName() {
        #expect(throws: MooseWireError.unexpectedType(.matocsCreate, expected: "a chunkserver's message on 9420")) {
            try ChunkserverToMaster.decode(CreateChunk(chunkID: ChunkID(1), version: 1).frame())
        }
        #expect(throws: MooseWireError.unexpectedType(MooseMessageType(999), expected: "a master's message on 9420")) {
            try MasterToChunkserver.decode(MooseFrame(type: MooseMessageType(999), payload: []))
        }
        #expect(throws: MooseWireError.unexpectedType(.swiftEpochQuery, expected: "a request on the data port")) {
            try DataPortRequest.decode(EpochQuery(seenEpoch: Epoch(1)).frame())
        }
        #expect(throws: MooseWireError.self) { try CreateChunk.decode(DeleteChunk(chunkID: ChunkID(1), version: 0).frame()) }
    }
}

/// Decodes `frame` with whichever direction enum knows its type (the first that does).
@discardableResult
func decodeAny(_ frame: MooseFrame) throws(MooseWireError) -> [UInt8] {
    var last: MooseWireError?
    do throws(MooseWireError) { return try ChunkserverToMaster.decode(frame).encode() } catch {
        if case .unexpectedType = error { last = error } else { throw error }
    }
    do throws(MooseWireError) { return try MasterToChunkserver.decode(frame).encode() } catch {
        if case .unexpectedType = error { last = error } else { throw error }
    }
    do throws(MooseWireError) { return try DataPortRequest.decode(frame).encode() } catch {
        if case .unexpectedType = error { last = error } else { throw error }
    }
    do throws(MooseWireError) { return try DataPortReply.decode(frame).encode() } catch {
        if case .unexpectedType = error { last = error } else { throw error }
    }
    throw last!
}

@Suite struct IgnoredNoticeTests {
    /// MooseFS accepts ANTOAN_UNKNOWN_COMMAND and ANTOAN_BAD_COMMAND_SIZE on every side and
    /// ignores them, whatever their length: they decode, and re-encode as they came.
    @Test func acceptedOnEverySide() throws {
        for type in [MooseMessageType.unknownCommand, .badCommandSize] {
            for payload in [[], be(UInt32(999)) + be(UInt32(3)) + be(UInt32(0x0003_00EA)), [1]] {
                let frame = MooseFrame(type: type, payload: payload)
                let notice = IgnoredNotice(type: type, payload: payload)
                #expect(try ChunkserverToMaster.decode(frame) == .ignored(notice))
                #expect(try MasterToChunkserver.decode(frame) == .ignored(notice))
                #expect(try DataPortRequest.decode(frame) == .ignored(notice))
                #expect(notice.encode() == frame.encode())
            }
        }
    }
}
