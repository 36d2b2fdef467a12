import Foundation
import MFSTestSupport
import Testing

extension DataPathTests {
    /// Where a chunk file's data starts (4 KiB header, 4 KiB CRC table) and the block size.
    static let dataOffset = 8192
    static let blockSize = 65_536

    /// The background CRC test (HDD_TEST_SPEED, fast here): a byte flipped in a stored block
    /// that no client reads is found by the chunkserver's tester, the master is told, and the
    /// chunk is repaired from the other copy (goal 2): two copies again, each with the right
    /// bytes in its chunk file.
    @Test func theBackgroundTestFindsAFlippedByteNoClientReadsAndTheChunkIsRepaired() throws {
        let cluster = try DataCluster(chunkservers: 3, chunkserverSettings: ["HDD_TEST_SPEED = 1000"])
        defer { cluster.teardown() }
        let size = 300_000
        let local = try cluster.localFile("untouched", size: size, seed: 11)
        #expect(try cluster.mfs(["put", "-q", "-g", "2", local, "/untouched"]).status == 0)
        let copies = cluster.chunkFiles()
        try #require(copies.count == 2, "\(copies.map(\.name))")
        let victim = copies[0]
        let server = cluster.servers[victim.server]
        try cluster.flip(server: victim.server, name: victim.name, at: Self.dataOffset + 3 * Self.blockSize + 1234, mask: 0x01)
        let expected = Array(try Data(contentsOf: URL(fileURLWithPath: local)))
        let repaired = waitUntil(60) {
            let now = cluster.chunkFiles()
            return now.count == 2
                // A copy being made is shorter than the header and data for a while.
                && now.allSatisfy {
                    $0.bytes.count >= Self.dataOffset + size && Array($0.bytes[Self.dataOffset..<Self.dataOffset + size]) == expected
                }
        }
        #expect(repaired, "the damaged copy was not replaced: \(cluster.chunkFiles().map { ($0.server, $0.name) })\n\(cluster.logs())")
        #expect(server.log.contains("background test: chunk"), "the tester found it:\n\(server.log.suffix(2000))")
        #expect(server.log.contains("is damaged: reported to the master"), "the master was told:\n\(server.log.suffix(2000))")
        let back = cluster.path("back")
        #expect(try cluster.mfs(["get", "-q", "/untouched", back]).status == 0 && DataCluster.same(local, back))
    }
}
