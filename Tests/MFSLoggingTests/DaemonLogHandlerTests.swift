import Logging
import Testing

@testable import MFSLogging

/// The daemons' log lines: a millisecond time outside systemd, a syslog priority under it.
@Suite struct DaemonLogHandlerTests {
    @Test func aLineOutsideSystemdHasTheTimeLevelLabelMetadataSourceAndMessage() {
        let line = DaemonLogHandler.line(
            level: .notice, label: "mfsmaster", metadata: ["peer": "169.254.0.11:40810", "epoch": "2"], source: "MFSMaster",
            message: "fenced", time: "2026-12-06T13:30:54.123+0000")
        #expect(line == "2026-12-06T13:30:54.123+0000 notice mfsmaster: epoch=2 peer=169.254.0.11:40810 [MFSMaster] fenced\n")
    }

    @Test func aLineUnderJournaldStartsWithItsSyslogPriorityAndHasNoTime() {
        let levels: [(Logger.Level, Int)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in levels {
            let line = DaemonLogHandler.line(
                level: level, label: "mfschunkserver", metadata: [:], source: "MFSChunkserver", message: "registered", time: nil)
            #expect(line == "<\(priority)>mfschunkserver: [MFSChunkserver] registered\n")
        }
    }

    @Test func theWallClockHasMilliseconds() throws {
        let time = DaemonLogHandler.wallClock()
        // 2026-12-06T13:30:54.123+0000: the date, the time, three digits of milliseconds, the zone.
        let pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/
        #expect(try pattern.wholeMatch(in: time) != nil, "\(time)")
    }

    @Test func theHandlersMetadataAndTheEventsAreMergedTheEventsWinning() {
        var handler = DaemonLogHandler(label: "mfsmetalogger", journald: true)
        handler[metadataKey: "member"] = "7fdb"
        handler[metadataKey: "peer"] = "a"
        #expect(handler[metadataKey: "member"] == "7fdb")
        let merged = handler.merged(["peer": "b", "role": "follower"])
        #expect(merged == ["member": "7fdb", "peer": "b", "role": "follower"])
    }
}
