import Foundation
import MFSTestSupport

/// Paths of this checkout, and running its scripts.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The debug build's binaries (the tests install them in place of the release build).
    static let debugBinaries = URL(fileURLWithPath: MasterProcess.binary).deletingLastPathComponent().path
    static let units = ["mfsmaster", "mfsmetalogger", "mfschunkserver", "mfsannouncer"]

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func text(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }

    /// Runs `scripts/NAME` with bash.
    static func script(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runProgram("/bin/bash", [path("scripts/" + name)] + arguments)
    }

    /// Runs `scripts/NAME` with bash and `environment` added to this process's.
    static func script(_ name: String, _ arguments: [String], environment: [String: String]) throws -> (
        status: Int32, out: String, err: String
    ) {
        try runProgram("/bin/bash", [path("scripts/" + name)] + arguments, environment: environment)
    }

    /// A fresh directory under the temporary directory, removed by the caller.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "mfs-ops-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Every file and directory under `directory` with its mode, size, modification time and
    /// inode, sorted: two equal listings mean nothing was written in between.
    static func tree(_ directory: String) throws -> [String] {
        let listing = try runProgram("/usr/bin/find", [directory, "-mindepth", "1", "-printf", "%P %y %m %s %T@ %i\n"])
        guard listing.status == 0 else { throw ScriptFailure("find \(directory): \(listing.err)") }
        return listing.out.split(separator: "\n").map(String.init).sorted()
    }
}

struct ScriptFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
