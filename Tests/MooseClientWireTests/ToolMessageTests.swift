import MooseClientWire
import MooseWire
import Testing

/// The requests and replies of MooseFS's tools (`mfscheckfile`, `mfsfileinfo`, `mfsdirinfo`,
/// `mfsgeteattr`, `mfsfilepaths`, `mfslistsclass`), from MooseFS 3.0.117's layouts: each
/// round-trips at its length, and a request one byte short or long is refused by name.
@Suite struct ToolMessageTests {
    @Test func requestsRoundTripAndRefuseOtherLengths() throws {
        let requests: [(FuseRequest, Int)] = [
            (.check(1, inode: 5, index: nil), 8), (.check(2, inode: 5, index: 3), 12), (.getDirStats(3, inode: 1), 8),
            (.getEattr(4, inode: 5, gmode: 1), 9), (.paths(5, inode: 5), 8), (.parents(6, inode: 5), 8),
            (.listStorageClasses(7, longForm: 1), 5),
        ]
        for (request, length) in requests {
            let bytes = request.encode()
            #expect(bytes.count == 8 + length, "\(request)")
            #expect(try FuseRequest.decode(bytes: bytes) == request)
            for payload in [Array(bytes[8..<(bytes.count - 1)]), Array(bytes[8...]) + [0]]
            where !(request.messageType == .fuseCheck && [8, 12].contains(payload.count)) {
                #expect(throws: MooseWireError.self, "\(request) with \(payload.count) bytes") {
                    try FuseRequest.decode(MooseFrame(type: request.messageType, payload: payload))
                }
            }
        }
    }

    @Test func repliesRoundTripAtTheirLengths() throws {
        let replies: [(FuseReply, Int)] = [
            (.checkCopies(1, counts: [0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3]), 52),
            (
                .checkChunk(
                    2, chunkID: 9, version: 3, [.init(ip: 0xA9FE_000C, port: 9422, type: 0), .init(ip: 0xA9FE_000D, port: 9422, type: 2)]),
                30
            ),
            (.dirStats(3, .init(inodes: 8, directories: 3, files: 4, chunks: 5, length: 10, size: 73_728, realSize: 147_456)), 60),
            (.eattrs(4, directories: [.init(eattr: 0, count: 3)], files: [.init(eattr: 0, count: 5)]), 16),
            (.parents(5, [1, 7]), 12), (.paths(6, [Array("d/e/f".utf8), Array("d/hard".utf8)]), 23),
            (.storageClassList(7, [.init(name: Array("2".utf8), copies: 2)], longForm: true), 4 + 2 + 7 + 6 * 16),
        ]
        for (reply, length) in replies {
            let bytes = reply.encode()
            #expect(bytes.count == 8 + length, "\(reply)")
            #expect(try FuseReply.decode(bytes: bytes) == reply)
        }
        // The short list is names alone: "1" … "9", two bytes each.
        let short = FuseReply.storageClassList(8, (1...9).map { .init(name: Array(String($0).utf8), copies: UInt8($0)) }, longForm: false)
        #expect(short.encode().count == 8 + 4 + 9 * 2)
    }
}
