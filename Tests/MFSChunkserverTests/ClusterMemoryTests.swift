import Foundation
import MFSCore
import Testing

@testable import MFSChunkserver

/// The highest master epoch a chunkserver has seen is what fences a stale master after a
/// restart: two observations at once (a new master's, an old one's on another connection) must
/// leave the higher on disk, where they once shared one temporary file and the lower could be
/// renamed in last.
@Suite struct ClusterMemoryTests {
    @Test func observationsAtOnceLeaveTheHighestEpochOnDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clustermemory-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/hdd1", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let memory = try ClusterMemory(dataPath: dir, directories: [dir + "/hdd1"])
        for round in 0..<20 {
            let base = UInt64(round * 10 + 1)
            DispatchQueue.concurrentPerform(iterations: 8) { i in try? memory.observe(epoch: Epoch(base + UInt64(7 - i))) }
            #expect(memory.highestEpoch == Epoch(base + 7))
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + ClusterMemory.epochFileName)))
            #expect(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == base + 7, "round \(round)")
        }
        // A lower epoch observed later changes nothing, in memory or on disk.
        try memory.observe(epoch: Epoch(3))
        #expect(memory.highestEpoch == Epoch(198))
        let reopened = try ClusterMemory(dataPath: dir, directories: [dir + "/hdd1"])
        #expect(reopened.highestEpoch == Epoch(198))
    }
}
