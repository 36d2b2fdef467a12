import MooseClientWire
import MooseWire
import Testing

/// MooseFS's admin requests and replies (mfscli): lengths and field offsets as MooseFS 3.0.117's
/// matoclserv.c writes them and mfscli.py reads them.
@Suite struct AdminTests {
    static func frame(_ type: UInt32, _ payload: [UInt8] = []) -> MooseFrame { MooseFrame(type: MooseMessageType(type), payload: payload) }

    static func be<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type) -> T {
        bytes.reduce(T(0)) { $0 << 8 | T($1) }
    }

    @Test func requestsDecodeByTypeAndLength() throws {
        #expect(try AdminRequest.decode(Self.frame(510)) == .info)
        #expect(try AdminRequest.decode(Self.frame(500)) == .chunkserverList)
        #expect(try AdminRequest.decode(Self.frame(508, [4])) == .sessionList(vmode: 4))
        #expect(try AdminRequest.decode(Self.frame(516)) == .chunksMatrix(matrix: nil))
        #expect(try AdminRequest.decode(Self.frame(516, [1])) == .chunksMatrix(matrix: 1))
        #expect(try AdminRequest.decode(Self.frame(544, [1])) == .missingChunks(withType: true))
        #expect(try AdminRequest.decode(Self.frame(512, [0])) == .fsTestInfo(withSustained: true))
        #expect(AdminRequest.isAdmin(MooseMessageType(510)) && !AdminRequest.isAdmin(MooseMessageType(400)))
    }

    @Test func wrongLengthsAreRefusedAsMooseFSRefusesThem() {
        for (type, payload) in [(510, [0]), (500, [1, 2]), (508, [4, 0]), (516, [0, 0]), (528, [1]), (544, [1, 1])] as [(UInt32, [UInt8])] {
            #expect(throws: MooseWireError.self, "\(type) with \(payload.count) bytes") {
                try AdminRequest.decode(Self.frame(type, payload))
            }
        }
        // Session list layouts before 1.7.8 (vmode 0, 1) are not served.
        #expect(throws: MooseWireError.self) { try AdminRequest.decode(Self.frame(508)) }
        #expect(throws: MooseWireError.self) { try AdminRequest.decode(Self.frame(508, [5])) }
        #expect(throws: MooseWireError.self) { try AdminRequest.decode(Self.frame(400)) }
    }

    @Test func infoIs149BytesWithTheFieldsWhereMfscliReadsThem() {
        var info = MasterInfoReply(version: .v3_0_117)
        (info.totalSpace, info.availableSpace, info.inodes, info.files, info.chunks) = (1_000, 600, 7, 5, 3)
        info.metaVersion = 0x0102_0304_0506_0708
        let bytes = info.encode()
        #expect(Array(bytes[0..<8]) == [0, 0, 1, 255, 0, 0, 0, 149])
        let data = bytes[8...]
        let base = data.startIndex
        #expect(Self.be(data[base..<base + 2], as: UInt16.self) == 3 && data[base + 2] == 0 && data[base + 3] == 234)
        #expect(Self.be(data[base + 28..<base + 36], as: UInt64.self) == 1_000)
        #expect(Self.be(data[base + 36..<base + 44], as: UInt64.self) == 600)
        #expect(Self.be(data[base + 76..<base + 80], as: UInt32.self) == 7, "inodes")
        #expect(Self.be(data[base + 84..<base + 88], as: UInt32.self) == 5, "files")
        #expect(Array(data[base + 109..<base + 113]) == [255, 255, 255, 255], "not a Pro master: the leader")
        #expect(Self.be(data[base + 121..<base + 129], as: UInt64.self) == 0x0102_0304_0506_0708, "metaversion")
    }

    @Test func chunkserverEntriesAre69BytesAndDisconnectedOnesCarryZeros() {
        var up = ChunkserverListEntry(connected: true, version: .v3_0_117, ip: 0x0A00_0001, port: 9422, id: 3)
        (up.usedSpace, up.totalSpace, up.chunks) = (10, 20, 4)
        var down = up
        down.connected = false
        let bytes = ChunkserverListEntry.encodeList([up, down])
        #expect(bytes.count == 8 + 2 * 69)
        let first = bytes[8..<77]
        #expect(Array(first.prefix(12)) == [0, 3, 0, 234, 10, 0, 0, 1, 0x24, 0xCE, 0, 3])
        #expect(Self.be(first[first.startIndex + 20..<first.startIndex + 28], as: UInt64.self) == 20)
        let second = bytes[77...]
        #expect(Array(second.prefix(4)) == [1, 0, 0, 0], "flags: disconnected")
        #expect(second.dropFirst(12).allSatisfy { $0 == 0 })
    }

    @Test func sessionEntriesFollowTheVmodeLayouts() {
        let entry = SessionListEntry(
            id: 9, ip: 0x7F00_0001, version: .v3_0_117, openFiles: 2, connections: 1, expireSeconds: .max, info: Array("/mnt".utf8),
            path: Array("/".utf8), flags: 1, rootUID: 0, rootGID: 0, mapAllUID: 999, mapAllGID: 999, goals: 1...9,
            trashTimes: 0...UInt32.max)
        // statscount, then 25 + info 4 + 4 + path 1 + 27 (+ umask 2 (vmode 3) + disables 4 (vmode 4)) + 128 stats.
        #expect(SessionListEntry.encodeList([entry], vmode: 2).count == 8 + 2 + 25 + 4 + 4 + 1 + 27 + 128)
        #expect(SessionListEntry.encodeList([entry], vmode: 3).count == 8 + 2 + 25 + 4 + 4 + 1 + 29 + 128)
        let bytes = SessionListEntry.encodeList([entry, entry], vmode: 4)
        #expect(bytes.count == 8 + 2 + 2 * (25 + 4 + 4 + 1 + 33 + 128))
        #expect(Array(bytes[8..<10]) == [0, 16])
        #expect(Array(bytes[10..<35]) == [0, 0, 0, 9, 127, 0, 0, 1, 0, 3, 0, 234, 0, 0, 0, 2, 1, 255, 255, 255, 255, 0, 0, 0, 4])
    }

    @Test func theMatrixRepliesHaveMooseFSsLengths() {
        let counts = [[UInt32]](repeating: [UInt32](repeating: 1, count: 11), count: 10)
        #expect(AdminReply.chunksMatrix(all: counts, regular: counts, matrix: nil).count == 8 + 969)
        #expect(AdminReply.chunksMatrix(all: counts, regular: counts, matrix: 0).count == 8 + 484)
        #expect(AdminReply.memoryInfo([]).count == 8 + 176)
        #expect(AdminReply.chunksTestInfo(now: 1).count == 8 + 72)
        #expect(AdminReply.fsTestInfo(now: 1, files: 1, chunks: 1, underGoal: 0, missing: 0, withSustained: true).count == 8 + 44)
        #expect(AdminReply.fsTestInfo(now: 1, files: 1, chunks: 1, underGoal: 0, missing: 0, withSustained: false).count == 8 + 36)
    }
}
