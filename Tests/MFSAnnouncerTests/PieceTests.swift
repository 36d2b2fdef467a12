import Testing
import VRRPCore

@testable import MFSAnnouncer

@Suite struct PieceTests {
    @Test func healthTrackerTheFirstAnswerDecides() {
        var tracker = HealthTracker(fall: 3, rise: 3)
        #expect(tracker.healthy == nil)
        #expect(tracker.observe(healthy: false) == false)
        #expect(tracker.observe(healthy: true) == nil)
        #expect(tracker.observe(healthy: true) == nil)
        #expect(tracker.observe(healthy: true) == true)
    }

    @Test func healthTrackerAnInterruptedStreakStartsOver() {
        var tracker = HealthTracker(fall: 2, rise: 1)
        _ = tracker.observe(healthy: true)
        #expect(tracker.observe(healthy: false) == nil)
        #expect(tracker.observe(healthy: true) == nil)
        #expect(tracker.observe(healthy: false) == nil)
        #expect(tracker.observe(healthy: false) == false)
    }

    @Test func logLinesHaveTheDaemonsFormat() {
        // Outside systemd: the time as the master's lines have it, the level word, the name.
        #expect(
            StandardErrorLog.line(.notice, "promoted: hook ran", time: "2026-12-06T14:01:28.444+0000")
                == "2026-12-06T14:01:28.444+0000 notice mfsannouncer: promoted: hook ran\n")
        // Under journald: the syslog priority, no time (journald stamps it).
        #expect(StandardErrorLog.line(.warning, "fault", time: nil) == "<4>mfsannouncer: fault\n")
        #expect(StandardErrorLog.line(.debug, "x", time: nil) == "<7>mfsannouncer: x\n")
    }

    @Test func rateLimiterOneLinePerKeyPerInterval() {
        var limiter = LogRateLimiter(interval: .seconds(10))
        #expect(limiter.admit("a", now: t(0)) == 0)
        #expect(limiter.admit("a", now: t(1)) == nil)
        #expect(limiter.admit("b", now: t(1)) == 0)
        #expect(limiter.admit("a", now: t(2)) == nil)
        #expect(limiter.admit("a", now: t(10)) == 2)
    }

    @Test func rateLimiterKeepsAtMostItsKeyLimit() {
        var limiter = LogRateLimiter(interval: .seconds(10), maximumKeys: 2)
        _ = limiter.admit("a", now: t(0))
        _ = limiter.admit("b", now: t(1))
        _ = limiter.admit("c", now: t(2))
        #expect(limiter.admit("a", now: t(3)) == 0)  // forgotten, so logged again
    }

    func answer(_ text: String) -> MasterStatusAnswer.Verdict { MasterStatusAnswer.evaluate(Array(text.utf8)) }

    @Test func statusAnswerHealthyTrue() {
        #expect(answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"role\":\"active\",\"healthy\":true}").healthy)
    }

    @Test func statusAnswerHealthyFalseOrMissingOrNon200IsUnhealthy() {
        #expect(answer("HTTP/1.0 200 OK\r\n\r\n{\"healthy\":false}") == .init(healthy: false, "healthy: false"))
        #expect(answer("HTTP/1.0 200 OK\r\n\r\n{\"peers\":[{\"healthy\":true}]}").healthy == false)
        #expect(answer("HTTP/1.0 503 Service Unavailable\r\n\r\n{\"healthy\":true}") == .init(healthy: false, "HTTP 503"))
        #expect(answer("HTTP/1.0 200 OK\r\n\r\nnot json").healthy == false)
        #expect(answer("HTTP/1.0 200 OK\r\n").healthy == false)
        #expect(answer("SSH-2.0-OpenSSH\r\n\r\n").healthy == false)
    }

    /// While this host holds the virtual IPs its master must be the active one: a follower or
    /// a fenced master (demoted, or stale after a partition healed) makes the host resign.
    @Test func statusAnswerOfANonActiveMasterIsUnhealthyOnlyWhileHoldingTheVirtualIPs() {
        for role in ["follower", "fenced"] {
            let text = Array("HTTP/1.0 200 OK\r\n\r\n{\"role\":\"\(role)\",\"healthy\":true}".utf8)
            #expect(MasterStatusAnswer.evaluate(text).healthy, "a backup stands for master with a \(role)")
            let held = MasterStatusAnswer.evaluate(text, holdingVirtualIPs: true)
            #expect(!held.healthy && held.detail.contains("role \(role)"), "\(held)")
        }
        let active = Array("HTTP/1.0 200 OK\r\n\r\n{\"role\":\"active\",\"healthy\":true}".utf8)
        #expect(MasterStatusAnswer.evaluate(active, holdingVirtualIPs: true) == .init(healthy: true, "healthy: true"))
        let starting = Array("HTTP/1.0 200 OK\r\n\r\n{\"role\":\"starting\",\"healthy\":true}".utf8)
        #expect(MasterStatusAnswer.evaluate(starting, holdingVirtualIPs: true).healthy)
    }

    /// `replication.isolated` (an active master that hears too few peers to acknowledge a
    /// change) is read only from a healthy answer, and only while this host holds the virtual
    /// IPs; absent or false, or from a master before the field, it is not isolated.
    @Test func statusAnswerSaysWhetherTheMasterIsIsolated() {
        func held(_ text: String) -> MasterStatusAnswer.Verdict {
            MasterStatusAnswer.evaluate(Array(("HTTP/1.0 200 OK\r\n\r\n" + text).utf8), holdingVirtualIPs: true)
        }
        let body = #"{"role":"active","healthy":true,"replication":{"syncReplicas":1,"peersHeard":0,"isolated":true}}"#
        let isolated = held(body)
        #expect(isolated.healthy && isolated.isolated && isolated.detail.contains("isolated"), "\(isolated)")
        #expect(answer("HTTP/1.0 200 OK\r\n\r\n" + body) == .init(healthy: true, "healthy: true"), "a backup is never lowered")
        for body in [
            #"{"role":"active","healthy":true,"replication":{"syncReplicas":1,"peersHeard":1,"isolated":false}}"#,
            #"{"role":"active","healthy":true,"replication":{"syncReplicas":1}}"#,
            #"{"role":"active","healthy":true}"#,
        ] {
            #expect(held(body) == .init(healthy: true, "healthy: true"), "\(body)")
        }
        let sick = held(#"{"role":"active","healthy":false,"replication":{"isolated":true}}"#)
        #expect(!sick.healthy && !sick.isolated)
        // A wrong type is not taken for a verdict: the answer is unreadable, so unhealthy.
        #expect(!held(#"{"role":"active","healthy":true,"replication":{"isolated":"yes"}}"#).healthy)
    }

    /// The carrier read at start (`LinkMonitor`): loopback is up and running here; an
    /// interface that does not exist is not listed.
    @Test func theSystemDirectoryReadsWhetherAnInterfaceIsRunning() {
        let interfaces = SystemInterfaceDirectory()
        #expect(interfaces.isRunning("lo") == true)
        #expect(interfaces.isRunning("mfs-no-such0") == nil)
    }

    @Test func trackMasterURLs() {
        #expect(TrackMasterSettings.parseURL("http://127.0.0.1:9428/status")?.port == 9428)
        #expect(TrackMasterSettings.parseURL("http://localhost/status")?.host == IPv4Address(127, 0, 0, 1))
        #expect(TrackMasterSettings.parseURL("http://127.0.0.1:9428")?.path == "/")
        #expect(TrackMasterSettings.parseURL("http://127.0.0.1:0/") == nil)
        #expect(TrackMasterSettings.parseURL("http://[::1]:9428/") == nil)
    }

    @Test func virtualIPParsing() throws {
        #expect(
            try VirtualIPAddress.parse("169.254.100.1/24").get()
                == VirtualIPAddress(address: IPv4Address(169, 254, 100, 1), prefixLength: 24))
        #expect(throws: VirtualIPParseError.notIPv4("fe80::1/64")) { try VirtualIPAddress.parse("fe80::1/64").get() }
        #expect(throws: VirtualIPParseError.missingPrefix("169.254.100.1")) { try VirtualIPAddress.parse("169.254.100.1").get() }
        #expect(throws: VirtualIPParseError.badPrefix("169.254.100.1/0")) { try VirtualIPAddress.parse("169.254.100.1/0").get() }
    }

    @Test func statusRendersStateTransitionsAndCounters() throws {
        let shell = try AnnouncerShell(settings: Fixture.settings(), io: RecordingIO(), log: RecordingLog(), wallClock: { 1000 })
        shell.start(now: t(0))
        let text = AnnouncerStatusFile.render(shell.status, running: true, now: 1005)
        #expect(text.contains("state: backup for 5 s"))
        #expect(text.contains("initialize → backup: started (RFC 5798 §6.4.1)"))
        #expect(text.contains("VRID 51 on eth0 from 169.254.0.10"))
    }
}
