import Testing
import VRRPCore

/// RFC 5798 §6.4.3 (Master), the hooks around it, shutdown and priority changes.
struct VRRPMasterTests {
    static let vips = [Fixture.vip]

    // MARK: §6.4.3 Master

    @Test func masterSendsAdvertisementEveryInterval() {
        var harness = Harness.servingMaster()
        let firedAt = harness.deadline(.advertisement)
        let out = harness.fire(.advertisement)
        #expect(out.shape == ["advert(100)", "arm(advertisement)"])
        #expect(harness.deadline(.advertisement) == firedAt.map { $0 + .seconds(1) })
    }

    @Test func masterYieldsToHigherPriority() {
        var harness = Harness.servingMaster()
        let out = harness.receive(Fixture.advert(priority: 200, intervalCentiseconds: 50), from: Fixture.lowerPeer)
        #expect(
            out.shape == ["transition(master→backup)", "cancel(advertisement)", "advert(100)", "removeVIP", "demote", "arm(masterDown)"])
        #expect(out.transitions.first?.reason == .higherPriorityMaster(Fixture.lowerPeer, priority: 200))
        // §6.4.3: Master_Adver_Interval from the advertisement, Master_Down_Timer from it.
        #expect(harness.instance.masterAdvertisementInterval == .milliseconds(500))
        #expect(harness.deadline(.masterDown) == harness.now + harness.instance.masterDownInterval)
        #expect(!harness.instance.holdsVirtualAddresses)
    }

    /// A healed split whose first advertisements crossed: the loser yields on the winner's, and
    /// its farewell advertisement (at its own priority) is what the winner hears, so the winner
    /// re-announces the addresses (extension, DESIGN §7.5).
    @Test func aYieldingMasterSendsAFarewellAdvertSoTheWinnerAnnouncesAgain() {
        var loser = Harness.servingMaster()
        var winner = Harness.servingMaster(Fixture.configuration(priority: 200, primary: Fixture.higherPeer))
        let left = loser.receive(Fixture.advert(priority: 200), from: Fixture.higherPeer)
        #expect(loser.state == .backup)
        #expect(left.advertisedPriorities == [100], "one farewell at the loser's own priority")
        let answer = winner.receive(Fixture.advert(priority: 100), from: Fixture.me)
        #expect(answer.shape == ["advert(200)", "arm(advertisement)", "arp"])
        #expect(winner.state == .master)
    }

    @Test func tieBrokenByHigherPrimaryAddress() {
        var winner = Harness.servingMaster()
        let out = winner.receive(Fixture.advert(priority: 100), from: Fixture.lowerPeer)
        #expect(winner.state == .master)
        #expect(out.advertisedPriorities == [100])

        var loser = Harness.servingMaster()
        let yielded = loser.receive(Fixture.advert(priority: 100), from: Fixture.higherPeer)
        #expect(loser.state == .backup)
        #expect(yielded.transitions.first?.reason == .equalPriorityHigherAddress(Fixture.higherPeer))
    }

    @Test func twoAddressOwnersElectOne() {
        // RFC 5798 §7.1 would have an owner discard every advertisement, leaving two owners
        // master for ever; processing them lets §6.4.3's address tie-break pick one (RFC 9568
        // erratum 8298).
        var lower = Harness(Fixture.configuration(priority: 255))
        lower.send(.start)
        lower.finishPromotion()
        let out = lower.receive(Fixture.advert(priority: 255), from: Fixture.higherPeer)
        #expect(out.transitions.first?.reason == .equalPriorityHigherAddress(Fixture.higherPeer))
        #expect(lower.state == .backup)
    }

    @Test func masterAnswersPriorityZeroWithAdvertisement() {
        var harness = Harness.servingMaster()
        let at = harness.now + .milliseconds(300)
        let out = harness.receive(Fixture.advert(priority: 0), at: at)
        // §6.4.3: send an advertisement, reset the Adver_Timer; plus ARP (extension).
        #expect(out.shape == ["advert(100)", "arm(advertisement)", "arp"])
        #expect(harness.deadline(.advertisement) == at + .seconds(1))
        #expect(harness.state == .master)
    }

    @Test func masterAnswersLowerPriorityAdvertWithAdvertAndARP() {
        var harness = Harness.servingMaster()
        let at = harness.now + .milliseconds(300)
        let out = harness.receive(Fixture.advert(priority: 50), from: Fixture.higherPeer, at: at)
        #expect(
            out == [
                .sendAdvertisement(harness.instance.advertisementForTest(priority: 100)),
                .armTimer(harness.armed[.advertisement]!.timer, deadline: at + .seconds(1)),
                .sendGratuitousARP(Self.vips),
            ])
        #expect(harness.state == .master)
    }

    @Test func promotingMasterAnswersLowerPriorityWithoutARP() {
        var harness = Harness()
        harness.send(.start)
        harness.fire(.masterDown)
        let out = harness.receive(Fixture.advert(priority: 50), from: Fixture.lowerPeer)
        #expect(out.shape == ["advert(100)", "arm(advertisement)"])
    }

    // MARK: Hooks

    @Test func promoteHookRunsBeforeVIPIsAdded() {
        var harness = Harness()
        harness.send(.start)
        let takeover = harness.fire(.masterDown)
        #expect(takeover.shape.contains("promote"))
        #expect(!takeover.shape.contains("addVIP"))
        #expect(!harness.instance.holdsVirtualAddresses)
        #expect(harness.instance.pendingPromotion == harness.promotion)
        // Time passes, adverts go out, still no address until the hook reports.
        #expect(!harness.fire(.advertisement).shape.contains("addVIP"))
        let done = harness.finishPromotion(at: harness.now + .milliseconds(200))
        #expect(done == [.addAddresses(Self.vips), .sendGratuitousARP(Self.vips)])
        #expect(harness.instance.holdsVirtualAddresses)
        #expect(harness.instance.pendingPromotion == nil)
    }

    @Test func failedPromoteHookResigns() {
        var harness = Harness()
        harness.send(.start)
        harness.fire(.masterDown)
        let out = harness.finishPromotion(.failure("peer 169.254.0.20 has a higher version"))
        #expect(out.shape == ["transition(master→backup)", "cancel(advertisement)", "advert(0)", "demote", "arm(masterDown)"])
        #expect(out.transitions.first?.reason == .promoteHookFailed("peer 169.254.0.20 has a higher version"))
        #expect(out.transitions.first?.reason.description.contains("higher version") == true)
        #expect(harness.state == .backup)
        // It tries again after Master_Down_Interval if nobody else took over.
        #expect(harness.deadline(.masterDown) == harness.now + harness.instance.masterDownInterval)
    }

    /// Extension: a promote hook that keeps failing backs off (2 s, doubling up to 60 s) after
    /// its second failure in a row, so the VIP cannot flap every Master_Down_Interval.
    @Test func promoteBackoffDoublesAfterTheSecondFailure() {
        let expected: [(Int, Duration)] = [
            (0, .zero), (1, .zero), (2, .seconds(2)), (3, .seconds(4)), (4, .seconds(8)), (7, .seconds(60)), (100, .seconds(60)),
        ]
        for (failures, backoff) in expected {
            #expect(VRRPInstance.promoteBackoff(afterFailures: failures) == backoff, "after \(failures) failures")
        }
    }

    @Test func repeatedPromoteHookFailuresBackOffThenASuccessResets() {
        // 100 ms adverts: Master_Down_Interval (0.36 s) is shorter than the back-off.
        var harness = Harness(Fixture.configuration(interval: .milliseconds(100)))
        harness.send(.start)
        harness.fire(.masterDown)
        harness.finishPromotion(.failure("one"))
        // The first failure: the next try after Master_Down_Interval, as before.
        #expect(harness.instance.promoteRetryAt == nil)
        harness.fire(.masterDown)
        #expect(harness.state == .master)
        let failedAt = harness.now
        harness.finishPromotion(.failure("two"))
        #expect(harness.instance.promoteRetryAt == failedAt + .seconds(2))
        // Silence: the master-down timer fires early, is put off to the back-off's end.
        let early = harness.fire(.masterDown)
        #expect(early.transitions.isEmpty && harness.state == .backup)
        #expect(harness.deadline(.masterDown) == failedAt + .seconds(2))
        harness.fire(.masterDown)
        #expect(harness.state == .master)
        harness.finishPromotion(.failure("three"))
        #expect(harness.instance.promoteRetryAt == harness.now + .seconds(4))
        harness.fire(.masterDown)
        harness.fire(.masterDown)
        harness.finishPromotion(.success)
        #expect(harness.instance.failedPromotions == 0 && harness.instance.promoteRetryAt == nil)
        #expect(harness.instance.holdsVirtualAddresses)
    }

    /// Extension: a promote hook that says "not yet" (exit 75: the voters still hear the old
    /// master for a moment) resigns for now, counts no failure and so never backs off, until
    /// `VRRPLimits.notYetBeforeBackoff` such answers in a row; a success resets that count.
    @Test func aPromoteHookThatSaysNotYetResignsWithoutBackingOff() {
        var harness = Harness(Fixture.configuration(interval: .milliseconds(100)))
        harness.send(.start)
        for attempt in 1...VRRPLimits.notYetBeforeBackoff {
            harness.fire(.masterDown)
            #expect(harness.state == .master, "attempt \(attempt)")
            let out = harness.finishPromotion(.notYet("voters still hear the old master"))
            #expect(out.shape.contains("advert(0)") && out.shape.contains("demote"), "\(out.shape)")
            #expect(out.transitions.first?.reason == .promoteHookNotYet("voters still hear the old master"))
            #expect(harness.state == .backup)
            #expect(harness.instance.failedPromotions == 0 && harness.instance.promoteRetryAt == nil, "attempt \(attempt)")
            #expect(harness.deadline(.masterDown) == harness.now + harness.instance.masterDownInterval)
        }
        // Past the limit "not yet" counts as a failure: the second one in a row backs off.
        harness.fire(.masterDown)
        harness.finishPromotion(.notYet("still"))
        #expect(harness.instance.failedPromotions == 1 && harness.instance.promoteRetryAt == nil)
        harness.fire(.masterDown)
        harness.finishPromotion(.notYet("still"))
        #expect(harness.instance.failedPromotions == 2 && harness.instance.promoteRetryAt == harness.now + .seconds(2))
        harness.fire(.masterDown)
        harness.fire(.masterDown)
        harness.finishPromotion(.success)
        #expect(harness.instance.notYetPromotions == 0 && harness.instance.failedPromotions == 0)
    }

    @Test func noPreemptionWhilePromotionIsBackedOff() {
        var harness = Harness(Fixture.configuration(priority: 200, interval: .milliseconds(100)))
        harness.send(.start)
        harness.fire(.masterDown)
        harness.finishPromotion(.failure("one"))
        harness.fire(.masterDown)
        harness.finishPromotion(.failure("two"))
        let retry = harness.instance.promoteRetryAt!
        // A lower-priority master is accepted during the back-off: its adverts re-arm the
        // master-down timer. After the back-off they are discarded again (the timer is left to
        // run out: preemption).
        let before = harness.deadline(.masterDown)!
        harness.receive(
            Fixture.advert(priority: 100, intervalCentiseconds: 10), from: Fixture.lowerPeer, at: harness.now + .milliseconds(500))
        let accepted = harness.deadline(.masterDown)!
        #expect(accepted > before && accepted < retry)
        harness.receive(Fixture.advert(priority: 100, intervalCentiseconds: 10), from: Fixture.lowerPeer, at: retry + .milliseconds(100))
        #expect(harness.deadline(.masterDown) == accepted)
    }

    @Test func demoteHookRunsAfterVIPIsRemoved() {
        var harness = Harness.servingMaster()
        let out = harness.receive(Fixture.advert(priority: 200)).shape
        let removed = out.firstIndex(of: "removeVIP")
        let demoted = out.firstIndex(of: "demote")
        #expect(removed != nil && demoted != nil && removed! < demoted!, "\(out)")
    }

    @Test func steppingDownWhilePromotingRunsDemoteHookAndIgnoresLateResult() {
        var harness = Harness()
        harness.send(.start)
        harness.fire(.masterDown)
        let stepDown = harness.receive(Fixture.advert(priority: 200))
        // No address to remove yet, but the hook may still succeed: demote after it (and the
        // farewell advertisement first).
        #expect(stepDown.shape == ["transition(master→backup)", "cancel(advertisement)", "advert(100)", "demote", "arm(masterDown)"])
        #expect(harness.finishPromotion(.success).isEmpty)
        #expect(!harness.instance.holdsVirtualAddresses)
        #expect(harness.state == .backup)
    }

    @Test func promotionIdsAreNotReused() {
        var harness = Harness()
        harness.send(.start)
        harness.fire(.masterDown)
        let first = harness.promotion
        harness.finishPromotion(.failure("no"))
        harness.fire(.masterDown)
        #expect(harness.promotion != first)
        #expect(harness.send(.promoteHookFinished(first!, .success)).isEmpty)
        #expect(harness.instance.pendingPromotion == harness.promotion)
    }

    // MARK: Shutdown

    @Test func shutdownSendsPriorityZero() {
        var harness = Harness.servingMaster()
        let out = harness.send(.shutdown)
        #expect(out.shape == ["transition(master→initialize)", "cancel(advertisement)", "advert(0)", "removeVIP", "demote"])
        #expect(out.transitions.first?.reason == .shutdown)
        #expect(harness.state == .initialize)
        #expect(harness.armed.isEmpty)
    }

    @Test func advertisementsBeforeStartAndAfterShutdownChangeNothing() {
        var harness = Harness()
        #expect(harness.receive(Fixture.advert(priority: 200)).isEmpty)
        #expect(harness.send(.shutdown).isEmpty)
        #expect(harness.state == .initialize)
        // After a master's shutdown (it resigned): a higher or a lower peer's advert starts
        // nothing, no timer and no role.
        var stopped = Harness.servingMaster()
        #expect(!stopped.send(.shutdown).isEmpty)
        #expect(stopped.receive(Fixture.advert(priority: 200)).isEmpty)
        #expect(stopped.receive(Fixture.advert(priority: 50)).isEmpty)
        #expect(stopped.state == .initialize && stopped.armed.isEmpty)
    }

    // MARK: Priority changes (TRACK_MASTER)

    @Test func priorityZeroMakesMasterResign() {
        var harness = Harness.servingMaster()
        let out = harness.send(.priorityChanged(0))
        #expect(out.shape == ["transition(master→backup)", "cancel(advertisement)", "advert(0)", "removeVIP", "demote"])
        #expect(out.transitions.first?.reason == .priorityDroppedToZero)
        #expect(harness.armed.isEmpty)  // at priority 0 it must not take over again
        #expect(harness.instance.priority == 0)
    }

    @Test func masterAdvertisesChangedPriorityAtOnce() {
        var harness = Harness.servingMaster()
        let out = harness.send(.priorityChanged(90))
        #expect(out.shape == ["advert(90)", "arm(advertisement)"])
        #expect(harness.state == .master)
        #expect(harness.fire(.advertisement).advertisedPriorities == [90])
    }
}

extension VRRPInstance {
    /// The advertisement this instance sends at `priority`, built from its configuration.
    func advertisementForTest(priority: UInt8) -> VRRPAdvertisement {
        VRRPAdvertisement(
            packet: VRRPPacket(
                virtualRouterID: configuration.virtualRouterID, priority: priority,
                maximumAdvertisementIntervalCentiseconds: configuration.advertisementIntervalCentiseconds,
                addresses: configuration.virtualAddresses),
            source: configuration.primaryAddress)
    }
}
