import Foundation
import MFSTestSupport
import MooseClientWire
import MooseWire

/// The captured MooseFS 3.0.117 client-port frames in `Fixtures/` (see its README): each file
/// holds one whole frame as hex, `#` lines are comments. `request-*` went client → master,
/// `reply-*` and `notice-*` master → client.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent("\(name).hex")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("fixture \(name) missing") }
        return hexBytes(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined())
    }

    static func frame(_ name: String) -> MooseFrame {
        do { return try MooseFrame(wholeFrame: bytes(name)) } catch { fatalError("fixture \(name): \(error)") }
    }

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }.sorted()
    }

    static var requests: [String] { names.filter { $0.hasPrefix("request-") } }
    static var replies: [String] { names.filter { !$0.hasPrefix("request-") } }
}

/// Decodes a frame the way our master reads a client (register or request), and re-encodes it.
func roundTripRequest(_ frame: MooseFrame) throws(MooseWireError) -> [UInt8] {
    if frame.type == .fuseRegister { return try FuseRegister.decode(frame).encode() }
    return try FuseRequest.decode(frame).encode()
}

/// Decodes a frame the way a client reads the master, and re-encodes it.
func roundTripReply(_ frame: MooseFrame) throws(MooseWireError) -> [UInt8] {
    if frame.type == .fuseRegisterReply { return try FuseRegisterReply.decode(frame).encode() }
    return try FuseReply.decode(frame).encode()
}
