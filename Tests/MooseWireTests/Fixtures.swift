import Foundation
import MooseWire

/// The captured MooseFS 3.0.117 frames in `Fixtures/` (see its README): each file holds one
/// whole frame as hex, `#` lines are comments.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent("\(name).hex")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("fixture \(name) missing") }
        let hex = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined()
        return hexBytes(hex)
    }

    static func frame(_ name: String) -> MooseFrame {
        do { return try MooseFrame(wholeFrame: bytes(name)) } catch { fatalError("fixture \(name): \(error)") }
    }

    /// Every single-frame fixture's name (the `session-*` files are byte streams).
    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") && !$0.hasPrefix("session-") }.map { String($0.dropLast(4)) }.sorted()
    }
}

func hexBytes(_ hex: some StringProtocol) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// A frame of `type` with `payload`, as bytes.
func frameBytes(_ type: MooseMessageType, _ payload: [UInt8]) -> [UInt8] {
    MooseFrame(type: type, payload: payload).encode()
}

/// SplitMix64: a seeded generator, so a failing fuzz run can be repeated from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
