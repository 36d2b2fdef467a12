import MFSCore
import MFSWire
import Testing

/// The port-9419 messages (`PeerMessages.swift`): golden bytes written by hand from the layouts
/// in the doc comments, round trips, each limit at and one past it, and each refusal.
@Suite struct PeerMessageTests {
    static let casesPerKind = 300

    func check<M: WireMessage>(_ message: M, _ expected: [UInt8]) throws {
        #expect(message.encode() == expected)
        #expect(try M.decode(bytes: expected) == message)
    }

    // MARK: names

    @Test func messageTypesHaveNames() {
        let names: [(UInt32, String)] = [
            (1020, "PeerToMaster.register"), (1021, "MasterToPeer.start"), (1022, "MasterToPeer.metadataBlock"),
            (1023, "MasterToPeer.changes"), (1024, "MasterToPeer.alive"), (1025, "PeerToMaster.ack"),
        ]
        for (number, name) in names {
            #expect(MessageType(number).name == name)
            #expect(MessageType(number).isKnown)
            #expect(MessageType(number).description == "\(name) (\(number))")
        }
        #expect(PeerToMaster.register == MessageType(1020))
        #expect(MasterToPeer.start == MessageType(1021))
        #expect(MasterToPeer.metadataBlock == MessageType(1022))
        #expect(MasterToPeer.changes == MessageType(1023))
        #expect(MasterToPeer.alive == MessageType(1024))
        #expect(PeerToMaster.ack == MessageType(1025))
        #expect(MessageType(1031).name == nil)
        #expect(MessageType(1019).name == nil)
    }

    // MARK: golden bytes

    @Test func peerRegister() throws {
        try check(
            PeerRegister(lastVersion: MetaVersion(1042), tailEpoch: Epoch(3)),
            hex(
                "000003FC 00000010",  // PeerToMaster.register (1020), 16 bytes
                "0000000000000412 0000000000000003"))  // last version 1042, tail epoch 3
    }

    @Test func peerStartStream() throws {
        try check(
            PeerStart.stream(resumeAfter: MetaVersion(699)),
            hex(
                "000003FD 0000000A",  // MasterToPeer.start (1021), 10 bytes
                "00 01 00000000000002BB"))  // ok, stream, after 699
    }

    @Test func peerStartDownload() throws {
        try check(
            PeerStart.download(version: MetaVersion(1042), length: 0x1_0000),
            hex(
                "000003FD 00000012",  // 18 bytes
                "00 02 0000000000000412 0000000000010000"))  // ok, download, version 1042, 65,536 bytes
    }

    @Test func peerStartRefused() throws {
        try check(
            PeerStart.refused(.staleEpoch, reason: "stale"),
            hex(
                "000003FD 00000008",  // 8 bytes
                "61 0005 7374616C65"))  // staleEpoch (97), "stale"
    }

    @Test func metadataBlock() throws {
        try check(
            MetadataBlock(offset: 0x8_0000, isLast: true, bytes: ascii("abc")),
            hex(
                "000003FE 00000014",  // MasterToPeer.metadataBlock (1022), 20 bytes
                "0000000000080000 01",  // offset 512 KiB, last
                "352441C2",  // CRC-32 of "abc" (the zlib check value)
                "00000003 616263"))
        try check(
            MetadataBlock(offset: 0, isLast: false, bytes: [0]),
            hex("000003FE 00000012", "0000000000000000 00", "D202EF8D", "00000001 00"))  // CRC-32 of one NUL
    }

    @Test func changeBatch() throws {
        let text = ascii("7: 5|IDLE()\n8: 5|IDLE()\n")
        let batch = ChangeBatch(firstVersion: MetaVersion(7), count: 2, text: text)
        try check(
            batch,
            hex(
                "000003FF 00000028",  // MasterToPeer.changes (1023), 40 bytes
                "0000000000000007 00000002 00000018",  // first 7, 2 lines, 24 bytes
                "373A20357C49444C4528290A",  // "7: 5|IDLE()\n"
                "383A20357C49444C4528290A"))  // "8: 5|IDLE()\n"
        #expect(batch.lastVersion == MetaVersion(8))
    }

