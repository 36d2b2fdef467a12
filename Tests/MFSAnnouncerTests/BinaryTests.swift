import Foundation
import Testing

/// The `mfsannouncer` binary refuses bad configuration with FILE:LINE before touching the
/// network (no root needed: it exits before opening a socket).
@Suite struct BinaryTests {
    static let binaryBuilt = FileManager.default.isExecutableFile(atPath: Lab.announcerBinary)

    func check(_ text: String) throws -> (status: Int32, output: String) {
        let path = "/tmp/mfsa-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).cfg"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = Lab.shell("\(Lab.announcerBinary) -c \(path) 2>&1")
        return (result.status, result.output.replacingOccurrences(of: path, with: "FILE"))
    }

    static let valid = "INTERFACE = lo\nVRID = 51\nVIRTUAL_IPS = 169.254.100.1/32\n"

    @Test(
        .enabled(if: binaryBuilt, "mfsannouncer is not built: run `swift build` first"),
        arguments: [
            ("VRID = 0\n", 4, "VRID: 0 is outside 1-255"),
            ("VRID = 256\n", 4, "VRID: 256 is outside 1-255"),
            ("PRIORITY = 0\n", 4, "PRIORITY: 0 is outside 1-255"),
            ("PRIORITY = 300\n", 4, "PRIORITY: 300 is outside 1-255"),
            ("ADVERT_INTERVAL_MS = 5\n", 4, "ADVERT_INTERVAL_MS: 5 is outside 10-40950"),
            ("ADVERT_INTERVAL_MS = 41000\n", 4, "ADVERT_INTERVAL_MS: 41000 is outside 10-40950"),
            ("ADVERT_INTERVAL_MS = 25\n", 4, "ADVERT_INTERVAL_MS: 25 ms is not a multiple of 10 ms"),
            ("INTERFACE = mfsnosuch0\n", 4, "INTERFACE: there is no interface 'mfsnosuch0'"),
            ("VIRTUAL_IPS = fe80::1/64\n", 4, "VIRTUAL_IPS: 'fe80::1/64' is not an IPv4 address"),
            ("VIRTUAL_IPS = 169.254.100.1\n", 4, "VIRTUAL_IPS: '169.254.100.1' has no prefix length"),
            ("BOGUS = 1\n", 4, "unknown key 'BOGUS'"),
        ])
    func badConfigurationExitsNonZeroNamingFileAndLine(_ line: String, _ number: Int, _ message: String) throws {
        let key = line.split(separator: " ")[0]
        var lines = Self.valid.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("\(key) ") }
        while lines.count < number - 1 { lines.append("# padding") }
        let result = try check((lines + [line]).joined(separator: "\n"))
        #expect(result.status == 1)
        #expect(result.output.contains("FILE:\(number): \(message)"), "\(result.output)")
    }

    @Test(.enabled(if: binaryBuilt, "mfsannouncer is not built"))
    func loopbackIsNotAUsableVRRPInterface() throws {
        let refused = try check(Self.valid)
        #expect(refused.status == 1)
        #expect(refused.output.contains("FILE:1: INTERFACE: interface 'lo' has primary address 127.0.0.1"), "\(refused.output)")
    }

    @Test(.enabled(if: binaryBuilt, "mfsannouncer is not built"))
    func usageErrorsExit2() {
        #expect(Lab.shell("\(Lab.announcerBinary) --bogus 2>&1").status == 2)
    }
}
