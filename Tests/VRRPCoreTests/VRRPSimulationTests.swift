import Testing
import VRRPCore

/// Seeded simulations of 2–5 instances on a LAN with delay, loss, corruption, partitions that
/// heal, health flaps, restarts and a killed master (DESIGN "Time": TigerBeetle-style).
/// Every failure message starts with the seed; rerun one with `--filter` and that argument.
struct VRRPSimulationTests {
    @Test(arguments: 1...50 as ClosedRange<UInt64>)
    func singleMasterHoldsVIPAfterFaultsHeal(seed: UInt64) {
        var lan = SimulatedLAN(seed: seed)
        lan.runScenario()
        #expect(lan.violations.isEmpty, "seed \(seed): \(lan.violations.joined(separator: "\n"))")
        // Corruption is caught by the checks of §7.1, never taken for an advertisement.
        #expect(lan.rejected <= lan.corrupted, "seed \(seed): \(lan.rejected) rejected, \(lan.corrupted) corrupted")
        #expect(lan.transitions >= lan.nodes.count, "seed \(seed): only \(lan.transitions) transitions")
    }
}
