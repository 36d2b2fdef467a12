import Foundation
import MFSCore
import MFSTestSupport
import MooseWire

@testable import MFSChunkserver

#if canImport(Glibc)
    import Glibc
#endif

/// A real `mfschunkserver` process of the debug build, with its own directory (configuration,
/// DATA_PATH, one data directory, log), stopped by PID.
final class ChunkserverProcess: @unchecked Sendable {
    let directory: String
    var dataPath: String { directory + "/data" }
    var chunkDirectory: String { directory + "/chunks" }
    var logPath: String { directory + "/chunkserver.log" }
    private(set) var process: Process?

    init(masterPort: UInt16, extra: [String] = [], chunkDirectory: String? = nil) throws {
        directory = NSTemporaryDirectory() + "mfscs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try ((chunkDirectory ?? (directory + "/chunks")) + "\n").write(toFile: directory + "/mfshdd.cfg", atomically: true, encoding: .utf8)
        let config =
            [
                "DATA_PATH = \(dataPath)", "HDD_CONF_FILENAME = \(directory)/mfshdd.cfg", "MASTER_HOST = 127.0.0.1",
                "MASTER_PORT = \(masterPort)", "CSSERV_LISTEN_HOST = 127.0.0.1", "CSSERV_LISTEN_PORT = 0", "HDD_LEAVE_SPACE_DEFAULT = 0",
                "MASTER_SILENCE_TIMEOUT = 400ms",
            ] + extra
        try (config.joined(separator: "\n") + "\n").write(toFile: directory + "/mfschunkserver.cfg", atomically: true, encoding: .utf8)
    }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MasterProcess.binaryPath("mfschunkserver"))
        process.arguments = ["-c", directory + "/mfschunkserver.cfg"]
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
    }

    var isRunning: Bool { process?.isRunning ?? false }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL after 10 s; the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard let process, process.isRunning else { return process?.terminationStatus ?? 0 }
        kill(process.processIdentifier, SIGTERM)
        if !waitFor(10, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The chunk files in the data directory (path → bytes).
    func chunkFiles() -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let root = chunkDirectory
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? [] where name.hasPrefix("chunk_") {
                files[sub + "/" + name] = Array((try? Data(contentsOf: URL(fileURLWithPath: root + "/" + sub + "/" + name))) ?? Data())
            }
        }
        return files
    }
}

/// A data-port client built from MooseWire: writes (one session, pieces pipelined) and reads
/// (every piece's CRC checked).
struct DataClient {
    let port: UInt16

    func connection() throws -> BlockingConnection {
        try BlockingConnection(ipv4: 0x7F00_0001, port: port, timeout: .seconds(10), maxFrame: MooseWireLimits.dataPortFrame)
    }

    /// Writes `bytes` at chunk offset `offset`; the statuses (writeid 0 first), or nil.
    func write(_ id: ChunkID, version: UInt32, chain: [ChunkserverAddress] = [], offset: Int, bytes: [UInt8]) throws -> [MooseStatus] {
        let connection = try connection()
        try connection.send(WriteRequest(chunkID: id, version: WireVersion(version), chain: chain).encode())
        var writeID: UInt32 = 0
        var position = 0
        while position < bytes.count {
            let chunkOffset = offset + position
            let inBlock = chunkOffset % MooseWireLimits.blockSize
            let size = min(MooseWireLimits.blockSize - inBlock, bytes.count - position)
            writeID += 1
            let piece = DataPiece(
                block: UInt16(chunkOffset / MooseWireLimits.blockSize), offset: UInt16(inBlock),
                data: Array(bytes[position..<position + size]))
            try connection.send(WriteData(chunkID: id, writeID: writeID, piece: piece).encode())
            position += size
        }
        var statuses: [UInt32: MooseStatus] = [:]
        while statuses.count < Int(writeID) + 1 {
            let frame = try connection.receive()
            if frame.type == .nop { continue }
            let status = try WriteStatus.decode(frame)
            statuses[status.writeID] = status.status
            if status.writeID == 0 && status.status != .ok { break }
        }
        if statuses.values.allSatisfy({ $0 == .ok }) {
            try connection.send(WriteFinish(chunkID: id, version: WireVersion(version)).encode())
        }
        return statuses.keys.sorted().map { statuses[$0]! }
    }

    /// Reads `size` bytes; the data, or the status that ended the read.
    func read(_ id: ChunkID, version: UInt32, offset: Int, size: Int) throws -> Result<[UInt8], ReadFailure> {
        let connection = try connection()
        try connection.send(ReadRequest(chunkID: id, version: WireVersion(version), offset: UInt32(offset), size: UInt32(size)).encode())
        var data: [UInt8] = []
        while true {
            let frame = try connection.receive()
            switch try DataPortReply.decode(frame) {
            case .readData(let piece):
                guard piece.piece.crcMatches else { return .failure(ReadFailure(status: .crc)) }
                data += piece.piece.data
            case .readStatus(let status):
                return status.status == .ok ? .success(data) : .failure(ReadFailure(status: status.status))
            case .nop: continue
            default: throw LabFailure("unexpected \(frame.type) in a read")
            }
        }
    }

    struct ReadFailure: Error, Equatable {
        var status: MooseStatus
    }
}

/// Deterministic bytes for a test file.
func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}
