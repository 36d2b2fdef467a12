import Foundation
import MFSClient
import MFSCore
import MFSMetadata
import MFSWire

#if canImport(Glibc)
    import Glibc
#endif

/// `put`, `get`, `cat` and `truncate`: file data through the chunkservers (issue #12).
extension Tool {
    func put(_ local: String, to path: String, goal: UInt8?, quiet: Bool) async throws(ClientError) {
        guard let input = local == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: local) else {
            return complain("cannot open \(quoted(local)) for reading: \(String(cString: strerror(errno)))")
        }
        let total = local == "-" ? nil : (try? FileManager.default.attributesOfItem(atPath: local)[.size] as? UInt64) ?? nil
        do throws(ClientError) {
            guard let (directory, name) = try await parentAndName(path) else { throw .fs(.isDirectory) }
            var file: Attributes
            do throws(ClientError) {
                file = try await client.lookup(directory.inode, name)
                guard file.type == .file else { throw .fs(file.type == .directory ? .isDirectory : .invalidArgument) }
            } catch .fs(.noEntry) {
                file = try await client.mknod(directory.inode, name, type: .file, mode: 0o666 & ~Tool.umask)
            }
            if let goal { _ = try await client.setGoal(file.inode, goal, recursive: false) }
            _ = try await client.open(file.inode, flags: [.write])
            if file.length > 0 { _ = try await client.setLength(file.inode, 0, opened: true) }
            let bar = ProgressBar(label: path, total: total, enabled: !quiet)
            do {
                let written = try await FileTransfer(client: client).write(file.inode, from: { Self.read(input) }) { bar.update($0) }
                bar.finish(written)
            } catch let error as ClientError {
                bar.abandon()
                try? await client.release(file.inode)
                throw error
            } catch {
                bar.abandon()
                try? await client.release(file.inode)
                return complain("cannot store \(quoted(path)): \(error)")
            }
            try await client.release(file.inode)
        } catch {
            try report(error, "cannot store \(quoted(path))")
        }
    }

    func get(_ path: String, to local: String, quiet: Bool) async throws(ClientError) {
        do throws(ClientError) {
            let file = try await client.resolve(path)
            guard file.type == .file else { throw .fs(file.type == .directory ? .isDirectory : .invalidArgument) }
            guard let output = local == "-" ? FileHandle.standardOutput : Self.create(local) else {
                return complain("cannot create \(quoted(local)): \(String(cString: strerror(errno)))")
            }
            let bar = ProgressBar(label: path, total: file.length, enabled: !quiet && local != "-")
            do {
                let done = try await FileTransfer(client: client).read(file.inode, into: { try output.write(contentsOf: $0) }) {
                    bar.update($0)
                }
                bar.finish(done)
                if local != "-" { try output.synchronize() }
            } catch let error as ClientError {
                bar.abandon()
                throw error
            } catch {
                bar.abandon()
                return complain("cannot read \(quoted(path)): \(error)")
            }
        } catch {
            try report(error, "cannot read \(quoted(path))")
        }
    }

    func cat(_ paths: [String]) async throws(ClientError) {
        for path in paths { try await get(path, to: "-", quiet: true) }
    }

    func truncate(_ paths: [String], to length: UInt64) async throws(ClientError) {
        for path in paths {
            do throws(ClientError) {
                let file = try await client.resolve(path)
                guard file.type == .file else { throw .fs(file.type == .directory ? .isDirectory : .invalidArgument) }
                _ = try await client.setLength(file.inode, length, opened: false)
            } catch {
                try report(error, "cannot truncate \(quoted(path))")
            }
        }
    }

    /// Up to `FileTransfer.readSize` bytes of `input`; nil at its end.
    private static func read(_ input: FileHandle) -> [UInt8]? {
        guard let data = try? input.read(upToCount: FileTransfer.readSize), !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    private static func create(_ path: String) -> FileHandle? {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: path)
    }
}

/// A one-line progress bar on standard error when it is a terminal: bytes, percentage when
/// the total is known, and rate; redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: UInt64?
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    init(label: String, total: UInt64?, enabled: Bool) {
        self.label = label
        self.total = total
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: UInt64) {
        guard enabled else { return }
        lock.withLock {
            guard Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = Date()
            draw(done)
        }
    }

    func finish(_ done: UInt64) {
        guard enabled else { return }
        lock.withLock {
            draw(done)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    func abandon() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ done: UInt64) {
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(done) / seconds / 1_048_576
        var line = "\r\(label): \(Self.bytes(done))"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line +=
                " / \(Self.bytes(total)) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(Int(fraction * 100))%"
        }
        line += String(format: " %.1f MiB/s", rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func bytes(_ count: UInt64) -> String {
        count < 1 << 20 ? "\(count) B" : String(format: "%.1f MiB", Double(count) / 1_048_576)
    }
}
