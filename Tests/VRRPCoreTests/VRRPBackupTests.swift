import Testing
import VRRPCore

/// RFC 5798 §6.1, §6.4.1 and §6.4.2: startup, the timers, and the Backup state's rules.
/// The fixture runs at priority 100 with a 1 s interval, so Skew_Time = 156/256 s = 609.375 ms
/// and Master_Down_Interval = 3.609375 s.
struct VRRPBackupTests {
    static let masterDownInterval: Duration = .microseconds(3_609_375)

    // MARK: §6.1 timers

    @Test func skewTimeDependsOnPriority() {
        func instance(priority: Int, interval: Duration = .seconds(1)) -> VRRPInstance {
            VRRPInstance(configuration: Fixture.configuration(priority: priority, interval: interval))
        }
        // Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256
        #expect(instance(priority: 100).skewTime == .microseconds(609_375))
        #expect(instance(priority: 255).skewTime == .nanoseconds(3_906_250))
        #expect(instance(priority: 1).skewTime == .nanoseconds(996_093_750))
        #expect(instance(priority: 100, interval: .milliseconds(100)).skewTime == .nanoseconds(60_937_500))
        // A higher priority waits less, so the best backup usually takes over first.
        #expect(instance(priority: 200).skewTime < instance(priority: 100).skewTime)
    }

    @Test func masterDownIntervalIsThreeIntervalsPlusSkewTime() {
        let instance = VRRPInstance(configuration: Fixture.configuration(priority: 100))
        #expect(instance.masterDownInterval == .seconds(3) + instance.skewTime)
        #expect(instance.masterDownInterval == Self.masterDownInterval)
    }

    // MARK: §6.4.1 startup

    @Test func startEntersBackupAndArmsMasterDownTimer() {
        var harness = Harness()
        let out = harness.send(.start)
        #expect(out.shape == ["transition(initialize→backup)", "removeVIP", "arm(masterDown)"])
        #expect(out.transitions == [VRRPTransition(from: .initialize, to: .backup, reason: .started)])
        #expect(harness.deadline(.masterDown) == .origin + Self.masterDownInterval)
        #expect(harness.state == .backup)
    }

    @Test func startRemovesAddressesLeftByCrashedPredecessor() {
        var harness = Harness(Fixture.configuration(addresses: [Fixture.vip, IPv4Address(169, 254, 0, 101)]))
        let out = harness.send(.start)
        #expect(out.contains(.removeAddresses([Fixture.vip, IPv4Address(169, 254, 0, 101)])))
        #expect(!out.contains(.runDemoteHook))
    }

    @Test func addressOwnerBecomesMasterAtStart() {
        var harness = Harness(Fixture.configuration(priority: 255))
        let out = harness.send(.start, at: t(2))
        #expect(out.shape == ["transition(initialize→master)", "removeVIP", "advert(255)", "arm(advertisement)", "promote"])
        #expect(out.transitions.first?.reason == .startedAsAddressOwner)
        #expect(harness.deadline(.advertisement) == t(3))
        #expect(harness.state == .master)
    }

    @Test func secondStartIsIgnored() {
        var harness = Harness()
        harness.send(.start)
        #expect(harness.send(.start, at: t(1)).isEmpty)
    }

    // MARK: §6.4.2 Backup

    @Test func backupBecomesMasterAfterMasterDownInterval() {
        var harness = Harness()
        harness.send(.start)
        let out = harness.fire(.masterDown)
        #expect(harness.now == .origin + Self.masterDownInterval)
        #expect(out.shape == ["transition(backup→master)", "advert(100)", "arm(advertisement)", "promote"])
        #expect(out.transitions == [VRRPTransition(from: .backup, to: .master, reason: .masterDown)])
        #expect(out.deadline(.advertisement) == harness.now + .seconds(1))
    }

    @Test func advertisementResetsMasterDownTimer() {
        var harness = Harness()
        harness.send(.start)
        let out = harness.receive(Fixture.advert(priority: 200), at: t(2))
        #expect(out.shape == ["arm(masterDown)"])
        #expect(harness.deadline(.masterDown) == t(2) + Self.masterDownInterval)
        #expect(harness.state == .backup)
    }

    @Test func backupLearnsMasterAdverInterval() {
        var harness = Harness()
        harness.send(.start)
        harness.receive(Fixture.advert(priority: 200, intervalCentiseconds: 50), at: t(1))
        #expect(harness.instance.masterAdvertisementInterval == .milliseconds(500))
        // Master_Down_Interval recomputed from the learned interval: 3 × 0.5 s + 156/256 × 0.5 s.
        #expect(harness.instance.masterDownInterval == .nanoseconds(1_804_687_500))
        #expect(harness.deadline(.masterDown) == t(1) + .nanoseconds(1_804_687_500))
    }

    @Test func priorityZeroAdvertShortensMasterDownToSkewTime() {
        var harness = Harness()
        harness.send(.start)
        harness.receive(Fixture.advert(priority: 200), at: t(1))
        let out = harness.receive(Fixture.advert(priority: 0), at: t(2))
        #expect(out.shape == ["arm(masterDown)"])
        #expect(harness.deadline(.masterDown) == t(2) + .microseconds(609_375))
        let takeover = harness.fire(.masterDown)
        #expect(takeover.transitions.first?.reason == .masterResigned(Fixture.higherPeer))
    }

