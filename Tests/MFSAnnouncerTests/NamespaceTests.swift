import Foundation
import MFSTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Real `mfsannouncer` binaries on a LAN of network namespaces (DESIGN §9): A (priority 200)
/// and B (100) share VRID 51 and the VIP 169.254.100.1 at a 100 ms advertisement interval; C
/// probes the VIP with TCP connects. Serialized: they are timing tests on a 2-core machine.
/// The keepalived interop tests extend this suite (KeepalivedInteropTests.swift).
@Suite(.serialized, .enabled(if: Lab.available, Lab.skipReason))
struct NamespaceTests {
    /// B's Master_Down_Interval at 100 ms and priority 100: 3 × 100 + (256 − 100) × 100 / 256 ms.
    static let masterDownIntervalB = 0.3 + 0.1 * 156 / 256
    /// B's Skew_Time: how long after A's priority-0 advertisement B takes over.
    static let skewTimeB = 0.1 * 156 / 256

    /// A lab with A, B and C, listeners on A and B, and the probe on C.
    func withLab(_ body: (Lab) throws -> Void) throws {
        let lab = try Lab(hosts: ["A", "B", "C"])
        defer { lab.teardown() }
        try lab.startListener("A")
        try lab.startListener("B")
        try lab.startProbe("C")
        lab.mark("lab ready")
        do {
            try body(lab)
        } catch {
            Issue.record("\(error)\nA's log:\n\(lab.read("A.log"))\nB's log:\n\(lab.read("B.log"))")
        }
    }

