import MFSCore
import MFSReplication
import Testing

/// A master's start and rejoin as the role machine decides them (DESIGN §7.7, §7.6): the answers
/// of `MASTER_HOST` and what was loaded in, the decision out.
@Suite struct RoleMachineStartTests {
    static let cluster = MetaID(0xC0FF_EE00_1234_5678)

    func facts(
        follower: Bool = false, masterHost: Bool = true, newCluster: Bool = false, otherVoters: Bool = false, epoch: UInt64 = 3,
        _ replies: [RoleMachine.StartReply?] = []
    ) -> RoleMachine.StartFacts {
        RoleMachine.StartFacts(
            configuredFollower: follower, hasMasterHost: masterHost, newCluster: newCluster, otherVoters: otherVoters,
            metaID: newCluster ? .unknown : Self.cluster, epoch: Epoch(newCluster ? 0 : epoch), replies: replies)
    }

    func reply(_ address: String, _ role: MasterRole, epoch: UInt64, cluster: MetaID = cluster) -> RoleMachine.StartReply {
        RoleMachine.StartReply(address: address, metaID: cluster, role: role, epoch: Epoch(epoch))
    }

    @Test func anActiveMasterAtMasterHostIsFollowedWhateverMasterRoleSays() {
        let answers = [nil, reply("b:9419", .follower, epoch: 4), reply("c:9419", .active, epoch: 4)]
        #expect(RoleMachine.start(facts(answers)).decision == .follow("c:9419"))
        #expect(RoleMachine.start(facts(follower: true, answers)).decision == .follow("c:9419"))
        #expect(RoleMachine.start(facts(otherVoters: true, answers)).decision == .follow("c:9419"))
    }

    @Test func aStaleOrForeignActiveMasterIsNotFollowed() {
        let stale = [reply("b:9419", .active, epoch: 2)]
        #expect(RoleMachine.start(facts(stale)).decision == .active)
        let foreign = [reply("b:9419", .active, epoch: 9, cluster: MetaID(7))]
        let (decision, log) = RoleMachine.start(facts(foreign))
        #expect(decision == .active)
        #expect(log.contains { $0.0 == .warning && $0.1.contains("another cluster") })
    }

    @Test func withOtherVotersAndNoActiveMasterARestartStandsForANewEpoch() {
        #expect(RoleMachine.start(facts(otherVoters: true, [nil])).decision == .stand)
        // A configured follower waits for the active master instead.
        #expect(RoleMachine.start(facts(follower: true, otherVoters: true, [nil])).decision == .follow(nil))
        // Alone: it takes writes in its epoch.
        #expect(RoleMachine.start(facts([nil])).decision == .active)
        #expect(RoleMachine.start(facts(masterHost: false)).decision == .active)
    }

    @Test func anEmptyDataPathStartsANewClusterOrDownloads() {
        #expect(RoleMachine.start(facts(newCluster: true, [nil])).decision == .newCluster)
        #expect(RoleMachine.start(facts(newCluster: true, [reply("b:9419", .active, epoch: 0)])).decision == .downloadAndFollow)
        #expect(RoleMachine.start(facts(follower: true, newCluster: true, [nil])).decision == .downloadAndFollow)
    }

    @Test func aFollowerWithoutMasterHostIsRefused() {
        guard case .refuse(let reason) = RoleMachine.start(facts(follower: true, masterHost: false)).decision else {
            Issue.record("a follower of nobody started")
            return
        }
        #expect(reason.contains("MASTER_HOST"))
    }

    @Test func onlyAFencedMasterWithMasterHostAndNoLinkRejoins() {
        #expect(RoleMachine.rejoins(role: .fenced, hasMasterHost: true, following: false))
        #expect(!RoleMachine.rejoins(role: .fenced, hasMasterHost: true, following: true))
        #expect(!RoleMachine.rejoins(role: .fenced, hasMasterHost: false, following: false))
        #expect(!RoleMachine.rejoins(role: .active, hasMasterHost: true, following: false))
        #expect(!RoleMachine.rejoins(role: .follower, hasMasterHost: true, following: false))
    }
}
