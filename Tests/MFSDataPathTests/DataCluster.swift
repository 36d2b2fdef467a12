import Foundation
import MFSStatus
import MFSTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// One master and `n` of our chunkservers as real processes on loopback, and `mfs` run as a
/// process against them: the data path as a user drives it (issue #12).
final class DataCluster: @unchecked Sendable {
    let master: MasterProcess
    private(set) var servers: [ChunkserverProcess] = []
    let scratch: String

    /// `chunkDirectories`: a data directory for a server (a small tmpfs, say) instead of its own;
    /// `chunkserverSettings`: more lines of every server's mfschunkserver.cfg.
    init(chunkservers count: Int, chunkDirectories: [Int: String] = [:], chunkserverSettings: [String] = []) throws {
        // No replication delays: a test watches replication and trimming happen at once.
        master = try MasterProcess(
            settings: ["REPLICATIONS_DELAY_INIT": "0", "REPLICATIONS_DELAY_DISCONNECT": "0", "MATOCS_LISTEN_HOST": "127.0.0.1"])
        scratch = NSTemporaryDirectory() + "mfsdata-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try master.start()
        for index in 0..<count {
            let server = try ChunkserverProcess(
                masterPort: UInt16(master.chunkserverPort), extra: chunkserverSettings, chunkDirectory: chunkDirectories[index],
                silence: "3s")
            try server.start()
            servers.append(server)
        }
        guard waitUntil(30, { (try? self.status().chunkserverList?.filter { $0.state == "registered" }.count) == count }) else {
            throw Failure("the chunkservers did not register:\n\(logs())")
        }
    }

    func teardown() {
        for server in servers { server.remove() }
        _ = master.stop()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    func status() throws -> MasterStatus { try StatusClient.fetch("127.0.0.1:\(master.statusPort)", timeout: 5) }

    /// `mfs ARGS` against this master: exit status, stdout, stderr.
    @discardableResult
    func mfs(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runBinary("mfs", ["-H", "127.0.0.1:\(master.clientPort)"] + arguments)
    }

    /// A local file of `size` seeded pseudo-random bytes.
    func localFile(_ name: String, size: Int, seed: UInt64) throws -> String {
        let path = scratch + "/" + name
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var rng = SeededRandom(seed: seed)
        var left = size
        while left > 0 {
            let n = min(left, 1 << 20)
            var bytes = [UInt8](repeating: 0, count: n)
            bytes.withUnsafeMutableBytes { raw in
                var offset = 0
                while offset < n {
                    var word = rng.next()
                    let take = min(8, n - offset)
                    withUnsafeBytes(of: &word) { raw.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
                    offset += take
                }
            }
            try handle.write(contentsOf: bytes)
            left -= n
        }
        return path
    }

    func path(_ name: String) -> String { scratch + "/" + name }

    static func same(_ a: String, _ b: String) -> Bool { FileManager.default.contentsEqual(atPath: a, andPath: b) }

    /// Every chunk file of every server: (server index, name like `chunk_…_….mfs`, bytes).
    func chunkFiles() -> [(server: Int, name: String, bytes: [UInt8])] {
        servers.enumerated().flatMap { index, server in
            let root = server.chunkDirectory
            return ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).filter {
                $0.hasSuffix(".mfs") && $0.contains("chunk_")
            }
            .map {
                (
                    index, String($0.split(separator: "/").last!),
                    Array((try? Data(contentsOf: URL(fileURLWithPath: root + "/" + $0))) ?? Data())
                )
            }
        }
    }

    /// XORs `mask` into the byte at `offset` of the chunk file `name` of server `server`:
    /// damage on disk that no write made.
    func flip(server: Int, name: String, at offset: Int, mask: UInt8) throws {
        let root = servers[server].chunkDirectory
        guard let file = (try? FileManager.default.subpathsOfDirectory(atPath: root))?.first(where: { $0.hasSuffix(name) }),
            let handle = FileHandle(forUpdatingAtPath: root + "/" + file)
        else { throw Failure("no chunk file \(name) on server \(server)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        guard let byte = try handle.read(upToCount: 1)?.first else { throw Failure("\(name) is shorter than \(offset + 1) bytes") }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ mask])
    }

    func logs() -> String {
        "--- master\n\(master.log.suffix(3000))\n"
            + servers.enumerated().map { "--- chunkserver \($0.offset)\n\($0.element.log.suffix(2000))" }.joined(separator: "\n")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
