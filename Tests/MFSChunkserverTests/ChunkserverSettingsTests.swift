import Foundation
import MFSConfig
import MFSTestSupport
import MooseWire
import Testing

@testable import MFSChunkserver

struct ChunkserverSettingsTests {
    private func settings(_ text: String) throws -> ChunkserverSettings {
        try ChunkserverSettings(try ChunkserverKeys.schema.parse(text, file: "cs.cfg"), file: "cs.cfg")
    }

    @Test func samplesAreCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try String(contentsOf: root.appendingPathComponent("config/mfschunkserver.cfg.sample"), encoding: .utf8)
        #expect(
            sample == ChunkserverKeys.sample, "regenerate with: .build/debug/mfschunkserver --sample > config/mfschunkserver.cfg.sample")
        let hdd = try String(contentsOf: root.appendingPathComponent("config/mfshdd.cfg.sample"), encoding: .utf8)
        #expect(hdd == ChunkserverKeys.hardDriveSample)
        let (code, out, _) = try runBinary("mfschunkserver", ["--sample"])
        #expect(code == 0 && out == sample)
        let uncommented = sample.split(separator: "\n").filter { $0.hasPrefix("# ") && ($0.contains(" = ") || $0.hasSuffix(" =")) }
            .map { $0.dropFirst(2) }.joined(separator: "\n")
        #expect(throws: Never.self) { try ChunkserverKeys.schema.parse(uncommented, file: "sample") }
    }

    @Test func mooseFSKeysKeepTheirMeaning() throws {
        let parsed = try settings(
            "MASTER_HOST = 10.0.0.1, mfsmaster:9500\nMASTER_PORT = 9420\nLABELS = A,c;Z\nAUTH_CODE = pw\nMASTER_TIMEOUT = 3\nCSSERV_LISTEN_PORT = 9422\n"
        )
        #expect(parsed.masters.map(\.description) == ["10.0.0.1:9420", "mfsmaster:9500"])
        #expect(parsed.labels == LabelMask(letters: "ACZ"))
        #expect(parsed.authCode == "pw" && parsed.masterTimeoutSeconds == 10 && parsed.listenPort == 9422)
        #expect(parsed.notices.isEmpty)
    }

    @Test func unusedMooseFSKeysAreAcceptedWithANotice() throws {
        let parsed = try settings("WORKING_USER = mfs\nHDD_FSYNC_BEFORE_CLOSE = 0\nNICE_LEVEL = -19\n")
        #expect(parsed.notices.count == 3)
        #expect(parsed.notices[0].contains("cs.cfg:1") && parsed.notices[0].contains("WORKING_USER"))
        #expect(parsed.notices.contains { $0.contains("HDD_FSYNC_BEFORE_CLOSE = 0 ignored") })
    }

    /// WRITE_ACK_AFTER_FSYNC: 1 by default; 0 is taken, with a notice saying what it risks.
    @Test func writesAreAcknowledgedAfterTheirFsyncUnlessSetOtherwise() throws {
        let plain = try settings("")
        #expect(plain.ackAfterFsync && plain.notices.isEmpty)
        let weak = try settings("WRITE_ACK_AFTER_FSYNC = 0\n")
        #expect(!weak.ackAfterFsync)
        #expect(
            weak.notices == [
                "cs.cfg:1: WRITE_ACK_AFTER_FSYNC = 0: writes and new chunks are acknowledged before they are fsynced (fsynced at the chunk's close); a host that loses power can lose acknowledged writes"
            ])
    }

    /// HDD_TEST_SPEED is MooseFS's decimal MB/s (MiB per second), default 1.0, 0 to turn the
    /// background test off; it is used, so no notice names it.
    @Test func testSpeedIsADecimalInMegabytesPerSecond() throws {
        #expect(try settings("").testBytesPerSecond == 1_048_576)
        let parsed = try settings("HDD_TEST_SPEED = 2.5\n")
        #expect(parsed.testBytesPerSecond == 2.5 * 1_048_576 && parsed.notices.isEmpty)
        #expect(try settings("HDD_TEST_SPEED = 0\n").testBytesPerSecond == 0)
        #expect(try settings("HDD_TEST_SPEED = 100000\n").testBytesPerSecond == 100_000 * 1_048_576)
        for bad in ["-1", "100000.5", "1,5", "fast"] {
            do {
                _ = try ChunkserverKeys.schema.parse("HDD_TEST_SPEED = \(bad)\n", file: "cs.cfg")
                Issue.record("HDD_TEST_SPEED = \(bad) was accepted")
            } catch {
                #expect("\(error)".contains("cs.cfg:1") && "\(error)".contains("HDD_TEST_SPEED"), "\(error)")
            }
        }
    }

    @Test func unknownKeysAndBadLabelsNameTheLine() throws {
        #expect(throws: ConfigErrors.self) { try ChunkserverKeys.schema.parse("DATA_PATH = /x\nMASTER_HOTS = a\n", file: "cs.cfg") }
        do {
            _ = try ChunkserverKeys.schema.parse("DATA_PATH = /x\nMASTER_HOTS = a\n", file: "cs.cfg")
        } catch {
            #expect("\(error)".contains("cs.cfg:2") && "\(error)".contains("MASTER_HOST"))
        }
        #expect(throws: ChunkserverStartError.self) { try settings("\nLABELS = A,BC\n") }
        do { _ = try settings("\nLABELS = A,BC\n") } catch { #expect("\(error)".contains("cs.cfg:2")) }
    }
}
