import MFSAnnouncer
import Testing
import VRRPCore

/// The shell's duties (`VRRPDirective`) with in-memory I/O and a manual clock.
@Suite struct ShellTests {
    let io = RecordingIO()
    let log = RecordingLog()

    func shell(_ overrides: [String: String] = [:]) throws -> AnnouncerShell {
        try AnnouncerShell(settings: Fixture.settings(overrides), io: io, log: log, wallClock: { 0 })
    }

    /// Runs the shell's timers up to `time`, as the loop does.
    func run(_ shell: AnnouncerShell, until time: VRRPInstant) {
        while let deadline = shell.nextDeadline, deadline <= time { shell.fireDue(now: deadline) }
    }

    @Test func startRemovesALeftoverVIPBeforeAnythingElse() throws {
        let shell = try shell()
        shell.start(now: t(0))
        #expect(io.take() == [.remove("169.254.100.1/32")])
        #expect(shell.instance.state == .backup)
        #expect(log.contains("initialize → backup"))
    }

    @Test func withoutHooksTheVIPIsAddedThenAnnounced() throws {
        let shell = try shell()
        shell.start(now: t(0))
        _ = io.take()
        run(shell, until: t(0.4))  // Master_Down_Interval at 100 ms, priority 100: 360.9 ms
        #expect(shell.instance.state == .master)
        #expect(io.take() == [.advertise(priority: 100), .add("169.254.100.1/32"), .arp("169.254.100.1")])
        #expect(shell.status.holdsVirtualIPs)
        #expect(shell.status.transitions.last?.reason.contains("Master_Down_Interval") == true)
    }

