import Foundation
import MFSCore
import MFSPeer
import MFSTestSupport
import MFSWire
import Testing

/// Cases 8 and 11: silence, reconnects, what is logged across them, and stopping.
extension PeerLinkTests {
    @Suite struct ReconnectTests {
        /// Case 8: silence after the start.
        @Test func silentMasterIsLeftAfterSilenceTimeout() throws {
            let master = FakeMaster { c in
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                c.note("started at \(Date().timeIntervalSince1970)")
            }
            let run = LinkRun([master], silence: 1)
            defer { finish(run, master) }
            let warning = try #require(run.warning(containing: "sent nothing for", within: 5), "warnings: \(run.warnings)")
            let noticed = Date().timeIntervalSince1970
            #expect(warning == "master \(master.address) sent nothing for 1 s: reconnecting")
            #expect(eventually(within: 3) { master.connections.count >= 2 })
            let first = try #require(master.connections.first)
            #expect(first.peerClosed)
            let started = try #require(first.notes.first.flatMap { Double($0.dropFirst("started at ".count)) })
            #expect(noticed - started >= 0.9, "left after \(noticed - started) s of silence")
        }

        /// Heartbeats keep a quiet master followed.
        @Test func heartbeatsKeepTheLinkUp() throws {
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                for k in 1...8 {
                    try c.idle(0.3)
                    try c.send(MasterAlive(version: MetaVersion(100 + UInt64(k)), epoch: Fixture.epoch).encode())
                }
                try c.idle(0.1)
                c.note("done")
            }
            // 2.4 s of heartbeats every 0.3 s against 2 s of silence allowed.
            let run = LinkRun([master], silence: 2)
            defer { finish(run, master) }
            #expect(eventually(within: 5) { master.connections.first?.notes == ["done"] })
            #expect(run.warnings == [])
            #expect(master.connections.count == 1)
            #expect(run.link.status.connected)
            #expect(run.link.status.masterVersion == MetaVersion(108))
            #expect(run.link.status.ackedVersion == MetaVersion(100))
        }

        /// A download that takes longer than the silence timeout, its blocks each well within it,
        /// then a quiet master that sends heartbeats as often as the timeout asks: the link
        /// must stay. (The silence clock must start at the connection, not at the last frame
        /// of the stream before it.)
        @Test func slowDownloadThenHeartbeatsKeepsTheLink() throws {
            let metadata = [UInt8](repeating: 0x5A, count: 30)
            let master = FakeMaster { c in
                guard c.index == 0 else { return }
                try c.hello(Fixture.reply())
                _ = try c.expect(PeerRegister.self)
                try c.send(PeerStart.download(version: MetaVersion(50), length: 30).encode())
                for k in 0..<3 {
                    try c.idle(0.9)
                    try c.send(
                        MetadataBlock(offset: UInt64(10 * k), isLast: k == 2, bytes: Array(metadata[(10 * k)..<(10 * k + 10)])).encode())
                }
                for _ in 0..<5 {
                    try c.idle(0.8)
                    try c.send(MasterAlive(version: MetaVersion(50), epoch: Fixture.epoch).encode())
                }
                c.note("done")
            }
            // The download takes 2.7 s, each block within the 2 s of silence allowed.
            let run = LinkRun([master], store: FakeStore(Fixture.empty), silence: 2)
            defer { finish(run, master) }
            _ = eventually(within: 12) { master.connections.first?.notes == ["done"] || master.connections.count > 1 }
            #expect(run.warnings == [])
            #expect(master.connections.count == 1)
            #expect(run.store.installs.count == 1)
            #expect(run.link.status.connected)
        }

        /// The master was unreachable for longer than the silence timeout; then it answers
        /// and, being idle, sends heartbeats only (as often as the timeout asks): the link must
        /// stay with it.
        @Test func idleMasterAfterAnOutageIsKept() throws {
            let port = freePort()
            let run = LinkRun(endpoints: [("127.0.0.1", port)], silence: 1)
            #expect(run.warning(containing: "Connection refused") != nil)
            usleep(1_300_000)
            let master = FakeMaster(port: port) { c in
                c.note("following")
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                for _ in 0..<5 {
                    try c.idle(0.4)
                    try c.send(MasterAlive(version: MetaVersion(100), epoch: Fixture.epoch).encode())
                }
                c.note("done")
            }
            defer { finish(run, master) }
            _ = eventually(within: 6) { master.connections.first?.notes.contains("done") == true || master.connections.count > 1 }
            #expect(master.connections.count == 1, "\(master.connections.count) connections after the outage; warnings: \(run.warnings)")
            #expect(!run.warnings.contains { $0.contains("sent nothing") }, "warnings: \(run.warnings)")
            #expect(run.link.status.connected)
        }