    @Test func masterAlive() throws {
        try check(
            MasterAlive(version: MetaVersion(1042), epoch: Epoch(3)),
            hex("00000400 00000010", "0000000000000412 0000000000000003"))  // MasterToPeer.alive (1024)
    }

    @Test func peerAck() throws {
        try check(PeerAck(version: MetaVersion(1042)), hex("00000401 00000008", "0000000000000412"))  // PeerToMaster.ack (1025)
    }

    // MARK: round trips

    @Test(arguments: 0..<MessageGenerator.peerKinds)
    func everyPeerMessageKindRoundTrips(kind: Int) {
        let seed = 0x5045_4552_00 + UInt64(kind)
        var generator = MessageGenerator(seed: seed)
        for _ in 0..<Self.casesPerKind {
            let message = generator.peerMessage(kind: kind)
            #expect(AnyMessage.decode(bytes: message.encode()) == message, "seed \(seed): \(message)")
        }
    }

    @Test func extremeValuesRoundTrip() throws {
        let messages: [AnyMessage] = [
            .peerRegister(PeerRegister(lastVersion: .zero, tailEpoch: .zero)),
            .peerRegister(PeerRegister(lastVersion: .maximum, tailEpoch: .maximum)),
            .peerStart(.stream(resumeAfter: .zero)), .peerStart(.stream(resumeAfter: .maximum)),
            .peerStart(.download(version: .maximum, length: .max)), .peerStart(.refused(.unknown, reason: "")),
            .peerStart(.refused(.wrongMetaID, reason: "another cluster: é中😀")),
            .metadataBlock(MetadataBlock(offset: .max, isLast: false, bytes: [0xFF])),
            .changeBatch(ChangeBatch(firstVersion: MetaVersion(MetaVersion.maximum.rawValue - 1), count: 2, text: Array("x\ny\n".utf8))),
            .masterAlive(MasterAlive(version: .maximum, epoch: .maximum)), .peerAck(PeerAck(version: .zero)),
        ]
        for message in messages { #expect(AnyMessage.decode(bytes: message.encode()) == message, "\(message)") }
    }

    // MARK: limits

    /// `offset:64 flags:8 crc:32 length:32 bytes`, with the CRC of `bytes` unless given.
    func blockPayload(_ bytes: [UInt8], length: Int? = nil, flags: UInt8 = 0, crc: UInt32? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(4096))
        w.write(flags)
        w.write(crc ?? CRC32.checksum(bytes))
        w.write(UInt32(length ?? bytes.count))
        w.write(bytes: bytes)
        return w.bytes
    }

