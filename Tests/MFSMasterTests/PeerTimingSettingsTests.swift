import Foundation
import MFSConfig
import MFSCore
import MFSTestSupport
import MFSWire
import Testing

@testable import MFSMaster

/// `PEER_HEARTBEAT` and `PEER_SILENCE_TIMEOUT` (DESIGN §7.2: every member notices a silent
/// active master faster than the announcer's Master_Down_Interval, the heartbeat a setting).
@Suite struct PeerTimingSettingsTests {
    static func parse(_ text: String) throws -> Configuration { try MasterKeys.schema.parse(text, file: "m.cfg") }

    @Test func defaultsAreAHeartbeatEvery100MsAndSilenceAfter300Ms() {
        let settings = MasterSettings(MasterKeys.schema.defaults, file: nil)
        #expect(settings.peerHeartbeatMilliseconds == 100 && settings.peerSilenceMilliseconds == 300)
    }

    @Test func theRangesAreCheckedAtAndPastTheirBounds() throws {
        #expect(MasterSettings(try Self.parse("PEER_HEARTBEAT = 10ms\n"), file: nil).peerHeartbeatMilliseconds == 10)
        #expect(throws: (any Error).self) { try Self.parse("PEER_HEARTBEAT = 9ms\n") }
        #expect(
            MasterSettings(try Self.parse("PEER_HEARTBEAT = 10s\nPEER_SILENCE_TIMEOUT = 20s\n"), file: nil).peerHeartbeatMilliseconds
                == 10_000)
        #expect(throws: (any Error).self) { try Self.parse("PEER_HEARTBEAT = 10001ms\n") }
        #expect(
            MasterSettings(try Self.parse("PEER_SILENCE_TIMEOUT = 30ms\nPEER_HEARTBEAT = 10ms\n"), file: nil).peerSilenceMilliseconds == 30)
        #expect(throws: (any Error).self) { try Self.parse("PEER_SILENCE_TIMEOUT = 29ms\n") }
        #expect(throws: (any Error).self) { try Self.parse("PEER_SILENCE_TIMEOUT = 61s\n") }
    }

    /// A silence shorter than two heartbeats would take a live master for dead: refused at
    /// start, naming the file, the line and both values.
    @Test func aSilenceBelowTwoHeartbeatsIsRefused() throws {
        #expect {
            try MasterSettings.check(try Self.parse("PEER_HEARTBEAT = 100ms\nPEER_SILENCE_TIMEOUT = 199ms\n"))
        } throws: {
            "\($0)".hasPrefix("m.cfg:2: PEER_SILENCE_TIMEOUT (199 ms) must be at least twice PEER_HEARTBEAT (100 ms)")
        }
        try MasterSettings.check(try Self.parse("PEER_HEARTBEAT = 100ms\nPEER_SILENCE_TIMEOUT = 200ms\n"))
        let master = try MasterProcess(settings: ["PEER_HEARTBEAT": "200ms"])
        let (code, _, err) = try runBinary("mfsmaster", ["-c", master.configPath])
        #expect(code == 1 && err.contains("PEER_SILENCE_TIMEOUT (300 ms) must be at least twice PEER_HEARTBEAT (200 ms)"), "\(err)")
    }

    /// The heartbeat reaches the wire: an idle peer hears `MasterAlive` at the configured pace.
    @Test func anIdlePeerHearsTheMasterAtTheConfiguredHeartbeat() throws {
        func heartbeats(_ settings: [String: String]) throws -> Int {
            let master = try MasterProcess(settings: settings)
            try master.start()
            let (peer, _) = try PeerPortBadInputTests.hello(master)
            guard case .stream = try PeerPortBadInputTests.start(peer, lastVersion: MetaVersion(try master.status().version)) else {
                Issue.record("no stream")
                return 0
            }
            peer.setTimeout(0.05)
            var count = 0
            let end = Date().addingTimeInterval(1)
            while Date() < end {
                for frame in try peer.framesNow() where (try? MasterAlive.decode(frame)) != nil { count += 1 }
                usleep(10_000)
            }
            return count
        }
        // 1 s idle: about 100 heartbeats at 10 ms, about 3 at 300 ms (far apart, so a loaded
        // machine cannot blur the two).
        let fast = try heartbeats(["PEER_HEARTBEAT": "10ms", "PEER_SILENCE_TIMEOUT": "100ms"])
        let slow = try heartbeats(["PEER_HEARTBEAT": "300ms", "PEER_SILENCE_TIMEOUT": "1s"])
        #expect(fast >= 25 && slow <= 5, "heartbeats in 1 s: \(fast) at 10 ms, \(slow) at 300 ms")
    }
}