        /// A loopback port that nothing listens on (for now).
        /// Case 11: the same failure at every retry is logged once.
        @Test func sameErrorAtEveryRetryIsLoggedOnce() throws {
            let master = FakeMaster { c in try c.hello(Fixture.reply(role: .follower)) }
            let run = LinkRun([master])
            defer { finish(run, master) }
            #expect(eventually(within: 5) { master.connections.count >= 5 })
            let notActive = run.warnings.filter { $0.contains("not active") }
            #expect(notActive.count == 1)
            #expect(run.warnings.count == 1)
            #expect(run.lastError == notActive.first)
        }

        @Test func silenceAtEveryRetryIsLoggedOnce() throws {
            let master = FakeMaster { c in try c.handshake(start: .stream(resumeAfter: MetaVersion(100))) }
            let run = LinkRun([master], silence: 1)
            defer { finish(run, master) }
            #expect(eventually(within: 8) { master.connections.count >= 4 })
            #expect(run.warnings.filter { $0.contains("sent nothing for") }.count == 1, "warnings: \(run.warnings)")
        }

        /// Two masters that fail each its own way, retried in turn: each failure is still the
        /// same at every retry, and is logged once, not at every round.
        @Test func alternatingErrorsAreEachLoggedOnce() throws {
            let follower = FakeMaster { c in try c.hello(Fixture.reply(role: .follower)) }
            let stranger = FakeMaster { c in try c.hello(Fixture.reply(metaID: Fixture.otherCluster)) }
            let run = LinkRun([follower, stranger])
            defer { finish(run, follower, stranger) }
            #expect(eventually(within: 6) { follower.connections.count >= 4 && stranger.connections.count >= 4 })
            #expect(run.warnings.filter { $0.contains("not active") }.count == 1, "warnings: \(run.warnings)")
            #expect(run.warnings.filter { $0.contains("another cluster") }.count == 1, "warnings: \(run.warnings)")
        }

        /// A failure that comes back after the link followed the master again is news: it is
        /// logged again.
        @Test func sameErrorAfterARecoveryIsLoggedAgain() throws {
            let master = FakeMaster { c in
                guard c.index <= 1 else { return }
                try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                if c.index == 1 {
                    try c.send(Fixture.batch(101...101))
                    try c.waitForAck(101)
                    c.note("followed")
                }
            }
            let run = LinkRun([master], silence: 1)
            defer { finish(run, master) }
            #expect(eventually(within: 8) { master.connections.count >= 3 })
            #expect(master.connections.dropFirst().first?.notes == ["followed"])
            let silences = run.warnings.filter { $0.contains("sent nothing for") }
            #expect(silences.count == 2, "warnings: \(run.warnings)")
        }

        /// `stop` ends `run` soon, even while the link waits for a master that says nothing.
        @Test func stopWhileWaitingForTheHelloReplyIsPrompt() throws {
            let master = FakeMaster { c in _ = try c.expect(Hello.self) }
            let run = LinkRun([master], silence: 3)
            defer { finish(run, master) }
            #expect(eventually(within: 3) { master.connections.first?.received.count == 1 })
            let took = run.stop(waiting: 10)
            // Well before the 3 s of silence the link would otherwise wait for.
            #expect(took < 2, "run returned \(took) s after stop")
        }

        @Test func stopWhileStreamingIsPrompt() throws {
            let master = FakeMaster { c in try c.handshake(start: .stream(resumeAfter: MetaVersion(100))) }
            let run = LinkRun([master], silence: 3)
            defer { finish(run, master) }
            #expect(eventually(within: 3) { run.link.status.connected })
            let took = run.stop(waiting: 10)
            // Well before the 3 s of silence the link would otherwise wait for.
            #expect(took < 2, "run returned \(took) s after stop")
        }

