import MFSCore
import MFSMetadata
import MFSWire
import Testing

/// The chunk requests of the native dialect (`readChunk`, `writeChunk`, `writeChunkEnd`) and
/// their `chunkLocation` reply: golden bytes from the layouts, the location limit at and past
/// it, truncated and bad-count input refused with the field named.
@Suite struct ChunkMessageTests {
    static let user = Credentials(uid: 1000, gid: 100, groups: [4])

    func check<M: WireMessage>(_ message: M, _ expected: [UInt8]) throws {
        #expect(message.encode() == expected)
        #expect(try M.decode(bytes: expected) == message)
    }

    @Test func readChunkRequest() throws {
        let request = ClientRequest.readChunk(RequestID(9), inode: InodeID(17), index: 3)
        try check(request, hex("000001B0 00000010", "0000000000000009 00000011 00000003"))
        #expect(!request.isMutating && request.credentials == nil)
        #expect(request.replyType == MasterToClient.readChunk)
    }

    @Test func writeChunkRequest() throws {
        let request = ClientRequest.writeChunk(RequestID(9), Self.user, inode: InodeID(17), index: 3)
        try check(
            request,
            hex("000001B2 0000001D", "0000000000000009", "000003E8 00000064 01 00000004", "00000011 00000003"))
        #expect(request.isMutating && request.credentials == Self.user)
        #expect(request.replyType == MasterToClient.writeChunk)
    }

    @Test func writeChunkEndRequest() throws {
        let request = ClientRequest.writeChunkEnd(
            RequestID(9), Self.user, inode: InodeID(17), chunk: ChunkID(0x0102_0304_0506_0708), length: 70_000)
        try check(
            request,
            hex(
                "000001B4 00000029", "0000000000000009", "000003E8 00000064 01 00000004", "00000011",
                "0102030405060708 0000000000011170"))
        #expect(request.isMutating)
        #expect(request.replyType == MasterToClient.status)
        #expect(MasterReply.ok(RequestID(9)).answers(request))
    }

    @Test func readLocationReply() throws {
        let location = ChunkLocation(
            access: .read, fileLength: 0x1_0000_0000, chunk: ChunkID(5), version: 2,
            servers: [ChunkserverAddress(169, 254, 0, 2, port: 9422), ChunkserverAddress(169, 254, 0, 3, port: 9500)])
        let reply = MasterReply.chunkLocation(RequestID(9), location)
        try check(
            reply,
            hex(
                "000001B1 00000029", "0000000000000009", "0000000100000000 0000000000000005 00000002",
                "02 A9FE0002 24CE A9FE0003 251C"))
        #expect(reply.answers(.readChunk(RequestID(9), inode: InodeID(1), index: 0)))
        #expect(!reply.answers(.writeChunk(RequestID(9), Self.user, inode: InodeID(1), index: 0)))
    }

    @Test func writeChainReplyAndHole() throws {
        let chain = ChunkLocation(
            access: .write, fileLength: 0, chunk: ChunkID(5), version: 1, servers: [ChunkserverAddress(10, 0, 0, 1, port: 9422)])
        try check(
            MasterReply.chunkLocation(RequestID(1), chain),
            hex("000001B3 00000023", "0000000000000001", "0000000000000000 0000000000000005 00000001", "01 0A000001 24CE"))
        let hole = ChunkLocation(access: .read, fileLength: 10, chunk: .none, version: 0, servers: [])
        #expect(hole.isHole)
        try check(
            MasterReply.chunkLocation(RequestID(1), hole),
            hex("000001B1 0000001D", "0000000000000001", "000000000000000A 0000000000000000 00000000", "00"))
    }

