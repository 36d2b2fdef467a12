import Testing
import VRRPCore

/// The interface's carrier (`VRRPInstance`, "Carrier"; not in RFC 5798): a backup without one
/// does not take over, and a master back from a loss of at least Master_Down_Interval comes
/// back as a backup unless Preempt_Mode would have it take the role back anyway.
struct VRRPCarrierTests {
    static let noPreempt = Fixture.configuration(priority: 200, preemptMode: false)

    /// Master_Down_Interval of `noPreempt` at a 1 s interval: 3 s + (256 − 200)/256 s.
    static let masterDownInterval = Duration.seconds(3) + .milliseconds(218.75)

    @Test func aMasterBackFromALongLossResignsWithoutPreempt() {
        var harness = Harness.servingMaster(Self.noPreempt)
        #expect(harness.instance.masterDownInterval == Self.masterDownInterval)
        let lost = harness.now + .milliseconds(100)
        #expect(harness.send(.carrierChanged(up: false), at: lost).isEmpty, "a loss alone changes nothing")
        #expect(harness.state == .master && harness.instance.holdsVirtualAddresses)
        let back = lost + Self.masterDownInterval
        let out = harness.send(.carrierChanged(up: true), at: back)
        #expect(
            out.shape == [
                "transition(master→backup)", "cancel(advertisement)", "advert(0)", "removeVIP", "demote", "arm(masterDown)",
            ])
        #expect(out.transitions.first?.reason == .carrierWasGone(Self.masterDownInterval))
        #expect(out.transitions.first?.reason.description.contains("gone for 3218 ms") == true)
        #expect(harness.state == .backup && !harness.instance.holdsVirtualAddresses)
        #expect(harness.deadline(.masterDown) == back + Self.masterDownInterval)
        // The master that served meanwhile advertises at a lower priority: without Preempt_Mode
        // this router accepts it and stays backup.
        harness.receive(Fixture.advert(priority: 100), from: Fixture.lowerPeer, at: back + .milliseconds(50))
        #expect(harness.state == .backup)
        #expect(harness.deadline(.masterDown) == back + .milliseconds(50) + Self.masterDownInterval)
    }

    /// The rule's price (ANNOUNCER.md): when no other router took over meanwhile, the master
    /// that resigned hears nobody and takes over again after Master_Down_Interval.
    @Test func aMasterBackFromALongLossWithNobodyElseTakesOverAgainAfterMasterDownInterval() {
        var harness = Harness.servingMaster(Self.noPreempt)
        let lost = harness.now
        harness.send(.carrierChanged(up: false), at: lost)
        let back = lost + .seconds(10)
        harness.send(.carrierChanged(up: true), at: back)
        #expect(harness.state == .backup)
        let again = harness.fire(.masterDown)
        #expect(harness.now == back + Self.masterDownInterval)
        #expect(again.transitions.first?.reason == .masterDown)
        #expect(harness.state == .master && harness.promotion != nil)
        harness.finishPromotion()
        #expect(harness.instance.holdsVirtualAddresses)
    }

    @Test func aMasterKeepsTheRoleThroughALossShorterThanMasterDownInterval() {
        var harness = Harness.servingMaster(Self.noPreempt)
        let lost = harness.now
        harness.send(.carrierChanged(up: false), at: lost)
        // Just under: no backup can have taken over yet.
        let out = harness.send(.carrierChanged(up: true), at: lost + (Self.masterDownInterval - .milliseconds(1)))
        #expect(out.isEmpty)
        #expect(harness.state == .master && harness.instance.holdsVirtualAddresses)
        #expect(harness.instance.carrierLostAt == nil)
    }

    @Test func withPreemptOrAsOwnerAMasterKeepsTheRoleAfterALongLoss() {
        for configuration in [Fixture.configuration(priority: 200, preemptMode: true), Fixture.configuration(priority: 255)] {
            var harness = Harness(configuration)
            harness.send(.start)
            if harness.state == .backup { harness.fire(.masterDown) }
            harness.finishPromotion()
            harness.send(.carrierChanged(up: false))
            let out = harness.send(.carrierChanged(up: true), at: harness.now + .seconds(60))
            #expect(out.isEmpty, "priority \(configuration.priority)")
            #expect(harness.state == .master)
        }
    }

    @Test func aBackupWithoutCarrierDoesNotTakeOverAndListensOnceItIsBack() {
        var harness = Harness(Self.noPreempt)
        harness.send(.start)
        let lost = harness.now + .milliseconds(500)
        harness.send(.carrierChanged(up: false), at: lost)
        // The Master_Down_Timer runs out while the carrier is gone: nothing happens.
        let fired = harness.fire(.masterDown)
        #expect(fired.isEmpty)
        #expect(harness.state == .backup && harness.deadline(.masterDown) == nil)
        // Back: a whole Master_Down_Interval of listening first, then the usual takeover.
        let back = lost + .seconds(10)
        let out = harness.send(.carrierChanged(up: true), at: back)
        #expect(out.shape == ["arm(masterDown)"])
        #expect(harness.deadline(.masterDown) == back + Self.masterDownInterval)
        let takeover = harness.fire(.masterDown)
        #expect(takeover.transitions.first?.reason == .masterDown)
        #expect(harness.state == .master)
    }

    @Test func repeatedReportsCountFromTheFirstLoss() {
        var harness = Harness.servingMaster(Self.noPreempt)
        let lost = harness.now
        harness.send(.carrierChanged(up: false), at: lost)
        harness.send(.carrierChanged(up: false), at: lost + .seconds(2))
        let out = harness.send(.carrierChanged(up: true), at: lost + Self.masterDownInterval)
        #expect(out.transitions.first?.reason == .carrierWasGone(Self.masterDownInterval))
        // An "up" without a loss before it (the shell's first report) changes nothing.
        #expect(harness.send(.carrierChanged(up: true)).isEmpty)
    }

    @Test func aRouterAtPriorityZeroArmsNoTimerWhenTheCarrierReturns() {
        var harness = Harness(Self.noPreempt)
        harness.send(.start)
        harness.send(.priorityChanged(0))
        harness.send(.carrierChanged(up: false))
        #expect(harness.send(.carrierChanged(up: true), at: harness.now + .seconds(5)).isEmpty)
        #expect(harness.deadline(.masterDown) == nil)
    }
}