    func expectHolder(_ lab: Lab, _ name: String, within seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let others = lab.hosts.keys.filter { $0 != name && $0 != "C" }
        let ok = waitUntil(seconds) { lab.holdsVIP(name) && others.allSatisfy { !lab.holdsVIP($0) } }
        #expect(
            ok, "\(name) should hold the VIP alone\nA's log:\n\(lab.read("A.log"))\nB's log:\n\(lab.read("B.log"))",
            sourceLocation: sourceLocation)
    }

    @Test func killedMasterFailsOverWithinMasterDownIntervalAndPreemptsWhenBack() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200)
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 3)
            #expect(waitUntil(2) { lab.currentAnswer() == "A" }, "C reaches A")
            #expect(lab.state("A") == "master")
            #expect(lab.state("B") == "backup")
            let status = Lab.shell("ip netns exec \(lab.host("A").namespace) \(Lab.announcerBinary) --status -c \(lab.path("A.cfg"))")
            #expect(status.status == 0)
            #expect(status.output.contains("state: master"), "\(status.output)")

            lab.mark("A holds the VIP")
            let killed = monotonicNanoseconds()
            lab.killHost("A")
            lab.mark("A killed")
            #expect(waitUntil(3) { lab.firstAnswer(from: "B", since: killed) != nil }, "C reaches B after A died")
            let answered = try #require(lab.firstAnswer(from: "B", since: killed))
            let seconds = Double(answered - killed) / 1e9
            // The issue's bound: Master_Down_Interval + 200 ms from the kill to a TCP answer.
            #expect(seconds <= Self.masterDownIntervalB + 0.2, "took \(seconds) s")
            print("failover: kill of A → TCP answer from B via the VIP in \(Int(seconds * 1000)) ms")
            #expect(lab.holdsVIP("B"))

            // A comes back with the higher priority and PREEMPT = 1: it takes the VIP back.
            lab.mark("B answered")
            lab.setLink("A", up: true)
            try lab.startListener("A")
            let restarted = monotonicNanoseconds()
            try lab.startAnnouncer("A", priority: 200)
            expectHolder(lab, "A", within: 3)
            #expect(waitUntil(2) { lab.firstAnswer(from: "A", since: restarted) != nil }, "C reaches A again")
        }
    }

    @Test func withoutPreemptTheReturningHostStaysBackupAndRemovesItsLeftoverVIP() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200, extra: ["PREEMPT": "0"])
            try lab.startAnnouncer("B", priority: 100, extra: ["PREEMPT": "0"])
            expectHolder(lab, "A", within: 3)
            lab.killHost("A")
            #expect(waitUntil(3) { lab.holdsVIP("B") })
            #expect(lab.holdsVIP("A"), "the killed announcer left its VIP on A's interface")
            lab.setLink("A", up: true)
            try lab.startListener("A")
            try lab.startAnnouncer("A", priority: 200, extra: ["PREEMPT": "0"])
            // The predecessor's VIP is gone as soon as the new announcer started.
            #expect(waitUntil(5) { !lab.holdsVIP("A") && lab.state("A") == "backup" }, "leftover VIP removed at start")
            usleep(1_500_000)  // several Master_Down_Intervals
            #expect(!lab.holdsVIP("A"))
            #expect(lab.holdsVIP("B"))
            #expect(lab.state("A") == "backup")
            #expect(waitUntil(2) { lab.currentAnswer() == "B" }, "C reaches B")
        }
    }

    @Test func aHealedSplitLetsTheProbeReachTheWinnerWithinOneSecond() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200)
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 3)
            lab.setLink("A", up: false)  // cut A's cable: B hears nothing and takes over too
            #expect(waitUntil(2) { lab.currentAnswer() == "B" }, "C reaches B while A is cut off")
            #expect(lab.holdsVIP("A") && lab.holdsVIP("B"), "split brain: both hold the VIP")
            let healed = monotonicNanoseconds()
            lab.setLink("A", up: true)
            #expect(waitUntil(3) { lab.firstAnswer(from: "A", since: healed) != nil }, "C reaches A after the heal")
            let answered = try #require(lab.firstAnswer(from: "A", since: healed))
            let seconds = Double(answered - healed) / 1e9
            #expect(seconds <= 1.0, "took \(seconds) s")
            print("healed split: link up → TCP answer from the winner A in \(Int(seconds * 1000)) ms")
            expectHolder(lab, "A", within: 1)
        }
    }

    /// With `PREEMPT = 0` the cut-off host comes back as a backup (VRRPInstance, "Carrier"):
    /// the VIP stays with B, which served it during the cut, and C is never sent to A.
    @Test func withoutPreemptAHealedSplitLeavesTheAddressWithTheHostThatServedMeanwhile() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200, extra: ["PREEMPT": "0"])
            try lab.startAnnouncer("B", priority: 100, extra: ["PREEMPT": "0"])
            expectHolder(lab, "A", within: 3)
            lab.setLink("A", up: false)
            #expect(waitUntil(2) { lab.currentAnswer() == "B" }, "C reaches B while A is cut off")
            // The kernel reports a lost carrier through linkwatch, up to a second late, and a
            // cut it healed before reporting it is never reported: wait until A saw it.
            #expect(waitUntil(3) { lab.read("A.log").contains("down (no carrier)") }, "A never saw its carrier go")
            #expect(lab.holdsVIP("A") && lab.state("A") == "master", "A, cut off, keeps the role meanwhile")
            let healed = monotonicNanoseconds()
            lab.setLink("A", up: true)
            #expect(waitUntil(3) { lab.state("A") == "backup" && !lab.holdsVIP("A") }, "A resigns once its carrier is back")
            usleep(1_500_000)  // several Master_Down_Intervals: A stays backup, B keeps the address
            #expect(lab.holdsVIP("B") && !lab.holdsVIP("A") && lab.state("A") == "backup")
            let answers = lab.probeAnswers(since: healed).map(\.answer)
            #expect(!answers.contains("A"), "C was sent to A after the heal: \(answers)")
            #expect(waitUntil(2) { lab.currentAnswer() == "B" }, "C reaches B")
            #expect(lab.read("A.log").contains("the carrier was gone for"), "\(lab.read("A.log"))")
        }
    }

    /// A lone master (PREEMPT = 0) whose cable was out for longer than Master_Down_Interval
    /// resigns when it is back, hears nobody, and takes the address again (ANNOUNCER.md, the
    /// carrier rule's price): it must not stay backup with the address on no host.
    @Test func aLoneMasterBackFromALongCutTakesTheAddressAgain() throws {
        try withLab { lab in
            try lab.startAnnouncer("A", priority: 200, extra: ["PREEMPT": "0"])
            expectHolder(lab, "A", within: 3)
            lab.setLink("A", up: false)
            usleep(800_000)  // more than Master_Down_Interval (322 ms)
            lab.setLink("A", up: true)
            #expect(waitUntil(2) { lab.read("A.log").contains("the carrier was gone for") }, "\(lab.read("A.log"))")
            expectHolder(lab, "A", within: 3)
            #expect(lab.state("A") == "master")
            #expect(waitUntil(2) { lab.currentAnswer() == "A" }, "C reaches A again")
        }
    }

    /// An announcer started on a link without carrier stays backup (it would promote a master
    /// nobody can reach), and takes over once the carrier is back and it heard no one for
    /// Master_Down_Interval.
    @Test func anAnnouncerStartedWithoutCarrierWaitsForItBeforeTakingOver() throws {
        try withLab { lab in
            lab.setLink("A", up: false)
            try lab.startAnnouncer("A", priority: 200)
            #expect(waitUntil(2) { lab.state("A") == "backup" })
            usleep(1_000_000)  // about three Master_Down_Intervals
            #expect(lab.state("A") == "backup" && !lab.holdsVIP("A"), "took over without carrier\n\(lab.read("A.log"))")
            #expect(lab.read("A.log").contains("eth0 is down (no carrier)"), "\(lab.read("A.log"))")
            lab.setLink("A", up: true)
            expectHolder(lab, "A", within: 3)
        }
    }

    /// Hook scripts log the time and whether the VIP is on the interface.
    func hook(_ lab: Lab, _ name: String, _ event: String, exit code: Int = 0) -> String {
        "echo \"$(date +%s.%N) \(event) $MFS_ANNOUNCER_EVENT $(ip -4 -o addr show dev eth0 | grep -c ' \(Lab.vip)/')\" >> \(lab.path("\(name)-hooks.log")); exit \(code)"
    }

    @Test func hooksRunInOrderAndSIGTERMHandsOverAfterSkewTime() throws {
        try withLab { lab in
            let a = try lab.startAnnouncer(
                "A", priority: 200,
                extra: ["PROMOTE_HOOK": hook(lab, "A", "promote"), "DEMOTE_HOOK": hook(lab, "A", "demote"), "HOOK_TIMEOUT": "2"])
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "A", within: 3)
            let terminated = monotonicNanoseconds()
            kill(a.processIdentifier, SIGTERM)
            a.waitUntilExit()
            #expect(a.terminationStatus == 0, "exit 0 after SIGTERM")
            #expect(!lab.holdsVIP("A"), "VIP removed at SIGTERM")
            #expect(waitUntil(2) { lab.holdsVIP("B") })
            let tookOver = Double(monotonicNanoseconds() - terminated) / 1e9
            // Skew_Time (61 ms) after the priority-0 advertisement, well before Master_Down_Interval.
            #expect(tookOver < Self.masterDownIntervalB, "B took \(tookOver) s")
            let lines = lab.read("A-hooks.log").split(whereSeparator: \.isNewline).map { $0.split(separator: " ") }
            #expect(lines.map { String($0[1]) } == ["promote", "demote"], "\(lines)")
            // Promote hook ran before the VIP was added, demote hook after it was removed.
            #expect(lines.map { String($0[3]) } == ["0", "0"], "\(lines)")
            #expect(lines.map { String($0[2]) } == ["promote", "demote"], "environment MFS_ANNOUNCER_EVENT")
        }
    }

    @Test func aFailingPromoteHookResignsAndTheOtherHostTakesOver() throws {
        try withLab { lab in
            try lab.startAnnouncer(
                "A", priority: 200, extra: ["PROMOTE_HOOK": hook(lab, "A", "promote", exit: 1), "PREEMPT": "0"])
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "B", within: 3)
            #expect(waitUntil(2) { lab.currentAnswer() == "B" })
            #expect(lab.read("A.log").contains("promote hook failed, resigned: exited with status 1"))
            #expect(!lab.read("A-hooks.log").isEmpty, "the promote hook ran")
            usleep(500_000)
            #expect(!lab.holdsVIP("A"), "a failed promotion never adds the VIP")
            #expect(lab.state("A") == "backup")
        }
    }

    @Test func aHookThatHangsIsKilledAfterHookTimeout() throws {
        try withLab { lab in
            try lab.startAnnouncer(
                "A", priority: 200, extra: ["PROMOTE_HOOK": "sleep 30 & sleep 30", "HOOK_TIMEOUT": "0.5", "PREEMPT": "0"])
            try lab.startAnnouncer("B", priority: 100)
            expectHolder(lab, "B", within: 4)
            #expect(lab.read("A.log").contains("timed out after 0.5 seconds, process group killed"))
            // The whole group died: no `sleep 30` is left in A's namespace.
            let pids = Lab.shell("ip netns pids \(lab.host("A").namespace)").output.split(whereSeparator: \.isNewline)
            let sleepers = pids.filter { (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8))?.hasPrefix("sleep") == true }
            #expect(sleepers.isEmpty)
        }
    }

    @Test func unicastPeersWorkWithoutMulticast() throws {
        try withLab { lab in
            let a = lab.host("A").address
            let b = lab.host("B").address
            try lab.startAnnouncer("A", priority: 200, extra: ["UNICAST_PEERS": b])
            try lab.startAnnouncer("B", priority: 100, extra: ["UNICAST_PEERS": a])
            expectHolder(lab, "A", within: 3)
            #expect(stays(lab, holder: "A", backup: "B", for: 0.5), "B hears A's unicast advertisements")
            lab.killHost("A")
            #expect(waitUntil(2) { lab.holdsVIP("B") })
            #expect(waitUntil(2) { lab.currentAnswer() == "B" })
        }
    }
}