    @Test func locationsAtAndPastTheLimit() throws {
        let limit = WireLimits.maxChunkLocations
        let servers = (0..<limit).map { ChunkserverAddress(ip: UInt32($0), port: 9422) }
        let reply = MasterReply.chunkLocation(
            RequestID(1), ChunkLocation(access: .write, fileLength: 1, chunk: ChunkID(2), version: 3, servers: servers))
        #expect(try MasterReply.decode(bytes: reply.encode()) == reply)
        let past = frameBytes(
            MasterToClient.readChunk,
            hex("0000000000000001 0000000000000001 0000000000000002 00000003 21")
                + [UInt8](repeating: 0, count: (limit + 1) * 6))
        #expect(
            decodeError(MasterReply.self, past)
                == .malformed(message: MasterToClient.readChunk, field: "servers", reason: "33 chunkservers; the limit is 32"))
        // The largest count byte is refused before anything is read for it.
        let huge = frameBytes(MasterToClient.writeChunk, hex("0000000000000001 0000000000000001 0000000000000002 00000003 FF"))
        #expect(
            decodeError(MasterReply.self, huge)
                == .malformed(message: MasterToClient.writeChunk, field: "servers", reason: "255 chunkservers; the limit is 32"))
    }

    @Test func holeWithServersIsRefused() {
        let bytes = frameBytes(
            MasterToClient.readChunk, hex("0000000000000001 0000000000000000 0000000000000000 00000000 01 0A000001 24CE"))
        #expect(
            decodeError(MasterReply.self, bytes)
                == .malformed(message: MasterToClient.readChunk, field: "servers", reason: "1 chunkservers for a hole (chunk 0)"))
    }

    @Test func countLongerThanTheServersIsTruncated() {
        let bytes = frameBytes(
            MasterToClient.readChunk, hex("0000000000000001 0000000000000000 0000000000000005 00000001 02 0A000001 24CE"))
        #expect(decodeError(MasterReply.self, bytes) == .truncated(message: MasterToClient.readChunk, needed: 4))
    }

    @Test func truncatedRequestsNameTheirMessage() {
        let requests: [ClientRequest] = [
            .readChunk(RequestID(1), inode: InodeID(2), index: 3),
            .writeChunk(RequestID(1), Self.user, inode: InodeID(2), index: 3),
            .writeChunkEnd(RequestID(1), Self.user, inode: InodeID(2), chunk: ChunkID(4), length: 5),
        ]
        for request in requests {
            let bytes = request.encode()
            for cut in 1...(bytes.count - 8) {
                let payload = Array(bytes[8..<(bytes.count - cut)])
                #expect(
                    decodeError(ClientRequest.self, frameBytes(request.messageType, payload))
                        == .truncated(message: request.messageType, needed: Self.fieldEnding(request, at: bytes.count - 8 - cut)),
                    "\(request) cut by \(cut)")
            }
            #expect(
                decodeError(ClientRequest.self, frameBytes(request.messageType, Array(bytes[8...]) + [0]))
                    == .trailingBytes(message: request.messageType, count: 1))
        }
    }

    /// How many bytes the field that a payload cut at `offset` ends inside still needs.
    static func fieldEnding(_ request: ClientRequest, at offset: Int) -> Int {
        var ends = [8]
        if request.credentials != nil { ends += [12, 16, 17, 21] }
        let base = ends.last!
        switch request {
        case .writeChunkEnd: ends += [base + 4, base + 12, base + 20]
        default: ends += [base + 4, base + 8]
        }
        return ends.first { $0 > offset }! - offset
    }

    @Test func truncatedReplyNamesItsMessage() {
        let reply = MasterReply.chunkLocation(
            RequestID(1),
            ChunkLocation(access: .write, fileLength: 1, chunk: ChunkID(2), version: 3, servers: [ChunkserverAddress(1, 2, 3, 4, port: 5)]))
        let bytes = reply.encode()
        #expect(decodeError(MasterReply.self, Array(bytes.dropLast(2))) == .truncated(message: MasterToClient.writeChunk, needed: 2))
        #expect(
            decodeError(MasterReply.self, frameBytes(MasterToClient.writeChunk, Array(bytes[8...]) + [0, 0]))
                == .trailingBytes(message: MasterToClient.writeChunk, count: 2))
    }

    @Test func oversizedFrameIsRefusedFromItsHeader() {
        #expect(
            decodeError(ClientRequest.self, header(ClientToMaster.writeChunk, WireLimits.maxFrameLength + 1))
                == .lengthTooLarge(length: UInt32(WireLimits.maxFrameLength + 1), limit: WireLimits.maxFrameLength))
        #expect(
            decodeError(MasterReply.self, header(MasterToClient.readChunk, WireLimits.maxFrameLength + 1))
                == .lengthTooLarge(length: UInt32(WireLimits.maxFrameLength + 1), limit: WireLimits.maxFrameLength))
    }

    @Test func chunkStatusesAreNamedAndRetryable() {
        #expect(WireStatus.locked.rawValue == 11 && WireStatus.chunkBusy.rawValue == 14 && WireStatus.tryAgain.rawValue == 45)
        for status in [WireStatus.locked, .chunkBusy, .tryAgain] {
            #expect(status.isKnown && status.isRetryable && status.fsError == nil)
        }
        #expect(!WireStatus.ioError.isRetryable && !WireStatus.noSpace.isRetryable)
    }
}
