import Foundation
import MFSChunkRegistry
import Testing

/// Seeded simulations of five chunkservers joining, leaving, coming back, losing chunks and
/// reporting damage under the real registry; invariants checked after every step (see
/// `RegistrySimulation`). `MFS_SIM_SEED=n` runs that seed alone.
@Suite struct RegistrySimulationTests {
    static let seeds: [UInt64] = ProcessInfo.processInfo.environment["MFS_SIM_SEED"].flatMap { UInt64($0) }.map { [$0] } ?? Array(1...30)

    @Test(arguments: seeds)
    func invariantsHoldAndUnderGoalChunksReachTheirGoal(seed: UInt64) {
        var simulation = RegistrySimulation(seed: seed)
        let settled = simulation.run(steps: 600, calmSteps: 400)
        #expect(simulation.violations.isEmpty, "\(simulation.violations.prefix(5).joined(separator: "\n"))")
        let summary = simulation.registry.summary(facts: simulation.facts)
        #expect(
            simulation.sentCounts[.replicate, default: 0] > 0 && simulation.sentCounts[.delete, default: 0] > 0, "\(simulation.sentCounts)")
        #expect(settled, "seed \(seed): not settled after the calm: \(summary)")
    }
}
