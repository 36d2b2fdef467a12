import Foundation
import MFSTestSupport
import Testing

/// Chunk files are interchangeable (DESIGN §12): files stored through one implementation's
/// chunkserver (under our master, with our `mfs put`) are read back byte for byte after its
/// `DATA_PATH` and data directory are handed, on the same host, to the other implementation's
/// chunkserver, which scans them and registers the chunks with the master.
@Suite(.serialized) struct ChunkFileHandoverTests {
    @Test(
        .enabled(
            if: DataInteropLab.runnable,
            "needs root with ip netns and Debian's moosefs-chunkserver 3.0.117 (scripts/test.sh installs it)"),
        .timeLimit(.minutes(5)),
        arguments: [(DataInteropLab.Implementation.moosefs, DataInteropLab.Implementation.ours), (.ours, .moosefs)])
    func filesWrittenThroughOneImplementationAreReadThroughTheOther(
        writer: DataInteropLab.Implementation, reader: DataInteropLab.Implementation
    ) throws {
        let lab = try DataInteropLab(chunkserverHosts: ["c"])
        defer { lab.teardown() }
        let disk = try lab.disk("c")
        try lab.startChunkserver(writer, on: "c", disk: disk)
        let registered = lab.waitForChunkservers(1)
        #expect(registered, "\(writer)'s chunkserver did not register:\n\(lab.logs())")
        guard registered else { return }

        let sources = try lab.putInteropFiles(goals: [1])
        // One chunk per non-empty file, two for the file one byte over a chunk.
        let chunkCount = interopSizes.reduce(0) { $0 + ($1 + DataInteropLab.chunkSize - 1) / DataInteropLab.chunkSize }
        #expect(Self.chunkFiles(in: disk.chunks).count == chunkCount, "chunk files: \(Self.chunkFiles(in: disk.chunks))")

        lab.lab.mark("\(writer): files stored")
        lab.stopChunkserver(on: "c")
        lab.lab.mark("\(writer): stopped")
        try lab.startChunkserver(reader, on: "c", disk: disk)
        let taken = lab.waitForChunkservers(1)
        #expect(taken, "\(reader)'s chunkserver did not register on \(writer)'s directory:\n\(lab.logs())")
        guard taken else { return }
        lab.lab.mark("\(reader): registered")
        let listed = waitUntil(10) { lab.status()?.chunkserverList?.first { $0.state == "registered" }?.chunks == chunkCount }
        #expect(listed, "\(reader)'s chunkserver registered \(String(describing: lab.status()?.chunkserverList))")
        #expect(lab.status()?.chunks?.missing == 0, "chunks: \(String(describing: lab.status()?.chunks))\n\(lab.logs())")
        lab.expectInteropFiles(goals: [1], hashes: sources, through: "\(reader)'s chunkserver on \(writer)'s files")
    }

    /// Names of the chunk files (`chunk_<id>_<version>.mfs`) anywhere below `directory`.
    static func chunkFiles(in directory: String) -> [String] {
        let names = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return names.filter { ($0 as NSString).lastPathComponent.hasPrefix("chunk_") && $0.hasSuffix(".mfs") }.sorted()
    }
}