    @Test func backupPreemptsLowerPriorityMaster() {
        var harness = Harness()
        harness.send(.start)
        let deadline = harness.deadline(.masterDown)
        // Discarded (§6.4.2 "Otherwise: Discard"): the timer keeps running.
        #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(1)).isEmpty)
        #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(2)).isEmpty)
        #expect(harness.deadline(.masterDown) == deadline)
        let out = harness.fire(.masterDown)
        #expect(out.transitions.first?.reason == .preemptedLowerPriorityMaster(Fixture.lowerPeer, priority: 50))
    }

    @Test func noPreemptWhenPreemptModeOff() {
        var harness = Harness(Fixture.configuration(preemptMode: false))
        harness.send(.start)
        let out = harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(1))
        #expect(out.shape == ["arm(masterDown)"])
        #expect(harness.deadline(.masterDown) == t(1) + Self.masterDownInterval)
    }

    @Test func equalPriorityMasterIsNotPreempted() {
        // §6.4.2 accepts "greater than or equal to the local Priority", whatever the addresses.
        var harness = Harness()
        harness.send(.start)
        let out = harness.receive(Fixture.advert(priority: 100), from: Fixture.lowerPeer, at: t(1))
        #expect(out.shape == ["arm(masterDown)"])
    }

    @Test func addressOwnerAlwaysPreempts() {
        // §6.1 Preempt_Mode: "the router that owns the IPvX address ... always preempts".
        var harness = Harness(Fixture.configuration(priority: 255, preemptMode: false))
        harness.send(.priorityChanged(0))
        harness.send(.start)  // an unhealthy owner starts as backup
        harness.send(.priorityChanged(255), at: t(1))
        #expect(harness.receive(Fixture.advert(priority: 100), from: Fixture.lowerPeer, at: t(2)).isEmpty)
    }

    @Test func preemptDelayIsHonoured() {
        var harness = Harness(Fixture.configuration(preemptDelay: .seconds(5)))
        harness.send(.start)
        // A lower-priority master is accepted for 5 s from its first advertisement (t = 1) ...
        for second in 1...5 {
            let out = harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(Double(second)))
            #expect(out.shape == ["arm(masterDown)"], "at \(second) s")
        }
        // ... then discarded, so Master_Down_Interval after the last accepted one this router takes over.
        for second in 6...8 {
            #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(Double(second))).isEmpty)
        }
        let out = harness.fire(.masterDown)
        #expect(harness.now == t(5) + Self.masterDownInterval)
        #expect(out.transitions.first?.reason == .preemptedLowerPriorityMaster(Fixture.lowerPeer, priority: 50))
    }

    @Test func preemptDelayRestartsAfterAdvertOfEqualOrHigherPriority() {
        var harness = Harness(Fixture.configuration(preemptDelay: .seconds(5)))
        harness.send(.start)
        harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(1))
        harness.receive(Fixture.advert(priority: 200), at: t(3))
        // The lower-priority master seen again at 6 s starts a new 5 s window.
        #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(6)).shape == ["arm(masterDown)"])
        #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(10.9)).shape == ["arm(masterDown)"])
        #expect(harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer, at: t(11)).isEmpty)
    }

    @Test func backupAtPriorityZeroNeverTakesOver() {
        var harness = Harness()
        harness.send(.start)
        #expect(harness.send(.priorityChanged(0), at: t(1)).shape == ["cancel(masterDown)"])
        // Neither a resigning master nor silence can make it master.
        #expect(harness.receive(Fixture.advert(priority: 0), at: t(2)).isEmpty)
        #expect(harness.receive(Fixture.advert(priority: 200, intervalCentiseconds: 20), at: t(3)).isEmpty)
        #expect(harness.armed.isEmpty)
        // Healthy again: it watches the master with the interval it learned meanwhile.
        let out = harness.send(.priorityChanged(100), at: t(4))
        #expect(out.shape == ["arm(masterDown)"])
        #expect(harness.deadline(.masterDown) == t(4) + .microseconds(721_875))
    }

    @Test func backupShutdownCancelsMasterDownTimer() {
        var harness = Harness()
        harness.send(.start)
        let out = harness.send(.shutdown, at: t(1))
        #expect(out.shape == ["transition(backup→initialize)", "cancel(masterDown)"])
        #expect(harness.state == .initialize)
        // It can start again.
        #expect(harness.send(.start, at: t(2)).transitions.first?.to == .backup)
    }

    @Test func staleTimerIsIgnored() {
        var harness = Harness()
        harness.send(.start)
        guard let (first, _) = harness.armed[.masterDown] else { Issue.record("no timer"); return }
        harness.receive(Fixture.advert(priority: 200), at: t(1))  // re-arms: a new generation
        #expect(harness.armed[.masterDown]?.timer != first)
        #expect(harness.send(.timerFired(first), at: t(3.7)).isEmpty)
        #expect(harness.state == .backup)
        // A timer of a kind that is not armed at all, and one never handed out, are ignored too.
        #expect(harness.send(.timerFired(VRRPTimer(kind: .advertisement, generation: 1))).isEmpty)
        #expect(harness.send(.timerFired(VRRPTimer(kind: .masterDown, generation: 999))).isEmpty)
        #expect(harness.state == .backup)
    }
}
