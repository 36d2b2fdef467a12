import MFSCore
import MooseWire
import Testing

/// A whole captured 9420 connection (the second run's last: cs1 registering with a master
/// without AUTH_CODE while its disk scan still runs, then reporting, idling and stopping), cut
/// by `MooseFrameDecoder` with each side's limit and decoded message by message.
@Suite struct SessionTests {
    func messages<M>(_ name: String, limit: Int, piece: Int, _ decode: (MooseFrame) throws -> M) throws -> [M] {
        let stream = Fixtures.bytes(name)
        var decoder = MooseFrameDecoder(maxPayloadLength: limit)
        var out: [M] = []
        var reencoded: [UInt8] = []
        var index = 0
        while index < stream.count {
            decoder.append(stream[index..<min(index + piece, stream.count)])
            index += piece
            while let frame = try decoder.next() {
                out.append(try decode(frame))
                reencoded += frame.encode()
            }
        }
        #expect(decoder.bufferedByteCount == 0)
        #expect(reencoded == stream)
        return out
    }

    @Test(arguments: [1, 5, 64, 4096])
    func chunkserverToMaster(piece: Int) throws {
        let received = try messages("session-to-master", limit: MooseWireLimits.chunkserverToMasterFrame, piece: piece) {
            try ChunkserverToMaster.decode($0)
        }
        #expect(received.map { $0.encode() }.joined().elementsEqual(Fixtures.bytes("session-to-master")))
        guard case .register(.begin(let begin)) = received.first else { Issue.record("no BEGIN first"); return }
        #expect(begin.passcode == nil && begin.version == .v3_0_117 && begin.chunkserverID == ChunkserverID(1))
        #expect(begin.address == ChunkserverAddress(169, 254, 93, 2, port: 9422))
        // LABELS right after the ACK, END at once (the scan is still running: no CHUNKS), then
        // what the scan finds comes as CHUNK_NEW; the damaged chunk; and a graceful stop last.
        #expect(received[1] == .labels(LabelsMessage(LabelMask(letters: "A,C"))))
        #expect(received[2] == .register(.end))
        guard case .chunkNew(let new) = received[3] else { Issue.record("no CHUNK_NEW after END"); return }
        #expect(!new.chunks.isEmpty && new.chunks.allSatisfy { !$0.onDiskMarkedForRemoval })
        #expect(received.contains(.errorOccurred))
        #expect(received.contains(.chunkIDs(ChunkIDReport(.damaged, chunkIDs: [ChunkID(5)]))))
        #expect(received.contains { if case .space = $0 { true } else { false } })
        #expect(received.contains { if case .currentLoad(let load) = $0 { load.status == .ok } else { false } })
        #expect(received.contains(.nop))
        #expect(received.last == .register(.disconnect))
    }

    @Test(arguments: [1, 3, 4096])
    func masterToChunkserver(piece: Int) throws {
        let received = try messages("session-to-chunkserver", limit: MooseWireLimits.masterToChunkserverFrame, piece: piece) {
            try MasterToChunkserver.decode($0)
        }
        let accepted = RegisterAccepted(timeoutSeconds: 10, chunkserverID: ChunkserverID(1), metaID: MetaID(0x6b13_7c8b_2fbf_6044))
        #expect(received.first == .ack(.registered(accepted)))
        #expect(received.dropFirst().allSatisfy { $0 == .nop })
    }
}