    @Test func thePromoteHookRunsBeforeTheVIPIsAdded() throws {
        let shell = try shell(["PROMOTE_HOOK": "promote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        #expect(io.take() == [.remove("169.254.100.1/32"), .advertise(priority: 100), .startHook("promote.sh", event: "promote")])
        shell.hookExited(1001, .exited(0), now: t(0.45))
        #expect(io.take() == [.add("169.254.100.1/32"), .arp("169.254.100.1")])
    }

    @Test func theDemoteHookRunsAfterTheVIPIsRemoved() throws {
        let shell = try shell(["DEMOTE_HOOK": "demote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        shell.receiveDatagram(Fixture.datagram(priority: 200), from: Fixture.peer, now: t(0.5))
        #expect(shell.instance.state == .backup)
        // The farewell advertisement (our priority), the VIP removed, then the hook.
        #expect(io.take() == [.advertise(priority: 100), .remove("169.254.100.1/32"), .startHook("demote.sh", event: "demote")])
    }

    @Test func aFailingPromoteHookResignsAndRunsTheDemoteHook() throws {
        let shell = try shell(["PROMOTE_HOOK": "promote.sh", "DEMOTE_HOOK": "demote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        shell.hookExited(1001, .exited(3), now: t(0.5))
        #expect(shell.instance.state == .backup)
        #expect(io.take() == [.advertise(priority: 0), .startHook("demote.sh", event: "demote")])
        #expect(log.contains("promote hook failed, resigned: exited with status 3"))
        #expect(shell.status.counters["hook_failures"] == 1)
    }

    @Test func aHookThatTimesOutIsKilledAsAGroupAndCountsAsFailed() throws {
        let shell = try shell(["PROMOTE_HOOK": "sleep 100", "HOOK_TIMEOUT": "2"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        run(shell, until: t(1.0))  // adverts only
        #expect(!io.take().contains(.kill(1001)))
        run(shell, until: t(2.37))
        #expect(io.take().contains(.kill(1001)))
        #expect(shell.instance.state == .master)  // waits for the exit
        shell.hookExited(1001, .signaled(9), now: t(2.38))
        #expect(shell.instance.state == .backup)
        #expect(log.contains("timed out after 2.0 seconds"))
    }

    @Test func hooksRunOneAtATimeInOrder() throws {
        let shell = try shell(["PROMOTE_HOOK": "promote.sh", "DEMOTE_HOOK": "demote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        // A better master appears while the promote hook still runs: the demote hook waits.
        shell.receiveDatagram(Fixture.datagram(priority: 200), from: Fixture.peer, now: t(0.45))
        #expect(io.take() == [.advertise(priority: 100)], "the farewell advertisement only")
        shell.hookExited(1001, .exited(0), now: t(0.5))
        // The late success is stale: no address is added; the demote hook starts now.
        #expect(io.take() == [.startHook("demote.sh", event: "demote")])
        #expect(!shell.instance.holdsVirtualAddresses)
    }

    @Test func aHookThatCannotStartFailsThePromotion() throws {
        io.failHookStart = true
        let shell = try shell(["PROMOTE_HOOK": "promote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        #expect(shell.instance.state == .backup)
        #expect(log.contains("could not start"))
    }

    @Test func gratuitousARPsAreSpacedAndCounted() throws {
        let shell = try shell(["GARP_COUNT": "3", "GARP_INTERVAL_MS": "50"])
        shell.start(now: t(0))
        run(shell, until: t(0.37))
        #expect(io.take().filter { $0 == .arp("169.254.100.1") }.count == 1)
        run(shell, until: t(0.42))
        #expect(io.take() == [.arp("169.254.100.1")])
        run(shell, until: t(0.47))
        #expect(io.take().filter { $0 == .arp("169.254.100.1") }.count == 1)
        run(shell, until: t(1))
        #expect(!io.take().contains(.arp("169.254.100.1")))
    }

    @Test func removingTheVIPStopsItsGratuitousARPs() throws {
        let shell = try shell(["GARP_COUNT": "5", "GARP_INTERVAL_MS": "100"])
        shell.start(now: t(0))
        run(shell, until: t(0.37))
        shell.receiveDatagram(Fixture.datagram(priority: 200), from: Fixture.peer, now: t(0.38))
        _ = io.take()
        run(shell, until: t(0.7))  // before this backup's own Master_Down_Interval ends
        #expect(!io.take().contains(.arp("169.254.100.1")))
    }

    @Test func aHealedSplitMakesTheWinnerAnnounceAgain() throws {
        let shell = try shell(["PRIORITY": "200"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        shell.receiveDatagram(Fixture.datagram(priority: 100), from: Fixture.peer, now: t(0.45))
        #expect(io.take() == [.advertise(priority: 200), .arp("169.254.100.1")])
    }

    @Test func shutdownResignsRemovesTheVIPThenWaitsForTheDemoteHook() throws {
        let shell = try shell(["DEMOTE_HOOK": "demote.sh"])
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        shell.shutdown(now: t(1))
        #expect(io.take() == [.advertise(priority: 0), .remove("169.254.100.1/32"), .startHook("demote.sh", event: "demote")])
        #expect(!shell.isFinished)
        shell.hookExited(1001, .exited(0), now: t(1.1))
        #expect(shell.isFinished)
        #expect(shell.status.stopping)
    }

    @Test func aBackupShutsDownAtOnce() throws {
        let shell = try shell()
        shell.start(now: t(0))
        shell.shutdown(now: t(0.1))
        #expect(shell.isFinished)
    }

    @Test func rejectedAdvertisementsAreCountedAndLoggedAtALimitedRatePerSource() throws {
        let shell = try shell()
        shell.start(now: t(0))
        for k in 0..<20 {
            shell.receiveDatagram(Fixture.datagram(priority: 100, ttl: 64), from: Fixture.peer, now: t(0.01 * Double(k)))
        }
        shell.receiveDatagram(Fixture.datagram(priority: 100, ttl: 64, ), from: Fixture.vip, now: t(0.3))
        #expect(shell.status.counters["rejected_ttl"] == 21)
        #expect(log.count(containing: "rejected a packet from 169.254.0.20") == 1)
        #expect(log.count(containing: "rejected a packet from 169.254.100.1") == 1)
        shell.receiveDatagram(Fixture.datagram(priority: 100, ttl: 64), from: Fixture.peer, now: t(11))
        #expect(log.contains("(19 more since the last such line)"))
    }

    @Test func anotherVirtualRoutersAdvertisementsAreCountedNotLogged() throws {
        let shell = try shell()
        shell.start(now: t(0))
        shell.receiveDatagram(Fixture.datagram(priority: 100, vrid: 52), from: Fixture.peer, now: t(0.1))
        #expect(shell.status.counters["rejected_vrid"] == 1)
        #expect(!log.contains("rejected"))
    }

    @Test func unicastModeDropsAdvertisementsFromOthersThanThePeers() throws {
        let shell = try shell(["UNICAST_PEERS": "169.254.0.20"])
        shell.start(now: t(0))
        shell.receiveDatagram(
            Fixture.datagram(priority: 200, from: IPv4Address(169, 254, 0, 99)), from: IPv4Address(169, 254, 0, 99), now: t(0.1))
        #expect(shell.status.counters["rejected_not_a_peer"] == 1)
        shell.receiveDatagram(Fixture.datagram(priority: 200), from: Fixture.peer, now: t(0.2))
        #expect(shell.status.counters["rejected_not_a_peer"] == 1)
    }

    @Test func trackMasterKeepsPriorityZeroUntilTheFirstHealthyAnswer() throws {
        let shell = try shell(["TRACK_MASTER": "1", "TRACK_MASTER_FALL": "2", "TRACK_MASTER_RISE": "2"])
        shell.start(now: t(0))
        run(shell, until: t(2))
        #expect(shell.instance.state == .backup)
        #expect(shell.instance.priority == 0)
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(2))
        #expect(shell.instance.priority == 100)
        run(shell, until: t(2.4))
        #expect(shell.instance.state == .master)
    }

    @Test func anUnhealthyMasterMakesTheAnnouncerResignAndAHealthyOneBringsItBack() throws {
        let shell = try shell(["TRACK_MASTER": "1", "TRACK_MASTER_FALL": "2", "TRACK_MASTER_RISE": "1"])
        shell.start(now: t(0))
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(0))
        run(shell, until: t(0.4))
        _ = io.take()
        shell.masterHealthObserved(.init(healthy: false, "healthy: false"), now: t(0.5))
        #expect(shell.instance.state == .master)  // one answer is not enough (fall 2)
        shell.masterHealthObserved(.init(healthy: false, "HTTP 503"), now: t(1))
        #expect(shell.instance.state == .backup)
        #expect(io.take() == [.advertise(priority: 0), .remove("169.254.100.1/32")])
        #expect(shell.status.masterHealthy == false)
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(1.5))
        #expect(shell.instance.priority == 100)
    }

    /// A master whose tracked master says `isolated` advertises `isolatedPriority` (1) at once,
    /// keeps the address while no one else is master, and yields to the first router that
    /// advertises more (a master elected on the other side of a partition), instead of taking
    /// the address from it; once its master hears its peers again it runs at its own priority.
    @Test func anIsolatedMasterAdvertisesTheLowestPriorityAndYieldsToTheOtherSide() throws {
        let shell = try shell(["TRACK_MASTER": "1", "TRACK_MASTER_FALL": "2", "TRACK_MASTER_RISE": "2"])
        shell.start(now: t(0))
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(0))
        run(shell, until: t(0.4))
        #expect(shell.instance.state == .master)
        _ = io.take()
        let isolated = MasterStatusAnswer.Verdict(healthy: true, "healthy: true, isolated", isolated: true)
        shell.masterHealthObserved(isolated, now: t(0.5))
        #expect(shell.instance.priority == AnnouncerShell.isolatedPriority && shell.instance.state == .master)
        #expect(io.take() == [.advertise(priority: 1)])
        #expect(shell.status.masterIsolated && shell.status.masterHealthy == true)
        #expect(log.contains("tracked master is isolated"))
        run(shell, until: t(2))
        #expect(shell.instance.state == .master && shell.instance.holdsVirtualAddresses)
        _ = io.take()
        // The other side's master (priority 50, below the configured 100) is heard: this one yields.
        shell.receiveDatagram(Fixture.datagram(priority: 50), from: Fixture.peer, now: t(2.1))
        #expect(shell.instance.state == .backup)
        #expect(io.take().contains(.remove("169.254.100.1/32")))
        // Back in touch with its peers (a follower now, say): its own priority again, but only
        // after TRACK_MASTER_RISE answers in a row say so (one could be a stale acknowledgement
        // that TCP delivered after a heal); an isolated answer between starts the count again.
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(2.5))
        #expect(shell.instance.priority == AnnouncerShell.isolatedPriority && shell.status.masterIsolated)
        shell.masterHealthObserved(isolated, now: t(2.6))
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(2.7))
        #expect(shell.instance.priority == AnnouncerShell.isolatedPriority && shell.status.masterIsolated)
        #expect(!log.contains("tracked master hears enough peers again"))
        shell.masterHealthObserved(.init(healthy: true, "healthy: true"), now: t(2.8))
        #expect(shell.instance.priority == 100 && !shell.status.masterIsolated)
        #expect(log.contains("tracked master hears enough peers again"))
    }

    /// An unhealthy answer is not isolated, and an address owner (255) keeps its priority.
    @Test func isolationLowersNeitherAnUnhealthyMastersRouterNorAnAddressOwner() throws {
        let owner = try shell(["TRACK_MASTER": "1", "TRACK_MASTER_RISE": "1", "PRIORITY": "255"])
        owner.start(now: t(0))
        owner.masterHealthObserved(MasterStatusAnswer.Verdict(healthy: true, "isolated", isolated: true), now: t(0))
        #expect(owner.instance.priority == 255 && owner.status.masterIsolated)
        let sick = try shell(["TRACK_MASTER": "1", "TRACK_MASTER_FALL": "1", "TRACK_MASTER_RISE": "1"])
        sick.start(now: t(0))
        sick.masterHealthObserved(MasterStatusAnswer.Verdict(healthy: false, "healthy: false", isolated: true), now: t(0))
        #expect(sick.instance.priority == 0 && !sick.status.masterIsolated)
    }

    @Test func reloadChangesThePriority() throws {
        let shell = try shell()
        shell.start(now: t(0))
        shell.reload(Fixture.settings(["PRIORITY": "150"]), now: t(0.1))
        #expect(shell.instance.priority == 150)
        #expect(shell.status.configuredPriority == 150)
    }

    @Test func aFailedAddIsLoggedAndCounted() throws {
        io.failAdd = true
        let shell = try shell()
        shell.start(now: t(0))
        run(shell, until: t(0.4))
        #expect(shell.status.counters["address_add_failures"] == 1)
        #expect(log.contains("adding 169.254.100.1/32 to eth0 failed: no such device"))
    }
}