        /// Once stopped, the link is no longer connected to anything.
        @Test func stoppedLinkIsNotConnected() throws {
            let master = FakeMaster { c in try c.handshake(start: .stream(resumeAfter: MetaVersion(100))) }
            let run = LinkRun([master], silence: 3)
            defer { finish(run, master) }
            #expect(eventually(within: 3) { run.link.status.connected })
            run.stop()
            #expect(run.isFinished)
            #expect(!run.link.status.connected)
        }

        /// A voter that granted a candidate nudges its link there (`PeerLink.nudge`): the
        /// candidate is not active yet, and the link tries it again every 20 ms rather than the
        /// next address with backoff, so it follows the candidate as soon as it leads. Without
        /// the pin it went on to the other master and came back after its backoff (0.1, 0.2,
        /// 0.4 s...): a metalogger then heard the winner too late, and promised the next epoch
        /// to a second candidate (GrantHoldTests).
        @Test func aNudgedLinkKeepsTryingTheCandidateUntilItLeads() throws {
            let activeAt = Date().addingTimeInterval(1.5)
            let candidate = FakeMaster { c in
                guard Date() >= activeAt else {
                    _ = try c.hello(Fixture.reply(role: .follower))
                    return
                }
                _ = try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
            }
            let other = FakeMaster { c in _ = try c.hello(Fixture.reply(role: .follower)) }
            let run = LinkRun([candidate, other], maxBackoff: 5, start: false)
            defer { finish(run, candidate, other) }
            run.link.nudge(toward: candidate.address)
            run.start()
            #expect(eventually(within: 5) { run.link.status.connected })
            let followed = Date().timeIntervalSince(activeAt)
            #expect(run.link.status.master == candidate.address)
            #expect(other.connections.isEmpty, "the link left the candidate while the pin lasted")
            #expect(candidate.connections.count > 3, "tried \(candidate.connections.count) times")
            // Backoff would have waited 0.8 s and more by then; a busy host may add some.
            #expect(followed < 0.7, "followed \(followed) s after the candidate led")
        }

        /// A nudge toward another master ends the connection to the one followed (silent here,
        /// as a dead host is) at once, not after the silence timeout: the voter now refuses its
        /// changes, and the candidate waits for this member to hold its EPOCH.
        @Test func aNudgeLeavesTheMasterFollowedAtOnce() throws {
            let silent = FakeMaster { c in
                _ = try c.handshake(start: .stream(resumeAfter: MetaVersion(100)))
                c.holdUntilClosed()
            }
            let candidate = FakeMaster { c in _ = try c.handshake(start: .stream(resumeAfter: MetaVersion(100))) }
            let run = LinkRun([silent, candidate], silence: 20)
            defer { finish(run, silent, candidate) }
            #expect(eventually(within: 5) { run.link.status.connected && run.link.status.master == silent.address })
            let nudged = Date()
            run.link.nudge(toward: candidate.address)
            #expect(eventually(within: 10) { run.link.status.connected && run.link.status.master == candidate.address })
            let took = Date().timeIntervalSince(nudged)
            #expect(took < 10, "followed the candidate \(took) s after the nudge (the silence timeout is 20 s)")
            #expect(silent.connections.first?.peerClosed == true, "the silent master's connection was closed by the link")
            #expect(run.messages.contains("leaving master \(silent.address) for \(candidate.address), granted a new epoch here"))
            // A nudge toward the master already followed changes nothing.
            run.link.nudge(toward: candidate.address)
            usleep(200_000)
            #expect(candidate.connections.count == 1 && run.link.status.connected)
        }

        /// Nothing listens: the link says it cannot connect, once, and keeps trying.
        @Test func unreachableMasterIsRetried() throws {
            let port = freePort()
            let run = LinkRun(endpoints: [("127.0.0.1", port)])
            defer { run.stop() }
            let warning = run.warning(containing: "cannot connect")
            #expect(warning == "cannot connect to 127.0.0.1:\(port): Connection refused")
            usleep(600_000)
            #expect(run.warnings.count == 1)
            #expect(run.lastError == warning)
            #expect(!run.link.status.connected)
            // And it keeps trying: a master that appears on the port is reached.
            let master = FakeMaster(port: port) { c in c.note("reached") }
            defer { master.stop() }
            #expect(eventually(within: 8) { !master.connections.isEmpty }, "the link gave up after: \(run.warnings)")
        }
    }
}