    @Test func metadataBlockOfOneByteAndOfTheLimit() throws {
        for size in [1, WireLimits.maxMetadataBlockLength] {
            let block = MetadataBlock(offset: 7, isLast: true, bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31) })
            let bytes = block.encode()
            #expect(bytes.count == 8 + 17 + size)
            #expect(try MetadataBlock.decode(bytes: bytes) == block)
        }
    }

    @Test func metadataBlockPastTheLimitOrEmptyIsRefused() {
        let past = [UInt8](repeating: 0x5A, count: WireLimits.maxMetadataBlockLength + 1)
        #expect(
            decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, blockPayload(past)))
                == .malformed(message: MasterToPeer.metadataBlock, field: "length", reason: "524289 bytes; a block holds 1…524288"))
        // Refused from the length alone, before the bytes are read.
        let claimsHuge = blockPayload([], length: Int(UInt32.max))
        #expect(
            decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, claimsHuge))
                == .malformed(message: MasterToPeer.metadataBlock, field: "length", reason: "4294967295 bytes; a block holds 1…524288"))
        #expect(
            decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, blockPayload([])))
                == .malformed(message: MasterToPeer.metadataBlock, field: "length", reason: "0 bytes; a block holds 1…524288"))
    }

    @Test func metadataBlockWithAWrongCRCIsRefused() throws {
        var bytes = MetadataBlock(offset: 0x10_0000, isLast: false, bytes: ascii("metadata")).encode()
        bytes[bytes.count - 1] ^= 0x01
        let error = try #require(decodeError(MetadataBlock.self, bytes))
        #expect(
            error
                == .malformed(
                    message: MasterToPeer.metadataBlock, field: "crc", reason: "the block at offset 1048576 does not match its CRC"))
        let payload = blockPayload(ascii("abc"), crc: 0x3524_41C3)
        guard case .malformed(_, let field, _) = decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, payload)) else {
            Issue.record("a wrong CRC decoded")
            return
        }
        #expect(field == "crc")
    }

    @Test func metadataBlockUnknownFlagsAreRefused() {
        let payload = blockPayload(ascii("abc"), flags: 0x03)
        #expect(
            decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, payload))
                == .malformed(message: MasterToPeer.metadataBlock, field: "flags", reason: "unknown bits 0x2 set"))
    }

    /// `firstVersion:64 count:32 textLength:32 text`.
    func batchPayload(first: UInt64 = 1, count: UInt32 = 1, _ text: [UInt8], length: Int? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.write(first)
        w.write(count)
        w.write(UInt32(length ?? text.count))
        w.write(bytes: text)
        return w.bytes
    }

    @Test func changeBatchAtTheLimit() throws {
        let text = [UInt8](repeating: 0x61, count: WireLimits.maxChangeBatchBytes - 1) + [0x0A]
        let batch = ChangeBatch(firstVersion: MetaVersion(1), count: 1, text: text)
        let bytes = batch.encode()
        #expect(bytes.count - 8 == WireLimits.maxChangeBatchBytes + 16)
        #expect(bytes.count - 8 <= WireLimits.maxFrameLength)
        #expect(try ChangeBatch.decode(bytes: bytes) == batch)
    }

    @Test func changeBatchPastTheLimitIsRefused() {
        let text = [UInt8](repeating: 0x61, count: WireLimits.maxChangeBatchBytes) + [0x0A]
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(text)))
                == .malformed(message: MasterToPeer.changes, field: "textLength", reason: "1048513 bytes; the limit is 1048512"))
        // From the length alone.
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload([], length: Int(UInt32.max))))
                == .malformed(message: MasterToPeer.changes, field: "textLength", reason: "4294967295 bytes; the limit is 1048512"))
    }

    @Test func changeBatchOfNoLinesIsRefused() {
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(count: 0, ascii("1: 5|IDLE()\n"))))
                == .malformed(message: MasterToPeer.changes, field: "count", reason: "an empty batch"))
    }

    @Test func changeBatchTextMustEndInANewline() {
        let reason = WireError.malformed(message: MasterToPeer.changes, field: "text", reason: "does not end with a newline")
        #expect(decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(ascii("1: 5|IDLE()")))) == reason)
        #expect(decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(ascii("1: 5|IDLE()\n ")))) == reason)
        #expect(decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(ascii("xy")))) == reason)
    }

    @Test func changeBatchVersionsOutOfRangeAreRefused() throws {
        let line = ascii("x\n")
        let maximum = MetaVersion.maximum.rawValue
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(first: maximum + 1, count: 1, line)))
                == .malformed(
                    message: MasterToPeer.changes, field: "first", reason: "version \(maximum + 1) is above \(maximum)"))
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(first: .max, count: 1, line)))
                == .malformed(
                    message: MasterToPeer.changes, field: "first", reason: "version \(UInt64.max) is above \(maximum)"))
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(first: 0, count: 1, line)))
                == .malformed(message: MasterToPeer.changes, field: "firstVersion", reason: "versions 0 + 1 are out of range"))
        // The highest accepted first version; a batch may not end past the maximum either.
        let highest = try ChangeBatch.decode(bytes: frameBytes(MasterToPeer.changes, batchPayload(first: maximum, count: 1, line)))
        #expect(highest.lastVersion == .maximum)
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(first: maximum, count: 2, ascii("x\ny\n"))))
                == .malformed(message: MasterToPeer.changes, field: "firstVersion", reason: "versions \(maximum) + 2 are out of range"))
    }

    /// A change is a line of two bytes at least, so a count the text cannot hold (a count of
    /// 2³² - 1 with one line, which a receiver would have sized its arrays by) is refused.
    @Test func changeBatchCountsPastTheTextAreRefused() throws {
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(count: .max, ascii("x\n"))))
                == .malformed(message: MasterToPeer.changes, field: "count", reason: "4294967295 changes cannot fit in 2 bytes of text"))
        #expect(
            decodeError(ChangeBatch.self, frameBytes(MasterToPeer.changes, batchPayload(count: 3, ascii("x\ny\n"))))
                == .malformed(message: MasterToPeer.changes, field: "count", reason: "3 changes cannot fit in 4 bytes of text"))
        let two = try ChangeBatch.decode(bytes: frameBytes(MasterToPeer.changes, batchPayload(count: 2, ascii("x\ny\n"))))
        #expect(two.count == 2)
    }

    // MARK: PeerStart

    @Test func peerStartUnknownModeIsRefused() {
        for mode: UInt8 in [0, 3, 0xFF] {
            #expect(
                decodeError(PeerStart.self, frameBytes(MasterToPeer.start, [0, mode] + hex("0000000000000001")))
                    == .malformed(message: MasterToPeer.start, field: "mode", reason: "unknown mode \(mode)"))
        }
    }

    @Test func refusedReasonAtTheLimitRoundTrips() throws {
        let reason = String(repeating: "r", count: WireLimits.maxReasonLength)
        let start = PeerStart.refused(.wrongMetaID, reason: reason)
        #expect(try PeerStart.decode(bytes: start.encode()) == start)
    }

    @Test func refusedReasonPastTheLimitIsCutOnEncode() throws {
        let reason = String(repeating: "r", count: WireLimits.maxReasonLength + 100)
        let bytes = PeerStart.refused(.staleEpoch, reason: reason).encode()
        #expect(bytes.count == 8 + 3 + WireLimits.maxReasonLength)
        #expect(Array(bytes[8..<11]) == hex("61 0400"))
        let decoded = try PeerStart.decode(bytes: bytes)
        #expect(decoded == .refused(.staleEpoch, reason: String(repeating: "r", count: WireLimits.maxReasonLength)))
    }

    @Test func refusedReasonPastTheLimitOnTheWireIsRefused() {
        let payload = hex("62 0401") + [UInt8](repeating: 0x72, count: WireLimits.maxReasonLength + 1)
        #expect(
            decodeError(PeerStart.self, frameBytes(MasterToPeer.start, payload))
                == .malformed(message: MasterToPeer.start, field: "reason", reason: "1025 bytes; the limit is 1024"))
    }

    /// A long reason cut in the middle of a multi-byte character must still decode: the master
    /// writes its refusals in English, but they quote names (peer names, paths) that need not be
    /// ASCII, and a peer that cannot read the refusal logs a decoding error instead of the reason.
    @Test func refusedReasonIsCutOnACharacterBoundary() throws {
        // "a" then 600 two-byte "é": byte 1,024 is the second half of an "é".
        let reason = "a" + String(repeating: "é", count: 600)
        let start = PeerStart.refused(.staleEpoch, reason: reason)
        let decoded = try PeerStart.decode(bytes: start.encode())
        guard case .refused(let status, let cut) = decoded else {
            Issue.record("\(decoded) is not a refusal")
            return
        }
        #expect(status == .staleEpoch)
        #expect(reason.hasPrefix(cut))
        #expect(cut.utf8.count <= WireLimits.maxReasonLength)
        #expect(cut.utf8.count >= WireLimits.maxReasonLength - 3)
    }

    @Test func refusedReasonMustBeUTF8() {
        #expect(
            decodeError(PeerStart.self, frameBytes(MasterToPeer.start, hex("61 0002 C328")))
                == .malformed(message: MasterToPeer.start, field: "reason", reason: "not valid UTF-8"))
    }

    // MARK: framing

    @Test func trailingBytesAreRefused() {
        let messages: [AnyMessage] = [
            .peerRegister(PeerRegister(lastVersion: MetaVersion(1), tailEpoch: Epoch(1))),
            .peerStart(.stream(resumeAfter: MetaVersion(1))), .peerStart(.download(version: MetaVersion(1), length: 9)),
            .peerStart(.refused(.staleEpoch, reason: "x")),
            .metadataBlock(MetadataBlock(offset: 0, isLast: true, bytes: [1, 2])),
            .changeBatch(ChangeBatch(firstVersion: MetaVersion(1), count: 1, text: ascii("x\n"))),
            .masterAlive(MasterAlive(version: MetaVersion(1), epoch: Epoch(1))), .peerAck(PeerAck(version: MetaVersion(1))),
        ]
        for message in messages {
            let bytes = message.encode()
            let type = MessageType(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let longer = frameBytes(type, Array(bytes[8...]) + [0])
            let error = WireError.trailingBytes(message: type, count: 1)
            switch message {
            case .peerRegister: #expect(decodeError(PeerRegister.self, longer) == error)
            case .peerStart: #expect(decodeError(PeerStart.self, longer) == error, "\(message)")
            case .metadataBlock: #expect(decodeError(MetadataBlock.self, longer) == error)
            case .changeBatch: #expect(decodeError(ChangeBatch.self, longer) == error)
            case .masterAlive: #expect(decodeError(MasterAlive.self, longer) == error)
            case .peerAck: #expect(decodeError(PeerAck.self, longer) == error)
            default: Issue.record("not a peer message: \(message)")
            }
        }
    }

    @Test func truncatedPayloadsAreRefused() {
        #expect(
            decodeError(PeerAck.self, frameBytes(PeerToMaster.ack, hex("00000000000004")))
                == .truncated(message: PeerToMaster.ack, needed: 1))
        #expect(
            decodeError(PeerRegister.self, frameBytes(PeerToMaster.register, hex("0000000000000412")))
                == .truncated(message: PeerToMaster.register, needed: 8))
        #expect(
            decodeError(MetadataBlock.self, frameBytes(MasterToPeer.metadataBlock, blockPayload(ascii("abc"), length: 5)))
                == .truncated(message: MasterToPeer.metadataBlock, needed: 2))
        #expect(
            decodeError(PeerStart.self, frameBytes(MasterToPeer.start, hex("00")))
                == .truncated(message: MasterToPeer.start, needed: 1))
    }

    @Test func otherTypesAreRefusedByEachDecoder() {
        let ack = PeerAck(version: MetaVersion(1)).encode()
        let alive = MasterAlive(version: MetaVersion(1), epoch: Epoch(1)).encode()
        #expect(decodeError(PeerRegister.self, ack) == .unexpectedType(PeerToMaster.ack, expected: "a peer register"))
        #expect(decodeError(PeerStart.self, ack) == .unexpectedType(PeerToMaster.ack, expected: "a peer start"))
        #expect(decodeError(MetadataBlock.self, ack) == .unexpectedType(PeerToMaster.ack, expected: "a metadata block"))
        #expect(decodeError(ChangeBatch.self, ack) == .unexpectedType(PeerToMaster.ack, expected: "a change batch"))
        #expect(decodeError(MasterAlive.self, ack) == .unexpectedType(PeerToMaster.ack, expected: "a master heartbeat"))
        #expect(decodeError(PeerAck.self, alive) == .unexpectedType(MasterToPeer.alive, expected: "a peer ack"))
    }
}
